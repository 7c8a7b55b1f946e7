/**
 * The indexer against a real Hardhat node and a real Ponder process: history is backfilled
 * (written before Ponder starts), more is indexed live, and a reorg is survived. Every assertion
 * compares GraphQL rows with what the driver did and with the contracts' own accounting.
 *
 * Runs on PGlite always; also on Postgres when DATABASE_URL is set (a throwaway database is
 * created on that server per run).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseEther, type Address } from "viem";
import {
  modelRegistryAbi,
  pohCoordinatorAbi,
  pohEmissionAbi,
  pohStakingAbi,
  pohTokenAbi,
} from "../../generated/abis.ts";
import { reputationOf } from "../../indexer/src/reputation.ts";
import { deployProtocol, rpc, stakeMiners, startChain, type Chain, type DeployedProtocol } from "../helpers/devnet.ts";
import { Driver, ROOT, gql, startPonder, until, waitForBlock, type DatabaseKind, type JobRecord, type PonderProcess } from "./harness.ts";

const STAKE = parseEther("10000");
const EPOCH_LENGTH = 40n;
const OUTCOME_COLUMN = { Agreed: "agreed", Outlier: "outlier", NoCommit: "no_commit", NoReveal: "no_reveal", Unscored: "unscored" } as const;

const suites: { kind: DatabaseKind; chainPort: number; ponderPort: number }[] = [{ kind: "pglite", chainPort: 47010, ponderPort: 47011 }];
if (process.env.DATABASE_URL) suites.push({ kind: "postgres", chainPort: 47020, ponderPort: 47021 });

type MinerGql = {
  id: string;
  status: string;
  activeStake: string;
  unbonding: string;
  trustMultiplierBps: number;
  jobsServed: number;
  jobsAgreed: number;
  jobsUnscored: number;
  agreementRateBps: number;
  livenessFaults: number;
  outlierFaults: number;
  commits: number;
  reveals: number;
  revealMismatches: number;
  totalSlashed: string;
  feesEarned: string;
  feesWithdrawn: string;
  pointsEarned: string;
  pohEarned: string;
  reputation: number;
  firstSeenBlock: string;
  lastSeenBlock: string;
};

const MINER_FIELDS = `id status activeStake unbonding trustMultiplierBps jobsServed jobsAgreed jobsUnscored
  agreementRateBps livenessFaults outlierFaults commits reveals revealMismatches totalSlashed feesEarned
  feesWithdrawn pointsEarned pohEarned reputation firstSeenBlock lastSeenBlock`;

for (const suite of suites) {
  describe(`indexer on ${suite.kind}`, { timeout: 600_000 }, () => {
    let chain: Chain;
    let deployment: DeployedProtocol;
    let driver: Driver;
    let ponder: PonderProcess | undefined;
    let miners: Address[];
    let integratorA: Address;
    let integratorB: Address;
    const staked = new Map<string, bigint>();
    const unstaked = new Map<string, bigint>();
    const jobs: Record<string, JobRecord> = {};
    let claimedEpochs: bigint[] = [];

    const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[] = []) =>
      driver.publicClient.readContract({ address, abi: abi as never, functionName: functionName as never, args: args as never }) as Promise<T>;
    const c = () => deployment.contracts;

    /** Everyone on the committee commits and reveals `scores[i]` (null = does nothing). */
    async function play(job: JobRecord, scores: (number | null)[], opts: { revealSkip?: Set<number> } = {}): Promise<void> {
      for (let i = 0; i < job.committee.length; i++) {
        const s = scores[i];
        if (s !== null && s !== undefined) await driver.commit(job, job.committee[i]!, s);
      }
      const onChain = await driver.getJob(job.jobId);
      const everyoneCommitted = scores.every((s) => s !== null);
      if (!everyoneCommitted) await driver.mineTo(onChain.commitDeadline);
      for (let i = 0; i < job.committee.length; i++) {
        if (scores[i] !== null && scores[i] !== undefined && !opts.revealSkip?.has(i)) await driver.reveal(job, job.committee[i]!);
      }
    }

    before(async () => {
      chain = await startChain({ port: suite.chainPort });
      deployment = await deployProtocol(chain.rpcUrl, { parameters: { epochLength: EPOCH_LENGTH, unbondingPeriod: 3600n } });
      driver = new Driver(chain.rpcUrl, deployment);
      const accounts = deployment.accounts;
      miners = accounts.slice(1, 7).map((a) => a.address);
      integratorA = accounts[10]!.address;
      integratorB = accounts[11]!.address;
      await stakeMiners(chain.rpcUrl, deployment, accounts.slice(1, 7).map((a) => a.privateKey), STAKE);
      for (const m of miners) staked.set(m.toLowerCase(), STAKE);

      // ---- history written before Ponder starts (backfill)
      jobs.allAgree = await driver.request(integratorA, parseEther("0.01"));
      await play(jobs.allAgree, [8000, 8100, 7900, 8050, 8000]);

      // one outlier, one member never commits: final with faults
      jobs.faults = await driver.request(integratorA, parseEther("0.02"));
      await play(jobs.faults, [7000, 7100, 7200, 2000, null]);

      // only two commit: expired after the commit phase
      jobs.expired = await driver.request(integratorB, parseEther("0.005"));
      await play(jobs.expired, [5000, 5000, null, null, null], { revealSkip: new Set([0, 1]) });
      await driver.expire(jobs.expired);

      // scattered scores: no agreement
      jobs.noAgreement = await driver.request(integratorB, parseEther("0.003"));
      await play(jobs.noAgreement, [1000, 3000, 5000, 7000, 9000]);

      // a quorum says the input is invalid
      jobs.invalid = await driver.request(integratorA, parseEther("0.004"));
      await play(jobs.invalid, [65535, 65535, 65535, 5000, 5000]);

      // stake movements: one miner stakes more, another unbonds and withdraws after the period
      const [m0, m1] = [miners[0]!, miners[5]!];
      await driver.send(deployment.deployer.address, c().PohToken.address, pohTokenAbi, "transfer", [m0, parseEther("500")]);
      await driver.send(m0, c().PohToken.address, pohTokenAbi, "approve", [c().PohStaking.address, parseEther("500")]);
      await driver.send(m0, c().PohStaking.address, pohStakingAbi, "stake", [parseEther("500")]);
      staked.set(m0.toLowerCase(), STAKE + parseEther("500"));
      await driver.send(m1, c().PohStaking.address, pohStakingAbi, "requestUnbond", [parseEther("2000")]);
      await rpc(chain.rpcUrl, "evm_increaseTime", [3601]);
      await driver.mine(1);
      const wr = await driver.send(m1, c().PohStaking.address, pohStakingAbi, "withdraw");
      assert.equal(wr.status, "success");
      unstaked.set(m1.toLowerCase(), parseEther("2000"));

      // governance, fee withdrawals and emission claims
      await driver.send(deployment.deployer.address, c().PohCoordinator.address, pohCoordinatorAbi, "setToleranceBps", [600]);
      await driver.send(deployment.deployer.address, c().PohCoordinator.address, pohCoordinatorAbi, "setToleranceBps", [500]);
      // governance: a pauser is granted, pauses and unpauses, and is revoked; a registry governor is added
      const pauser = accounts[12]!.address;
      const pauserRole = await read<`0x${string}`>(c().PohCoordinator.address, pohCoordinatorAbi, "PAUSER_ROLE");
      await driver.send(deployment.deployer.address, c().PohCoordinator.address, pohCoordinatorAbi, "grantRole", [pauserRole, pauser]);
      await driver.send(pauser, c().PohCoordinator.address, pohCoordinatorAbi, "pause");
      await driver.send(pauser, c().PohCoordinator.address, pohCoordinatorAbi, "unpause");
      await driver.send(deployment.deployer.address, c().PohCoordinator.address, pohCoordinatorAbi, "revokeRole", [pauserRole, pauser]);
      const governorRole = await read<`0x${string}`>(c().ModelRegistry.address, modelRegistryAbi, "GOVERNOR_ROLE");
      await driver.send(deployment.deployer.address, c().ModelRegistry.address, modelRegistryAbi, "grantRole", [governorRole, accounts[13]!.address]);
      await driver.send(integratorB, c().PohCoordinator.address, pohCoordinatorAbi, "withdraw");
      const firstAgreer = jobs.allAgree.committee[0]!;
      await driver.send(firstAgreer, c().PohCoordinator.address, pohCoordinatorAbi, "withdraw");

      const current = await read<bigint>(c().PohEmission.address, pohEmissionAbi, "currentEpoch");
      await driver.mine(Number(EPOCH_LENGTH));
      claimedEpochs = [];
      for (let e = 0n; e <= current; e++) claimedEpochs.push(e);
      for (const m of miners) {
        const mine: bigint[] = [];
        for (const e of claimedEpochs) {
          if ((await read<bigint>(c().PohEmission.address, pohEmissionAbi, "minerPoints", [m, e])) > 0n) mine.push(e);
        }
        if (mine.length) await driver.send(m, c().PohEmission.address, pohEmissionAbi, "claim", [mine]);
      }

      ponder = await startPonder({ deploymentsFile: deployment.file, rpcUrl: chain.rpcUrl, port: suite.ponderPort, database: suite.kind, postgresUrl: process.env.DATABASE_URL });
      await waitForBlock(ponder, await driver.blockNumber());
    });

    after(async () => {
      await ponder?.stop();
      await chain?.stop();
    });

    async function minerRow(address: Address): Promise<MinerGql> {
      const data = await gql<{ miner: MinerGql | null }>(ponder!.url, `query($id: String!) { miner(id: $id) { ${MINER_FIELDS} } }`, { id: address.toLowerCase() });
      assert.ok(data.miner, `miner ${address} indexed`);
      return data.miner;
    }

    async function assertMinersMatchChain(): Promise<void> {
      for (const m of miners) {
        const row = await minerRow(m);
        const stats = await read<{ served: number; agreed: number; livenessFaults: number; outlierFaults: number }>(c().PohCoordinator.address, pohCoordinatorAbi, "minerStats", [m]);
        const trust = await read<bigint>(c().PohCoordinator.address, pohCoordinatorAbi, "trustMultiplierBps", [m]);
        const stake = await read<{ active: bigint; unbonding: bigint }>(c().PohStaking.address, pohStakingAbi, "stakeOf", [m]);
        const claimable = await read<bigint>(c().PohCoordinator.address, pohCoordinatorAbi, "claimable", [m]);
        const balance = await read<bigint>(c().PohToken.address, pohTokenAbi, "balanceOf", [m]);
        const outcomes = await driver.outcomesOf(m);

        assert.equal(row.jobsServed, stats.served, `${m} served`);
        assert.equal(row.jobsServed, outcomes.length, `${m} served vs driver`);
        assert.equal(row.jobsAgreed, stats.agreed, `${m} agreed`);
        assert.equal(row.jobsAgreed, outcomes.filter((o) => o === "Agreed").length);
        assert.equal(row.jobsUnscored, outcomes.filter((o) => o === "Unscored").length);
        assert.equal(row.livenessFaults, stats.livenessFaults, `${m} liveness`);
        assert.equal(row.outlierFaults, stats.outlierFaults, `${m} outliers`);
        assert.equal(row.agreementRateBps, stats.served === 0 ? 0 : Math.floor((stats.agreed * 10000) / stats.served));
        assert.equal(BigInt(row.trustMultiplierBps), trust, `${m} trust`);
        assert.equal(row.reputation, reputationOf(outcomes), `${m} reputation from ${outcomes.join(",")}`);
        assert.equal(BigInt(row.activeStake), stake.active, `${m} active stake`);
        assert.equal(BigInt(row.unbonding), stake.unbonding, `${m} unbonding`);
        assert.equal(row.status, stake.active > 0n ? "active" : stake.unbonding > 0n ? "unbonding" : "exited");
        // Stake in = stake held + withdrawn + slashed.
        const slashed = (staked.get(m.toLowerCase()) ?? 0n) - (unstaked.get(m.toLowerCase()) ?? 0n) - stake.active - stake.unbonding;
        assert.equal(BigInt(row.totalSlashed), slashed, `${m} slashed`);
        // Fees credited = still claimable + withdrawn.
        assert.equal(BigInt(row.feesEarned) - BigInt(row.feesWithdrawn), claimable, `${m} fees`);
        // Every POH the miner holds came from emission claims or unstaking.
        assert.equal(BigInt(row.pohEarned) + (unstaked.get(m.toLowerCase()) ?? 0n), balance, `${m} POH`);
      }
    }

    it("backfills miners whose counters, stake, fees, POH and reputation equal the chain's", async () => {
      await assertMinersMatchChain();
      const withFaults = miners.filter((m) => jobs.faults.committee.includes(m));
      assert.equal(withFaults.length, 5);
      const outlier = await minerRow(jobs.faults.committee[3]!);
      assert.equal(outlier.outlierFaults, 1);
      assert.ok(BigInt(outlier.totalSlashed) > 0n);
      assert.ok(outlier.reputation < 500, `an outlier's reputation drops below a new miner's (${outlier.reputation})`);
    });

    it("serves a job's full timeline: committee, every commit and reveal, result, fee split and latency", async () => {
      const job = jobs.faults;
      const onChain = await driver.getJob(job.jobId);
      const data = await gql<{
        job: {
          requester: string; modelId: number; fee: string; committee: string[]; quorum: number; status: string; failureReason: string;
          result: number; verdict: boolean; proposer: string; agreeCount: number; protocolFee: string; rewardsPaid: string;
          commitCount: number; revealCount: number; requestBlock: string; finalBlock: string; latencyBlocks: number; latencySeconds: number; slashedTotal: string;
          members: { items: { miner: string; position: number; commitBlock: string | null; revealBlock: string | null; scoreBps: number | null; outcome: string; reward: string; slashed: string }[] };
          events: { items: { kind: string; miner: string | null; blockNumber: string }[] };
        };
      }>(
        ponder!.url,
        `query($id: BigInt!) { job(id: $id) { requester modelId fee committee quorum status failureReason result verdict proposer agreeCount
          protocolFee rewardsPaid commitCount revealCount requestBlock finalBlock latencyBlocks latencySeconds slashedTotal
          members(orderBy: "position", orderDirection: "asc") { items { miner position commitBlock revealBlock scoreBps outcome reward slashed } }
          events(orderBy: "id", orderDirection: "asc", limit: 100) { items { kind miner blockNumber } } } }`,
        { id: job.jobId.toString() },
      );
      const row = data.job;
      assert.equal(row.requester, integratorA.toLowerCase());
      assert.equal(row.modelId, deployment.modelId);
      assert.equal(BigInt(row.fee), job.fee);
      assert.deepEqual(row.committee, job.committee.map((a) => a.toLowerCase()));
      assert.equal(row.status, "final");
      assert.equal(row.failureReason, "none");
      assert.equal(row.result, onChain.result);
      assert.equal(row.result, 7000); // lower median of 2000, 7000, 7100, 7200
      assert.equal(row.verdict, onChain.verdict);
      assert.equal(row.agreeCount, 3);
      assert.equal(row.commitCount, 4);
      assert.equal(row.revealCount, 4);
      assert.equal(BigInt(row.requestBlock), job.requestReceipt.blockNumber);
      assert.equal(BigInt(row.finalBlock), onChain.finalBlock);
      assert.equal(BigInt(row.latencyBlocks), onChain.finalBlock - onChain.requestBlock);
      const requestBlock = await driver.publicClient.getBlock({ blockNumber: job.requestReceipt.blockNumber });
      const finalBlock = await driver.publicClient.getBlock({ blockNumber: onChain.finalBlock });
      assert.equal(BigInt(row.latencySeconds), finalBlock.timestamp - requestBlock.timestamp);
      // fee split: protocol fee + rewards = fee
      assert.equal(BigInt(row.protocolFee) + BigInt(row.rewardsPaid), job.fee);
      assert.equal(BigInt(row.protocolFee), (job.fee * 500n) / 10000n);
      assert.equal(row.proposer, job.committee[0]!.toLowerCase()); // first agreeing revealer

      const expected = await driver.expectedOutcomes(job);
      assert.equal(row.members.items.length, 5);
      for (const item of row.members.items) {
        const plan = job.members.get(item.miner)!;
        assert.equal(item.miner, job.committee[item.position]!.toLowerCase());
        assert.equal(item.outcome, OUTCOME_COLUMN[expected.get(item.miner)!]);
        assert.equal(item.commitBlock === null ? null : BigInt(item.commitBlock), plan.commitReceipt?.blockNumber ?? null);
        assert.equal(item.revealBlock === null ? null : BigInt(item.revealBlock), plan.revealReceipt?.blockNumber ?? null);
        assert.equal(item.scoreBps, plan.revealed ? plan.score! : null);
        if (item.outcome === "agreed") assert.ok(BigInt(item.reward) > 0n);
        else assert.equal(item.reward, "0");
        if (item.outcome === "outlier" || item.outcome === "no_commit") assert.ok(BigInt(item.slashed) > 0n);
        else assert.equal(item.slashed, "0");
      }
      assert.equal(BigInt(row.slashedTotal), row.members.items.reduce((s, i) => s + BigInt(i.slashed), 0n));

      const kinds = row.events.items.map((e) => e.kind);
      assert.deepEqual(kinds, [
        "requested",
        "committed", "committed", "committed", "committed",
        "revealed", "revealed", "revealed", "revealed",
        "finalized",
        "member_settled", "member_settled", "member_settled", "member_settled", "member_settled",
        "slashed", "slashed",
      ]);
    });

    it("records failures with their reason, refund and latency", async () => {
      const data = await gql<{ jobs: { items: { id: string; status: string; failureReason: string; refund: string | null; latencyBlocks: number; result: number | null }[] } }>(
        ponder!.url,
        `{ jobs(where: { status: failed }, orderBy: "id", orderDirection: "asc") { items { id status failureReason refund latencyBlocks result } } }`,
      );
      const byId = new Map(data.jobs.items.map((j) => [BigInt(j.id), j]));
      assert.equal(byId.size, 3);
      assert.equal(byId.get(jobs.expired.jobId)?.failureReason, "expired");
      assert.equal(byId.get(jobs.noAgreement.jobId)?.failureReason, "no_agreement");
      assert.equal(byId.get(jobs.invalid.jobId)?.failureReason, "input_invalid");
      for (const j of [jobs.expired, jobs.noAgreement, jobs.invalid]) {
        const row = byId.get(j.jobId)!;
        const onChain = await driver.getJob(j.jobId);
        assert.equal(BigInt(row.refund!), j.fee);
        assert.equal(row.result, null);
        assert.equal(BigInt(row.latencyBlocks), onChain.finalBlock - onChain.requestBlock);
      }
    });

    it("keeps one ledger row per payout, refund, claim and slash, totalling the contracts' accounting", async () => {
      type Row = { account: string; kind: string; amount: string; jobId: string | null; epoch: string | null; reason: string | null };
      const data = await gql<{ ledgers: { items: Row[] } }>(
        ponder!.url,
        `{ ledgers(limit: 1000, orderBy: "id", orderDirection: "asc") { items { account kind amount jobId epoch reason } } }`,
      );
      const rows = data.ledgers.items;
      const sum = (f: (r: Row) => boolean) => rows.filter(f).reduce((s, r) => s + BigInt(r.amount), 0n);
      // Native coin: everything credited minus everything withdrawn is what the coordinator still owes.
      const credited = sum((r) => ["reward", "refund", "protocol_fee"].includes(r.kind));
      const withdrawn = sum((r) => r.kind === "withdrawal");
      const totalClaimable = await read<bigint>(c().PohCoordinator.address, pohCoordinatorAbi, "totalClaimable");
      assert.equal(credited - withdrawn, totalClaimable);
      // Per account claimable for the integrators and the treasury too.
      for (const account of [integratorA, integratorB, deployment.deployer.address]) {
        const a = account.toLowerCase();
        const owed = sum((r) => r.account === a && ["reward", "refund", "protocol_fee"].includes(r.kind)) - sum((r) => r.account === a && r.kind === "withdrawal");
        assert.equal(owed, await read<bigint>(c().PohCoordinator.address, pohCoordinatorAbi, "claimable", [account]), `claimable of ${a}`);
      }
      // Refunds: one per failed job.
      assert.equal(rows.filter((r) => r.kind === "refund").length, 3);
      // Slashes: one per fault, reason and job set; their total matches the token's burn + treasury take.
      const slashes = rows.filter((r) => r.kind === "slash");
      let faults = 0;
      for (const j of Object.values(jobs)) for (const o of (await driver.expectedOutcomes(j)).values()) if (o === "Outlier" || o === "NoCommit" || o === "NoReveal") faults++;
      assert.equal(slashes.length, faults);
      for (const s of slashes) {
        assert.ok(s.jobId !== null);
        assert.ok(s.reason === "liveness" || s.reason === "outlier");
      }
      const net = await gql<{ network: { totalSlashed: string; slashedBurned: string; slashedToTreasury: string } }>(
        ponder!.url,
        `{ network(id: "network") { totalSlashed slashedBurned slashedToTreasury } }`,
      );
      assert.equal(BigInt(net.network.totalSlashed), sum((r) => r.kind === "slash"));
      assert.equal(BigInt(net.network.slashedBurned) + BigInt(net.network.slashedToTreasury), BigInt(net.network.totalSlashed));
      // Only slashes burn POH.
      assert.equal(BigInt(net.network.slashedBurned), await read<bigint>(c().PohToken.address, pohTokenAbi, "totalBurned"));
      // Emission claims: the POH minted by the emission contract.
      const minted = await read<bigint>(c().PohToken.address, pohTokenAbi, "miningMinted");
      assert.equal(sum((r) => r.kind === "emission_claim"), minted);
      assert.ok(minted > 0n);
    });

    it("serves epochs with emission, points and job counts equal to the emission contract's and the final jobs'", async () => {
      const data = await gql<{ epochs: { items: { id: string; emission: string; totalPoints: string; claimedAmount: string; claims: number; jobs: number }[] } }>(
        ponder!.url,
        `{ epochs(orderBy: "id", orderDirection: "asc") { items { id emission totalPoints claimedAmount claims jobs } } }`,
      );
      assert.ok(data.epochs.items.length >= 1);
      for (const e of data.epochs.items) {
        const id = BigInt(e.id);
        assert.equal(BigInt(e.emission), await read<bigint>(c().PohEmission.address, pohEmissionAbi, "epochEmission", [id]));
        assert.equal(BigInt(e.totalPoints), await read<bigint>(c().PohEmission.address, pohEmissionAbi, "epochPoints", [id]));
      }
      const minerEpochs = await gql<{ minerEpochs: { items: { miner: string; epoch: string; points: string; jobs: number; claimed: boolean }[] } }>(
        ponder!.url,
        `{ minerEpochs(limit: 200) { items { miner epoch points jobs claimed } } }`,
      );
      for (const me of minerEpochs.minerEpochs.items) {
        assert.equal(BigInt(me.points), await read<bigint>(c().PohEmission.address, pohEmissionAbi, "minerPoints", [me.miner, BigInt(me.epoch)]));
        assert.equal(me.claimed, await read<boolean>(c().PohEmission.address, pohEmissionAbi, "claimed", [me.miner, BigInt(me.epoch)]));
      }
      // Per job (JobFinalized): each final job's epoch and its agreeing members' points add up to
      // the per-transaction totals (WorkRecorded).
      const finals = await gql<{ jobs: { items: { epoch: string | null; pointsAwarded: string; members: { items: { miner: string; outcome: string; points: string }[] } }[] } }>(
        ponder!.url,
        `{ jobs(where: { status: final }, limit: 100) { items { epoch pointsAwarded members { items { miner outcome points } } } } }`,
      );
      assert.ok(finals.jobs.items.length >= 2);
      for (const e of data.epochs.items) {
        const inEpoch = finals.jobs.items.filter((j) => j.epoch === e.id);
        assert.equal(e.jobs, inEpoch.length, `jobs in epoch ${e.id}`);
        assert.equal(BigInt(e.totalPoints), inEpoch.reduce((s, j) => s + BigInt(j.pointsAwarded), 0n), `points in epoch ${e.id}`);
        for (const me of minerEpochs.minerEpochs.items.filter((x) => x.epoch === e.id)) {
          const agreed = inEpoch.flatMap((j) => j.members.items).filter((m) => m.miner === me.miner && m.outcome === "agreed");
          assert.equal(me.jobs, agreed.length, `${me.miner}'s jobs in epoch ${e.id}`);
          assert.equal(BigInt(me.points), agreed.reduce((s, m) => s + BigInt(m.points), 0n), `${me.miner}'s points in epoch ${e.id}`);
        }
      }
    });

    it("serves models, integrators, parameter changes, token supply and daily series", async () => {
      const data = await gql<{
        model: { jobCount: number; finalJobs: number; failedJobs: number; active: boolean; sha256: string };
        network: { jobs: number; jobsFinal: number; jobsFailed: number; jobsPending: number; miners: number; totalActiveStake: string; totalUnbonding: string; tokenSupply: string; tokenBurned: string; protocolFees: string };
        parameterChanges: { items: { contract: string; name: string; oldValue: string; newValue: string }[] };
        networkDays: { items: { jobsRequested: number; jobsFinal: number; jobsFailed: number; failureRateBps: number; meanLatencyBlocks: number | null }[] };
        minerDays: { items: { miner: string; jobsServed: number; reputation: number }[] };
        integrator: { jobs: number; finalJobs: number; failedJobs: number; feesPaid: string; refunded: string };
      }>(
        ponder!.url,
        `query($model: Int!, $integrator: String!) {
          model(id: $model) { jobCount finalJobs failedJobs active sha256 }
          network(id: "network") { jobs jobsFinal jobsFailed jobsPending miners totalActiveStake totalUnbonding tokenSupply tokenBurned protocolFees }
          parameterChanges(orderBy: "id", orderDirection: "asc") { items { contract name oldValue newValue } }
          networkDays { items { jobsRequested jobsFinal jobsFailed failureRateBps meanLatencyBlocks } }
          minerDays(limit: 500) { items { miner jobsServed reputation } }
          integrator(id: $integrator) { jobs finalJobs failedJobs feesPaid refunded }
        }`,
        { model: deployment.modelId, integrator: integratorA.toLowerCase() },
      );
      const jobCount = Number(await read<bigint>(c().PohCoordinator.address, pohCoordinatorAbi, "jobCount"));
      assert.equal(data.model.jobCount, jobCount);
      assert.equal(data.model.finalJobs, 2);
      assert.equal(data.model.failedJobs, 3);
      assert.equal(data.model.sha256, deployment.model.sha256.toLowerCase());
      assert.equal(data.network.jobs, jobCount);
      assert.equal(data.network.jobsFinal, 2);
      assert.equal(data.network.jobsFailed, 3);
      assert.equal(data.network.jobsPending, 0);
      assert.equal(data.network.miners, 6);
      assert.equal(BigInt(data.network.totalActiveStake), await read<bigint>(c().PohStaking.address, pohStakingAbi, "totalActiveStake"));
      assert.equal(
        BigInt(data.network.totalActiveStake) + BigInt(data.network.totalUnbonding),
        await read<bigint>(c().PohStaking.address, pohStakingAbi, "totalStaked"),
      );
      assert.equal(BigInt(data.network.tokenSupply), await read<bigint>(c().PohToken.address, pohTokenAbi, "totalSupply"));
      assert.equal(BigInt(data.network.tokenBurned), await read<bigint>(c().PohToken.address, pohTokenAbi, "totalBurned"));
      assert.deepEqual(
        data.parameterChanges.items.filter((p) => p.name === "toleranceBps"),
        [
          { contract: "PohCoordinator", name: "toleranceBps", oldValue: "500", newValue: "600" },
          { contract: "PohCoordinator", name: "toleranceBps", oldValue: "600", newValue: "500" },
        ],
      );
      const days = data.networkDays.items;
      assert.equal(days.reduce((s, d) => s + d.jobsRequested, 0), jobCount);
      assert.equal(days.reduce((s, d) => s + d.jobsFinal, 0), 2);
      assert.equal(days.reduce((s, d) => s + d.jobsFailed, 0), 3);
      if (days.length === 1) assert.equal(days[0]!.failureRateBps, 6000);
      for (const m of miners) {
        const mine = data.minerDays.items.filter((d) => d.miner === m.toLowerCase());
        assert.equal(mine.reduce((s, d) => s + d.jobsServed, 0), (await driver.outcomesOf(m)).length);
      }
      assert.deepEqual(data.integrator, { jobs: 3, finalJobs: 2, failedJobs: 1, feesPaid: parseEther("0.034").toString(), refunded: parseEther("0.004").toString() });
    });

    it("serves role holders and every governance event (grants, revocations, pauses) of all five contracts", async () => {
      const data = await gql<{
        network: { coordinatorPaused: boolean };
        roleMembers: { items: { contract: string; roleName: string | null; account: string; grantedBy: string }[] };
        governanceEvents: { items: { contract: string; kind: string; roleName: string | null; account: string | null; sender: string | null }[] };
      }>(
        ponder!.url,
        `{
          network(id: "network") { coordinatorPaused }
          roleMembers(limit: 100, orderBy: "id") { items { contract roleName account grantedBy } }
          governanceEvents(limit: 200, orderBy: "id") { items { contract kind roleName account sender } }
        }`,
      );
      const admin = deployment.deployer.address.toLowerCase();
      const pauser = deployment.accounts[12]!.address.toLowerCase();
      const events = data.governanceEvents.items;
      const coordinatorKinds = events.filter((e) => e.contract === "PohCoordinator" && e.account === pauser).map((e) => `${e.kind}:${e.roleName ?? ""}`);
      assert.deepEqual(coordinatorKinds.sort(), ["Paused:", "RoleGranted:PAUSER_ROLE", "RoleRevoked:PAUSER_ROLE", "Unpaused:"]);
      assert.equal(data.network.coordinatorPaused, false, "paused, then unpaused");
      const holders = data.roleMembers.items;
      assert.equal(holders.some((h) => h.account === pauser), false, "a revoked role leaves role_member");
      assert.ok(holders.some((h) => h.contract === "ModelRegistry" && h.roleName === "GOVERNOR_ROLE" && h.account === deployment.accounts[13]!.address.toLowerCase() && h.grantedBy === admin));
      for (const contract of ["PohCoordinator", "PohStaking", "ModelRegistry", "PohEmission", "PohToken"]) {
        assert.ok(holders.some((h) => h.contract === contract && h.roleName === "DEFAULT_ADMIN_ROLE" && h.account === admin), `${contract}'s admin`);
        const grants = events.filter((e) => e.contract === contract && e.kind === "RoleGranted");
        assert.ok(grants.length >= 1, `${contract}'s grants are indexed`);
      }
      // Every RoleGranted without a later RoleRevoked for the same holder is exactly one row.
      const open = new Set<string>();
      for (const e of events) {
        const key = `${e.contract}-${e.roleName}-${e.account}`;
        if (e.kind === "RoleGranted") open.add(key);
        if (e.kind === "RoleRevoked") open.delete(key);
      }
      assert.deepEqual(new Set(holders.map((h) => `${h.contract}-${h.roleName}-${h.account}`)), open);
    });

    it("answers the leaderboard over GraphQL and the same rows over SQL-over-HTTP, read-only", async () => {
      const data = await gql<{ miners: { items: { id: string; reputation: number }[] } }>(
        ponder!.url,
        `{ miners(orderBy: "reputation", orderDirection: "desc", limit: 10) { items { id reputation } } }`,
      );
      assert.equal(data.miners.items.length, 6);
      const reps = data.miners.items.map((m) => m.reputation);
      assert.deepEqual(reps, [...reps].sort((a, b) => b - a));
      // Ponder's SQL-over-HTTP endpoint (what @ponder/client sends: superjson-encoded query).
      const sqlQuery = async (sql: string) => {
        const q = JSON.stringify({ json: { sql, params: [], typings: [] } });
        return fetch(`${ponder!.url}/sql/db?sql=${encodeURIComponent(q)}`);
      };
      const res = await sqlQuery('select id, reputation from "miner" order by reputation desc, id asc limit 10');
      assert.equal(res.status, 200);
      const body = (await res.json()) as { rows: { id: string; reputation: number }[] };
      const byKey = (a: { id: string; reputation: number }, b: { id: string; reputation: number }) => b.reputation - a.reputation || a.id.localeCompare(b.id);
      assert.deepEqual(body.rows, [...data.miners.items].sort(byKey));
      // It is read-only.
      const write = await sqlQuery('delete from "miner"');
      assert.equal(write.status, 500);
      const still = await gql<{ miners: { totalCount: number } }>(ponder!.url, `{ miners { totalCount } }`);
      assert.equal(still.miners.totalCount, 6);
    });

    it("runs every ready-to-paste query in indexer/README.md without errors", async () => {
      const readme = readFileSync(join(ROOT, "indexer", "README.md"), "utf8");
      const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
      assert.equal(blocks.length, 5);
      for (const query of blocks) {
        const variables = query.includes("$id: String!")
          ? { id: miners[0]!.toLowerCase() }
          : query.includes("$id: BigInt!")
            ? { id: jobs.faults.jobId.toString() }
            : {};
        const data = await gql<Record<string, unknown>>(ponder!.url, query, variables);
        for (const [field, value] of Object.entries(data)) assert.ok(value !== null, `${field} answered`);
      }
    });

    it("indexes live transactions: a mismatched reveal, a no-reveal finalised by anyone, a failing callback", async () => {
      const job = await driver.request(integratorA, parseEther("0.01"), { callback: integratorB, callbackGasLimit: 100_000 });
      jobs.live = job;
      for (let i = 0; i < 5; i++) await driver.commit(job, job.committee[i]!, 6000 + i * 10);
      await driver.reveal(job, job.committee[0]!, { wrongSalt: true });
      for (let i = 0; i < 4; i++) await driver.reveal(job, job.committee[i]!);
      const onChain = await driver.getJob(job.jobId);
      await driver.mineTo(onChain.revealDeadline);
      await driver.finalize(job);
      await waitForBlock(ponder!, await driver.blockNumber());

      const data = await gql<{ job: { status: string; callbackStatus: string; members: { items: { miner: string; outcome: string; revealMismatches: number }[] }; events: { items: { kind: string }[] } } }>(
        ponder!.url,
        `query($id: BigInt!) { job(id: $id) { status callbackStatus members(orderBy: "position", orderDirection: "asc") { items { miner outcome revealMismatches } } events(limit: 100) { items { kind } } } }`,
        { id: job.jobId.toString() },
      );
      assert.equal(data.job.status, "final");
      assert.equal(data.job.callbackStatus, "failed"); // integratorB has no code
      assert.deepEqual(data.job.members.items.map((m) => m.outcome), ["agreed", "agreed", "agreed", "agreed", "no_reveal"]);
      assert.deepEqual(data.job.members.items.map((m) => m.revealMismatches), [1, 0, 0, 0, 0]);
      assert.ok(data.job.events.items.some((e) => e.kind === "reveal_mismatched"));
      assert.ok(data.job.events.items.some((e) => e.kind === "callback_failed"));
      await assertMinersMatchChain();
    });

    it("answers repeated GraphQL queries from its cache and drops them as soon as a new event is indexed", async () => {
      type Answer = { data: { network: { jobs: number; feesRequested: string }; jobs: { items: { id: string; status: string }[] } } };
      const query = `{ network(id: "network") { jobs feesRequested } jobs(orderBy: "id", orderDirection: "desc", limit: 1) { items { id status } } }`;
      const post = async (headers: Record<string, string> = {}): Promise<{ cache: string | null; body: Answer }> => {
        const res = await fetch(`${ponder!.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ query }),
        });
        assert.equal(res.status, 200);
        return { cache: res.headers.get("x-poh-cache"), body: (await res.json()) as Answer };
      };
      const first = await post();
      const second = await post();
      assert.equal(second.cache, "hit");
      assert.deepEqual(second.body, first.body);
      const bypass = await post({ "cache-control": "no-cache" });
      assert.equal(bypass.cache, "bypass");
      assert.deepEqual(bypass.body, first.body);

      // A new event: the first request after it is indexed gets the new answer.
      const job = await driver.request(integratorB, parseEther("0.001"));
      await waitForBlock(ponder!, job.requestReceipt.blockNumber);
      const after = await post();
      assert.equal(after.cache, "miss");
      assert.equal(after.body.data.network.jobs, first.body.data.network.jobs + 1);
      assert.equal(BigInt(after.body.data.network.feesRequested), BigInt(first.body.data.network.feesRequested) + parseEther("0.001"));
      assert.deepEqual(after.body.data.jobs.items, [{ id: job.jobId.toString(), status: "pending" }]);
      assert.equal((await post()).cache, "hit");

      // Finish the job (every miner's counters must keep matching the chain); again at once.
      for (let i = 0; i < 5; i++) await driver.commit(job, job.committee[i]!, 7000);
      for (let i = 0; i < 5; i++) await driver.reveal(job, job.committee[i]!);
      await waitForBlock(ponder!, await driver.blockNumber());
      const final = await post();
      assert.equal(final.cache, "miss");
      assert.deepEqual(final.body.data.jobs.items, [{ id: job.jobId.toString(), status: "final" }]);
      await assertMinersMatchChain();
    });

    it("drops the rows of orphaned blocks after a reorg", async () => {
      const before = await gql<{ network: { jobs: number; feesRequested: string } }>(ponder!.url, `{ network(id: "network") { jobs feesRequested } }`);
      const snapshot = await rpc<string>(chain.rpcUrl, "evm_snapshot");
      const orphan = await driver.request(integratorA, parseEther("0.07"));
      await driver.commit(orphan, orphan.committee[0]!, 5000);
      const orphanHead = await driver.blockNumber();
      await waitForBlock(ponder!, orphanHead);
      const seen = await gql<{ job: { id: string; commitCount: number } | null }>(ponder!.url, `query($id: BigInt!) { job(id: $id) { id commitCount } }`, { id: orphan.jobId.toString() });
      assert.equal(seen.job?.commitCount, 1, "the soon-orphaned job was indexed");

      // Replace those blocks with a longer, different branch.
      assert.equal(await rpc<boolean>(chain.rpcUrl, "evm_revert", [snapshot]), true);
      driver.jobs.delete(orphan.jobId);
      const replacement = await driver.request(integratorB, parseEther("0.002"));
      assert.equal(replacement.jobId, orphan.jobId, "same job id on the new branch");
      await driver.mine(3);
      const newHead = await driver.blockNumber();
      assert.ok(newHead > orphanHead);
      await until("the reorg to be indexed", async () => {
        const r = await gql<{ job: { requester: string } | null }>(ponder!.url, `query($id: BigInt!) { job(id: $id) { requester } }`, { id: orphan.jobId.toString() });
        return r.job?.requester === integratorB.toLowerCase();
      });
      await waitForBlock(ponder!, newHead);

      const after = await gql<{
        job: { fee: string; commitCount: number; requester: string };
        network: { jobs: number; feesRequested: string };
        jobMembers: { items: { commitBlock: string | null }[] };
        jobEvents: { items: { kind: string; blockNumber: string }[] };
      }>(
        ponder!.url,
        `query($id: BigInt!) {
          job(id: $id) { fee commitCount requester }
          network(id: "network") { jobs feesRequested }
          jobMembers(where: { jobId: $id }) { items { commitBlock } }
          jobEvents(where: { jobId: $id }) { items { kind blockNumber } }
        }`,
        { id: orphan.jobId.toString() },
      );
      assert.equal(BigInt(after.job.fee), parseEther("0.002"));
      assert.equal(after.job.commitCount, 0);
      assert.equal(after.network.jobs, before.network.jobs + 1);
      assert.equal(BigInt(after.network.feesRequested), BigInt(before.network.feesRequested) + parseEther("0.002"));
      assert.ok(after.jobMembers.items.every((m) => m.commitBlock === null), "no commit from the orphaned branch");
      assert.deepEqual(after.jobEvents.items.map((e) => e.kind), ["requested"]);
      assert.equal(BigInt(after.jobEvents.items[0]!.blockNumber), replacement.requestReceipt.blockNumber);
      // No row anywhere points at an orphaned block hash's transaction.
      const ledger = await gql<{ ledgers: { items: { amount: string }[] } }>(ponder!.url, `{ ledgers(where: { amount: "${parseEther("0.07")}" }) { items { amount } } }`);
      assert.equal(ledger.ledgers.items.length, 0);
      // Finish the replacement job so every miner's counters still match the chain.
      for (let i = 0; i < 5; i++) await driver.commit(replacement, replacement.committee[i]!, 5000);
      for (let i = 0; i < 5; i++) await driver.reveal(replacement, replacement.committee[i]!);
      await waitForBlock(ponder!, await driver.blockNumber());
      await assertMinersMatchChain();
    });
  });
}
