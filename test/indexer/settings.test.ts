import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError } from "../../oracle/src/errors.ts";
import { loadSettings } from "../../indexer/src/settings.ts";

const dir = mkdtempSync(join(tmpdir(), "poh-indexer-settings-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const entry = (n: number) => ({ address: `0x${String(n).repeat(40)}`, startBlock: n });
const good = { chainId: 31337, contracts: { PohToken: entry(1), PohStaking: entry(2), ModelRegistry: entry(3), PohEmission: entry(4), PohCoordinator: entry(5) }, modelId: 1 };
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}
const goodFile = file("good.json", good);

function throwsNaming(variable: string, fn: () => unknown, detail?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.ok(err.message.startsWith(`${variable}:`), err.message);
    if (detail) assert.match(err.message, detail);
    return true;
  });
}

describe("indexer settings", () => {
  it("reads addresses and start blocks from the deployments file, with defaults for the rest", () => {
    const s = loadSettings({ POH_DEPLOYMENTS: goodFile });
    assert.equal(s.deployment.chainId, 31337);
    assert.equal(s.deployment.contracts.PohCoordinator.address, `0x${"5".repeat(40)}`);
    assert.equal(s.deployment.contracts.PohEmission.startBlock, 4);
    assert.equal(s.rpcUrl, "http://127.0.0.1:8545");
    assert.equal(s.pollingIntervalMs, 1000);
    assert.equal(s.database.kind, "pglite");
    assert.match(s.database.kind === "pglite" ? s.database.directory : "", /indexer\/\.ponder\/pglite$/);
  });

  it("prefers PONDER_RPC_URL_<chainId> over POH_RPC_URL, and DATABASE_URL switches to Postgres", () => {
    const s = loadSettings({
      POH_DEPLOYMENTS: goodFile,
      POH_RPC_URL: "http://127.0.0.1:1111",
      PONDER_RPC_URL_31337: "http://127.0.0.1:2222",
      DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/db",
      POH_PONDER_POLLING_MS: "250",
    });
    assert.equal(s.rpcUrl, "http://127.0.0.1:2222");
    assert.equal(s.pollingIntervalMs, 250);
    assert.deepEqual(s.database, { kind: "postgres", connectionString: "postgresql://u:p@127.0.0.1:5432/db" });
    assert.equal(loadSettings({ POH_DEPLOYMENTS: goodFile, POH_RPC_URL: "http://127.0.0.1:1111" }).rpcUrl, "http://127.0.0.1:1111");
  });

  it("names the variable when a value is bad", () => {
    throwsNaming("POH_DEPLOYMENTS", () => loadSettings({ POH_DEPLOYMENTS: join(dir, "missing.json") }), /npm run deploy/);
    throwsNaming("POH_DEPLOYMENTS", () => loadSettings({ POH_DEPLOYMENTS: file("bad.json", "{ nope") }), /not valid JSON/);
    const badAddress = structuredClone(good);
    badAddress.contracts.PohToken.address = "0x1234";
    throwsNaming("POH_DEPLOYMENTS", () => loadSettings({ POH_DEPLOYMENTS: file("addr.json", badAddress) }), /contracts\.PohToken\.address/);
    const noStaking: Record<string, unknown> = structuredClone(good);
    delete (noStaking.contracts as Record<string, unknown>).PohStaking;
    throwsNaming("POH_DEPLOYMENTS", () => loadSettings({ POH_DEPLOYMENTS: file("nostaking.json", noStaking) }), /contracts\.PohStaking/);
    throwsNaming("PONDER_RPC_URL_31337", () => loadSettings({ POH_DEPLOYMENTS: goodFile, PONDER_RPC_URL_31337: "ftp://x" }));
    throwsNaming("POH_RPC_URL", () => loadSettings({ POH_DEPLOYMENTS: goodFile, POH_RPC_URL: "not a url" }));
    throwsNaming("POH_PONDER_POLLING_MS", () => loadSettings({ POH_DEPLOYMENTS: goodFile, POH_PONDER_POLLING_MS: "fast" }));
    throwsNaming("DATABASE_URL", () => loadSettings({ POH_DEPLOYMENTS: goodFile, DATABASE_URL: "mysql://x" }));
  });
});
