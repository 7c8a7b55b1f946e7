/**
 * The SDK's request batching against a real chain and coordinator: concurrent requests from one
 * client go out as ONE requestVerificationBatch transaction and each caller gets its own job and
 * result; a lone request goes out as a plain requestVerification; a batch whose estimate reverts
 * is split so each request gets its own typed outcome; a batch that reverts when mined fails every
 * request in it with TransactionRevertedError.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeFunctionData, keccak256, parseEventLogs, parseGwei, type Address, type Hex } from "viem";
import { pohCoordinatorAbi } from "../../generated/abis.ts";
import type { Telemetry, TelemetryEvent } from "../../oracle/src/payload/index.ts";
import { createPohClient, type PohClient, type PohClientOptions, type VerificationResult } from "../../sdk/src/client.ts";
import { ContractRevertError, TransactionRevertedError } from "../../sdk/src/errors.ts";
import type { PayloadStore } from "../../sdk/src/store.ts";
import { clients, mine, rpc, type Chain, type DeployedProtocol } from "../helpers/devnet.ts";
import { serveJob } from "./helpers/committee.ts";
import { startSdkNetwork, type SdkNetwork } from "./helpers/sdk-network.ts";


function telemetry(seed: number): Telemetry {
  const events: TelemetryEvent[] = [];
  let t = 0;
  for (let i = 0; i < 30; i++) {
    t += 10 + ((i * 5 + seed) % 7);
    events.push({ t, k: "move", x: 50 + i * 4 + seed, y: 100 + ((i * seed) % 13) });
  }
  events.push({ t: t + 90, k: "down", x: 180, y: 110, b: 0 }, { t: t + 160, k: "up", x: 180, y: 110, b: 0 });
  return { v: 1, screen: { w: 1024, h: 768 }, events };
}
const hashOf = (t: Telemetry): Hex => keccak256(new TextEncoder().encode(JSON.stringify(t)));

describe("SDK request batching", { timeout: 180_000 }, () => {
  let net: SdkNetwork;
  let chain: Chain;
  let deployment: DeployedProtocol;
  let store: PayloadStore;
  let coordinator: Address;
  let minFee: bigint;
  let keys: Map<string, Hex>;
  const opened: PohClient[] = [];

  before(async () => {
    net = await startSdkNetwork({ modelSha256: `0x${"cd".repeat(32)}`, storePrefix: "poh-sdk-batch-" });
    ({ chain, deployment, store, coordinator, keys } = net);
    const admin = clients(chain.rpcUrl, deployment.deployer.privateKey);
    minFee = (await admin.publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "getParams" })).minFee;
  });

  after(async () => {
    for (const c of opened) c.close();
    await net?.stop();
  });

  const client = (account: number, extra: Partial<PohClientOptions> = {}): PohClient => {
    const c = createPohClient({ rpcUrl: chain.rpcUrl, privateKey: deployment.accounts[account]!.privateKey, coordinator, store: store.url, pollIntervalMs: 100, timeoutMs: 60_000, ...extra });
    opened.push(c);
    return c;
  };
  const publicClient = () => clients(chain.rpcUrl, deployment.deployer.privateKey).publicClient;
  const readJob = (jobId: bigint) => publicClient().readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "getJob", args: [jobId] });
  const jobCount = () => publicClient().readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "jobCount" });

  /** Requests `t` and serves its job with `score` from every member once it is requested. */
  async function verify(poh: PohClient, t: Telemetry, score: number): Promise<VerificationResult> {
    let serving: Promise<void> | undefined;
    try {
      return await poh.requestVerification(t, {
        onProgress: (p) => {
          if (p.stage === "requested") serving = serveJob(chain.rpcUrl, coordinator, p.jobId, p.committee, keys, () => score);
        },
      });
    } finally {
      await serving;
    }
  }

  it("concurrent requests land in one requestVerificationBatch and each caller gets its own job and result", async () => {
    const poh = client(12, { batchWindowMs: 150 });
    const sessions = [21, 22, 23, 24].map(telemetry);
    const scores = [9100, 1200, 8300, 400];
    const results = await Promise.all(sessions.map((t, i) => verify(poh, t, scores[i]!)));

    const tx = results[0]!.txHashes.request;
    for (const r of results) assert.equal(r.txHashes.request, tx, "every request went out in the same transaction");
    const sentTx = await publicClient().getTransaction({ hash: tx });
    const call = decodeFunctionData({ abi: pohCoordinatorAbi, data: sentTx.input });
    assert.equal(call.functionName, "requestVerificationBatch");
    // The batch's order is the order the uploads finished in, not necessarily the call order.
    const batched = [...call.args[1]];
    assert.deepEqual([...batched].sort(), sessions.map(hashOf).sort(), "the batch carries each request's input hash once");
    assert.equal(sentTx.value, minFee * 4n, "the fee for four jobs");
    const receipt = await publicClient().getTransactionReceipt({ hash: tx });
    const requested = parseEventLogs({ abi: pohCoordinatorAbi, logs: receipt.logs, eventName: "JobRequested" });
    assert.equal(requested.length, 4);

    const ids = results.map((r) => r.jobId);
    assert.equal(new Set(ids).size, 4, "four distinct jobs");
    const first = ids.reduce((m, x) => (x < m ? x : m));
    assert.deepEqual([...ids].sort((a, b) => Number(a - b)), [first, first + 1n, first + 2n, first + 3n], "consecutive job ids");
    for (const [i, r] of results.entries()) {
      assert.equal(r.inputHash, hashOf(sessions[i]!));
      assert.equal(r.jobId, first + BigInt(batched.indexOf(r.inputHash)), "job ids follow the batch's order");
      assert.equal(r.scoreBps, scores[i], "each caller gets the result of its own job");
      assert.equal(r.verdict, scores[i]! >= 5000 ? "human" : "bot");
      assert.equal(r.fee, minFee);
      assert.equal(r.requestGas, receipt.gasUsed / 4n, "each request's share of the batch's gas");
      const job = await readJob(r.jobId);
      assert.equal(job.inputHash, hashOf(sessions[i]!), "the job on chain is this caller's input");
      assert.equal(job.status, 2);
      assert.equal(job.result, scores[i]);
      assert.equal(job.fee, minFee);
      assert.equal(job.requester, poh.address);
    }
  });

  it("a lone request goes out as a plain requestVerification", async () => {
    const poh = client(13);
    const t = telemetry(31);
    const r = await verify(poh, t, 7700);
    assert.equal(r.scoreBps, 7700);
    const sentTx = await publicClient().getTransaction({ hash: r.txHashes.request });
    assert.equal(decodeFunctionData({ abi: pohCoordinatorAbi, data: sentTx.input }).functionName, "requestVerification");
    assert.equal(r.requestGas, (await publicClient().getTransactionReceipt({ hash: r.txHashes.request })).gasUsed);
    assert.equal((await readJob(r.jobId)).inputHash, hashOf(t));
  });

  it("more requests than maxBatchSize go out as several batches", async () => {
    const poh = client(14, { batchWindowMs: 150, maxBatchSize: 2 });
    const sessions = [41, 42, 43, 44, 45].map(telemetry);
    const results = await Promise.all(sessions.map((t, i) => verify(poh, t, 6000 + i)));
    const txs = new Set(results.map((r) => r.txHashes.request));
    assert.equal(txs.size, 3, "2 + 2 + 1");
    results.forEach((r, i) => assert.equal(r.scoreBps, 6000 + i));
    for (const [i, r] of results.entries()) assert.equal((await readJob(r.jobId)).inputHash, hashOf(sessions[i]!));
  });

  it("refuses a maxBatchSize outside 1..100", () => {
    assert.throws(() => client(12, { maxBatchSize: 101 }), /maxBatchSize/);
    assert.throws(() => client(12, { maxBatchSize: 0 }), /maxBatchSize/);
  });

  it("a batch whose estimate reverts (fee too low) fails every request with ContractRevertError and sends nothing", async () => {
    const poh = client(12, { batchWindowMs: 150 });
    const before = await jobCount();
    const nonce = await publicClient().getTransactionCount({ address: poh.address });
    const outcomes = await Promise.allSettled([51, 52, 53].map((s) => poh.requestVerification(telemetry(s), { fee: minFee - 1n })));
    for (const o of outcomes) {
      assert.equal(o.status, "rejected");
      assert.ok(o.reason instanceof ContractRevertError, String(o.reason));
      assert.equal(o.reason.errorName, "FeeTooLow");
    }
    assert.equal(await jobCount(), before);
    assert.equal(await publicClient().getTransactionCount({ address: poh.address }), nonce, "no transaction sent");
  });

  it("one request the coordinator refuses gets its own typed error; the others still go through", async () => {
    // An uploader that hands back an empty URI for one payload: the coordinator refuses that job
    // (InvalidInput), which would revert the whole batch.
    const bad = telemetry(62);
    const badHash = hashOf(bad);
    const poh = client(15, {
      batchWindowMs: 150,
      store: async (bytes, hash) => (hash === badHash ? "" : (await store.put(bytes)).uri),
    });
    const outcomes = await Promise.allSettled([telemetry(61), bad, telemetry(63)].map((t, i) => verify(poh, t, 9000 + i)));
    assert.equal(outcomes[1]!.status, "rejected");
    assert.ok(outcomes[1]!.reason instanceof ContractRevertError, String(outcomes[1]!.reason));
    assert.equal(outcomes[1]!.reason.errorName, "InvalidInput");
    for (const i of [0, 2]) {
      const o = outcomes[i]!;
      assert.equal(o.status, "fulfilled", String(o.status === "rejected" ? o.reason : ""));
      assert.equal(o.value.scoreBps, 9000 + i);
    }
  });

  it("a batch that reverts when mined fails every request in it with TransactionRevertedError", async () => {
    const poh = client(16, { batchWindowMs: 150 });
    const admin = clients(chain.rpcUrl, deployment.deployer.privateKey);
    const nonce = await publicClient().getTransactionCount({ address: poh.address });
    await rpc(chain.rpcUrl, "evm_setAutomine", [false]);
    try {
      const pending = [71, 72, 73].map((s) => poh.requestVerification(telemetry(s)));
      for (const p of pending) p.catch(() => undefined);
      // Wait until the batch is in the mempool, then let a pause land before it in the same block.
      for (let i = 0; (await publicClient().getTransactionCount({ address: poh.address, blockTag: "pending" })) === nonce; i++) {
        assert.ok(i < 200, "the batch was never broadcast");
        await new Promise((r) => setTimeout(r, 50));
      }
      const pause = await admin.walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "pause", maxPriorityFeePerGas: parseGwei("50"), maxFeePerGas: parseGwei("200") });
      await mine(chain.rpcUrl, 1);
      const outcomes = await Promise.allSettled(pending);
      const hashes = new Set<Hex>();
      for (const o of outcomes) {
        assert.equal(o.status, "rejected");
        assert.ok(o.reason instanceof TransactionRevertedError, String(o.reason));
        assert.equal(o.reason.functionName, "requestVerificationBatch");
        assert.equal(o.reason.outOfGas, false);
        hashes.add(o.reason.txHash);
      }
      assert.equal(hashes.size, 1, "the same batch transaction");
      const receipt = await publicClient().getTransactionReceipt({ hash: [...hashes][0]! });
      assert.equal(receipt.status, "reverted");
      assert.equal((await publicClient().getTransactionReceipt({ hash: pause })).status, "success");
    } finally {
      await rpc(chain.rpcUrl, "evm_setAutomine", [true]);
      await admin.publicClient.waitForTransactionReceipt({ hash: await admin.walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "unpause" }) });
    }
  });
});
