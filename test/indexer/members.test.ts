import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeAbiParameters, encodeEventTopics, getAbiItem, getAddress, parseEventLogs, type Address } from "viem";
import { pohCoordinatorAbi } from "../../generated/abis.ts";
import { decodeMembers } from "../../indexer/src/members.ts";
import { MEMBER_OUTCOMES, type MemberOutcome } from "../../indexer/src/reputation.ts";

const [A, B, C, D] = [
  "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
  "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
  "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
  "0xffffffffffffffffffffffffffffffffffffffff",
].map((a) => getAddress(a)) as [Address, Address, Address, Address];

/** The coordinator's packing: miner in bits 0-159, outcome in 160-167, trust in 168-183. */
function pack(miner: Address, outcome: MemberOutcome, trustBps: number): bigint {
  return BigInt(miner) | (BigInt(MEMBER_OUTCOMES.indexOf(outcome)) << 160n) | (BigInt(trustBps) << 168n);
}

describe("committee decoding (JobFinalized / JobFailed members)", () => {
  it("unpacks miner, outcome and trust multiplier, in committee order", () => {
    const members = decodeMembers([pack(A, "NoCommit", 10_000), pack(D, "Outlier", 30_000), pack(B, "NoReveal", 12_345)]);
    assert.deepEqual(
      members.map(({ miner, outcome, trustMultiplierBps }) => ({ miner, outcome, trustMultiplierBps })),
      [
        { miner: A, outcome: "NoCommit", trustMultiplierBps: 10_000 },
        { miner: D, outcome: "Outlier", trustMultiplierBps: 30_000 },
        { miner: B, outcome: "NoReveal", trustMultiplierBps: 12_345 },
      ],
    );
    for (const m of members) {
      assert.equal(m.reward, 0n);
      assert.equal(m.points, 0n);
    }
  });

  it("credits Agreed members the reward (the proposer plus its bonus) and points equal to their trust", () => {
    const payout = { reward: 1_000n, proposerBonus: 250n, proposer: B.toLowerCase() as Address };
    const members = decodeMembers([pack(A, "Agreed", 10_000), pack(B, "Agreed", 21_000), pack(C, "Outlier", 10_000), pack(D, "Agreed", 30_000)], payout);
    assert.deepEqual(
      members.map((m) => [m.outcome, m.reward, m.points]),
      [
        ["Agreed", 1_000n, 10_000n],
        ["Agreed", 1_250n, 21_000n],
        ["Outlier", 0n, 0n],
        ["Agreed", 1_000n, 30_000n],
      ],
    );
  });

  it("pays nobody on a failed job", () => {
    const members = decodeMembers([pack(A, "Unscored", 10_000), pack(B, "NoReveal", 10_000)]);
    assert.deepEqual(members.map((m) => [m.outcome, m.reward, m.points]), [["Unscored", 0n, 0n], ["NoReveal", 0n, 0n]]);
  });

  it("throws on an unknown outcome", () => {
    assert.throws(() => decodeMembers([BigInt(A) | (5n << 160n)]), /unknown MemberOutcome 5/);
  });

  it("decodes the members of a JobFinalized log as viem parses it", () => {
    const members = [pack(A, "Agreed", 10_500), pack(B, "Agreed", 10_000), pack(C, "NoCommit", 10_000)];
    const event = getAbiItem({ abi: pohCoordinatorAbi, name: "JobFinalized" });
    const nonIndexed = event.inputs.filter((i) => !i.indexed);
    const data = encodeAbiParameters(nonIndexed, [8_000, true, 2, 100n, 900n, 50n, 7n, members]);
    const topics = encodeEventTopics({ abi: pohCoordinatorAbi, eventName: "JobFinalized", args: { jobId: 42n, proposer: A } });
    const [log] = parseEventLogs({
      abi: pohCoordinatorAbi,
      eventName: "JobFinalized",
      logs: [{ address: D, data, topics: topics as [`0x${string}`, ...`0x${string}`[]], blockHash: null, blockNumber: null, logIndex: null, transactionHash: null, transactionIndex: null, removed: false }],
    });
    assert.ok(log);
    assert.equal(log.args.epoch, 7n);
    const decoded = decodeMembers(log.args.members, log.args);
    assert.deepEqual(
      decoded.map((m) => [m.miner, m.outcome, m.reward, m.points]),
      [
        [A, "Agreed", 950n, 10_500n],
        [B, "Agreed", 900n, 10_000n],
        [C, "NoCommit", 0n, 0n],
      ],
    );
  });
});
