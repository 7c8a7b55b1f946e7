import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { pohCoordinatorAbi, pohStakingAbi } from "../../generated/abis.ts";
import { minerActions, humanPayload, payloadHash, payloadServer, requestJob, settledMembers, setupNet, startNode, waitJobEnded, writeConfig, type Net, type NodeProc } from "./harness.ts";

describe("a miner killed with SIGKILL between commit and reveal", { timeout: 300_000 }, () => {
  let net: Net;
  let server: Awaited<ReturnType<typeof payloadServer>>;
  const nodes: NodeProc[] = [];
  const payload = humanPayload(11);

  before(async () => {
    // Long windows: the commit phase only ends early when all three have committed.
    net = await setupNet({ port: 23200, commitWindow: 200, revealWindow: 200 });
    server = await payloadServer(23201, { "/s": payload });
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
    await server?.stop();
    await net?.stop();
  });

  it("reveals after restart, commits only once, and is not slashed", async () => {
    const [a, b, c] = net.miners;
    const configA = writeConfig(net, "a");
    const nodeA = startNode(configA, a!.privateKey);
    const nodeB = startNode(writeConfig(net, "b"), b!.privateKey);
    nodes.push(nodeA, nodeB);
    await Promise.all([nodeA, nodeB].map((n) => n.waitFor((l) => l.msg === "miner started", 60_000)));
    const { jobId } = await requestJob(net, `${server.url}/s`, payloadHash(payload));

    await nodeA.waitFor((l) => l.msg === "committed" && l.jobId === jobId.toString(), 60_000);
    nodeA.child.kill("SIGKILL");
    assert.equal(await nodeA.exited, null, "SIGKILL gives no exit code");
    await nodeB.waitFor((l) => l.msg === "committed", 60_000);

    // The journal holds A's salt and score: written before its commit was sent.
    const journal = readFileSync(`${net.dir}/data-a/journal-31337-${net.deployment.contracts.PohCoordinator.address.toLowerCase()}-${a!.address.toLowerCase()}.jsonl`, "utf8");
    assert.match(journal, /"phase":"prepared","score":\d+,"salt":"0x[0-9a-f]{64}"/);

    // C commits: the commit phase ends; B and C reveal; the job waits for A's reveal.
    const nodeC = startNode(writeConfig(net, "c"), c!.privateKey);
    nodes.push(nodeC);
    await nodeC.waitFor((l) => l.msg === "revealed", 60_000);
    await nodeB.waitFor((l) => l.msg === "revealed", 60_000);
    const coordinator = net.deployment.contracts.PohCoordinator.address;
    const pending = await net.publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "getMember", args: [jobId, a!.address] });
    assert.deepEqual(pending.slice(0, 3), [true, true, false], "A committed and has not revealed yet");

    const restarted = startNode(configA, a!.privateKey);
    nodes.push(restarted);
    await restarted.waitFor((l) => l.msg === "revealed" && l.jobId === jobId.toString(), 60_000);
    const job = await waitJobEnded(net, jobId, 60_000);
    assert.equal(job.status, 2);
    assert.equal(job.revealCount, 3);

    // Exactly one commit from A, and no slash at all.
    const commits = await minerActions(net, "Committed", { jobId, miner: a!.address });
    assert.equal(commits.length, 1);
    assert.ok(!restarted.logs.some((l) => l.msg === "transaction sent" && String(l.kind).startsWith("commit")), "the restarted node did not commit again");
    const slashes = await net.publicClient.getContractEvents({ address: net.deployment.contracts.PohStaking.address, abi: pohStakingAbi, eventName: "Slashed", fromBlock: 0n });
    assert.equal(slashes.length, 0);
    const settled = await settledMembers(net, jobId);
    assert.equal(settled.find((m) => m.miner === a!.address)?.outcome, "Agreed", "A agreed");

    // Second crash point: right after the commit transaction is broadcast, before the node
    // records it. After restart it must find the commit on chain, not send another, and reveal.
    const second = await requestJob(net, `${server.url}/s`, payloadHash(payload));
    await restarted.waitFor((l) => l.msg === "transaction sent" && String(l.kind).startsWith("commit") && restarted.logs.some((s) => s.msg === "scored" && s.jobId === second.jobId.toString()), 60_000);
    restarted.child.kill("SIGKILL");
    await restarted.exited;
    const again = startNode(configA, a!.privateKey);
    nodes.push(again);
    await again.waitFor((l) => l.msg === "revealed" && l.jobId === second.jobId.toString(), 60_000);
    const job2 = await waitJobEnded(net, second.jobId, 60_000);
    assert.equal(job2.status, 2);
    const commits2 = await minerActions(net, "Committed", { jobId: second.jobId, miner: a!.address });
    assert.equal(commits2.length, 1);
    assert.ok(!again.logs.some((l) => l.msg === "transaction sent" && String(l.kind).startsWith("commit")));
    const slashes2 = await net.publicClient.getContractEvents({ address: net.deployment.contracts.PohStaking.address, abi: pohStakingAbi, eventName: "Slashed", fromBlock: 0n });
    assert.equal(slashes2.length, 0);
  });
});
