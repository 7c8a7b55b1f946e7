/**
 * Gas benchmark of the job lifecycle on an in-process Hardhat (EDR) network.
 *
 *   npm run bench:gas            (tsx bench/gas.ts)
 *
 * Prints gas per job (request + N commits + N reveals + finalisation, which the last reveal
 * performs) for committees of N = 3, 5, 7, unbatched and with requests, commits and reveals in
 * batches of 10 and 50 jobs per transaction, then the committee-draw gas with 10, 100 and 1,000
 * staked miners, and writes bench/results/gas.json. Gas is what receipts report (including the
 * 21,000 intrinsic gas per transaction).
 *
 * Two figures per cell:
 *   - steady state: the coordinator's job ring has wrapped, so every job reuses the storage
 *     words of a long-ended one (this is the long-run cost: a deployment reaches it after
 *     `jobSlots` jobs, 65,536 by default; the bench deploys with a 64-record ring to get there
 *     quickly — the ring size does not change the per-job cost);
 *   - first pass: the same jobs on fresh storage, before the ring wraps.
 * A warm-up job runs first so that one-off costs (a miner's first committee, first credit, first
 * points of the epoch) are not counted.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import type { ContractTransactionResponse, Signer } from "ethers";
import type {
  ModelRegistry,
  PohCoordinator,
  PohEmission,
  PohStaking,
  PohToken,
} from "../types/ethers-contracts/index.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = join(ROOT, "bench", "results", "gas.json");
const FEE = 10n ** 16n;
const STAKE = 10_000n * 10n ** 18n;
const MIN_STAKE = 1_000n * 10n ** 18n;
const INPUT_HASH = `0x${"ab".repeat(32)}`;
const INPUT_URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

const { ethers } = await network.connect();
interface Protocol {
  token: PohToken;
  staking: PohStaking;
  coordinator: PohCoordinator;
  admin: Signer;
  treasury: string;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt.gasUsed;
}

const JOB_SLOTS = 64;

async function deployProtocol(): Promise<Protocol> {
  const [admin] = await ethers.getSigners();
  const adminAddress = await admin.getAddress();
  const treasury = adminAddress;
  const token = (await ethers.deployContract("PohToken", [adminAddress, treasury])) as unknown as PohToken;
  const staking = (await ethers.deployContract("PohStaking", [
    adminAddress,
    await token.getAddress(),
    treasury,
    MIN_STAKE,
    7n * 24n * 3600n,
  ])) as unknown as PohStaking;
  const registry = (await ethers.deployContract("ModelRegistry", [adminAddress])) as unknown as ModelRegistry;
  const emission = (await ethers.deployContract("PohEmission", [
    adminAddress,
    await token.getAddress(),
    1_000_000n,
    730n,
  ])) as unknown as PohEmission;
  const coordinator = (await ethers.deployContract("PohCoordinator", [
    adminAddress,
    await staking.getAddress(),
    await registry.getAddress(),
    await emission.getAddress(),
    treasury,
    JOB_SLOTS,
  ])) as unknown as PohCoordinator;
  await (await token.setEmission(await emission.getAddress())).wait();
  await (await staking.setCoordinator(await coordinator.getAddress())).wait();
  await (await emission.setCoordinator(await coordinator.getAddress())).wait();
  await (await registry.addModel(`0x${"11".repeat(32)}`, 1, "ipfs://model")).wait();
  // Wide windows: a batch of 50 requests takes 50 blocks under automine.
  await (await coordinator.setWindows(1_000, 1_000)).wait();
  return { token, staking, coordinator, admin, treasury };
}

let minerSeq = 0;
async function addMiners(p: Protocol, count: number): Promise<Signer[]> {
  const signers: Signer[] = [];
  const stakingAddress = await p.staking.getAddress();
  for (let i = 0; i < count; i++) {
    const address = ethers.getAddress(`0x${(0xb0000000 + ++minerSeq).toString(16).padStart(40, "0")}`);
    await ethers.provider.send("hardhat_setBalance", [address, "0x56BC75E2D63100000"]);
    const signer = await ethers.getImpersonatedSigner(address);
    await (await p.token.transfer(address, STAKE)).wait();
    await (await p.token.connect(signer).approve(stakingAddress, STAKE)).wait();
    await (await p.staking.connect(signer).stake(STAKE)).wait();
    signers.push(signer);
  }
  return signers;
}

/** One requestVerificationBatch of `n` jobs: their ids and the transaction's gas. */
async function requestBatch(p: Protocol, n: number): Promise<{ jobIds: bigint[]; gas: bigint }> {
  const hashes = Array.from({ length: n }, (_, i) => ethers.keccak256(ethers.toUtf8Bytes(`telemetry ${i} ${Date.now()}`)));
  const tx = await p.coordinator.requestVerificationBatch(1, hashes, Array(n).fill(INPUT_URI), ethers.ZeroAddress, 0, {
    value: FEE * BigInt(n),
  });
  const receipt = await tx.wait();
  if (!receipt) throw new Error("no receipt");
  const last = await p.coordinator.jobCount();
  return { jobIds: Array.from({ length: n }, (_, i) => last - BigInt(n - 1 - i)), gas: receipt.gasUsed };
}

async function request(p: Protocol): Promise<{ jobId: bigint; gas: bigint }> {
  const tx = await p.coordinator.requestVerification(1, INPUT_HASH, INPUT_URI, ethers.ZeroAddress, 0, { value: FEE });
  const receipt = await tx.wait();
  if (!receipt) throw new Error("no receipt");
  const jobId = await p.coordinator.jobCount();
  return { jobId, gas: receipt.gasUsed };
}

function salt(jobId: bigint, miner: string): string {
  return ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["string", "uint256", "address"], ["salt", jobId, miner]));
}

function commitment(jobId: bigint, miner: string, score: number): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "uint16", "bytes32"],
      [jobId, miner, score, salt(jobId, miner)],
    ),
  );
}

interface PhaseGas {
  total: bigint;
  request: bigint;
  commits: bigint;
  reveals: bigint; // all N reveals, the last of which finalises
}

/** Gas per job of `jobs` jobs with every miner on every committee, commits and reveals in batches of `batch`. */
async function runJobs(p: Protocol, miners: Signer[], jobs: number, batch: number, root = false): Promise<PhaseGas> {
  let requestGas = 0n;
  let commitGas = 0n;
  let revealGas = 0n;
  const addresses = await Promise.all(miners.map((m) => m.getAddress()));
  for (let start = 0; start < jobs; start += batch) {
    const ids: bigint[] = [];
    if (batch === 1) {
      const r = await request(p);
      requestGas += r.gas;
      ids.push(r.jobId);
    } else {
      const r = await requestBatch(p, Math.min(batch, jobs - start));
      requestGas += r.gas;
      ids.push(...r.jobIds);
    }
    const score = (i: number): number => 8000 + 10 * i;
    for (let i = 0; i < miners.length; i++) {
      const c = p.coordinator.connect(miners[i]);
      if (batch === 1) {
        for (const id of ids) commitGas += await gasOf(c.commit(id, commitment(id, addresses[i], score(i))));
      } else {
        const cms = ids.map((id) => commitment(id, addresses[i], score(i)));
        commitGas += await gasOf(root ? c.commitBatchRoot(ids, cms) : c.commitBatch(ids, cms));
      }
    }
    for (let i = 0; i < miners.length; i++) {
      const c = p.coordinator.connect(miners[i]);
      if (batch === 1) {
        for (const id of ids) revealGas += await gasOf(c.reveal(id, score(i), salt(id, addresses[i])));
      } else if (root) {
        revealGas += await gasOf(
          c.revealBatchRoot(
            ids,
            ids.map((id) => commitment(id, addresses[i], score(i))),
            ids.map(() => score(i)),
            ids.map((id) => salt(id, addresses[i])),
          ),
        );
      } else {
        revealGas += await gasOf(
          c.revealBatch(
            ids,
            ids.map(() => score(i)),
            ids.map((id) => salt(id, addresses[i])),
          ),
        );
      }
    }
    for (const id of ids) {
      const job = await p.coordinator.getJob(id);
      if (job.status !== 2n) throw new Error(`job ${id} did not finalise (status ${job.status})`);
    }
  }
  const n = BigInt(jobs);
  return {
    total: (requestGas + commitGas + revealGas) / n,
    request: requestGas / n,
    commits: commitGas / n,
    reveals: revealGas / n,
  };
}

interface JobRow {
  committee: number;
  batch: number;
  /** commitBatchRoot/revealBatchRoot (one stored word per commit batch) instead of commitBatch/revealBatch. */
  root: boolean;
  gasPerJob: number;
  firstPassGasPerJob: number;
  request: number;
  commits: number;
  reveals: number;
}
interface SelectionRow {
  miners: number;
  committee: number;
  drawCommitteeGas: number;
}

const jobRows: JobRow[] = [];
const modes: { batch: number; root: boolean }[] = [
  { batch: 1, root: false },
  { batch: 10, root: false },
  { batch: 50, root: false },
  { batch: 10, root: true },
  { batch: 50, root: true },
];
for (const n of [3, 5, 7]) {
  for (const { batch, root } of modes) {
    const p = await deployProtocol();
    await (await p.coordinator.setCommittee(n, 0)).wait();
    const miners = await addMiners(p, n);
    await runJobs(p, miners, 1, 1); // warm-up: first-time costs
    const jobs = batch === 1 ? 5 : batch;
    const fresh = await runJobs(p, miners, jobs, batch, root); // ring records still unused
    await runJobs(p, miners, JOB_SLOTS, batch === 1 ? 1 : batch, root); // wrap the ring
    const g = await runJobs(p, miners, jobs, batch, root);
    jobRows.push({
      committee: n,
      batch,
      root,
      gasPerJob: Number(g.total),
      firstPassGasPerJob: Number(fresh.total),
      request: Number(g.request),
      commits: Number(g.commits),
      reveals: Number(g.reveals),
    });
    console.error(`N=${n} batch=${batch}${root ? " root" : ""}: ${g.total} gas/job (first pass ${fresh.total})`);
  }
}

const selectionRows: SelectionRow[] = [];
{
  const p = await deployProtocol();
  const coordinatorAddress = await p.coordinator.getAddress();
  let staked = 0;
  for (const target of [10, 100, 1000]) {
    await addMiners(p, target - staked);
    staked = target;
    const data = p.staking.interface.encodeFunctionData("drawCommittee", [ethers.id(`seed${target}`), 5]);
    const estimate = await ethers.provider.estimateGas({
      from: coordinatorAddress,
      to: await p.staking.getAddress(),
      data,
    });
    // estimateGas includes the 21,000 intrinsic gas of a transaction; the draw itself is the rest.
    selectionRows.push({ miners: target, committee: 5, drawCommitteeGas: Number(estimate - 21_000n) });
    console.error(`miners=${target}: drawCommittee ${estimate - 21_000n}`);
  }
}

const batchName = (b: number, root = false): string => (b === 1 ? "unbatched" : `batches of ${b}${root ? ", root commitments" : ""}`);
console.log("\nGas per job: request + N commits + N reveals + finalise (by the last reveal), steady state (first pass on fresh storage in brackets)\n");
console.log("| N | unbatched | batches of 10 | batches of 50 | batches of 10, root commitments | batches of 50, root commitments |");
console.log("|---|----------:|--------------:|--------------:|--------------:|--------------:|");
for (const n of [3, 5, 7]) {
  const cell = (b: number, root = false): string => {
    const r = jobRows.find((x) => x.committee === n && x.batch === b && x.root === root)!;
    return `${r.gasPerJob.toLocaleString("en-US")} (${r.firstPassGasPerJob.toLocaleString("en-US")})`;
  };
  console.log(`| ${n} | ${cell(1)} | ${cell(10)} | ${cell(50)} | ${cell(10, true)} | ${cell(50, true)} |`);
}
console.log("\nroot commitments: commitBatchRoot / revealBatchRoot (one stored word per commit batch instead of one commitment per job)");
console.log("\nWhere it goes (per job, steady state): request | N commits | N reveals incl. finalisation\n");
console.log("| N | batch | request | commits | reveals + finalise |");
console.log("|---|------:|--------:|--------:|-------------------:|");
for (const r of jobRows) {
  const f = (v: number): string => v.toLocaleString("en-US");
  console.log(`| ${r.committee} | ${r.batch}${r.root ? " root" : ""} | ${f(r.request)} | ${f(r.commits)} | ${f(r.reveals)} |`);
}
console.log("\nCommittee selection: PohStaking.drawCommittee(seed, 5) (a view; estimateGas - 21,000)\n");
console.log("| staked miners | drawCommittee gas |");
console.log("|--------------:|------------------:|");
for (const r of selectionRows) {
  console.log(`| ${r.miners.toLocaleString("en-US")} | ${r.drawCommitteeGas.toLocaleString("en-US")} |`);
}
for (const root of [false, true]) {
  const target = jobRows.find((r) => r.committee === 3 && r.batch === 50 && r.root === root)!.gasPerJob;
  console.log(`\nTarget: N = 3, ${batchName(50, root)}, < 150,000 gas per job: measured ${target.toLocaleString("en-US")} (${target < 150_000 ? "met" : "not met"})`);
}

mkdirSync(dirname(RESULTS), { recursive: true });
writeFileSync(
  RESULTS,
  `${JSON.stringify(
    {
      generatedAt: new Date().toISOString(),
      note: "gas per job = (requests + commits + reveals incl. finalisation) / jobs; gasPerJob after the job ring wrapped (steady state), firstPassGasPerJob on fresh storage; selection with N = 5",
      jobSlots: JOB_SLOTS,
      perJob: jobRows.map((r) => ({ ...r, label: batchName(r.batch, r.root) })),
      selection: selectionRows,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${RESULTS}`);
