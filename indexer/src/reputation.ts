/**
 * The reputation score: the one definition used by the indexer (and documented in
 * indexer/README.md). Pure functions, no I/O.
 *
 * Each time one of a miner's jobs ends, the coordinator's JobFinalized / JobFailed event gives
 * the miner an outcome (src/members.ts decodes it). The state keeps three exponentially decayed
 * sums over those settlements (the newest weighs 1, the one before DECAY, then DECAY^2, ...):
 *   A = decayed count of Agreed
 *   S = decayed count of scored settlements (Agreed, Outlier, NoCommit, NoReveal)
 *   F = decayed count of faults (Outlier, NoCommit, NoReveal)
 * `Unscored` (the job failed for everyone) changes nothing: it is neither the miner's merit nor
 * its fault.
 *
 *   reputation = round(1000 * (A + 1) / (S + 2) * (1 - FAULT_PENALTY)^F), clamped to 0..1000
 *
 * (A + 1) / (S + 2) is the agreement rate with a Laplace prior, so a new miner starts at 500 and
 * one lucky job is not a perfect record; each recent fault multiplies the score by 0.85 and its
 * weight fades as the miner serves more jobs.
 */

/** A committee member's outcome, in the order of IPohCoordinator.MemberOutcome. */
export const MEMBER_OUTCOMES = ["Agreed", "Outlier", "NoCommit", "NoReveal", "Unscored"] as const;
export type MemberOutcome = (typeof MEMBER_OUTCOMES)[number];

/** Weight kept by older settlements per newer one (half-life about 23 settlements). */
export const DECAY = 0.97;
/** Fraction of the score removed per (decayed) fault. */
export const FAULT_PENALTY = 0.15;
export const MAX_REPUTATION = 1000;

export type ReputationState = {
  /** Decayed count of Agreed settlements. */
  agreed: number;
  /** Decayed count of scored settlements. */
  scored: number;
  /** Decayed count of faults. */
  faults: number;
};

export const INITIAL_REPUTATION: ReputationState = Object.freeze({ agreed: 0, scored: 0, faults: 0 });

/** Maps the event's uint8 outcome to its name; throws on an unknown value. */
export function outcomeFromIndex(index: number): MemberOutcome {
  const outcome = MEMBER_OUTCOMES[index];
  if (outcome === undefined) throw new RangeError(`unknown MemberOutcome ${index}`);
  return outcome;
}

/** True for outcomes that count as a fault (and are slashed on-chain). */
export function isFault(outcome: MemberOutcome): boolean {
  return outcome === "Outlier" || outcome === "NoCommit" || outcome === "NoReveal";
}

/** True for liveness faults (never committed, or never revealed a matching score). */
export function isLivenessFault(outcome: MemberOutcome): boolean {
  return outcome === "NoCommit" || outcome === "NoReveal";
}

/** The state after one more settlement. */
export function applyOutcome(state: ReputationState, outcome: MemberOutcome): ReputationState {
  if (outcome === "Unscored") return state;
  return {
    agreed: state.agreed * DECAY + (outcome === "Agreed" ? 1 : 0),
    scored: state.scored * DECAY + 1,
    faults: state.faults * DECAY + (isFault(outcome) ? 1 : 0),
  };
}

/** The score, an integer 0..1000. */
export function reputationScore(state: ReputationState): number {
  const rate = (state.agreed + 1) / (state.scored + 2);
  const score = Math.round(MAX_REPUTATION * rate * (1 - FAULT_PENALTY) ** state.faults);
  return Math.min(MAX_REPUTATION, Math.max(0, score));
}

/** The state after a whole history of settlements, oldest first. */
export function foldOutcomes(outcomes: Iterable<MemberOutcome>): ReputationState {
  let state = INITIAL_REPUTATION;
  for (const outcome of outcomes) state = applyOutcome(state, outcome);
  return state;
}

/** The score after a whole history of settlements, oldest first. */
export function reputationOf(outcomes: Iterable<MemberOutcome>): number {
  return reputationScore(foldOutcomes(outcomes));
}

/** Agreed / served in basis points (0 when nothing was served). */
export function agreementRateBps(agreed: number, served: number): number {
  return served === 0 ? 0 : Math.floor((agreed * 10_000) / served);
}
