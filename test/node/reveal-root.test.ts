/**
 * The node commits with commitBatchRoot and reveals a committed batch with revealBatchRoot, over
 * several calls when its jobs' reveal phases start at different times (the entries not ready are
 * skipped with SKIP_SCORE); the batch is found from the node's own Committed events.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { parseEther, type Hex } from "viem";
import { pohCoordinatorAbi } from "../../generated/abis.ts";
import { commitment } from "../../oracle/src/node.ts";
import { clients } from "../helpers/devnet.ts";
import { minerActions, requestJob, setupNet, startNode, writeConfig, type Net, type NodeProc } from "./harness.ts";

describe("a batch committed with commitBatchRoot is revealed over several revealBatchRoot calls", { timeout: 240_000 }, () => {
  let net: Net;
  let node: NodeProc | undefined;

  before(async () => {
    // Committee 3 of 3 miners; long windows: a job's reveal phase starts once all three committed.
    net = await setupNet({ port: 23800, miners: 3, commitWindow: 200, revealWindow: 200 });
  });
  after(async () => {
    await node?.stop();
    await net?.stop();
  });

  /** Commits `jobId` from miner `m` directly (no node). */
  async function commitAs(m: number, jobId: bigint): Promise<void> {
    const miner = net.miners[m]!;
    const { walletClient, publicClient } = clients(net.chain.rpcUrl, miner.privateKey);
    const coordinator = net.deployment.contracts.PohCoordinator.address;
    const hash = await walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "commit", args: [jobId, commitment(jobId, miner.address, 5000, `0x${"07".repeat(32)}`)] });
    assert.equal((await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 })).status, "success");
  }

  it("reveals each job once its phase starts, skipping the batch's other entry", async () => {
    // Requested before the node starts: it backfills and commits both in one commitBatchRoot.
    const jobs: bigint[] = [];
    for (let i = 0; i < 2; i++) jobs.push((await requestJob(net, `http://127.0.0.1:1/unused-${i}`, `0x${(i + 1).toString(16).padStart(64, "0")}`, parseEther("0.01"))).jobId);
    const [j1, j2] = jobs as [bigint, bigint];
    const me = net.miners[0]!.address as Hex;
    node = startNode(writeConfig(net, "m0"), net.miners[0]!.privateKey);
    await node.waitFor((l) => l.msg === "committed" && l.jobId === j2.toString(), 60_000);
    const committed = (await minerActions(net, "Committed", { miner: me })).filter((a) => jobs.includes(a.jobId));
    assert.equal(committed.length, 2);
    assert.equal(committed[0]!.txHash, committed[1]!.txHash, "one commit transaction");

    // Job 1's commit phase ends (everyone committed): revealed alone, job 2 skipped.
    await commitAs(1, j1);
    await commitAs(2, j1);
    await node.waitFor((l) => l.msg === "revealed" && l.jobId === j1.toString(), 60_000);
    let revealed = (await minerActions(net, "Revealed", { miner: me })).filter((a) => jobs.includes(a.jobId));
    assert.deepEqual(revealed.map((a) => a.jobId), [j1]);

    // Then job 2's: a second revealBatchRoot over the same committed batch.
    await commitAs(1, j2);
    await commitAs(2, j2);
    await node.waitFor((l) => l.msg === "revealed" && l.jobId === j2.toString(), 60_000);
    revealed = (await minerActions(net, "Revealed", { miner: me })).filter((a) => jobs.includes(a.jobId));
    assert.deepEqual(revealed.map((a) => a.jobId), [j1, j2]);
    assert.notEqual(revealed[0]!.txHash, revealed[1]!.txHash);

    const sent = node.logs.filter((l) => l.msg === "transaction sent").map((l) => l.kind);
    assert.deepEqual(sent, ["commitBatchRoot", "revealBatchRoot", "revealBatchRoot"]);
    assert.ok(!node.logs.some((l) => l.msg === "reveal would revert" || l.msg === "reveal batch would revert" || l.msg === "transaction reverted"), "no reveal reverted");
  });
});
