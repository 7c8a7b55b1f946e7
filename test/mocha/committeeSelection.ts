/**
 * Committee selection on a real in-process Hardhat (EDR) chain:
 *  - per-miner selection frequencies of PohStaking.drawCommittee match the stake-proportional,
 *    without-replacement (successive sampling) inclusion probabilities, by a chi-square test for
 *    committees of 1 and per-miner z-tests for committees of 3 (significance 0.001, Bonferroni);
 *  - drawCommittee gas grows like log n: gas at 1,000 miners is well under 4x the gas at 10.
 * Seeds are fixed, so the outcome is deterministic; the significance level says how unlikely a
 * failure would be for a correct sampler over a random choice of seeds.
 *
 *   npx hardhat test mocha test/mocha/committeeSelection.ts
 */
/// <reference path="../../types/ethers-contracts/hardhat.d.ts" />
import { expect } from "chai";
import { network } from "hardhat";
import type { PohStaking, PohToken, StakingSelectionHarness } from "../../types/ethers-contracts/index.ts";

const { ethers } = await network.create();

const POH = 10n ** 18n;
const MIN_STAKE = 1n * POH;
const WEEK = 7n * 24n * 3600n;
/** Stakes of the 10 miners in the frequency tests: 1, 2, ..., 10 (x 100 POH). */
const WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
/** Chi-square critical value, 9 degrees of freedom, alpha = 0.001. */
const CHI2_CRIT_9DF_P001 = 27.877;
/** Two-sided z critical value for alpha = 0.001 / 10 (Bonferroni over 10 miners). */
const Z_CRIT_BONFERRONI = 3.891;

interface Setup {
  token: PohToken;
  staking: PohStaking;
  harness: StakingSelectionHarness;
}

async function deploy(): Promise<Setup> {
  const [admin] = await ethers.getSigners();
  const adminAddress = await admin.getAddress();
  const token = await ethers.deployContract("PohToken", [adminAddress, adminAddress]);
  const staking = await ethers.deployContract("PohStaking", [
    adminAddress,
    await token.getAddress(),
    adminAddress,
    MIN_STAKE,
    WEEK,
  ]);
  const harness = await ethers.deployContract("StakingSelectionHarness", [
    await token.getAddress(),
    await staking.getAddress(),
  ]);
  await (await staking.setCoordinator(await harness.getAddress())).wait();
  return { token, staking, harness };
}

/** Stakes one new miner per amount, in transactions of at most 50 miners. */
async function addMiners({ token, harness }: Setup, amounts: bigint[]): Promise<void> {
  const total = amounts.reduce((a, b) => a + b, 0n);
  await (await token.transfer(await harness.getAddress(), total)).wait();
  for (let i = 0; i < amounts.length; i += 50) {
    await (await harness.spawnMiners(amounts.slice(i, i + 50))).wait();
  }
}

/** Draws `count` committees of `size` and returns them, in calls of at most 500 committees. */
async function drawCommittees(harness: StakingSelectionHarness, size: number, count: number): Promise<string[][]> {
  const base = ethers.id(`committee-selection-${size}`);
  const committees: string[][] = [];
  for (let first = 0; first < count; first += 500) {
    const n = Math.min(500, count - first);
    const flat = await harness.drawMany(base, first, n, size);
    for (let i = 0; i < n; i++) committees.push(flat.slice(i * size, (i + 1) * size));
  }
  return committees;
}

/** Exact inclusion probabilities of successive sampling without replacement (enumerates all orders). */
function inclusionProbabilities(weights: number[], size: number): number[] {
  const pi = weights.map(() => 0);
  const total = weights.reduce((a, b) => a + b, 0);
  const walk = (chosen: number[], remaining: number, p: number): void => {
    if (chosen.length === size) {
      for (const i of chosen) pi[i] += p;
      return;
    }
    weights.forEach((w, i) => {
      if (w === 0 || chosen.includes(i)) return;
      walk([...chosen, i], remaining - w, (p * w) / remaining);
    });
  };
  walk([], total, 1);
  return pi;
}

function countByMiner(committees: string[][], miners: string[]): number[] {
  const index = new Map(miners.map((m, i) => [m.toLowerCase(), i]));
  const counts = miners.map(() => 0);
  for (const c of committees) {
    for (const m of c) {
      const i = index.get(m.toLowerCase());
      if (i === undefined) throw new Error(`drawn address ${m} is not a staked miner`);
      counts[i]++;
    }
  }
  return counts;
}

/** max over miners of |observed - N pi| / sqrt(N pi (1 - pi)). */
function maxAbsZ(counts: number[], pi: number[], draws: number): number {
  return Math.max(...counts.map((c, i) => Math.abs(c - draws * pi[i]) / Math.sqrt(draws * pi[i] * (1 - pi[i]))));
}

describe("PohStaking committee selection", function () {
  this.timeout(600_000);

  describe("frequencies with 10 miners staking 100..1000 POH", function () {
    let setup: Setup;
    let miners: string[];

    before(async function () {
      setup = await deploy();
      await addMiners(
        setup,
        WEIGHTS.map((w) => BigInt(w) * 100n * POH),
      );
      const count = Number(await setup.harness.minerCount());
      miners = await Promise.all(Array.from({ length: count }, (_, i) => setup.harness.miners(i)));
    });

    it("draws single members in proportion to stake (chi-square, 9 df, alpha 0.001)", async function () {
      const draws = 4_000;
      const committees = await drawCommittees(setup.harness, 1, draws);
      const counts = countByMiner(committees, miners);
      const total = WEIGHTS.reduce((a, b) => a + b, 0);
      const chi2 = counts.reduce((acc, c, i) => {
        const expected = (draws * WEIGHTS[i]) / total;
        return acc + (c - expected) ** 2 / expected;
      }, 0);
      console.log(`      size 1: counts ${counts.join(" ")}  chi2 = ${chi2.toFixed(2)} (crit ${CHI2_CRIT_9DF_P001})`);
      expect(counts.reduce((a, b) => a + b, 0)).to.equal(draws);
      expect(chi2).to.be.lessThan(CHI2_CRIT_9DF_P001);
    });

    it("draws committees of 3 without replacement with the successive-sampling inclusion probabilities", async function () {
      const draws = 3_000;
      const size = 3;
      const committees = await drawCommittees(setup.harness, size, draws);
      for (const c of committees) expect(new Set(c.map((a) => a.toLowerCase())).size).to.equal(size);
      const counts = countByMiner(committees, miners);
      const pi = inclusionProbabilities(WEIGHTS, size);
      // Inclusion probabilities of a size-3 sample add up to 3.
      expect(Math.abs(pi.reduce((a, b) => a + b, 0) - size) < 1e-9).to.equal(true);
      const z = maxAbsZ(counts, pi, draws);
      console.log(`      size 3: counts ${counts.join(" ")}  max |z| = ${z.toFixed(2)} (crit ${Z_CRIT_BONFERRONI})`);
      expect(z).to.be.lessThan(Z_CRIT_BONFERRONI);

      // Power check: the same data must reject the wrong model "k x stake share" (sampling with
      // replacement), which over-weights the largest stakes; otherwise the test could not fail.
      const total = WEIGHTS.reduce((a, b) => a + b, 0);
      const naive = WEIGHTS.map((w) => (size * w) / total);
      const zNaive = maxAbsZ(counts, naive, draws);
      console.log(`      size 3 vs with-replacement model: max |z| = ${zNaive.toFixed(2)}`);
      expect(zNaive).to.be.greaterThan(Z_CRIT_BONFERRONI);
    });

    it("never draws a miner whose stake left the tree", async function () {
      const [, outsider] = await ethers.getSigners();
      const outsiderAddress = await outsider.getAddress();
      await (await setup.token.transfer(outsiderAddress, 5_000n * POH)).wait();
      await (await setup.token.connect(outsider).approve(await setup.staking.getAddress(), 5_000n * POH)).wait();
      await (await setup.staking.connect(outsider).stake(5_000n * POH)).wait();
      await (await setup.staking.connect(outsider).requestUnbond(5_000n * POH)).wait();
      const committees = await drawCommittees(setup.harness, 5, 300);
      const drawn = new Set(committees.flat().map((a) => a.toLowerCase()));
      expect(drawn.has(outsiderAddress.toLowerCase())).to.equal(false);
      expect(drawn.size).to.equal(10);
    });
  });

  describe("gas growth", function () {
    it("drawCommittee(5) gas grows like log n: cost(1000) / cost(10) < 4", async function () {
      const setup = await deploy();
      const stakingAddress = await setup.staking.getAddress();
      const harnessAddress = await setup.harness.getAddress();
      const gasAt = async (): Promise<bigint> => {
        // Average over several seeds; the coordinator (the harness) is the caller.
        let sum = 0n;
        for (let s = 0; s < 8; s++) {
          const data = setup.staking.interface.encodeFunctionData("drawCommittee", [ethers.id(`gas-${s}`), 5]);
          sum += await ethers.provider.estimateGas({ from: harnessAddress, to: stakingAddress, data });
        }
        return sum / 8n;
      };
      const amounts = (from: number, to: number): bigint[] =>
        Array.from({ length: to - from }, (_, i) => 100n * POH + BigInt(((from + i) * 7919) % 1000) * POH);

      const gas: Record<number, bigint> = {};
      let staked = 0;
      for (const n of [10, 100, 1000]) {
        await addMiners(setup, amounts(staked, n));
        staked = n;
        expect(await setup.staking.minerCount()).to.equal(BigInt(n));
        gas[n] = await gasAt();
      }
      const exec = (n: number): bigint => gas[n] - 21_000n;
      console.log("      drawCommittee(seed, 5) gas (eth_estimateGas, incl. 21,000 intrinsic / execution only):");
      for (const n of [10, 100, 1000]) console.log(`        ${String(n).padStart(5)} miners: ${gas[n]} / ${exec(n)}`);
      const ratio = Number(gas[1000]) / Number(gas[10]);
      const execRatio = Number(exec(1000)) / Number(exec(10));
      console.log(`        ratio 1000/10: ${ratio.toFixed(2)} total, ${execRatio.toFixed(2)} execution (linear would be 100)`);
      expect(gas[100] > gas[10]).to.equal(true);
      expect(gas[1000] > gas[100]).to.equal(true);
      expect(ratio).to.be.lessThan(4);
      // log2(1000) / log2(10) = 3: execution gas should track that, far below linear growth.
      expect(execRatio).to.be.lessThan(4);
    });
  });
});
