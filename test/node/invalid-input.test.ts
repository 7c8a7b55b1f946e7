import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { keccak256, parseEther, toHex } from "viem";
import { pohCoordinatorAbi, pohStakingAbi } from "../../generated/abis.ts";
import { minerActions, humanPayload, payloadHash, payloadServer, requestJob, setupNet, startNode, waitJobEnded, writeConfig, type Net, type NodeProc } from "./harness.ts";

describe("bad inputs: every honest miner commits 65535 and the job fails with a refund", { timeout: 300_000 }, () => {
  let net: Net;
  let server: Awaited<ReturnType<typeof payloadServer>>;
  const nodes: NodeProc[] = [];
  const good = humanPayload(3);
  const malformed = new TextEncoder().encode('{"v":1,"events":[{"t":-5,"k":"move","x":1,"y":2}]}');

  before(async () => {
    net = await setupNet({ port: 23300, commitWindow: 60, revealWindow: 60 });
    server = await payloadServer(23301, { "/good": good, "/malformed": malformed, "/hang": "hang" });
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await server?.stop();
    await net?.stop();
  });

  it("hash mismatch, malformed payload and a URI that never answers all fail as InputInvalid", async () => {
    const fee = parseEther("0.02");
    // Requested before the miners start: they backfill and batch the three commits.
    const jobs = [
      await requestJob(net, `${server.url}/good`, keccak256(toHex("something else")), fee),
      await requestJob(net, `${server.url}/malformed`, payloadHash(malformed), fee),
      await requestJob(net, `${server.url}/hang`, keccak256(toHex("never served")), fee),
    ];
    for (const [i, m] of net.miners.entries()) nodes.push(startNode(writeConfig(net, `m${i}`, { fetchTimeoutMs: 1500 }), m.privateKey));
    const coordinator = net.deployment.contracts.PohCoordinator.address;
    for (const { jobId } of jobs) {
      const job = await waitJobEnded(net, jobId, 120_000);
      assert.equal(job.status, 3, "Failed");
      assert.equal(job.failure, 3, "InputInvalid");
      const reveals = await minerActions(net, "Revealed", { jobId });
      assert.equal(reveals.length, 3);
      for (const r of reveals) assert.equal(r.value, 65535);
      const [failed] = await net.publicClient.getContractEvents({ address: coordinator, abi: pohCoordinatorAbi, eventName: "JobFailed", args: { jobId }, fromBlock: 0n });
      assert.equal(failed?.args.refund, fee);
    }
    const credited = await net.publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "claimable", args: [net.requester.address] });
    assert.equal(credited, fee * 3n);
    const slashes = await net.publicClient.getContractEvents({ address: net.deployment.contracts.PohStaking.address, abi: pohStakingAbi, eventName: "Slashed", fromBlock: 0n });
    assert.equal(slashes.length, 0);
    // The reasons are logged (never the payload), and the commits and reveals went out as batches.
    for (const n of nodes) {
      const reasons = n.logs.filter((l) => l.msg === "input unavailable or invalid; committing 65535").map((l) => String(l.reason));
      assert.equal(reasons.length, 3);
      assert.ok(reasons.some((r) => /does not match inputHash/.test(r)));
      assert.ok(reasons.some((r) => /events\[0\]\.t/.test(r)));
      assert.ok(reasons.some((r) => /timed out/.test(r)));
      await n.waitFor((l) => l.msg === "transaction sent" && l.kind === "commitBatchRoot", 10_000);
      await n.waitFor((l) => l.msg === "transaction sent" && l.kind === "revealBatchRoot", 10_000);
    }
    // Each miner's commits and reveals of the three jobs: some transaction carried several jobs.
    for (const m of net.miners) {
      for (const eventName of ["Committed", "Revealed"] as const) {
        const perTx = new Map<string, number>();
        for (const a of await minerActions(net, eventName, { miner: m.address })) perTx.set(a.txHash, (perTx.get(a.txHash) ?? 0) + 1);
        assert.ok([...perTx.values()].some((n) => n > 1), `${eventName}: one job per transaction`);
      }
    }
  });
});
