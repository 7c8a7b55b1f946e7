import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DEFAULT_MODEL_PATH, loadConfig, takeConfigFlag } from "../../oracle/src/config/index.ts";
import { ConfigError } from "../../oracle/src/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "poh-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const deployments = join(dir, "31337.json");
writeFileSync(
  deployments,
  JSON.stringify({
    chainId: 31337,
    contracts: {
      PohToken: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", startBlock: 1 },
      PohStaking: { address: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", startBlock: 2 },
      ModelRegistry: { address: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", startBlock: 3 },
      PohEmission: { address: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9", startBlock: 4 },
      PohCoordinator: { address: "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9", startBlock: 5 },
    },
    modelId: 1,
  }),
);
const base = { POH_RPC_URL: "http://127.0.0.1:23001", POH_DEPLOYMENTS: deployments, POH_PRIVATE_KEY: KEY };

function fails(env: Record<string, string>, pattern: RegExp, configFile?: string): void {
  assert.throws(() => loadConfig({ env, configFile }), (e: unknown) => e instanceof ConfigError && pattern.test(e.message));
}

describe("config", () => {
  it("reads the deployments file and applies defaults", () => {
    const c = loadConfig({ env: base });
    assert.equal(c.contracts.coordinator, "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9");
    assert.equal(c.contracts.registry, "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0");
    assert.equal(c.contracts.startBlock, 5n);
    assert.equal(c.contracts.chainId, 31337);
    assert.equal(c.confirmations, 2);
    assert.equal(c.modelPath, DEFAULT_MODEL_PATH);
    assert.equal(c.privateKey, KEY);
    assert.equal(c.fetchAllowPrivate, false, "payload fetches stay off private addresses by default");
  });

  it("POH_FETCH_ALLOW_PRIVATE takes true/false/1/0 from the environment or a boolean from the file", () => {
    assert.equal(loadConfig({ env: { ...base, POH_FETCH_ALLOW_PRIVATE: "true" } }).fetchAllowPrivate, true);
    assert.equal(loadConfig({ env: { ...base, POH_FETCH_ALLOW_PRIVATE: "1" } }).fetchAllowPrivate, true);
    assert.equal(loadConfig({ env: { ...base, POH_FETCH_ALLOW_PRIVATE: "FALSE" } }).fetchAllowPrivate, false);
    assert.equal(loadConfig({ env: { ...base, POH_FETCH_ALLOW_PRIVATE: "0" } }).fetchAllowPrivate, false);
    const file = join(dir, "private.json");
    writeFileSync(file, JSON.stringify({ fetchAllowPrivate: true }));
    assert.equal(loadConfig({ env: base, configFile: file }).fetchAllowPrivate, true);
    fails({ ...base, POH_FETCH_ALLOW_PRIVATE: "yes" }, /^POH_FETCH_ALLOW_PRIVATE: /);
  });

  it("POH_GAS_LIMIT_MODE is computed by default and takes computed or estimate (any case) from the environment or the file", () => {
    assert.equal(loadConfig({ env: base }).gasLimitMode, "computed");
    assert.equal(loadConfig({ env: { ...base, POH_GAS_LIMIT_MODE: "estimate" } }).gasLimitMode, "estimate");
    assert.equal(loadConfig({ env: { ...base, POH_GAS_LIMIT_MODE: " Computed " } }).gasLimitMode, "computed");
    const file = join(dir, "gas.json");
    writeFileSync(file, JSON.stringify({ gasLimitMode: "estimate" }));
    assert.equal(loadConfig({ env: base, configFile: file }).gasLimitMode, "estimate");
    fails({ ...base, POH_GAS_LIMIT_MODE: "fixed" }, /^POH_GAS_LIMIT_MODE: .*computed or estimate/);
  });

  it("the environment overrides the file; file paths are relative to the file", () => {
    const file = join(dir, "node.json");
    writeFileSync(file, JSON.stringify({ rpcUrl: "http://127.0.0.1:23002", deployments: "31337.json", confirmations: 5, dataDir: "data", maxGasPrice: "50gwei" }));
    const c = loadConfig({ env: { POH_PRIVATE_KEY: KEY, POH_CONFIRMATIONS: "7" }, configFile: file });
    assert.equal(c.rpcUrl, "http://127.0.0.1:23002");
    assert.equal(c.confirmations, 7);
    assert.equal(c.dataDir, join(dir, "data"));
    assert.equal(c.maxGasPrice, 50_000_000_000n);
  });

  it("names the environment variable of a bad value", () => {
    fails({ ...base, POH_CONFIRMATIONS: "two" }, /^POH_CONFIRMATIONS: invalid value "two"/);
    fails({ ...base, POH_METRICS_PORT: "70000" }, /^POH_METRICS_PORT: /);
    fails({ ...base, POH_RPC_URL: "localhost:8545" }, /^POH_RPC_URL: /);
    fails({ ...base, POH_RPC_URL: "ws://127.0.0.1:8546" }, /^POH_RPC_URL: .*must be an http\(s\) URL/);
    fails({ ...base, POH_COORDINATOR: "0x1234" }, /^POH_COORDINATOR: .*20-byte hex address/);
    fails({ ...base, POH_MAX_GAS_PRICE: "-1" }, /^POH_MAX_GAS_PRICE: /);
    fails({ ...base, POH_LOG_LEVEL: "loud" }, /^POH_LOG_LEVEL: /);
    fails({ ...base, POH_POLL_MS: "1" }, /^POH_POLL_MS: /);
  });

  it("names the file key of a bad value in the config file", () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ pollMs: "soon" }));
    fails(base, /^pollMs \(in .*bad\.json\): invalid value "soon"/, file);
    writeFileSync(file, JSON.stringify({ confimations: 3 }));
    fails(base, /unknown key "confimations"/, file);
    writeFileSync(file, JSON.stringify({ privateKey: KEY }));
    fails(base, /secrets are not read from the config file/, file);
    writeFileSync(file, "{not json");
    fails(base, /^--config: cannot read/, file);
  });

  it("requires an RPC URL, contracts and a key, and never echoes the key", () => {
    fails({ POH_DEPLOYMENTS: deployments, POH_PRIVATE_KEY: KEY }, /^POH_RPC_URL: required/);
    fails({ POH_RPC_URL: base.POH_RPC_URL, POH_PRIVATE_KEY: KEY }, /^POH_DEPLOYMENTS or POH_COORDINATOR/);
    fails({ POH_RPC_URL: base.POH_RPC_URL, POH_DEPLOYMENTS: deployments }, /^POH_KEYSTORE or POH_PRIVATE_KEY/);
    const bad = "0x1234567890abcdefSECRET";
    assert.throws(
      () => loadConfig({ env: { ...base, POH_PRIVATE_KEY: bad } }),
      (e: unknown) => e instanceof ConfigError && /^POH_PRIVATE_KEY: / .test(e.message) && !e.message.includes("SECRET"),
    );
    fails({ ...base, POH_KEYSTORE: "k.json" }, /set one, not both/);
    fails({ ...base, POH_DEPLOYMENTS: join(dir, "missing.json") }, /^POH_DEPLOYMENTS: cannot read/);
    assert.equal(loadConfig({ env: { POH_RPC_URL: base.POH_RPC_URL, POH_DEPLOYMENTS: deployments }, requireKey: false }).privateKey, undefined);
  });

  it("takes --config out of argv", () => {
    assert.deepEqual(takeConfigFlag(["--config", "a.json", "5"]), { configFile: "a.json", rest: ["5"] });
    assert.deepEqual(takeConfigFlag(["--config=b.json"]), { configFile: "b.json", rest: [] });
    assert.throws(() => takeConfigFlag(["--config"]), /--config: needs a file path/);
  });
});
