/**
 * Ponder config: one chain, five contracts. Addresses and start blocks come from the deployments
 * file (POH_DEPLOYMENTS); nothing here is hard-coded. See src/settings.ts for every variable.
 */
import { createConfig } from "ponder";
import {
  modelRegistryAbi,
  pohCoordinatorAbi,
  pohEmissionAbi,
  pohStakingAbi,
  pohTokenAbi,
} from "../generated/abis.ts";
import { loadSettings } from "./src/settings.ts";

const settings = loadSettings();
const { contracts, chainId } = settings.deployment;
// Local dev chains restart with the same id and different blocks: never reuse cached RPC data.
const localChain = chainId === 31337 || chainId === 1337;

export default createConfig({
  database:
    settings.database.kind === "postgres"
      ? { kind: "postgres", connectionString: settings.database.connectionString }
      : { kind: "pglite", directory: settings.database.directory },
  chains: {
    poh: {
      id: chainId,
      rpc: settings.rpcUrl,
      pollingInterval: settings.pollingIntervalMs,
      disableCache: localChain,
    },
  },
  contracts: {
    PohToken: {
      chain: "poh",
      abi: pohTokenAbi,
      address: contracts.PohToken.address as `0x${string}`,
      startBlock: contracts.PohToken.startBlock,
    },
    PohStaking: {
      chain: "poh",
      abi: pohStakingAbi,
      address: contracts.PohStaking.address as `0x${string}`,
      startBlock: contracts.PohStaking.startBlock,
    },
    ModelRegistry: {
      chain: "poh",
      abi: modelRegistryAbi,
      address: contracts.ModelRegistry.address as `0x${string}`,
      startBlock: contracts.ModelRegistry.startBlock,
    },
    PohEmission: {
      chain: "poh",
      abi: pohEmissionAbi,
      address: contracts.PohEmission.address as `0x${string}`,
      startBlock: contracts.PohEmission.startBlock,
    },
    PohCoordinator: {
      chain: "poh",
      abi: pohCoordinatorAbi,
      address: contracts.PohCoordinator.address as `0x${string}`,
      startBlock: contracts.PohCoordinator.startBlock,
    },
  },
});
