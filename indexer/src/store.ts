/**
 * Small helpers shared by the handlers: one upsert per aggregate row (miner, network, daily
 * series) and the derived fields (status, means, rates).
 */
import type { Context } from "ponder:registry";
import { miner, minerDay, network, networkDay } from "ponder:schema";
import { INITIAL_REPUTATION, reputationScore } from "./reputation.ts";

export type Db = Context["db"];
type MinerRow = typeof miner.$inferSelect;
type NetworkRow = typeof network.$inferSelect;
type MinerDayRow = typeof minerDay.$inferSelect;
type NetworkDayRow = typeof networkDay.$inferSelect;

export const NETWORK_ID = "network";
const SECONDS_PER_DAY = 86_400n;

/** Addresses are stored and keyed in lower case. */
export function lower(address: `0x${string}`): `0x${string}` {
  return address.toLowerCase() as `0x${string}`;
}

/** UTC day number of a block timestamp. */
export function dayOf(timestamp: bigint): number {
  return Number(timestamp / SECONDS_PER_DAY);
}

/** YYYY-MM-DD of a UTC day number. */
export function dateOf(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** Where a miner stands from its stake alone. */
export function minerStatusOf(activeStake: bigint, unbonding: bigint): MinerRow["status"] {
  if (activeStake > 0n) return "active";
  if (unbonding > 0n) return "unbonding";
  return "exited";
}

/** Failed / (final + failed) in basis points. */
export function failureRateBps(final: number, failed: number): number {
  const ended = final + failed;
  return ended === 0 ? 0 : Math.floor((failed * 10_000) / ended);
}

export type BlockRef = { number: bigint; timestamp: bigint };

/**
 * Makes sure the miner row exists (counting it in the network total when new) and moves its
 * last-seen mark to this block; returns the row.
 */
export async function touchMiner(db: Db, address: `0x${string}`, block: BlockRef): Promise<MinerRow> {
  const existing = await db.find(miner, { id: address });
  if (existing !== null) {
    return db.update(miner, { id: address }).set({ lastSeenBlock: block.number, lastSeenTime: block.timestamp });
  }
  await updateNetwork(db, block, (n) => ({ miners: n.miners + 1 }));
  return db.insert(miner).values({
    id: address,
    status: "exited",
    activeStake: 0n,
    unbonding: 0n,
    unbondingReleaseTime: null,
    trustMultiplierBps: 10_000,
    jobsServed: 0,
    jobsAgreed: 0,
    jobsUnscored: 0,
    agreementRateBps: 0,
    livenessFaults: 0,
    outlierFaults: 0,
    commits: 0,
    reveals: 0,
    revealMismatches: 0,
    proposals: 0,
    totalSlashed: 0n,
    feesEarned: 0n,
    feesWithdrawn: 0n,
    pointsEarned: 0n,
    pohEarned: 0n,
    reputation: reputationScore(INITIAL_REPUTATION),
    repAgreed: 0,
    repScored: 0,
    repFaults: 0,
    firstSeenBlock: block.number,
    firstSeenTime: block.timestamp,
    lastSeenBlock: block.number,
    lastSeenTime: block.timestamp,
  });
}

/**
 * Updates a miner row that is known to exist (a committee member: JobRequested created it) and
 * moves its last-seen mark; one store operation instead of updateMiner's find + update.
 */
export async function bumpMiner(
  db: Db,
  address: `0x${string}`,
  block: BlockRef,
  fn: (row: MinerRow) => Partial<MinerRow>,
): Promise<MinerRow> {
  return db
    .update(miner, { id: address })
    .set((row) => ({ ...fn(row), lastSeenBlock: block.number, lastSeenTime: block.timestamp }));
}

export async function updateMiner(
  db: Db,
  address: `0x${string}`,
  block: BlockRef,
  fn: (row: MinerRow) => Partial<MinerRow>,
): Promise<MinerRow> {
  if ((await db.find(miner, { id: address })) === null) await touchMiner(db, address, block);
  return db
    .update(miner, { id: address })
    .set((row) => ({ ...fn(row), lastSeenBlock: block.number, lastSeenTime: block.timestamp }));
}

function networkDefaults(block: BlockRef): NetworkRow {
  return {
    id: NETWORK_ID,
    jobs: 0,
    jobsPending: 0,
    jobsFinal: 0,
    jobsFailed: 0,
    feesRequested: 0n,
    protocolFees: 0n,
    rewardsPaid: 0n,
    refunds: 0n,
    withdrawn: 0n,
    totalSlashed: 0n,
    slashedToTreasury: 0n,
    slashedBurned: 0n,
    totalActiveStake: 0n,
    totalUnbonding: 0n,
    miners: 0,
    pohClaimed: 0n,
    tokenSupply: 0n,
    tokenBurned: 0n,
    coordinatorTreasury: null,
    stakingTreasury: null,
    emissionMinter: null,
    stakingCoordinator: null,
    emissionCoordinator: null,
    coordinatorPaused: false,
    lastBlock: block.number,
  };
}

// Each aggregate is one upsert: insert the defaults with the change applied, or apply the change
// to the existing row.
export async function updateNetwork(
  db: Db,
  block: BlockRef,
  fn: (row: NetworkRow) => Partial<NetworkRow>,
): Promise<NetworkRow> {
  const fresh = networkDefaults(block);
  return db
    .insert(network)
    .values({ ...fresh, ...fn(fresh), lastBlock: block.number })
    .onConflictDoUpdate((row) => ({ ...fn(row), lastBlock: block.number }));
}

export async function updateMinerDay(
  db: Db,
  address: `0x${string}`,
  timestamp: bigint,
  reputation: number,
  fn: (row: MinerDayRow) => Partial<MinerDayRow>,
): Promise<void> {
  const day = dayOf(timestamp);
  const fresh: MinerDayRow = {
    id: `${address}-${day}`,
    miner: address,
    day,
    date: dateOf(day),
    reputation,
    jobsServed: 0,
    jobsAgreed: 0,
    faults: 0,
    feesEarned: 0n,
    pohEarned: 0n,
    slashed: 0n,
  };
  await db
    .insert(minerDay)
    .values({ ...fresh, ...fn(fresh), reputation })
    .onConflictDoUpdate((row) => ({ ...fn(row), reputation }));
}

export async function updateNetworkDay(
  db: Db,
  timestamp: bigint,
  fn: (row: NetworkDayRow) => Partial<NetworkDayRow>,
): Promise<void> {
  const day = dayOf(timestamp);
  const derive = (row: NetworkDayRow): Partial<NetworkDayRow> => {
    const change = fn(row);
    const next = { ...row, ...change };
    return {
      ...change,
      meanLatencyBlocks: next.jobsFinal === 0 ? null : Number(next.latencyBlocksSum) / next.jobsFinal,
      meanLatencySeconds: next.jobsFinal === 0 ? null : Number(next.latencySecondsSum) / next.jobsFinal,
      failureRateBps: failureRateBps(next.jobsFinal, next.jobsFailed),
    };
  };
  const fresh: NetworkDayRow = {
    id: day,
    date: dateOf(day),
    jobsRequested: 0,
    jobsFinal: 0,
    jobsFailed: 0,
    feesRequested: 0n,
    protocolFees: 0n,
    rewardsPaid: 0n,
    slashed: 0n,
    pohClaimed: 0n,
    latencyBlocksSum: 0n,
    latencySecondsSum: 0n,
    meanLatencyBlocks: null,
    meanLatencySeconds: null,
    failureRateBps: 0,
  };
  await db.insert(networkDay).values({ ...fresh, ...derive(fresh) }).onConflictDoUpdate(derive);
}
