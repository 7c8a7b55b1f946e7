/**
 * A job's committee as settled by the coordinator: decoded from the `members` array of its
 * JobFinalized / JobFailed event. A pure function, no I/O (also used by scripts/start.ts and the
 * node tests).
 *
 * Each member is one packed uint256, in committee order: the miner's address in bits 0-159, its
 * MemberOutcome in bits 160-167 and its trust multiplier after the job (10000..30000 bps) in bits
 * 168-183. On a final job an Agreed member is credited the event's `reward` in native coin (the
 * proposer `reward + proposerBonus`) and earns work points equal to its trust multiplier; every
 * other member gets neither (Outlier, NoCommit and NoReveal are slashed by PohStaking instead).
 */
import { getAddress, numberToHex, zeroAddress, type Address } from "viem";
import { outcomeFromIndex, type MemberOutcome } from "./reputation.ts";

/** What a final job pays its Agreed members (JobFinalized's fields of the same names). */
export type Payout = { reward: bigint; proposerBonus: bigint; proposer: Address };

/** One committee member's settlement. */
export type SettledMember = {
  miner: Address;
  outcome: MemberOutcome;
  /** The member's trust multiplier after this job, 10000..30000 bps. */
  trustMultiplierBps: number;
  /** Native coin credited (0 unless Agreed). */
  reward: bigint;
  /** Emission work points earned (0 unless Agreed). */
  points: bigint;
};

const ADDRESS_MASK = (1n << 160n) - 1n;

/** A failed job pays nobody. */
const NO_PAYOUT: Payout = { reward: 0n, proposerBonus: 0n, proposer: zeroAddress };

/**
 * The committee of a JobFinalized (pass the event's args as `payout`) or JobFailed event (no
 * payout), in committee order; throws on an unknown outcome.
 */
export function decodeMembers(members: readonly bigint[], payout: Payout = NO_PAYOUT): SettledMember[] {
  return members.map((word) => {
    const miner = getAddress(numberToHex(word & ADDRESS_MASK, { size: 20 }));
    const outcome = outcomeFromIndex(Number((word >> 160n) & 0xffn));
    const trustMultiplierBps = Number((word >> 168n) & 0xffffn);
    if (outcome !== "Agreed") return { miner, outcome, trustMultiplierBps, reward: 0n, points: 0n };
    const bonus = miner.toLowerCase() === payout.proposer.toLowerCase() ? payout.proposerBonus : 0n;
    return { miner, outcome, trustMultiplierBps, reward: payout.reward + bonus, points: BigInt(trustMultiplierBps) };
  });
}
