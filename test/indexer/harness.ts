/**
 * Test and benchmark harness for the indexer: runs `ponder start --root indexer` as a child
 * process against a real chain (fresh PGlite directory, or a throwaway Postgres database), queries
 * its GraphQL endpoint, and drives the protocol as integrators and miners with viem.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  encodeAbiParameters,
  http,
  keccak256,
  parseAbiParameters,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
  type Chain as ViemChain,
  type Transport,
  type Account,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { pohCoordinatorAbi } from "../../generated/abis.ts";
import { devAccounts, rpc, type DeployedProtocol, type DevAccount } from "../helpers/devnet.ts";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const PONDER_BIN = join(ROOT, "node_modules", ".bin", "ponder");

export type DatabaseKind = "pglite" | "postgres";

export interface PonderOptions {
  deploymentsFile: string;
  rpcUrl: string;
  port: number;
  database: DatabaseKind;
  /** Postgres server URL (required for "postgres"); a throwaway database is created on it. */
  postgresUrl?: string;
  pollingIntervalMs?: number;
  /** Print Ponder's output as it runs. */
  verbose?: boolean;
  /** Ponder's log level (default "warn"). */
  logLevel?: "error" | "warn" | "info" | "debug" | "trace";
}

export interface PonderProcess {
  url: string;
  process: ChildProcess;
  output(): string;
  /** Stops Ponder (SIGTERM to its process group) and removes its database. */
  stop(): Promise<void>;
}

function psql(serverUrl: string, sql: string): void {
  execFileSync("psql", [serverUrl, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], { stdio: ["ignore", "ignore", "pipe"] });
}

/** Same server and credentials, another database name. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Starts Ponder and waits until its HTTP server answers /health. */
export async function startPonder(options: PonderOptions): Promise<PonderProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PONDER_TELEMETRY_DISABLED: "true",
    POH_DEPLOYMENTS: options.deploymentsFile,
    PONDER_RPC_URL_31337: options.rpcUrl,
    POH_PONDER_POLLING_MS: String(options.pollingIntervalMs ?? 200),
    DATABASE_SCHEMA: "poh",
    NO_COLOR: "1",
  };
  delete env.DATABASE_URL;
  delete env.DATABASE_PRIVATE_URL;
  let cleanupDb: () => void;
  if (options.database === "postgres") {
    if (!options.postgresUrl) throw new Error("postgres database needs postgresUrl");
    const server = options.postgresUrl;
    // Ponder's raw-log store (schema ponder_sync) is keyed by chain id and block number, and a
    // restarted dev chain reuses both: each run gets its own database, or, when the role may not
    // create databases, its own schema and an emptied ponder_sync.
    const suffix = `${process.pid}_${randomBytes(4).toString("hex")}`;
    const name = `poh_indexer_test_${suffix}`;
    try {
      psql(server, `CREATE DATABASE ${name}`);
      env.DATABASE_URL = withDatabase(server, name);
      cleanupDb = () => psql(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } catch {
      psql(server, "DROP SCHEMA IF EXISTS ponder_sync CASCADE");
      env.DATABASE_URL = server;
      env.DATABASE_SCHEMA = name;
      cleanupDb = () => psql(server, `DROP SCHEMA IF EXISTS ${name} CASCADE; DROP SCHEMA IF EXISTS ponder_sync CASCADE`);
    }
  } else {
    const dir = mkdtempSync(join(tmpdir(), "poh-pglite-"));
    env.POH_PGLITE_DIR = dir;
    cleanupDb = () => rmSync(dir, { recursive: true, force: true });
  }

  const child = spawn(
    PONDER_BIN,
    ["start", "--root", ".", "--port", String(options.port), "--hostname", "127.0.0.1", "--log-format", "json", "--log-level", options.logLevel ?? "warn"],
    // cwd indexer/: Ponder writes generated/schema.graphql under its working directory.
    { cwd: join(ROOT, "indexer"), env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  const keep = (chunk: Buffer): void => {
    if (options.verbose) process.stderr.write(chunk);
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = false;
  child.once("exit", () => (exited = true));

  const url = `http://127.0.0.1:${options.port}`;
  const stop = async (): Promise<void> => {
    if (!exited && child.pid !== undefined) {
      const done = new Promise<void>((r) => child.once("exit", () => r()));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, 5_000);
      await done;
      clearTimeout(timer);
    }
    try {
      cleanupDb();
    } catch (err) {
      process.stderr.write(`indexer harness: cleanup failed: ${(err as Error).message}\n`);
    }
  };

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`ponder exited while starting:\n${output.slice(-8000)}`);
    }
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ponder did not answer on ${url} within 120 s:\n${output.slice(-8000)}`);
    }
    await sleep(250);
  }
  return { url, process: child, output: () => output, stop };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export type GqlResult<T> = { data?: T; errors?: { message: string }[] };

/** Posts a GraphQL query; throws on transport or GraphQL errors. */
export async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlResult<T>;
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join("; ")}`);
  if (!body.data) throw new Error(`GraphQL: no data (HTTP ${res.status})`);
  return body.data;
}

/** Waits until Ponder has indexed `blockNumber` (per `_meta.status`) and serves /ready. */
export async function waitForBlock(ponder: PonderProcess, blockNumber: bigint, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const ready = await fetch(`${ponder.url}/ready`);
      if (ready.ok) {
        const meta = await gql<{ _meta: { status: Record<string, { block: { number: number } | null }> } }>(
          ponder.url,
          "{ _meta { status } }",
        );
        const indexed = meta._meta.status.poh?.block?.number ?? -1;
        last = `indexed ${indexed}`;
        if (BigInt(indexed) >= blockNumber) return;
      } else last = `ready ${ready.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`ponder did not reach block ${blockNumber} within ${timeoutMs} ms (${last}):\n${ponder.output().slice(-6000)}`);
    }
    await sleep(150);
  }
}

/** Polls `fn` until it returns true. */
export async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

// ------------------------------------------------------------------------------------------ driver

export type Outcome = "Agreed" | "Outlier" | "NoCommit" | "NoReveal" | "Unscored";

export interface MemberPlan {
  committed: boolean;
  commitReceipt?: TransactionReceipt;
  revealReceipt?: TransactionReceipt;
  score?: number;
  salt?: Hex;
  revealed: boolean;
}

export interface JobRecord {
  jobId: bigint;
  requester: Address;
  committee: Address[];
  fee: bigint;
  requestReceipt: TransactionReceipt;
  members: Map<string, MemberPlan>;
  settled: boolean;
}

type Wallet = WalletClient<Transport, ViemChain, Account>;

/** Acts as integrators and miners on a deployed protocol. */
export class Driver {
  readonly publicClient: PublicClient;
  readonly jobs = new Map<bigint, JobRecord>();
  /** Job ids in settlement order. */
  readonly settlementOrder: bigint[] = [];
  private readonly wallets = new Map<string, Wallet>();
  private readonly keys = new Map<string, Hex>();

  constructor(
    readonly rpcUrl: string,
    readonly deployment: DeployedProtocol,
  ) {
    this.publicClient = createPublicClient({ chain: hardhat, transport: http(rpcUrl) }) as PublicClient;
    for (const a of devAccounts(20)) this.keys.set(a.address.toLowerCase(), a.privateKey);
  }

  get coordinator(): Address {
    return this.deployment.contracts.PohCoordinator.address;
  }

  wallet(address: Address): Wallet {
    const key = address.toLowerCase();
    let w = this.wallets.get(key);
    if (!w) {
      const pk = this.keys.get(key);
      if (!pk) throw new Error(`no dev key for ${address}`);
      w = createWalletClient({ chain: hardhat, transport: http(this.rpcUrl), account: privateKeyToAccount(pk) });
      this.wallets.set(key, w);
    }
    return w;
  }

  /** Sends a contract call from `from`, waits for the receipt and requires success. */
  async send(
    from: Address,
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[] = [],
    value?: bigint,
  ): Promise<TransactionReceipt> {
    const w = this.wallet(from);
    const hash = await w.writeContract({ address, abi, functionName, args, value, chain: hardhat, account: w.account } as Parameters<Wallet["writeContract"]>[0]);
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 30 });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted (${hash})`);
    return receipt;
  }

  async blockNumber(): Promise<bigint> {
    return this.publicClient.getBlockNumber({ cacheTime: 0 });
  }

  /**
   * Mines `count` blocks one by one. (hardhat_mine with a count > 1 leaves the intermediate
   * blocks with a zero parentHash, which any client that checks the hash chain, Ponder included,
   * takes for a deep reorg.)
   */
  async mine(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await rpc(this.rpcUrl, "evm_mine");
  }

  async request(requester: Address, fee: bigint, options: { callback?: Address; callbackGasLimit?: number } = {}): Promise<JobRecord> {
    const inputHash = keccak256(randomBytes(32));
    const receipt = await this.send(
      requester,
      this.coordinator,
      pohCoordinatorAbi,
      "requestVerification",
      [this.deployment.modelId, inputHash, `ipfs://session-${inputHash.slice(2, 14)}`, options.callback ?? "0x0000000000000000000000000000000000000000", options.callbackGasLimit ?? 0],
      fee,
    );
    for (const log of receipt.logs) {
      try {
        const ev = decodeEventLog({ abi: pohCoordinatorAbi, data: log.data, topics: log.topics });
        if (ev.eventName === "JobRequested") {
          const committee = [...ev.args.committee];
          const record: JobRecord = {
            jobId: ev.args.jobId,
            requester,
            committee,
            fee,
            requestReceipt: receipt,
            members: new Map(committee.map((m) => [m.toLowerCase(), { committed: false, revealed: false }])),
            settled: false,
          };
          this.jobs.set(record.jobId, record);
          return record;
        }
      } catch {
        /* another contract's log */
      }
    }
    throw new Error("no JobRequested in the receipt");
  }

  static commitment(jobId: bigint, miner: Address, score: number, salt: Hex): Hex {
    return keccak256(encodeAbiParameters(parseAbiParameters("uint256, address, uint16, bytes32"), [jobId, miner, score, salt]));
  }

  member(job: JobRecord, miner: Address): MemberPlan {
    const m = job.members.get(miner.toLowerCase());
    if (!m) throw new Error(`${miner} is not on job ${job.jobId}`);
    return m;
  }

  async commit(job: JobRecord, miner: Address, score: number): Promise<TransactionReceipt> {
    const salt = keccak256(randomBytes(32));
    const receipt = await this.send(miner, this.coordinator, pohCoordinatorAbi, "commit", [job.jobId, Driver.commitment(job.jobId, miner, score, salt)]);
    Object.assign(this.member(job, miner), { committed: true, score, salt, commitReceipt: receipt });
    return receipt;
  }

  /** Reveals the committed score; with `wrongSalt` sends a mismatching reveal instead. */
  async reveal(job: JobRecord, miner: Address, options: { wrongSalt?: boolean } = {}): Promise<TransactionReceipt> {
    const m = this.member(job, miner);
    if (!m.committed || m.salt === undefined || m.score === undefined) throw new Error("reveal before commit");
    const salt = options.wrongSalt ? keccak256(randomBytes(32)) : m.salt;
    const receipt = await this.send(miner, this.coordinator, pohCoordinatorAbi, "reveal", [job.jobId, m.score, salt]);
    if (!options.wrongSalt) {
      m.revealed = true;
      m.revealReceipt = receipt;
      await this.noteSettlement(job);
    }
    return receipt;
  }

  async finalize(job: JobRecord): Promise<TransactionReceipt> {
    const r = await this.send(this.deployment.deployer.address, this.coordinator, pohCoordinatorAbi, "finalize", [job.jobId]);
    await this.noteSettlement(job);
    return r;
  }

  async expire(job: JobRecord): Promise<TransactionReceipt> {
    const r = await this.send(this.deployment.deployer.address, this.coordinator, pohCoordinatorAbi, "expire", [job.jobId]);
    await this.noteSettlement(job);
    return r;
  }

  /** Mines until the chain is past `block`. */
  async mineTo(block: bigint): Promise<void> {
    const now = await this.blockNumber();
    if (now <= block) await this.mine(Number(block - now + 1n));
  }

  async getJob(jobId: bigint) {
    return this.publicClient.readContract({ address: this.coordinator, abi: pohCoordinatorAbi, functionName: "getJob", args: [jobId] });
  }

  private async noteSettlement(job: JobRecord): Promise<void> {
    if (job.settled) return;
    const onChain = await this.getJob(job.jobId);
    if (onChain.status !== 1) {
      job.settled = true;
      this.settlementOrder.push(job.jobId);
    }
  }

  /** The outcome the coordinator must have given each member, from what the members did. */
  async expectedOutcomes(job: JobRecord, toleranceBps = 500): Promise<Map<string, Outcome>> {
    const onChain = await this.getJob(job.jobId);
    const out = new Map<string, Outcome>();
    for (const [miner, m] of job.members) {
      let o: Outcome;
      if (!m.committed) o = "NoCommit";
      else if (!m.revealed) o = "NoReveal";
      else if (onChain.status !== 2) o = "Unscored";
      else if (m.score !== 65535 && Math.abs(m.score! - onChain.result) <= toleranceBps) o = "Agreed";
      else o = "Outlier";
      out.set(miner, o);
    }
    return out;
  }

  /** Every settled outcome of `miner`, oldest first. */
  async outcomesOf(miner: Address): Promise<Outcome[]> {
    const list: Outcome[] = [];
    for (const jobId of this.settlementOrder) {
      const job = this.jobs.get(jobId)!;
      const o = (await this.expectedOutcomes(job)).get(miner.toLowerCase());
      if (o) list.push(o);
    }
    return list;
  }
}

export type { DevAccount };
