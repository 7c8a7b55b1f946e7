/** PohCoordinator events: the job lifecycle, settlements and withdrawals (governance events are in governance.ts). */
import { ponder } from "ponder:registry";
import {
  integrator,
  job,
  jobEvent,
  jobMember,
  ledger,
  miner,
  minerEpoch,
  model,
} from "ponder:schema";
import { zeroAddress } from "viem";
import { decodeMembers, type SettledMember } from "./members.ts";
import {
  agreementRateBps,
  applyOutcome,
  isFault,
  isLivenessFault,
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

/**
 * Settles every member of an ended job's committee, decoded from its JobFinalized / JobFailed
 * event: outcome, reward, points, trust and reputation on the member, miner and daily rows, a
 * reward ledger row and a member_settled timeline row each; on a final job also each Agreed
 * member's job count in emission epoch `epoch` (the points themselves come with WorkRecorded).
 */
async function settleMembers(
  db: Db,
  event: EventMeta,
  jobId: bigint,
  members: readonly SettledMember[],
  epoch: bigint | null,
): Promise<void> {
  for (const [position, member] of members.entries()) {
    const { outcome, reward, points, trustMultiplierBps } = member;
    const m = lower(member.miner);
    const rowEvent = partOf(event, position);
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
        trustMultiplierBps,
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
      trustMultiplierBps,
      reputationAfter: after.reputation,
      settledBlock: event.block.number,
      settledTime: event.block.timestamp,
    });
    if (reward > 0n) {
      await db.insert(ledger).values({
        id: rowEvent.id,
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
    if (epoch !== null && outcome === "Agreed") {
      await db
        .insert(minerEpoch)
        .values({ id: `${m}-${epoch}`, miner: m, epoch, points: 0n, jobs: 1, claimed: false, claimedAmount: 0n })
        .onConflictDoUpdate((r) => ({ jobs: r.jobs + 1 }));
    }
    await updateMinerDay(db, m, event.block.timestamp, after.reputation, (d) => ({
      jobsServed: d.jobsServed + 1,
      jobsAgreed: d.jobsAgreed + agreed,
      faults: d.faults + fault,
      feesEarned: d.feesEarned + reward,
    }));
    await addJobEvent(db, rowEvent, jobId, "member_settled", m, {
      outcome: OUTCOME_COLUMN[outcome],
      reward: reward.toString(),
      points: points.toString(),
      trustMultiplierBps,
      reputationAfter: after.reputation,
    });
  }
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

/** The timeline row id of the `index`-th job of an event that carries many (ids sort in call order). */
function partOf(event: EventMeta, index: number): EventMeta {
  return { ...event, id: `${event.id}-${String(index).padStart(4, "0")}` };
}

// Committed and Revealed come once per miner transaction, with every job of the call as arrays.
ponder.on("PohCoordinator:Committed", async ({ event, context }) => {
  const { db } = context;
  const { jobIds, commitments } = event.args;
  const m = lower(event.args.miner);
  for (const [i, jobId] of jobIds.entries()) {
    const commitment = commitments[i]!;
    await db.update(jobMember, { id: `${jobId}-${m}` }).set({
      commitment,
      commitBlock: event.block.number,
      commitTime: event.block.timestamp,
      commitTx: event.transaction.hash,
    });
    await db.update(job, { id: jobId }).set((r) => ({ commitCount: r.commitCount + 1 }));
    await addJobEvent(db, partOf(event, i), jobId, "committed", m, { commitment });
  }
  await bumpMiner(db, m, event.block, (r) => ({ commits: r.commits + jobIds.length }));
});

ponder.on("PohCoordinator:Revealed", async ({ event, context }) => {
  const { db } = context;
  const { jobIds, scoresBps } = event.args;
  const m = lower(event.args.miner);
  for (const [i, jobId] of jobIds.entries()) {
    const scoreBps = Number(scoresBps[i]!);
    await db.update(jobMember, { id: `${jobId}-${m}` }).set({
      scoreBps,
      revealBlock: event.block.number,
      revealTime: event.block.timestamp,
      revealTx: event.transaction.hash,
    });
    await db.update(job, { id: jobId }).set((r) => ({ revealCount: r.revealCount + 1 }));
    await addJobEvent(db, partOf(event, i), jobId, "revealed", m, { scoreBps });
  }
  await bumpMiner(db, m, event.block, (r) => ({ reveals: r.reveals + jobIds.length }));
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
  const { jobId, result, verdict, proposer, agreeCount, protocolFee, reward, proposerBonus, epoch } = event.args;
  const members = decodeMembers(event.args.members, event.args);
  const rewardsPaid = members.reduce((s, m) => s + m.reward, 0n);
  const row = await db.update(job, { id: jobId }).set((r) => ({
    status: "final" as const,
    result: Number(result),
    verdict,
    proposer,
    agreeCount: Number(agreeCount),
    protocolFee,
    rewardsPaid,
    pointsAwarded: members.reduce((s, m) => s + m.points, 0n),
    epoch,
    finalBlock: event.block.number,
    finalTime: event.block.timestamp,
    finalTx: event.transaction.hash,
    latencyBlocks: Number(event.block.number - r.requestBlock),
    latencySeconds: Number(event.block.timestamp - r.requestTime),
  }));
  await settleMembers(db, event, jobId, members, epoch);
  if (proposer !== zeroAddress) {
    await bumpMiner(db, lower(proposer), event.block, (r) => ({ proposals: r.proposals + 1 }));
  }
  if ((await db.find(model, { id: row.modelId })) !== null) {
    await db.update(model, { id: row.modelId }).set((r) => ({ finalJobs: r.finalJobs + 1 }));
  }
  await db.update(integrator, { id: row.requester }).set((r) => ({ finalJobs: r.finalJobs + 1 }));
  // The members' rewards go into the network totals once per job, summed.
  const net = await updateNetwork(db, event.block, (n) => ({
    jobsPending: n.jobsPending - 1,
    jobsFinal: n.jobsFinal + 1,
    protocolFees: n.protocolFees + protocolFee,
    rewardsPaid: n.rewardsPaid + rewardsPaid,
  }));
  await updateNetworkDay(db, event.block.timestamp, (d) => ({
    jobsFinal: d.jobsFinal + 1,
    protocolFees: d.protocolFees + protocolFee,
    rewardsPaid: d.rewardsPaid + rewardsPaid,
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
    reward: reward.toString(),
    proposerBonus: proposerBonus.toString(),
    epoch: epoch.toString(),
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
  await settleMembers(db, event, jobId, decodeMembers(event.args.members), null);
  if ((await db.find(model, { id: row.modelId })) !== null) {
    await db.update(model, { id: row.modelId }).set((r) => ({ failedJobs: r.failedJobs + 1 }));
  }
  await db.update(integrator, { id: row.requester }).set((r) => ({
    failedJobs: r.failedJobs + 1,
    refunded: r.refunded + refund,
  }));
  // A failed job pays no rewards and earns no points.
  await updateNetwork(db, event.block, (n) => ({
    jobsPending: n.jobsPending - 1,
    jobsFailed: n.jobsFailed + 1,
    refunds: n.refunds + refund,
  }));
  await updateNetworkDay(db, event.block.timestamp, (d) => ({ jobsFailed: d.jobsFailed + 1 }));
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
