import { strict as assert } from "node:assert";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { pohCoordinatorAbi, pohStakingAbi } from "../../generated/abis.ts";
import { humanPayload, payloadHash, payloadServer, requestJob, settledMembers, setupNet, startNode, waitJobEnded, writeConfig, type Net, type NodeProc } from "./harness.ts";

/** A TCP proxy in front of the chain that can be switched off (connections refused and cut). */
class Proxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly target: number,
  ) {}
  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: "127.0.0.1", port: this.target });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => server.listen(this.port, "127.0.0.1", r));
    this.server = server;
  }
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("an RPC outage of 30 seconds mid-job", { timeout: 300_000 }, () => {
  let net: Net;
  let server: Awaited<ReturnType<typeof payloadServer>>;
  let proxy: Proxy;
  const nodes: NodeProc[] = [];
  const payload = humanPayload(9);

  before(async () => {
    // Interval mining (a block every 500 ms) so the chain moves on while the node is cut off.
    net = await setupNet({ port: 23500, commitWindow: 16, revealWindow: 240, blockTimeMs: 500 });
    server = await payloadServer(23501, { "/s": payload });
    proxy = new Proxy(23502, net.chain.port);
    await proxy.start();
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await proxy?.stop();
    await server?.stop();
    await net?.stop();
  });

  it("the node recovers and reveals before the deadline", async () => {
    const [a, b] = net.miners;
    // A talks to the chain through the proxy; B directly; the third member never shows up, so
    // the commit phase runs to its deadline while A is cut off.
    const nodeA = startNode(writeConfig(net, "a", { txStuckMs: 3000 }, `http://127.0.0.1:${proxy.port}`), a!.privateKey);
    const nodeB = startNode(writeConfig(net, "b"), b!.privateKey);
    nodes.push(nodeA, nodeB);
    await Promise.all(nodes.map((n) => n.waitFor((l) => l.msg === "miner started", 60_000)));
    const { jobId } = await requestJob(net, `${server.url}/s`, payloadHash(payload));
    await nodeA.waitFor((l) => l.msg === "committed" && l.jobId === jobId.toString(), 60_000);

    await proxy.stop();
    const cutAt = await net.publicClient.getBlockNumber();
    await sleep(30_000);
    const job = await net.publicClient.readContract({ address: net.deployment.contracts.PohCoordinator.address, abi: pohCoordinatorAbi, functionName: "getJob", args: [jobId] });
    assert.ok((await net.publicClient.getBlockNumber()) > job.commitDeadline, "the commit phase ended during the outage");
    assert.ok((await net.publicClient.getBlockNumber()) > cutAt + 20n);
    await proxy.start();

    await nodeA.waitFor((l) => l.msg === "revealed" && l.jobId === jobId.toString(), 90_000);
    const ended = await waitJobEnded(net, jobId, 60_000);
    assert.equal(ended.status, 2);
    assert.equal(ended.revealCount, 2);
    const settled = await settledMembers(net, jobId);
    assert.equal(settled.find((m) => m.miner === a!.address)?.outcome, "Agreed", "A agreed");
    const slashedA = await net.publicClient.getContractEvents({ address: net.deployment.contracts.PohStaking.address, abi: pohStakingAbi, eventName: "Slashed", args: { miner: a!.address }, fromBlock: 0n });
    assert.equal(slashedA.length, 0);
    assert.ok(nodeA.logs.some((l) => l.msg === "round failed; retrying"), "the outage was noticed");
  });
});
