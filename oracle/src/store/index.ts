/**
 * Crash-safe job store: an append-only JSON-lines journal. Every append is written and fsynced
 * (the file, and the directory when the file is created) before the call returns, so the salt and
 * score of a commit are on disk before the commit transaction is sent. At start the journal is
 * replayed; a torn last line (a crash mid-write) is dropped and the file truncated to the last
 * whole record. Compaction writes the live state to a temp file, fsyncs it, renames it over the
 * journal and fsyncs the directory, so a crash at any point leaves either the old or the new file.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { FatalError } from "../errors.ts";
import type { Address, Hex } from "../config/index.ts";

/** Where a job stands for this miner. */
export type JobPhase =
  | "seen" // in a JobRequested log naming us; not scored yet
  | "prepared" // salt + score durable; the commit may or may not be on chain
  | "committed" // the commit is on chain
  | "revealed" // the reveal is on chain
  | "done"; // nothing more to do (ended, missed, skipped or dropped)

/** One job as the store keeps it. `key` = `${jobId}@${blockHash}`: a re-org'd copy is a new job. */
export type JobRecord = {
  key: string;
  jobId: bigint;
  blockNumber: bigint;
  blockHash: Hex;
  modelId: number;
  inputHash: Hex;
  inputURI: string;
  fee: bigint;
  commitDeadline: bigint;
  revealDeadline: bigint;
  committeeSize: number;
  phase: JobPhase;
  score?: number;
  salt?: Hex;
  /** The commit transaction, journalled when signed (before it is broadcast). */
  commitTx?: Hex;
  commitNonce?: number;
  /** The reveal transaction, journalled when signed (before it is broadcast). */
  revealTx?: Hex;
  revealNonce?: number;
  /** Why the job is done (final, missed-commit, missed-reveal, dropped, skipped-model, ...). */
  outcome?: string;
};

export type Cursor = { blockNumber: bigint; blockHash: Hex };

type Entry =
  | { t: "header"; version: 1; chainId: number; coordinator: string; miner: string }
  | { t: "cursor"; blockNumber: string; blockHash: Hex }
  | { t: "job"; job: Record<string, unknown> }
  | { t: "update"; key: string; patch: Record<string, unknown> };

export type StoreOptions = { dataDir: string; chainId: number; coordinator: Address; miner: Address; compactAfter?: number };

const bigFields = new Set(["jobId", "blockNumber", "fee", "commitDeadline", "revealDeadline"]);

function encode(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = typeof v === "bigint" ? v.toString() : v;
  return out;
}
function decode(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = bigFields.has(k) && typeof v === "string" ? BigInt(v) : v;
  return out;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The durable job store. Open with `JobStore.open`; every mutation is durable when it returns. */
export class JobStore {
  readonly path: string;
  private fd: number;
  private readonly jobs = new Map<string, JobRecord>();
  private cursorValue: Cursor | undefined;
  private lines = 0;
  private readonly compactAfter: number;
  private readonly header: Extract<Entry, { t: "header" }>;
  /** Set when replay found and removed a torn last line. */
  readonly repairedTornTail: boolean;

  private constructor(path: string, header: Extract<Entry, { t: "header" }>, compactAfter: number) {
    this.path = path;
    this.header = header;
    this.compactAfter = compactAfter;
    let repaired = false;
    const created = !existsSync(path);
    if (!created) repaired = this.replay();
    this.fd = openSync(path, "a");
    if (created) {
      this.append(header);
      fsyncDir(join(path, ".."));
    }
    this.repairedTornTail = repaired;
  }

  /** Opens (creating if needed) the journal for this chain, coordinator and miner. */
  static open(options: StoreOptions): JobStore {
    mkdirSync(options.dataDir, { recursive: true });
    const name = `journal-${options.chainId}-${options.coordinator.toLowerCase()}-${options.miner.toLowerCase()}.jsonl`;
    const header = { t: "header", version: 1, chainId: options.chainId, coordinator: options.coordinator.toLowerCase(), miner: options.miner.toLowerCase() } as const;
    const path = join(options.dataDir, name);
    JobStore.cleanup(path);
    return new JobStore(path, header, options.compactAfter ?? 10_000);
  }

  private replay(): boolean {
    const buf = readFileSync(this.path);
    let offset = 0;
    let good = 0;
    let torn = false;
    while (offset < buf.length) {
      const nl = buf.indexOf(0x0a, offset);
      const end = nl === -1 ? buf.length : nl;
      const text = buf.subarray(offset, end).toString("utf8");
      let entry: Entry | undefined;
      try {
        entry = JSON.parse(text) as Entry;
      } catch {
        entry = undefined;
      }
      if (!entry || nl === -1) {
        // Only the last line may be torn (a crash mid-append); anything else is corruption.
        if (nl === -1 || nl === buf.length - 1) {
          torn = true;
          break;
        }
        throw new FatalError(`store: ${this.path} is corrupt at byte ${offset} (not a torn tail); refusing to guess. Move it away to start fresh.`);
      }
      this.apply(entry);
      this.lines++;
      offset = end + 1;
      good = offset;
    }
    if (torn) {
      const fd = openSync(this.path, "r+");
      try {
        ftruncateSync(fd, good);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    return torn;
  }

  private apply(entry: Entry): void {
    switch (entry.t) {
      case "header":
        if (entry.chainId !== this.header.chainId || entry.coordinator !== this.header.coordinator || entry.miner !== this.header.miner) {
          throw new FatalError(`store: ${this.path} belongs to another chain, coordinator or miner`);
        }
        return;
      case "cursor":
        this.cursorValue = { blockNumber: BigInt(entry.blockNumber), blockHash: entry.blockHash };
        return;
      case "job": {
        const job = decode(entry.job) as unknown as JobRecord;
        this.jobs.set(job.key, job);
        return;
      }
      case "update": {
        const job = this.jobs.get(entry.key);
        if (job) Object.assign(job, decode(entry.patch));
        return;
      }
    }
  }

  private append(entry: Entry): void {
    const data = Buffer.from(JSON.stringify(entry) + "\n");
    let written = 0;
    while (written < data.length) written += writeSync(this.fd, data, written);
    fsyncSync(this.fd);
    this.lines++;
  }

  get cursor(): Cursor | undefined {
    return this.cursorValue;
  }

  setCursor(cursor: Cursor): void {
    if (this.cursorValue && this.cursorValue.blockNumber === cursor.blockNumber && this.cursorValue.blockHash === cursor.blockHash) return;
    this.append({ t: "cursor", blockNumber: cursor.blockNumber.toString(), blockHash: cursor.blockHash });
    this.cursorValue = { ...cursor };
  }

  get(key: string): JobRecord | undefined {
    const job = this.jobs.get(key);
    return job ? { ...job } : undefined;
  }

  /** Every job not yet done, oldest first. */
  active(): JobRecord[] {
    return [...this.jobs.values()].filter((j) => j.phase !== "done").map((j) => ({ ...j }));
  }

  /** How many jobs are not yet done (no copies). */
  get activeCount(): number {
    let n = 0;
    for (const j of this.jobs.values()) if (j.phase !== "done") n++;
    return n;
  }

  all(): JobRecord[] {
    return [...this.jobs.values()].map((j) => ({ ...j }));
  }

  /** Adds a job; a key already present is left alone (returns false). */
  add(job: JobRecord): boolean {
    if (this.jobs.has(job.key)) return false;
    this.append({ t: "job", job: encode(job) });
    this.jobs.set(job.key, { ...job });
    return true;
  }

  /** Durably updates a job. */
  update(key: string, patch: Partial<Omit<JobRecord, "key">>): JobRecord {
    const job = this.jobs.get(key);
    if (!job) throw new FatalError(`store: unknown job ${key}`);
    this.append({ t: "update", key, patch: encode(patch) });
    Object.assign(job, patch);
    return { ...job };
  }

  /** Durably updates several jobs with one fsync (all lines are written, then synced once). */
  updateMany(patches: readonly { key: string; patch: Partial<Omit<JobRecord, "key">> }[]): void {
    if (patches.length === 0) return;
    for (const { key } of patches) if (!this.jobs.has(key)) throw new FatalError(`store: unknown job ${key}`);
    const data = Buffer.from(patches.map(({ key, patch }) => JSON.stringify({ t: "update", key, patch: encode(patch) } satisfies Entry) + "\n").join(""));
    let written = 0;
    while (written < data.length) written += writeSync(this.fd, data, written);
    fsyncSync(this.fd);
    this.lines += patches.length;
    for (const { key, patch } of patches) Object.assign(this.jobs.get(key)!, patch);
  }

  /** Rewrites the journal with only the live state (done jobs older than `keepDoneAbove` go). */
  compact(keepDoneAbove = 0n): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    let lines = 0;
    try {
      const write = (e: Entry) => {
        const data = Buffer.from(JSON.stringify(e) + "\n");
        let w = 0;
        while (w < data.length) w += writeSync(fd, data, w);
        lines++;
      };
      write(this.header);
      if (this.cursorValue) write({ t: "cursor", blockNumber: this.cursorValue.blockNumber.toString(), blockHash: this.cursorValue.blockHash });
      for (const job of this.jobs.values()) {
        if (job.phase === "done" && job.blockNumber < keepDoneAbove) continue;
        write({ t: "job", job: encode(job) });
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    closeSync(this.fd);
    renameSync(tmp, this.path);
    fsyncDir(join(this.path, ".."));
    this.fd = openSync(this.path, "a");
    for (const [k, job] of this.jobs) if (job.phase === "done" && job.blockNumber < keepDoneAbove) this.jobs.delete(k);
    this.lines = lines;
  }

  /** True when the journal has grown enough to be worth compacting. */
  get shouldCompact(): boolean {
    return this.lines > this.compactAfter;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Removes a leftover temp file from an interrupted compaction (the journal itself is intact). */
  static cleanup(path: string): void {
    if (existsSync(`${path}.tmp`)) unlinkSync(`${path}.tmp`);
  }
}
