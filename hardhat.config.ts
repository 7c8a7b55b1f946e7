import { createRequire } from "node:module";
import { configVariable, defineConfig } from "hardhat/config";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";

const require = createRequire(import.meta.url);
// Hardhat cannot download compilers on these machines: use the solc-js build from npm.
const solcVersion: string = require("solc/package.json").version;

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    profiles: {
      default: {
        version: solcVersion,
        path: require.resolve("solc/soljson.js"),
        settings: { optimizer: { enabled: true, runs: 200 }, viaIR: true, evmVersion: "cancun" },
      },
    },
  },
  paths: {
    // A throwaway local chain gets a throwaway Ignition journal (deploy/deploy.ts sets this).
    ignition: process.env.POH_IGNITION_DIR ?? "./ignition",
    sources: "./contracts",
    tests: { solidity: "./test/contracts", mocha: "./test/mocha" },
  },
  // Invariant runs are bounded so that `npm test` stays well inside CI's time limit.
  test: { solidity: { fuzz: { runs: 256 }, invariant: { runs: 64, depth: 50 } } },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    localhost: { type: "http", chainType: "l1", url: process.env.POH_RPC_URL ?? "http://127.0.0.1:8545" },
    // Any other EVM network: keys come from Hardhat's keystore (`npx hardhat keystore set POH_DEPLOYER_KEY`).
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("POH_DEPLOYER_KEY")],
    },
  },
});
