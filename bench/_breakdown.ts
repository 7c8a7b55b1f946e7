/**
 * Gas benchmark of the job lifecycle on an in-process Hardhat (EDR) network.
 *
 *   npm run bench:gas            (tsx bench/gas.ts)
 *
 * Prints gas per job (request + N commits + N reveals + finalisation, which the last reveal
 * performs) for committees of N = 3, 5, 7, unbatched and with commits/reveals in batches of 10
 * and 50 jobs per transaction, then the committee-draw gas with 10, 100 and 1,000 staked miners,
 * and writes bench/results/gas.json. Figures are steady-state: a warm-up job runs first so that
 * one-off costs (a miner's first committee, first credit, first points of the epoch) are not
 * counted. Gas is what receipts report (including the 21,000 intrinsic gas per transaction).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import type { BaseContract, ContractTransactionResponse, Signer } from "ethers";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = join(ROOT, "bench", "results", "gas.json");
const FEE = 10n ** 16n;
const STAKE = 10_000n * 10n ** 18n;
const MIN_STAKE = 1_000n * 10n ** 18n;
const INPUT_HASH = `0x${"ab".repeat(32)}`;
const INPUT_URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

const { ethers } = await network.connect();
type Contract = BaseContract & Record<string, (...args: never[]) => Promise<ContractTransactionResponse>>;
// ethers' generic contract type is loose; this narrows what the benchmark calls.
interface Protocol {
  token: Contract;
  staking: Contract;
  coordinator: Contract;
  admin: Signer;
  treasury: string;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt.gasUsed;
}

async function deployProtocol(): Promise<Protocol> {
  const [admin] = await ethers.getSigners();
  const adminAddress = await admin.getAddress();
  const treasury = adminAddress;
  const token = (await ethers.deployContract("PohToken", [adminAddress, treasury])) as unknown as Contract;
  const staking = (await ethers.deployContract("PohStaking", [
    adminAddress,
    await token.getAddress(),
    treasury,
    MIN_STAKE,
    7n * 24n * 3600n,
  ])) as unknown as Contract;
  const registry = (await ethers.deployContract("ModelRegistry", [adminAddress])) as unknown as Contract;
  const emission = (await ethers.deployContract("PohEmission", [
    adminAddress,
    await token.getAddress(),
    1_000_000n,
    730n,
  ])) as unknown as Contract;
  const coordinator = (await ethers.deployContract("PohCoordinator", [
    adminAddress,
    await staking.getAddress(),
    await registry.getAddress(),
    await emission.getAddress(),
    treasury,
  ])) as unknown as Contract;
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
    const token = p.token.connect(signer) as Contract;
    await (await token.approve(stakingAddress, STAKE)).wait();
    await (await (p.staking.connect(signer) as Contract).stake(STAKE)).wait();
    signers.push(signer);
  }
  return signers;
}

async function request(p: Protocol): Promise<{ jobId: bigint; gas: bigint }> {
  const tx = await p.coordinator.requestVerification(1, INPUT_HASH, INPUT_URI, ethers.ZeroAddress, 0, { value: FEE });
  const receipt = await tx.wait();
  if (!receipt) throw new Error("no receipt");
  const jobId = (await (p.coordinator as unknown as { jobCount(): Promise<bigint> }).jobCount()) as bigint;
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

/** Gas of `jobs` jobs with every miner on every committee, commits and reveals in batches of `batch`. */
async function runJobs(p: Protocol, miners: Signer[], jobs: number, batch: number): Promise<bigint> {
  let total = 0n;
  const addresses = await Promise.all(miners.map((m) => m.getAddress()));
  for (let start = 0; start < jobs; start += batch) {
    const ids: bigint[] = [];
    for (let j = start; j < Math.min(jobs, start + batch); j++) {
      const r = await request(p);
      total += r.gas;
      ids.push(r.jobId);
    }
    const score = (i: number): number => 8000 + 10 * i;
    for (let i = 0; i < miners.length; i++) {
      const c = p.coordinator.connect(miners[i]) as Contract;
      if (batch === 1) {
        for (const id of ids) total += await gasOf(c.commit(id, commitment(id, addresses[i], score(i))));
      } else {
        total += await gasOf(c.commitBatch(ids, ids.map((id) => commitment(id, addresses[i], score(i)))));
      }
    }
    for (let i = 0; i < miners.length; i++) {
      const c = p.coordinator.connect(miners[i]) as Contract;
      if (batch === 1) {
        for (const id of ids) total += await gasOf(c.reveal(id, score(i), salt(id, addresses[i])));
      } else {
        total += await gasOf(
          c.revealBatch(
            ids,
            ids.map(() => score(i)),
            ids.map((id) => salt(id, addresses[i])),
          ),
        );
      }
    }
    for (const id of ids) {
      const job = (await (p.coordinator as unknown as { getJob(id: bigint): Promise<{ status: bigint }> }).getJob(id));
      if (job.status !== 2n) throw new Error(`job ${id} did not finalise (status ${job.status})`);
    }
  }
  return total / BigInt(jobs);
}

interface JobRow {
  committee: number;
  batch: number;
  gasPerJob: number;
}
interface SelectionRow {
  miners: number;
  committee: number;
  drawCommitteeGas: number;
  requestGas: number;
}

{
  const n = Number(process.env.N ?? 3);
  const p = await deployProtocol();
  await (await p.coordinator.setCommittee(n, 0)).wait();
  const miners = await addMiners(p, n);
  await runJobs(p, miners, 1, 1);
  const addresses = await Promise.all(miners.map((m) => m.getAddress()));
  const ids: bigint[] = []; let req = 0n;
  for (let j = 0; j < 50; j++) { const r = await request(p); req += r.gas; ids.push(r.jobId); }
  console.log("request avg", req / 50n);
  for (let i = 0; i < n; i++) {
    const c = p.coordinator.connect(miners[i]) as Contract;
    console.log("commitBatch/50", (await gasOf(c.commitBatch(ids, ids.map((id) => commitment(id, addresses[i], 8000))))) / 50n);
  }
  for (let i = 0; i < n; i++) {
    const c = p.coordinator.connect(miners[i]) as Contract;
    console.log("revealBatch/50", (await gasOf(c.revealBatch(ids, ids.map(() => 8000), ids.map((id) => salt(id, addresses[i]))))) / 50n);
  }
}
{
  const p = await deployProtocol();
  await (await p.coordinator.setCommittee(3, 0)).wait();
  const miners = await addMiners(p, 3);
  await runJobs(p, miners, 1, 1);
  const tx = await p.coordinator.requestVerification(1, INPUT_HASH, INPUT_URI, ethers.ZeroAddress, 0, { value: FEE });
  const r = await tx.wait();
  console.log("request gas", r!.gasUsed);
  const trace = await ethers.provider.send("debug_traceTransaction", [tx.hash, { disableMemory: true, disableStack: false }]) as { structLogs: { op: string; gasCost: number; depth: number; stack?: string[] }[] };
  const agg: Record<string, number> = {};
  for (const l of trace.structLogs) { const k = `${l.depth}:${l.op}`; agg[k] = (agg[k] ?? 0) + l.gasCost; }
  console.log(Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 14));
  for (const l of trace.structLogs) if (l.op === "SSTORE") console.log("SSTORE", l.depth, l.gasCost, l.stack?.[l.stack.length - 1]);
}
