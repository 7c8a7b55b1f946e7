/** PohEmission events: work points per epoch and emission claims. */
import { ponder } from "ponder:registry";
import { epoch, ledger, minerEpoch } from "ponder:schema";
import type { Context } from "ponder:registry";
import { type BlockRef, type Db, lower, updateMiner, updateMinerDay, updateNetwork, updateNetworkDay } from "./store.ts";

async function ensureEpoch(context: Context, db: Db, id: bigint, block: BlockRef): Promise<void> {
  if ((await db.find(epoch, { id })) !== null) return;
  const emission = await context.client.readContract({
    abi: context.contracts.PohEmission.abi,
    address: context.contracts.PohEmission.address as `0x${string}`,
    functionName: "epochEmission",
    args: [id],
    // A pure function of the epoch and the contract's immutables: read at the head, cache forever.
    cache: "immutable",
  });
  await db.insert(epoch).values({
    id,
    emission,
    totalPoints: 0n,
    jobs: 0,
    claimedAmount: 0n,
    claimedPoints: 0n,
    claims: 0,
    firstBlock: block.number,
    lastBlock: block.number,
  });
}

async function ensureMinerEpoch(db: Db, m: `0x${string}`, e: bigint): Promise<string> {
  const id = `${m}-${e}`;
  await db
    .insert(minerEpoch)
    .values({ id, miner: m, epoch: e, points: 0n, jobs: 0, claimed: false, claimedAmount: 0n })
    .onConflictDoNothing();
  return id;
}

// Once per coordinator transaction that made jobs final: each miner's points summed over those
// `jobs` jobs. The per-job split (job.epoch, jobMember.points, minerEpoch.jobs) is indexed from
// each job's JobFinalized, earlier in the same transaction.
ponder.on("PohEmission:WorkRecorded", async ({ event, context }) => {
  const { db } = context;
  const { jobs, miners, points } = event.args;
  const e = event.args.epoch;
  await ensureEpoch(context, db, e, event.block);
  const total = points.reduce((s, p) => s + p, 0n);
  await db.update(epoch, { id: e }).set((r) => ({
    totalPoints: r.totalPoints + total,
    jobs: r.jobs + Number(jobs),
    lastBlock: event.block.number,
  }));
  for (let i = 0; i < miners.length; i++) {
    const p = points[i] ?? 0n;
    const m = lower(miners[i]!);
    await db
      .insert(minerEpoch)
      .values({ id: `${m}-${e}`, miner: m, epoch: e, points: p, jobs: 0, claimed: false, claimedAmount: 0n })
      .onConflictDoUpdate((r) => ({ points: r.points + p }));
  }
});

ponder.on("PohEmission:EmissionClaimed", async ({ event, context }) => {
  const { db } = context;
  const { points, amount } = event.args;
  const e = event.args.epoch;
  const m = lower(event.args.miner);
  await ensureEpoch(context, db, e, event.block);
  await db.update(epoch, { id: e }).set((r) => ({
    claimedAmount: r.claimedAmount + amount,
    claimedPoints: r.claimedPoints + points,
    claims: r.claims + 1,
    lastBlock: event.block.number,
  }));
  const id = await ensureMinerEpoch(db, m, e);
  await db.update(minerEpoch, { id }).set({ claimed: true, claimedAmount: amount });
  const after = await updateMiner(db, m, event.block, (r) => ({ pohEarned: r.pohEarned + amount }));
  await updateMinerDay(db, m, event.block.timestamp, after.reputation, (d) => ({ pohEarned: d.pohEarned + amount }));
  await updateNetwork(db, event.block, (n) => ({ pohClaimed: n.pohClaimed + amount }));
  await updateNetworkDay(db, event.block.timestamp, (d) => ({ pohClaimed: d.pohClaimed + amount }));
  await db.insert(ledger).values({
    id: event.id,
    account: m,
    kind: "emission_claim",
    asset: "POH",
    amount,
    epoch: e,
    points,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
});

ponder.on("PohEmission:CoordinatorSet", async ({ event, context }) => {
  await updateNetwork(context.db, event.block, () => ({ emissionCoordinator: lower(event.args.coordinator) }));
});
