import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keccak256, type Address, type Hex } from "viem";
import { exampleConsumerAbi, pohCoordinatorAbi } from "../../generated/abis.ts";
import { InputError, RetryableError } from "../../oracle/src/errors.ts";
import type { Telemetry, TelemetryEvent } from "../../oracle/src/payload/index.ts";
import { createPohClient, type JobStage, type PohClient } from "../../sdk/src/client.ts";
import {
  ContractRevertError,
  JobExpiredError,
  JobInputRejectedError,
  PayloadRejectedError,
  VerificationTimeoutError,
} from "../../sdk/src/errors.ts";
import type { PayloadStore } from "../../sdk/src/store.ts";
import { clients, mine, type Chain, type DeployedProtocol } from "../helpers/devnet.ts";
import { serveJob, type MemberPlan } from "./helpers/committee.ts";
import { startSdkNetwork, type SdkNetwork } from "./helpers/sdk-network.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

function telemetry(seed: number): Telemetry {
  const events: TelemetryEvent[] = [];
  let t = 0;
  for (let i = 0; i < 40; i++) {
    t += 12 + ((i * 7 + seed) % 9);
    events.push({ t, k: "move", x: 100 + i * 3 + seed, y: 200 + Math.round(10 * Math.sin(i / 5)) });
  }
  events.push({ t: t + 80, k: "down", x: 220, y: 210, b: 0 }, { t: t + 170, k: "up", x: 220, y: 210, b: 0 });
  events.push({ t: t + 400, k: "keydown", key: 7 }, { t: t + 480, k: "keyup", key: 7 });
  return { v: 1, screen: { w: 1280, h: 800 }, events };
}

describe("SDK against a real chain and coordinator", () => {
  let net: SdkNetwork;
  let chain: Chain;
  let deployment: DeployedProtocol;
  let store: PayloadStore;
  let poh: PohClient;
  let coordinator: Address;
  let keys: Map<string, Hex>;

  before(async () => {
    net = await startSdkNetwork({ modelSha256: `0x${"ab".repeat(32)}`, storePrefix: "poh-sdk-test-" });
    ({ chain, deployment, store, coordinator, keys } = net);
    poh = createPohClient({
      rpcUrl: chain.rpcUrl,
      privateKey: deployment.accounts[10]!.privateKey,
      coordinator,
      store: store.url,
      pollIntervalMs: 100,
      timeoutMs: 60_000,
    });
  });

  after(async () => {
    poh?.close();
    await net?.stop();
  });

  const readJob = (jobId: bigint) =>
    clients(chain.rpcUrl, deployment.deployer.privateKey).publicClient.readContract({
      address: coordinator,
      abi: pohCoordinatorAbi,
      functionName: "getJob",
      args: [jobId],
    });

  /** Requests through the SDK while the scripted committee serves the job. */
  async function verify(seed: number, plan: (member: Address, i: number) => MemberPlan, extra: { timeoutMs?: number; onStage?: (s: JobStage) => void } = {}) {
    let serving: Promise<void> | undefined;
    const result = poh.requestVerification(telemetry(seed), {
      timeoutMs: extra.timeoutMs,
      onProgress: (p) => {
        extra.onStage?.(p.stage);
        if (p.stage === "requested") serving = serveJob(chain.rpcUrl, coordinator, p.jobId, p.committee, keys, plan);
      },
    });
    try {
      return await result;
    } finally {
      await serving;
    }
  }

  it("stores the payload, pays the minimum fee and returns the committee's median as a human verdict", async () => {
    const stages: JobStage[] = [];
    const scores = [9000, 9200, 9100];
    const before = (await clients(chain.rpcUrl, deployment.deployer.privateKey).publicClient.readContract({
      address: coordinator, abi: pohCoordinatorAbi, functionName: "getParams",
    })).minFee;
    const result = await verify(1, (_, i) => scores[i]!, { onStage: (s) => stages.push(s) });

    assert.equal(result.scoreBps, 9100);
    assert.equal(result.verdict, "human");
    assert.equal(result.fee, before);
    assert.equal(result.committee.length, 3);
    assert.equal(result.txHashes.commits.length, 3);
    assert.equal(result.txHashes.reveals.length, 3);
    assert.equal(result.txHashes.final, result.txHashes.reveals[2], "the last reveal finalises the job");
    assert.deepEqual(stages, ["requested", "committed", "committed", "committed", "revealed", "revealed", "revealed", "final"]);
    assert.ok(result.latencyBlocks > 0);

    const job = await readJob(result.jobId);
    assert.equal(job.status, 2, "Final on chain");
    assert.equal(job.result, 9100);
    assert.equal(job.verdict, true);
    assert.equal(job.inputHash, result.inputHash);
    assert.equal(job.fee, result.fee);
    assert.equal(job.requester, poh.address);

    const served = new Uint8Array(await (await fetch(result.inputURI)).arrayBuffer());
    assert.equal(keccak256(served), job.inputHash, "the store serves exactly the bytes the job commits to");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(served)), telemetry(1));
  });

  it("returns a bot verdict for low scores", async () => {
    const scores = [1000, 1200, 1100];
    const result = await verify(2, (_, i) => scores[i]!);
    assert.equal(result.scoreBps, 1100);
    assert.equal(result.verdict, "bot");
    assert.equal((await readJob(result.jobId)).verdict, false);
  });

  it("rejects malformed telemetry with an InputError naming the field, before sending anything", async () => {
    const { publicClient } = clients(chain.rpcUrl, deployment.deployer.privateKey);
    const count = await publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "jobCount" });
    const bad = { v: 1, events: [{ t: 0, k: "move", x: 1, y: 1 }, { t: 5, k: "keydown", key: "a" }] };
    await assert.rejects(poh.requestVerification(JSON.stringify(bad)), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.retryable, false);
      assert.match(err.message, /events\[1\]\.key/);
      return true;
    });
    await assert.rejects(poh.requestVerification("not json"), InputError);
    assert.equal(await publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "jobCount" }), count);
  });

  it("runs concurrent requests from one client with distinct nonces and jobs", async () => {
    const scores = [[9300, 9400, 9500], [500, 600, 700], [8000, 8100, 8200], [100, 200, 300]];
    const results = await Promise.all(scores.map((s, i) => verify(10 + i, (_, j) => s[j]!)));
    assert.equal(new Set(results.map((r) => r.jobId)).size, 4, "four distinct jobs");
    assert.deepEqual(results.map((r) => r.scoreBps), [9400, 600, 8100, 200]);
    assert.deepEqual(results.map((r) => r.verdict), ["human", "bot", "human", "bot"]);
    for (const r of results) assert.equal((await readJob(r.jobId)).status, 2);
  });

  it("refuses a payload over 1 MiB with PayloadRejectedError before storing or sending anything", async () => {
    const big = JSON.stringify({ v: 1, events: [], pad: "x".repeat(1_048_576) });
    await assert.rejects(poh.requestVerification(big), (err: unknown) => {
      assert.ok(err instanceof PayloadRejectedError);
      assert.ok(err instanceof InputError);
      assert.equal(err.status, 413);
      return true;
    });
    assert.equal(await store.get(keccak256(new TextEncoder().encode(big))), undefined);
  });

  it("decodes a fee below the minimum as ContractRevertError FeeTooLow", async () => {
    await assert.rejects(poh.requestVerification(telemetry(3), { fee: 1n }), (err: unknown) => {
      assert.ok(err instanceof ContractRevertError);
      assert.equal(err.errorName, "FeeTooLow");
      assert.equal(err.retryable, false);
      return true;
    });
  });

  it("fails with JobInputRejectedError and a full refund when the committee rejects the input, then withdraws it", async () => {
    let failure: JobInputRejectedError | undefined;
    await assert.rejects(verify(4, () => 65535), (err: unknown) => {
      assert.ok(err instanceof JobInputRejectedError);
      assert.ok(err instanceof InputError, "an input rejection is not retryable");
      failure = err;
      return true;
    });
    const job = await readJob(failure!.jobId);
    assert.equal(job.status, 3, "Failed on chain");
    assert.equal(job.failure, 3, "InputInvalid");
    assert.equal(failure!.refund, job.fee);

    const { publicClient } = clients(chain.rpcUrl, deployment.deployer.privateKey);
    const balanceBefore = await publicClient.getBalance({ address: poh.address });
    assert.equal(await poh.claimable(), failure!.refund);
    const withdrawn = await poh.withdrawRefunds();
    assert.equal(withdrawn.amount, failure!.refund);
    assert.ok(withdrawn.txHash);
    const receipt = await publicClient.getTransactionReceipt({ hash: withdrawn.txHash });
    assert.equal(
      await publicClient.getBalance({ address: poh.address }),
      balanceBefore + failure!.refund - receipt.gasUsed * receipt.effectiveGasPrice,
    );
    assert.deepEqual(await poh.withdrawRefunds(), { amount: 0n }, "nothing left: no transaction");
  });

  it("times out with a retryable VerificationTimeoutError when the committee is silent", async () => {
    await assert.rejects(verify(5, () => "silent", { timeoutMs: 1_500 }), (err: unknown) => {
      assert.ok(err instanceof VerificationTimeoutError);
      assert.ok(err instanceof RetryableError);
      assert.equal(typeof err.jobId, "bigint");
      assert.equal(err.stage, "requested");
      return true;
    });
  });

  it("expires a job nobody revealed once the deadline passes, and reports JobExpiredError", async () => {
    let jobId: bigint | undefined;
    const pending = poh.requestVerification(telemetry(6), {
      onProgress: (p) => {
        if (p.stage === "requested") {
          jobId = p.jobId;
          void mine(chain.rpcUrl, 100);
        }
      },
    });
    await assert.rejects(pending, (err: unknown) => {
      assert.ok(err instanceof JobExpiredError);
      assert.ok(err instanceof RetryableError);
      return true;
    });
    const job = await readJob(jobId!);
    assert.equal(job.status, 3);
    assert.equal(job.failure, 1, "Expired");
  });

  it("delivers the verdict to ExampleConsumer, which then lets the verified account sign up", async () => {
    const artifact = JSON.parse(
      readFileSync(join(ROOT, "artifacts/contracts/examples/ExampleConsumer.sol/ExampleConsumer.json"), "utf8"),
    ) as { bytecode: Hex };
    const user = clients(chain.rpcUrl, deployment.accounts[11]!.privateKey);
    const deployTx = await user.walletClient.deployContract({ abi: exampleConsumerAbi, bytecode: artifact.bytecode, args: [coordinator, 1] });
    const consumer = (await user.publicClient.waitForTransactionReceipt({ hash: deployTx })).contractAddress!;
    const payload = new TextEncoder().encode(JSON.stringify(telemetry(7)));
    const stored = await store.put(payload);
    const fee = (await user.publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "getParams" })).minFee;

    const reqTx = await user.walletClient.writeContract({
      address: consumer, abi: exampleConsumerAbi, functionName: "requestVerification", args: [stored.hash, stored.uri], value: fee,
    });
    await user.publicClient.waitForTransactionReceipt({ hash: reqTx });
    const jobId = await user.publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "jobCount" });
    assert.equal(await user.publicClient.readContract({ address: consumer, abi: exampleConsumerAbi, functionName: "accountOf", args: [jobId] }), user.account.address);
    const job = await readJob(jobId);
    assert.equal(job.callback.toLowerCase(), consumer.toLowerCase());

    await serveJob(chain.rpcUrl, coordinator, jobId, job.committee, keys, () => 8800);
    assert.equal((await readJob(jobId)).status, 2);
    assert.equal(await user.publicClient.readContract({ address: consumer, abi: exampleConsumerAbi, functionName: "isVerified", args: [user.account.address] }), true);
    const signUp = await user.walletClient.writeContract({ address: consumer, abi: exampleConsumerAbi, functionName: "signUp" });
    assert.equal((await user.publicClient.waitForTransactionReceipt({ hash: signUp })).status, "success");
    assert.equal(await user.publicClient.readContract({ address: consumer, abi: exampleConsumerAbi, functionName: "isSignedUp", args: [user.account.address] }), true);
  });
});
