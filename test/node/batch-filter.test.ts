/**
 * The miner's "batch would revert" path (oracle/src/batch.ts, used by the node's sendGroup): the
 * coordinator's batch calls are all-or-nothing, so a batch with one bad job is checked job by job
 * and the passing jobs go out as ONE transaction; the failing job is left for a later round.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { parseEther, parseEventLogs, parseGwei, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { pohCoordinatorAbi } from "../../generated/abis.ts";
import { submitFiltered } from "../../oracle/src/batch.ts";
import { Chain } from "../../oracle/src/chain/index.ts";
import { NodeMetrics } from "../../oracle/src/metrics/index.ts";
import { commitment } from "../../oracle/src/node.ts";
import { clients } from "../helpers/devnet.ts";
import { minerActions, getJob, requestJob, setupNet, type Net } from "./harness.ts";

type Job = { jobId: bigint; score: number; salt: Hex };

describe("a batch that would revert is filtered and the passing jobs go out as one transaction", { timeout: 240_000 }, () => {
  let net: Net;
  let coordinator: Hex;
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const salt = (i: number, m: number): Hex => `0x${(i * 16 + m + 1).toString(16).padStart(64, "0")}`;

  before(async () => {
    // Committee 3 of 3 miners: every miner is on every job. Long windows: the commit phase ends
    // only when all three members committed.
    net = await setupNet({ port: 23700, miners: 3, commitWindow: 200, revealWindow: 200 });
    coordinator = net.deployment.contracts.PohCoordinator.address;
  });
  after(async () => {
    await net?.stop();
  });

  /** Commits `job` from miner `m` directly (no node). */
  async function commitAs(m: number, job: Job): Promise<void> {
    const miner = net.miners[m]!;
    const { walletClient, publicClient } = clients(net.chain.rpcUrl, miner.privateKey);
    const hash = await walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "commit", args: [job.jobId, commitment(job.jobId, miner.address, job.score, salt(Number(job.jobId), m))] });
    const r = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    assert.equal(r.status, "success");
  }

  const chainOf = (m: number) =>
    new Chain(
      { rpcUrl: net.chain.rpcUrl, maxGasPrice: parseGwei("500"), gasLimitCap: 5_000_000n, txStuckMs: 30_000, pollMs: 100 },
      privateKeyToAccount(net.miners[m]!.privateKey),
      { logger, metrics: new NodeMetrics({ defaultMetrics: false }), signal: new AbortController().signal },
    );

  it("reveals: one job's reveal phase has not started; the other two land in one revealBatch, the third in a later round", async () => {
    const jobs: Job[] = [];
    for (let i = 0; i < 3; i++) {
      const { jobId } = await requestJob(net, `http://127.0.0.1:1/unused-${i}`, `0x${(i + 1).toString(16).padStart(64, "0")}`, parseEther("0.01"));
      jobs.push({ jobId, score: 7000 + i, salt: "0x" });
    }
    const [j1, j2, j3] = jobs as [Job, Job, Job];
    // Miners 0 and 1 commit all three; miner 2 commits only j1 and j2: j3's reveal phase is not open.
    for (const job of jobs) for (const m of [0, 1]) await commitAs(m, job);
    for (const job of [j1, j2]) await commitAs(2, job);

    const a = chainOf(0);
    const me = net.miners[0]!.address;
    const submit = (group: Job[]) =>
      group.length === 1
        ? a.submit("reveal", { address: coordinator, abi: pohCoordinatorAbi, functionName: "reveal", args: [group[0]!.jobId, group[0]!.score, salt(Number(group[0]!.jobId), 0)] })
        : a.submit("revealBatch", { address: coordinator, abi: pohCoordinatorAbi, functionName: "revealBatch", args: [group.map((j) => j.jobId), group.map((j) => j.score), group.map((j) => salt(Number(j.jobId), 0))] });
    const check = (j: Job) => a.simulate("reveal", { address: coordinator, abi: pohCoordinatorAbi, functionName: "reveal", args: [j.jobId, j.score, salt(Number(j.jobId), 0)] });
    const ctx = { what: "reveal", id: (j: Job) => j.jobId.toString(), logger, signal: new AbortController().signal };

    const nonceBefore = await net.publicClient.getTransactionCount({ address: me });
    const result = await submitFiltered(jobs, submit, check, ctx);
    assert.equal(result.sent.length, 1, "one transaction for the passing jobs");
    assert.deepEqual(result.sent[0]!.group.map((j) => j.jobId), [j1.jobId, j2.jobId]);
    assert.equal(result.sent[0]!.tx.kind, "revealBatch");
    assert.deepEqual(result.rejected.map((r) => [r.item.jobId, r.error.errorName]), [[j3.jobId, "RevealPhaseNotStarted"]]);
    assert.ok(lines.some((l) => l.msg === "reveal batch would revert; checking jobs one by one" && l.jobs === 3));
    assert.ok(lines.some((l) => l.msg === "reveal would revert; left for the next round" && l.jobId === j3.jobId.toString() && l.error === "RevealPhaseNotStarted"));

    const receipt = await result.sent[0]!.tx.receipt;
    assert.equal(receipt.status, "success");
    const revealed = parseEventLogs({ abi: pohCoordinatorAbi, logs: receipt.logs, eventName: "Revealed" });
    assert.equal(revealed.length, 1, "one Revealed event for the call");
    assert.equal(revealed[0]!.args.miner, me);
    assert.deepEqual(revealed[0]!.args.jobIds, [j1.jobId, j2.jobId], "both reveals in that one transaction");
    assert.equal(await net.publicClient.getTransactionCount({ address: me }), nonceBefore + 1, "exactly one transaction was sent (the reverting batch was not)");
    assert.equal((await net.publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "getMember", args: [j3.jobId, me] }))[2], false, "j3 not revealed yet");

    // A later round: the missing member commits, j3's reveal phase opens and j3 goes out alone.
    await commitAs(2, j3);
    const later = await submitFiltered([j3], submit, check, ctx);
    assert.equal(later.rejected.length, 0);
    assert.equal(later.sent.length, 1);
    assert.equal(later.sent[0]!.tx.kind, "reveal");
    assert.equal((await later.sent[0]!.tx.receipt).status, "success");
    assert.equal((await net.publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "getMember", args: [j3.jobId, me] }))[2], true, "j3 revealed");
    assert.equal((await getJob(net, j3.jobId)).revealCount, 1);
  });

  it("commits: one job already committed; the two fresh ones land in one commitBatch", async () => {
    const jobs: Job[] = [];
    for (let i = 0; i < 3; i++) {
      const { jobId } = await requestJob(net, `http://127.0.0.1:1/unused-c${i}`, `0x${(i + 11).toString(16).padStart(64, "0")}`, parseEther("0.01"));
      jobs.push({ jobId, score: 100 + i, salt: "0x" });
    }
    const b = chainOf(1);
    const me = net.miners[1]!.address;
    await commitAs(1, jobs[1]!); // the middle one is already committed: AlreadyCommitted
    const c = (j: Job) => commitment(j.jobId, me, j.score, salt(Number(j.jobId), 1));
    const submit = (group: Job[]) =>
      group.length === 1
        ? b.submit("commit", { address: coordinator, abi: pohCoordinatorAbi, functionName: "commit", args: [group[0]!.jobId, c(group[0]!)] })
        : b.submit("commitBatch", { address: coordinator, abi: pohCoordinatorAbi, functionName: "commitBatch", args: [group.map((j) => j.jobId), group.map(c)] });
    const check = (j: Job) => b.simulate("commit", { address: coordinator, abi: pohCoordinatorAbi, functionName: "commit", args: [j.jobId, c(j)] });
    const result = await submitFiltered(jobs, submit, check, { what: "commit", id: (j: Job) => j.jobId.toString(), logger, signal: new AbortController().signal });
    assert.equal(result.sent.length, 1);
    assert.equal(result.sent[0]!.tx.kind, "commitBatch");
    assert.deepEqual(result.sent[0]!.group.map((j) => j.jobId), [jobs[0]!.jobId, jobs[2]!.jobId]);
    assert.deepEqual(result.rejected.map((r) => [r.item.jobId, r.error.errorName]), [[jobs[1]!.jobId, "AlreadyCommitted"]]);
    const receipt = await result.sent[0]!.tx.receipt;
    const committed = parseEventLogs({ abi: pohCoordinatorAbi, logs: receipt.logs, eventName: "Committed" });
    assert.deepEqual(committed.flatMap((e) => e.args.jobIds), [jobs[0]!.jobId, jobs[2]!.jobId]);
    const commitsOfMiddle = await minerActions(net, "Committed", { jobId: jobs[1]!.jobId, miner: me });
    assert.equal(commitsOfMiddle.length, 1, "the already-committed job was not committed again");
  });
});
