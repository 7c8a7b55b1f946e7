/** PohStaking events: stake movements and slashes (its ParameterChanged/TreasuryChanged are in governance.ts). */
import { ponder } from "ponder:registry";
import { job, jobEvent, jobMember, ledger } from "ponder:schema";
import { lower, minerStatusOf, updateMiner, updateMinerDay, updateNetwork, updateNetworkDay } from "./store.ts";

const SLASH_REASONS = ["liveness", "outlier"] as const;

ponder.on("PohStaking:Staked", async ({ event, context }) => {
  const { db } = context;
  const { amount, activeStake } = event.args;
  const m = lower(event.args.miner);
  await updateMiner(db, m, event.block, (r) => ({
    activeStake,
    status: minerStatusOf(activeStake, r.unbonding),
  }));
  await updateNetwork(db, event.block, (n) => ({ totalActiveStake: n.totalActiveStake + amount }));
  await db.insert(ledger).values({
    id: event.id,
    account: m,
    kind: "stake",
    asset: "POH",
    amount,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
});

ponder.on("PohStaking:UnbondRequested", async ({ event, context }) => {
  const { db } = context;
  const { amount, unbonding, releaseTime } = event.args;
  const m = lower(event.args.miner);
  let unbondingBefore = 0n;
  await updateMiner(db, m, event.block, (r) => {
    unbondingBefore = r.unbonding;
    const active = r.activeStake - amount;
    return {
      activeStake: active,
      unbonding,
      unbondingReleaseTime: releaseTime,
      status: minerStatusOf(active, unbonding),
    };
  });
  await updateNetwork(db, event.block, (n) => ({
    totalActiveStake: n.totalActiveStake - amount,
    totalUnbonding: n.totalUnbonding + (unbonding - unbondingBefore),
  }));
  await db.insert(ledger).values({
    id: event.id,
    account: m,
    kind: "unbond",
    asset: "POH",
    amount,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
});

ponder.on("PohStaking:Withdrawn", async ({ event, context }) => {
  const { db } = context;
  const { amount } = event.args;
  const m = lower(event.args.miner);
  await updateMiner(db, m, event.block, (r) => {
    const unbonding = r.unbonding > amount ? r.unbonding - amount : 0n;
    return {
      unbonding,
      unbondingReleaseTime: unbonding === 0n ? null : r.unbondingReleaseTime,
      status: minerStatusOf(r.activeStake, unbonding),
    };
  });
  await updateNetwork(db, event.block, (n) => ({ totalUnbonding: n.totalUnbonding - amount }));
  await db.insert(ledger).values({
    id: event.id,
    account: m,
    kind: "unstake",
    asset: "POH",
    amount,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
});

ponder.on("PohStaking:Slashed", async ({ event, context }) => {
  const { db } = context;
  const { jobId, amount, toTreasury, burned } = event.args;
  const m = lower(event.args.miner);
  const reason = SLASH_REASONS[Number(event.args.reason)] ?? "liveness";
  // PohStaking.slash takes the amount from active stake first, then from unbonding stake.
  let fromActive = 0n;
  const after = await updateMiner(db, m, event.block, (r) => {
    fromActive = amount < r.activeStake ? amount : r.activeStake;
    const active = r.activeStake - fromActive;
    const unbonding = r.unbonding - (amount - fromActive);
    return {
      activeStake: active,
      unbonding,
      status: minerStatusOf(active, unbonding),
      totalSlashed: r.totalSlashed + amount,
    };
  });
  await updateNetwork(db, event.block, (n) => ({
    totalActiveStake: n.totalActiveStake - fromActive,
    totalUnbonding: n.totalUnbonding - (amount - fromActive),
    totalSlashed: n.totalSlashed + amount,
    slashedToTreasury: n.slashedToTreasury + toTreasury,
    slashedBurned: n.slashedBurned + burned,
  }));
  await updateMinerDay(db, m, event.block.timestamp, after.reputation, (d) => ({ slashed: d.slashed + amount }));
  await updateNetworkDay(db, event.block.timestamp, (d) => ({ slashed: d.slashed + amount }));
  await db.insert(ledger).values({
    id: event.id,
    account: m,
    kind: "slash",
    asset: "POH",
    amount,
    reason,
    jobId,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
  if ((await db.find(job, { id: jobId })) !== null) {
    await db.update(job, { id: jobId }).set((r) => ({ slashedTotal: r.slashedTotal + amount }));
    if ((await db.find(jobMember, { id: `${jobId}-${m}` })) !== null) {
      await db.update(jobMember, { id: `${jobId}-${m}` }).set((r) => ({ slashed: r.slashed + amount }));
    }
    await db.insert(jobEvent).values({
      id: event.id,
      jobId,
      kind: "slashed",
      miner: m,
      detail: { reason, amount: amount.toString(), toTreasury: toTreasury.toString(), burned: burned.toString() },
      blockNumber: event.block.number,
      logIndex: event.log.logIndex,
      timestamp: event.block.timestamp,
      txHash: event.transaction.hash,
    });
  }
});

ponder.on("PohStaking:CoordinatorSet", async ({ event, context }) => {
  await updateNetwork(context.db, event.block, () => ({ stakingCoordinator: lower(event.args.coordinator) }));
});
