/** PohCoordinator events: the job lifecycle, settlements and withdrawals (governance events are in governance.ts). */
import { ponder } from "ponder:registry";
import {
  integrator,
  job,
  jobEvent,
  jobMember,
  ledger,
  miner,
  model,
} from "ponder:schema";
import { zeroAddress } from "viem";
import {
  agreementRateBps,
  applyOutcome,
  isFault,
  isLivenessFault,
  outcomeFromIndex,
  reputationScore,
  type MemberOutcome,
} from "./reputation.ts";
import { type Db, bumpMiner, lower, touchMiner, updateMiner, updateMinerDay, updateNetwork, updateNetworkDay } from "./store.ts";

const FAILURE_REASONS = ["none", "expired", "no_agreement", "input_invalid"] as const;
const OUTCOME_COLUMN: Record<MemberOutcome, "agreed" | "outlier" | "no_commit" | "no_reveal" | "unscored"> = {
  Agreed: "agreed",
  Outlier: "outlier",
  NoCommit: "no_commit",
  NoReveal: "no_reveal",
  Unscored: "unscored",
};

type EventMeta = {
  id: string;
  block: { number: bigint; timestamp: bigint };
  log: { logIndex: number };
  transaction: { hash: `0x${string}` };
};

async function addJobEvent(
  db: Db,
  event: EventMeta,
  jobId: bigint,
  kind: string,
  account: `0x${string}` | null,
  detail: Record<string, string | number | boolean | null>,
): Promise<void> {
  await db.insert(jobEvent).values({
    id: event.id,
    jobId,
    kind,
    miner: account,
    detail,
    blockNumber: event.block.number,
    logIndex: event.log.logIndex,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
}

ponder.on("PohCoordinator:JobRequested", async ({ event, context }) => {
  const { db } = context;
  const a = event.args;
  const committee = a.committee.map(lower);
  await db.insert(job).values({
    id: a.jobId,
    requester: lower(a.requester),
    modelId: Number(a.modelId),
    inputHash: a.inputHash,
    inputURI: a.inputURI,
    fee: a.fee,
    committee,
    committeeSize: committee.length,
    quorum: Number(a.quorum),
    commitDeadline: a.commitDeadline,
    revealDeadline: a.revealDeadline,
    callback: a.callback,
    callbackGasLimit: Number(a.callbackGasLimit),
    callbackStatus: null,
    callbackError: null,
    status: "pending",
    failureReason: "none",
    commitCount: 0,
    revealCount: 0,
    rewardsPaid: 0n,
    pointsAwarded: 0n,
    slashedTotal: 0n,
    requestBlock: event.block.number,
    requestTime: event.block.timestamp,
    requestTx: event.transaction.hash,
  });
  await db.insert(jobMember).values(
    committee.map((m, position) => ({
      id: `${a.jobId}-${m}`,
      jobId: a.jobId,
      miner: m,
      position,
      revealMismatches: 0,
      outcome: "pending" as const,
      reward: 0n,
      points: 0n,
      slashed: 0n,
    })),
  );
  for (const m of committee) await touchMiner(db, m, event.block);
  await addJobEvent(db, event, a.jobId, "requested", null, {
    requester: lower(a.requester),
    modelId: Number(a.modelId),
    fee: a.fee.toString(),
    quorum: Number(a.quorum),
    committee: committee.join(","),
    commitDeadline: a.commitDeadline.toString(),
    revealDeadline: a.revealDeadline.toString(),
  });
  if ((await db.find(model, { id: Number(a.modelId) })) !== null) {
    await db.update(model, { id: Number(a.modelId) }).set((r) => ({ jobCount: r.jobCount + 1 }));
  }
  await db
    .insert(integrator)
    .values({
      id: lower(a.requester),
      jobs: 1,
      finalJobs: 0,
      failedJobs: 0,
      feesPaid: a.fee,
      refunded: 0n,
      firstBlock: event.block.number,
      lastBlock: event.block.number,
    })
    .onConflictDoUpdate((r) => ({ jobs: r.jobs + 1, feesPaid: r.feesPaid + a.fee, lastBlock: event.block.number }));
  await updateNetwork(db, event.block, (n) => ({
    jobs: n.jobs + 1,
    jobsPending: n.jobsPending + 1,
    feesRequested: n.feesRequested + a.fee,
  }));
  await updateNetworkDay(db, event.block.timestamp, (d) => ({
    jobsRequested: d.jobsRequested + 1,
    feesRequested: d.feesRequested + a.fee,
  }));
});

ponder.on("PohCoordinator:Committed", async ({ event, context }) => {
  const { db } = context;
  const { jobId, commitment } = event.args;
  const m = lower(event.args.miner);
  await db.update(jobMember, { id: `${jobId}-${m}` }).set({
    commitment,
    commitBlock: event.block.number,
    commitTime: event.block.timestamp,
    commitTx: event.transaction.hash,
  });
  await db.update(job, { id: jobId }).set((r) => ({ commitCount: r.commitCount + 1 }));
  await bumpMiner(db, m, event.block, (r) => ({ commits: r.commits + 1 }));
  await addJobEvent(db, event, jobId, "committed", m, { commitment });
});

ponder.on("PohCoordinator:Revealed", async ({ event, context }) => {
  const { db } = context;
  const { jobId, scoreBps } = event.args;
  const m = lower(event.args.miner);
  await db.update(jobMember, { id: `${jobId}-${m}` }).set({
    scoreBps: Number(scoreBps),
    revealBlock: event.block.number,
    revealTime: event.block.timestamp,
    revealTx: event.transaction.hash,
  });
  await db.update(job, { id: jobId }).set((r) => ({ revealCount: r.revealCount + 1 }));
  await bumpMiner(db, m, event.block, (r) => ({ reveals: r.reveals + 1 }));
  await addJobEvent(db, event, jobId, "revealed", m, { scoreBps: Number(scoreBps) });
});

ponder.on("PohCoordinator:RevealMismatched", async ({ event, context }) => {
  const { db } = context;
  const { jobId } = event.args;
  const m = lower(event.args.miner);
  await db.update(jobMember, { id: `${jobId}-${m}` }).set((r) => ({ revealMismatches: r.revealMismatches + 1 }));
  await bumpMiner(db, m, event.block, (r) => ({ revealMismatches: r.revealMismatches + 1 }));
  await addJobEvent(db, event, jobId, "reveal_mismatched", m, {});
});

ponder.on("PohCoordinator:JobFinalized", async ({ event, context }) => {
  const { db } = context;
  const { jobId, result, verdict, proposer, agreeCount, protocolFee } = event.args;
  const row = await db.update(job, { id: jobId }).set((r) => ({
    status: "final" as const,
    result: Number(result),
    verdict,
    proposer,
    agreeCount: Number(agreeCount),
    protocolFee,
    finalBlock: event.block.number,
    finalTime: event.block.timestamp,
    finalTx: event.transaction.hash,
    latencyBlocks: Number(event.block.number - r.requestBlock),
    latencySeconds: Number(event.block.timestamp - r.requestTime),
  }));
  if (proposer !== zeroAddress) {
    await bumpMiner(db, lower(proposer), event.block, (r) => ({ proposals: r.proposals + 1 }));
  }
  if ((await db.find(model, { id: row.modelId })) !== null) {
    await db.update(model, { id: row.modelId }).set((r) => ({ finalJobs: r.finalJobs + 1 }));
  }
  await db.update(integrator, { id: row.requester }).set((r) => ({ finalJobs: r.finalJobs + 1 }));
  // The members' rewards (MemberSettled, emitted just before this event in the same
  // transaction, summed on the job row) go into the network totals here, once per job.
  const net = await updateNetwork(db, event.block, (n) => ({
    jobsPending: n.jobsPending - 1,
    jobsFinal: n.jobsFinal + 1,
    protocolFees: n.protocolFees + protocolFee,
    rewardsPaid: n.rewardsPaid + row.rewardsPaid,
  }));
  await updateNetworkDay(db, event.block.timestamp, (d) => ({
    jobsFinal: d.jobsFinal + 1,
    protocolFees: d.protocolFees + protocolFee,
    rewardsPaid: d.rewardsPaid + row.rewardsPaid,
    latencyBlocksSum: d.latencyBlocksSum + BigInt(row.latencyBlocks ?? 0),
    latencySecondsSum: d.latencySecondsSum + BigInt(row.latencySeconds ?? 0),
  }));
  if (protocolFee > 0n) {
    let treasury = net.coordinatorTreasury;
    if (treasury === null) {
      // The constructor sets the treasury without an event: read it once.
      treasury = await context.client.readContract({
        abi: context.contracts.PohCoordinator.abi,
        address: context.contracts.PohCoordinator.address as `0x${string}`,
        functionName: "treasury",
        blockNumber: event.block.number,
      });
      const known = treasury;
      await updateNetwork(db, event.block, () => ({ coordinatorTreasury: known }));
    }
    await db.insert(ledger).values({
      id: event.id,
      account: treasury,
      kind: "protocol_fee",
      asset: "native",
      amount: protocolFee,
      jobId,
      blockNumber: event.block.number,
      timestamp: event.block.timestamp,
      txHash: event.transaction.hash,
    });
  }
  await addJobEvent(db, event, jobId, "finalized", null, {
    result: Number(result),
    verdict,
    proposer,
    agreeCount: Number(agreeCount),
    protocolFee: protocolFee.toString(),
  });
});

ponder.on("PohCoordinator:JobFailed", async ({ event, context }) => {
  const { db } = context;
  const { jobId, reason, refund } = event.args;
  const failure = FAILURE_REASONS[Number(reason)] ?? "none";
  const row = await db.update(job, { id: jobId }).set((r) => ({
    status: "failed" as const,
    failureReason: failure,
    refund,
    finalBlock: event.block.number,
    finalTime: event.block.timestamp,
    finalTx: event.transaction.hash,
    latencyBlocks: Number(event.block.number - r.requestBlock),
    latencySeconds: Number(event.block.timestamp - r.requestTime),
  }));
  if ((await db.find(model, { id: row.modelId })) !== null) {
    await db.update(model, { id: row.modelId }).set((r) => ({ failedJobs: r.failedJobs + 1 }));
  }
  await db.update(integrator, { id: row.requester }).set((r) => ({
    failedJobs: r.failedJobs + 1,
    refunded: r.refunded + refund,
  }));
  // A failed job pays no rewards (every member is Unscored); added for symmetry with JobFinalized.
  await updateNetwork(db, event.block, (n) => ({
    jobsPending: n.jobsPending - 1,
    jobsFailed: n.jobsFailed + 1,
    refunds: n.refunds + refund,
    rewardsPaid: n.rewardsPaid + row.rewardsPaid,
  }));
  await updateNetworkDay(db, event.block.timestamp, (d) => ({
    jobsFailed: d.jobsFailed + 1,
    rewardsPaid: d.rewardsPaid + row.rewardsPaid,
  }));
  if (refund > 0n) {
    await db.insert(ledger).values({
      id: event.id,
      account: row.requester,
      kind: "refund",
      asset: "native",
      amount: refund,
      reason: failure,
      jobId,
      blockNumber: event.block.number,
      timestamp: event.block.timestamp,
      txHash: event.transaction.hash,
    });
  }
  await addJobEvent(db, event, jobId, "failed", null, { reason: failure, refund: refund.toString() });
});

ponder.on("PohCoordinator:MemberSettled", async ({ event, context }) => {
  const { db } = context;
  const { jobId, reward, points, trustMultiplierBps } = event.args;
  const m = lower(event.args.miner);
  const outcome = outcomeFromIndex(Number(event.args.outcome));
  const agreed = outcome === "Agreed" ? 1 : 0;
  const fault = isFault(outcome) ? 1 : 0;
  const after = await bumpMiner(db, m, event.block, (r) => {
    const state = applyOutcome({ agreed: r.repAgreed, scored: r.repScored, faults: r.repFaults }, outcome);
    const served = r.jobsServed + 1;
    const agreedCount = r.jobsAgreed + agreed;
    return {
      jobsServed: served,
      jobsAgreed: agreedCount,
      jobsUnscored: r.jobsUnscored + (outcome === "Unscored" ? 1 : 0),
      agreementRateBps: agreementRateBps(agreedCount, served),
      livenessFaults: r.livenessFaults + (isLivenessFault(outcome) ? 1 : 0),
      outlierFaults: r.outlierFaults + (outcome === "Outlier" ? 1 : 0),
      feesEarned: r.feesEarned + reward,
      pointsEarned: r.pointsEarned + points,
      trustMultiplierBps: Number(trustMultiplierBps),
      repAgreed: state.agreed,
      repScored: state.scored,
      repFaults: state.faults,
      reputation: reputationScore(state),
    };
  });
  await db.update(jobMember, { id: `${jobId}-${m}` }).set({
    outcome: OUTCOME_COLUMN[outcome],
    reward,
    points,
    trustMultiplierBps: Number(trustMultiplierBps),
    reputationAfter: after.reputation,
    settledBlock: event.block.number,
    settledTime: event.block.timestamp,
  });
  await db.update(job, { id: jobId }).set((r) => ({
    rewardsPaid: r.rewardsPaid + reward,
    pointsAwarded: r.pointsAwarded + points,
  }));
  if (reward > 0n) {
    await db.insert(ledger).values({
      id: event.id,
      account: m,
      kind: "reward",
      asset: "native",
      amount: reward,
      reason: OUTCOME_COLUMN[outcome],
      jobId,
      points,
      blockNumber: event.block.number,
      timestamp: event.block.timestamp,
      txHash: event.transaction.hash,
    });
  }
  await updateMinerDay(db, m, event.block.timestamp, after.reputation, (d) => ({
    jobsServed: d.jobsServed + 1,
    jobsAgreed: d.jobsAgreed + agreed,
    faults: d.faults + fault,
    feesEarned: d.feesEarned + reward,
  }));
  await addJobEvent(db, event, jobId, "member_settled", m, {
    outcome: OUTCOME_COLUMN[outcome],
    reward: reward.toString(),
    points: points.toString(),
    trustMultiplierBps: Number(trustMultiplierBps),
    reputationAfter: after.reputation,
  });
});

ponder.on("PohCoordinator:CallbackDelivered", async ({ event, context }) => {
  const { jobId, callback } = event.args;
  await context.db.update(job, { id: jobId }).set({ callbackStatus: "delivered" });
  await addJobEvent(context.db, event, jobId, "callback_delivered", null, { callback });
});

ponder.on("PohCoordinator:CallbackFailed", async ({ event, context }) => {
  const { jobId, callback, reason } = event.args;
  await context.db.update(job, { id: jobId }).set({ callbackStatus: "failed", callbackError: reason });
  await addJobEvent(context.db, event, jobId, "callback_failed", null, { callback, reason });
});

ponder.on("PohCoordinator:Withdrawn", async ({ event, context }) => {
  const { db } = context;
  const { account, amount } = event.args;
  const a = lower(account);
  await db.insert(ledger).values({
    id: event.id,
    account: a,
    kind: "withdrawal",
    asset: "native",
    amount,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
  if ((await db.find(miner, { id: a })) !== null) {
    await updateMiner(db, a, event.block, (r) => ({ feesWithdrawn: r.feesWithdrawn + amount }));
  }
  await updateNetwork(db, event.block, (n) => ({ withdrawn: n.withdrawn + amount }));
});
