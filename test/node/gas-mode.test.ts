/**
 * Computed gas limits (POH_GAS_LIMIT_MODE=computed, the default): the miner sends commits and
 * reveals with fixed per-job limits and no eth_estimateGas when its reads show the call cannot
 * revert; POH_GAS_LIMIT_MODE=estimate estimates every transaction; a computed-limit transaction
 * that reverts on chain makes the next attempt for its jobs estimated (and so filtered). Each node
 * under test talks to the chain through a proxy that counts JSON-RPC methods.
 */
import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { parseEther, parseGwei, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { pohCoordinatorAbi } from "../../generated/abis.ts";
import { Chain, RevertError } from "../../oracle/src/chain/index.ts";
import { FatalError } from "../../oracle/src/errors.ts";
import { NodeMetrics } from "../../oracle/src/metrics/index.ts";
import { commitment } from "../../oracle/src/node.ts";
import { clients, mine, rpc } from "../helpers/devnet.ts";
import { getJob, humanPayload, payloadHash, payloadServer, requestJob, setupNet, startNode, waitJobEnded, writeConfig, type Net, type NodeProc } from "./harness.ts";

/** A JSON-RPC proxy that counts each method it forwards (single and batched requests). */
class CountingProxy {
  readonly counts = new Map<string, number>();
  private server: Server | undefined;
  constructor(
    readonly port: number,
    private readonly target: string,
  ) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  count(method: string): number {
    return this.counts.get(method) ?? 0;
  }
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        try {
          const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
          for (const r of Array.isArray(parsed) ? parsed : [parsed]) if (r.method) this.counts.set(r.method, this.count(r.method) + 1);
        } catch {
          // not JSON: forwarded as it is
        }
        fetch(this.target, { method: "POST", headers: { "content-type": "application/json" }, body })
          .then(async (upstream) => res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text()))
          .catch(() => res.writeHead(502).end());
      });
    });
    await new Promise<void>((r) => server.listen(this.port, "127.0.0.1", r));
    this.server = server;
  }
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** A chain with staked miners, a payload server for `payload` and a counting RPC proxy, on ports portBase..portBase+2. */
async function startRig(portBase: number, payload: Uint8Array): Promise<{ net: Net; server: Awaited<ReturnType<typeof payloadServer>>; proxy: CountingProxy }> {
  const net = await setupNet({ port: portBase, commitWindow: 40, revealWindow: 40 });
  const server = await payloadServer(portBase + 1, { "/s": payload });
  const proxy = new CountingProxy(portBase + 2, net.chain.rpcUrl);
  await proxy.start();
  return { net, server, proxy };
}

type Sent = { kind: string; hash: Hex; gas: bigint };
const sentTxs = (node: NodeProc): Sent[] =>
  node.logs.filter((l) => l.msg === "transaction sent").map((l) => ({ kind: l.kind as string, hash: l.hash as Hex, gas: BigInt(l.gas as string) }));

describe("Chain.submit with a computed gas limit", { timeout: 120_000 }, () => {
  let net: Net;
  let proxy: CountingProxy;
  const logger = pino({ level: "silent" });

  before(async () => {
    net = await setupNet({ port: 25120, commitWindow: 50, revealWindow: 50 });
    proxy = new CountingProxy(25121, net.chain.rpcUrl);
    await proxy.start();
  });
  after(async () => {
    await proxy?.stop();
    await net?.stop();
  });

  it("sends without eth_estimateGas (a revert happens on chain and is decoded from the receipt); without one, estimates and sends nothing that would revert", async () => {
    const miner = net.miners[0]!;
    const chain = new Chain(
      { rpcUrl: proxy.url, maxGasPrice: parseGwei("500"), gasLimitCap: 1_000_000n, txStuckMs: 30_000, pollMs: 100 },
      privateKeyToAccount(miner.privateKey),
      { logger, metrics: new NodeMetrics({ defaultMetrics: false }), signal: new AbortController().signal },
    );
    const coordinator = net.deployment.contracts.PohCoordinator.address;
    // No job 999: commit reverts with UnknownJob.
    const request = { address: coordinator, abi: pohCoordinatorAbi, functionName: "commit", args: [999n, `0x${"11".repeat(32)}`] } as const;

    const nonce = await net.publicClient.getTransactionCount({ address: miner.address });
    await assert.rejects(chain.submit("commit", request), (e: unknown) => e instanceof RevertError && e.errorName === "UnknownJob");
    assert.equal(proxy.count("eth_estimateGas"), 1);
    assert.equal(proxy.count("eth_sendRawTransaction"), 0);
    assert.equal(await net.publicClient.getTransactionCount({ address: miner.address }), nonce, "nothing sent");

    const tx = await chain.submit("commit", request, { gas: 150_000n });
    assert.equal(proxy.count("eth_estimateGas"), 1, "no estimate with a computed limit");
    await assert.rejects(tx.receipt, (e: unknown) => e instanceof RevertError && e.errorName === "UnknownJob");
    const sent = await net.publicClient.getTransaction({ hash: tx.hash });
    assert.equal(sent.gas, 150_000n, "sent with exactly the computed limit");
    assert.equal((await net.publicClient.getTransactionReceipt({ hash: tx.hash })).status, "reverted");

    await assert.rejects(chain.submit("commit", request, { gas: 1_000_001n }), (e: unknown) => e instanceof FatalError && /POH_GAS_LIMIT_CAP/.test(e.message));
  });
});

describe("the miner's gas limit modes", { timeout: 300_000 }, () => {
  let net: Net;
  let server: Awaited<ReturnType<typeof payloadServer>>;
  let proxy: CountingProxy;
  const nodes: NodeProc[] = [];
  const payload = humanPayload(17);

  before(async () => {
    ({ net, server, proxy } = await startRig(25100, payload));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await proxy?.stop();
    await server?.stop();
    await net?.stop();
  });

  it("computed: commits and reveals go out with the computed limits and no eth_estimateGas; estimate: every transaction is estimated", async () => {
    const [a, b, c] = net.miners as [(typeof net.miners)[0], (typeof net.miners)[0], (typeof net.miners)[0]];
    const nodeA = startNode(writeConfig(net, "a", {}, proxy.url), a.privateKey); // the default mode
    const nodeB = startNode(writeConfig(net, "b", { gasLimitMode: "estimate" }), b.privateKey);
    const nodeC = startNode(writeConfig(net, "c"), c.privateKey, { POH_GAS_LIMIT_MODE: "computed" });
    nodes.push(nodeA, nodeB, nodeC);
    await Promise.all(nodes.map((n) => n.waitFor((l) => l.msg === "miner started", 60_000)));

    const { jobId } = await requestJob(net, `${server.url}/s`, payloadHash(payload));
    const job = await waitJobEnded(net, jobId, 120_000);
    assert.equal(job.status, 2, `job failed with reason ${job.failure}`);
    await Promise.all(nodes.map((n) => n.waitFor((l) => l.msg === "revealed" && l.jobId === jobId.toString(), 20_000)));

    assert.equal(proxy.count("eth_estimateGas"), 0, "node A never estimated");
    assert.ok(proxy.count("eth_sendRawTransaction") >= 2);
    // One job: commit = 80k base + 90k; reveal = 80k base + 320k settlement budget.
    for (const node of [nodeA, nodeC]) {
      assert.deepEqual(sentTxs(node).map((t) => [t.kind, t.gas]), [["commitBatchRoot", 170_000n], ["revealBatchRoot", 400_000n]]);
    }
    const [commitB, revealB] = sentTxs(nodeB);
    assert.equal(commitB?.kind, "commitBatchRoot");
    assert.notEqual(commitB.gas, 170_000n, "node B's commit limit comes from an estimate");
    const usedB = (await net.publicClient.getTransactionReceipt({ hash: commitB.hash })).gasUsed;
    assert.ok(commitB.gas >= usedB && commitB.gas <= (usedB * 13n) / 10n + 10_000n, `estimated limit ${commitB.gas} for ${usedB} used`);
    assert.equal(revealB?.kind, "revealBatchRoot");
    // Every computed limit covered what the transaction used.
    for (const t of [...sentTxs(nodeA), ...sentTxs(nodeC)]) {
      const receipt = await net.publicClient.getTransactionReceipt({ hash: t.hash });
      assert.equal(receipt.status, "success");
      assert.ok(receipt.gasUsed < t.gas, `${t.kind} used ${receipt.gasUsed} of ${t.gas}`);
    }
  });
});

describe("a computed-limit commit that reverts on chain", { timeout: 300_000 }, () => {
  let net: Net;
  let server: Awaited<ReturnType<typeof payloadServer>>;
  let proxy: CountingProxy;
  let node: NodeProc | undefined;
  const payload = humanPayload(23);

  before(async () => {
    ({ net, server, proxy } = await startRig(25110, payload));
  });
  after(async () => {
    await rpc(net.chain.rpcUrl, "evm_setAutomine", [true]).catch(() => undefined);
    await node?.stop();
    await proxy?.stop();
    await server?.stop();
    await net?.stop();
  });

  it("makes the next attempt estimated: the estimate reveals AlreadyCommitted and nothing more is sent", async () => {
    const miner = net.miners[0]!;
    node = startNode(writeConfig(net, "a", {}, proxy.url), miner.privateKey);
    await node.waitFor((l) => l.msg === "miner started", 60_000);
    const coordinator = net.deployment.contracts.PohCoordinator.address;

    // Manual mining: the request and a commit made with the miner's own key (say, by another
    // process sharing it) land in the same block, so the node's reads show the job uncommitted.
    await rpc(net.chain.rpcUrl, "evm_setAutomine", [false]);
    const jobId = (await net.publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "jobCount" })) + 1n;
    const requester = clients(net.chain.rpcUrl, net.requester.privateKey);
    await requester.walletClient.writeContract({
      address: coordinator, abi: pohCoordinatorAbi, functionName: "requestVerification",
      args: [net.deployment.modelId, payloadHash(payload), `${server.url}/s`, "0x0000000000000000000000000000000000000000", 0],
      value: parseEther("0.01"), maxPriorityFeePerGas: parseGwei("20"), maxFeePerGas: parseGwei("100"),
    });
    const own = clients(net.chain.rpcUrl, miner.privateKey);
    await own.walletClient.writeContract({
      address: coordinator, abi: pohCoordinatorAbi, functionName: "commit", args: [jobId, commitment(jobId, miner.address, 1234, `0x${"42".repeat(32)}`)],
      maxPriorityFeePerGas: parseGwei("1"), maxFeePerGas: parseGwei("100"), gas: 300_000n,
    });
    await mine(net.chain.rpcUrl, 1);
    assert.equal((await getJob(net, jobId)).commitCount, 1, "the outside commit landed with the request");
    const nonceBefore = await net.publicClient.getTransactionCount({ address: miner.address });

    const sent = await node.waitFor((l) => l.msg === "transaction sent" && l.kind === "commitBatchRoot", 60_000);
    assert.equal(sent.gas, "170000", "sent with the computed limit");
    assert.equal(proxy.count("eth_estimateGas"), 0);
    await mine(net.chain.rpcUrl, 1);
    const receipt = await net.publicClient.getTransactionReceipt({ hash: sent.hash as Hex });
    assert.equal(receipt.status, "reverted");
    await node.waitFor((l) => l.msg === "transaction reverted" && l.error === "AlreadyCommitted", 30_000);

    // The next round estimates, learns AlreadyCommitted without sending, and moves the job on.
    await rpc(net.chain.rpcUrl, "evm_setAutomine", [true]);
    await mine(net.chain.rpcUrl, 1);
    await node.waitFor((l) => l.msg === "our commit is already on chain" && l.jobId === jobId.toString(), 60_000);
    assert.ok(proxy.count("eth_estimateGas") >= 1, "the retry was estimated");
    assert.equal(await net.publicClient.getTransactionCount({ address: miner.address }), nonceBefore + 1, "only the one reverted commit was sent");
  });
});
