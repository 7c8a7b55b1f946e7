import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { pohCoordinatorAbi } from "../../generated/abis.ts";
import { mine } from "../helpers/devnet.ts";
import { minerActions, humanPayload, payloadHash, payloadServer, requestJob, rpc, setupNet, startNode, writeConfig, type Net, type NodeProc } from "./harness.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a re-org that removes the request block", { timeout: 300_000 }, () => {
  let net: Net;
  let server: Awaited<ReturnType<typeof payloadServer>>;
  const nodes: NodeProc[] = [];
  const payload = humanPayload(5);

  before(async () => {
    // Committee of 2 with one node running: the commit phase stays open until its deadline.
    net = await setupNet({ port: 23400, miners: 2, commitWindow: 30, revealWindow: 30 });
    server = await payloadServer(23401, { "/s": payload });
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await server?.stop();
    await net?.stop();
  });

  it("a job committed on a dropped branch is never revealed", async () => {
    const miner = net.miners[0]!;
    const node = startNode(writeConfig(net, "r", { confirmations: 1 }), miner.privateKey);
    nodes.push(node);
    await node.waitFor((l) => l.msg === "miner started", 60_000);
    const snapshot = await rpc<string>(net.chain.rpcUrl, "evm_snapshot");
    const { jobId, block } = await requestJob(net, `${server.url}/s`, payloadHash(payload));
    await mine(net.chain.rpcUrl, 1); // one confirmation
    await node.waitFor((l) => l.msg === "committed" && l.jobId === jobId.toString(), 60_000);
    const [firstCommit] = await minerActions(net, "Committed", { jobId });
    assert.ok(firstCommit);

    assert.equal(await rpc<boolean>(net.chain.rpcUrl, "evm_revert", [snapshot]), true);
    // A different branch, longer than the job's reveal deadline.
    await mine(net.chain.rpcUrl, 80);
    const coordinator = net.deployment.contracts.PohCoordinator.address;
    assert.equal(await net.publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "jobCount" }), 0n);
    await node.waitFor((l) => /re-organised away/.test(String(l.msg)) && l.jobId === jobId.toString(), 30_000);
    await node.waitFor((l) => l.msg === "re-org detected; re-scanning", 30_000);
    await sleep(2000); // a few more rounds
    assert.ok(!node.logs.some((l) => l.msg === "transaction sent" && String(l.kind).startsWith("reveal")), "no reveal was sent");
    assert.ok(!node.logs.some((l) => l.msg === "round failed"), "no round failed");
    assert.ok(block > 0n);

    // The same request lands again in another block (as after a real re-org): the node treats it
    // as the same job and reuses its salt and score, so a re-included commit would still reveal.
    const again = await requestJob(net, `${server.url}/s`, payloadHash(payload));
    assert.equal(again.jobId, jobId);
    await mine(net.chain.rpcUrl, 1);
    await node.waitFor((l) => l.msg === "scored" && l.jobId === jobId.toString() && l.reused === true, 30_000);
    await node.waitFor((l) => l.msg === "committed" && l.jobId === jobId.toString() && node.logs.filter((x) => x.msg === "committed").length === 2, 30_000);
    const [secondCommit] = await minerActions(net, "Committed", { jobId });
    assert.equal(secondCommit?.value, firstCommit.value);
    await mine(net.chain.rpcUrl, 31); // past the commit deadline: the reveal phase opens
    await node.waitFor((l) => l.msg === "revealed" && l.jobId === jobId.toString(), 30_000);
    assert.equal(await node.stop(), 0);
  });

  it("a job seen in a block that is dropped before its confirmations is never acted on", async () => {
    const miner = net.miners[0]!;
    const node = startNode(writeConfig(net, "s", { confirmations: 3 }), miner.privateKey);
    nodes.push(node);
    await node.waitFor((l) => l.msg === "miner started", 60_000);
    const snapshot = await rpc<string>(net.chain.rpcUrl, "evm_snapshot");
    const { jobId } = await requestJob(net, `${server.url}/s`, payloadHash(payload));
    await mine(net.chain.rpcUrl, 1); // 1 of 3 confirmations
    await sleep(1500);
    assert.equal(await rpc<boolean>(net.chain.rpcUrl, "evm_revert", [snapshot]), true);
    await mine(net.chain.rpcUrl, 10);
    await sleep(2000);
    assert.ok(!node.logs.some((l) => l.msg === "job for us" && l.jobId === jobId.toString()), "the unconfirmed job was never picked up");
    assert.ok(!node.logs.some((l) => l.msg === "transaction sent"), "nothing was sent");
    // The node is still serving: a fresh job on the new branch is committed.
    const again = await requestJob(net, `${server.url}/s`, payloadHash(payload));
    await mine(net.chain.rpcUrl, 3);
    await node.waitFor((l) => l.msg === "committed" && l.jobId === again.jobId.toString(), 60_000);
  });
});
