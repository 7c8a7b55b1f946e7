import { strict as assert } from "node:assert";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { JobStore, type JobRecord } from "../../oracle/src/store/index.ts";
import { FatalError } from "../../oracle/src/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "poh-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const coordinator = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
const miner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;

function job(id: bigint, fee = 1n): JobRecord {
  return {
    key: `${id}@0xaa`,
    jobId: id,
    blockNumber: 10n + id,
    blockHash: "0xaa",
    modelId: 1,
    inputHash: "0x01",
    inputURI: "data:,x",
    fee,
    commitDeadline: 20n,
    revealDeadline: 30n,
    committeeSize: 3,
    phase: "seen",
  };
}

describe("job store", () => {
  it("updateMany writes several jobs' patches durably in one append, and refuses an unknown job", () => {
    const d = join(dir, "many");
    const s = JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner });
    s.add(job(1n));
    s.add(job(2n));
    s.add(job(3n));
    s.updateMany([
      { key: "1@0xaa", patch: { phase: "prepared", score: 100, salt: "0x01", commitTx: "0xc1", commitNonce: 7 } },
      { key: "2@0xaa", patch: { phase: "prepared", score: 200, salt: "0x02", commitTx: "0xc1", commitNonce: 7 } },
    ]);
    assert.throws(() => s.updateMany([{ key: "3@0xaa", patch: { phase: "done" } }, { key: "9@0xaa", patch: { phase: "done" } }]), FatalError);
    assert.equal(s.get("3@0xaa")?.phase, "seen", "nothing of a refused batch is applied");
    assert.equal(s.activeCount, 3);
    s.close();
    const r = JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner });
    assert.deepEqual([r.get("1@0xaa")?.score, r.get("1@0xaa")?.commitTx, r.get("1@0xaa")?.commitNonce], [100, "0xc1", 7]);
    assert.deepEqual([r.get("2@0xaa")?.phase, r.get("2@0xaa")?.salt], ["prepared", "0x02"]);
    assert.equal(r.get("3@0xaa")?.phase, "seen");
    r.close();
  });

  it("replays jobs, updates and the cursor after reopening", () => {
    const d = join(dir, "replay");
    const s = JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner });
    s.add(job(1n));
    s.add(job(2n, 5n));
    s.update("1@0xaa", { phase: "prepared", score: 4200, salt: "0x11" });
    s.setCursor({ blockNumber: 42n, blockHash: "0xbb" });
    s.close();
    const r = JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner });
    assert.equal(r.get("1@0xaa")?.phase, "prepared");
    assert.equal(r.get("1@0xaa")?.score, 4200);
    assert.equal(r.get("1@0xaa")?.salt, "0x11");
    assert.equal(r.get("2@0xaa")?.fee, 5n);
    assert.equal(typeof r.get("2@0xaa")?.jobId, "bigint");
    assert.deepEqual(r.cursor, { blockNumber: 42n, blockHash: "0xbb" });
    assert.equal(r.repairedTornTail, false);
    r.close();
  });

  it("adding a job twice keeps the first", () => {
    const s = JobStore.open({ dataDir: join(dir, "dup"), chainId: 1, coordinator, miner });
    assert.equal(s.add(job(1n)), true);
    s.update("1@0xaa", { phase: "committed" });
    assert.equal(s.add(job(1n)), false);
    assert.equal(s.get("1@0xaa")?.phase, "committed");
    s.close();
  });

  it("drops a torn last line (crash mid-append) and keeps every whole record", () => {
    const d = join(dir, "torn");
    const s = JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner });
    s.add(job(1n));
    s.update("1@0xaa", { phase: "prepared", score: 65535, salt: "0x22" });
    const path = s.path;
    s.close();
    appendFileSync(path, '{"t":"update","key":"1@0xaa","patch":{"phase":"commi');
    const r = JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner });
    assert.equal(r.repairedTornTail, true);
    assert.equal(r.get("1@0xaa")?.phase, "prepared");
    assert.equal(r.get("1@0xaa")?.salt, "0x22");
    // The file was truncated to whole records, so the next append is readable.
    r.update("1@0xaa", { phase: "committed" });
    r.close();
    assert.ok(readFileSync(path, "utf8").endsWith("\n"));
    const again = JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner });
    assert.equal(again.repairedTornTail, false);
    assert.equal(again.get("1@0xaa")?.phase, "committed");
    again.close();
  });

  it("refuses a journal corrupted in the middle", () => {
    const d = join(dir, "corrupt");
    const s = JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner });
    s.add(job(1n));
    s.add(job(2n));
    const path = s.path;
    s.close();
    const lines = readFileSync(path, "utf8").split("\n");
    lines[1] = "{garbage";
    writeFileSync(path, lines.join("\n"));
    assert.throws(() => JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner }), FatalError);
  });

  it("compaction keeps live state, drops old done jobs, and survives a leftover temp file", () => {
    const d = join(dir, "compact");
    const s = JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner, compactAfter: 3 });
    s.add(job(1n));
    s.add(job(2n));
    s.update("1@0xaa", { phase: "done", outcome: "revealed" });
    s.update("2@0xaa", { phase: "prepared", score: 1, salt: "0x33" });
    s.setCursor({ blockNumber: 99n, blockHash: "0xcc" });
    assert.equal(s.shouldCompact, true);
    s.compact(100n);
    assert.equal(s.shouldCompact, false);
    assert.equal(s.get("1@0xaa"), undefined);
    const path = s.path;
    s.close();
    // A crash during a later compaction leaves a temp file; the journal itself is intact.
    writeFileSync(`${path}.tmp`, "partial");
    const r = JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner });
    assert.equal(r.get("1@0xaa"), undefined);
    assert.equal(r.get("2@0xaa")?.salt, "0x33");
    assert.deepEqual(r.cursor, { blockNumber: 99n, blockHash: "0xcc" });
    assert.deepEqual(r.active().map((j) => j.key), ["2@0xaa"]);
    r.close();
  });

  it("refuses a journal written for another miner", () => {
    const d = join(dir, "other");
    const s = JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner });
    const path = s.path;
    s.close();
    const text = readFileSync(path, "utf8").replace(miner.toLowerCase(), "0x0000000000000000000000000000000000000001");
    writeFileSync(path, text);
    assert.throws(() => JobStore.open({ dataDir: d, chainId: 31337, coordinator, miner }), /another chain, coordinator or miner/);
  });
});
