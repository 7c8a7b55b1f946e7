import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DECAY,
  FAULT_PENALTY,
  INITIAL_REPUTATION,
  MEMBER_OUTCOMES,
  agreementRateBps,
  applyOutcome,
  foldOutcomes,
  isFault,
  isLivenessFault,
  outcomeFromIndex,
  reputationOf,
  reputationScore,
  type MemberOutcome,
} from "../../indexer/src/reputation.ts";

describe("reputation", () => {
  it("starts a new miner at 500 (Laplace prior, no history)", () => {
    assert.equal(reputationScore(INITIAL_REPUTATION), 500);
    assert.equal(reputationOf([]), 500);
  });

  it("gives one agreed job 667 and one outlier 283", () => {
    // (1+1)/(1+2) = 0.6667 -> 667
    assert.equal(reputationOf(["Agreed"]), 667);
    // (0+1)/(1+2) * 0.85 = 0.28333 -> 283
    assert.equal(reputationOf(["Outlier"]), 283);
    assert.equal(reputationOf(["NoCommit"]), 283);
    assert.equal(reputationOf(["NoReveal"]), 283);
  });

  it("decays older settlements by DECAY per newer one", () => {
    const s = foldOutcomes(["NoCommit", "Agreed"]);
    assert.equal(DECAY, 0.97);
    assert.equal(s.scored, 0.97 + 1);
    assert.equal(s.agreed, 1);
    assert.equal(s.faults, 0.97);
    // 1000 * 2 / 3.97 * 0.85^0.97
    assert.equal(reputationOf(["NoCommit", "Agreed"]), Math.round((1000 * 2) / 3.97 * (1 - FAULT_PENALTY) ** 0.97));
    assert.equal(reputationOf(["NoCommit", "Agreed"]), 430);
  });

  it("lets a fault fade: a long agreed streak after a fault recovers most of the score", () => {
    const recent = reputationOf(["Agreed", ...Array<MemberOutcome>(50).fill("Agreed"), "Outlier"]);
    const old = reputationOf(["Outlier", ...Array<MemberOutcome>(50).fill("Agreed")]);
    assert.ok(old > recent, `old fault ${old} should weigh less than a recent one ${recent}`);
    assert.ok(old > 900);
  });

  it("ignores Unscored settlements entirely", () => {
    const s = foldOutcomes(["Agreed", "Unscored", "Unscored"]);
    assert.deepEqual(s, foldOutcomes(["Agreed"]));
    assert.equal(applyOutcome(INITIAL_REPUTATION, "Unscored"), INITIAL_REPUTATION);
  });

  it("stays within 0..1000 and approaches 1000 for a perfect long record", () => {
    const perfect = reputationOf(Array<MemberOutcome>(1000).fill("Agreed"));
    // Steady state: S = A = 1/(1-0.97) = 33.33 -> 34.33/35.33 = 0.9717
    assert.equal(perfect, 972);
    const awful = reputationOf(Array<MemberOutcome>(1000).fill("NoReveal"));
    assert.equal(awful, 0);
    for (let seed = 1; seed < 200; seed++) {
      const history: MemberOutcome[] = [];
      let x = seed;
      for (let i = 0; i < 60; i++) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        history.push(MEMBER_OUTCOMES[x % 5]!);
      }
      const r = reputationOf(history);
      assert.ok(Number.isInteger(r) && r >= 0 && r <= 1000, `seed ${seed}: ${r}`);
    }
  });

  it("is monotone: replacing a fault by an agreement never lowers the score", () => {
    const base: MemberOutcome[] = ["Agreed", "Outlier", "Agreed", "NoCommit", "Agreed"];
    for (let i = 0; i < base.length; i++) {
      if (!isFault(base[i]!)) continue;
      const better = base.slice();
      better[i] = "Agreed";
      assert.ok(reputationOf(better) > reputationOf(base));
    }
  });

  it("maps outcome indexes in contract order and rejects unknown ones", () => {
    assert.deepEqual([0, 1, 2, 3, 4].map(outcomeFromIndex), ["Agreed", "Outlier", "NoCommit", "NoReveal", "Unscored"]);
    assert.throws(() => outcomeFromIndex(5), RangeError);
    assert.equal(isLivenessFault("NoCommit"), true);
    assert.equal(isLivenessFault("NoReveal"), true);
    assert.equal(isLivenessFault("Outlier"), false);
    assert.equal(isFault("Unscored"), false);
    assert.equal(isFault("Agreed"), false);
  });

  it("computes the agreement rate in basis points, rounding down", () => {
    assert.equal(agreementRateBps(0, 0), 0);
    assert.equal(agreementRateBps(2, 3), 6666);
    assert.equal(agreementRateBps(5, 5), 10_000);
  });
});
