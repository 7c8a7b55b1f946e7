/**
 * Jobs for this miner: the JobRequested watcher (backfill from the stored cursor, then follow
 * the chain `confirmations` blocks behind the head, re-scanning after a re-org), on-chain
 * verification of a job before acting on it, and turning a job's input into a score.
 */
import { keccak256, type Hex } from "viem";
import type { Logger } from "pino";
import { pohCoordinatorAbi } from "../../../generated/abis.ts";
import { InputError, PohError } from "../errors.ts";
import type { Address } from "../config/index.ts";
import type { Chain } from "../chain/index.ts";
import { RevertError } from "../chain/index.ts";
import type { NodeMetrics } from "../metrics/index.ts";
import type { JobRecord, JobStore } from "../store/index.ts";
import { fetchPayload, type FetchOptions } from "./fetch.ts";

export { fetchPayload, MAX_FETCH_BYTES, fetchDefaults, type FetchOptions } from "./fetch.ts";

/** The score meaning "input unavailable or invalid". */
export const INVALID_SCORE = 65535;

/**
 * What the pipeline needs from the model: parse bytes into the model's input (throwing
 * InputError on a bad payload) and score a batch. The node wires in parseTelemetry + loadModel;
 * tests may wire in anything with the same shape.
 */
export interface JobScorer<T = unknown> {
  /** sha256 of the local model file, hex without 0x. */
  readonly sha256: string;
  parse(bytes: Uint8Array): T;
  scoreBatch(inputs: T[]): Promise<number[]>;
  close(): Promise<void>;
}

/** The on-chain job, as getJob returns it. */
export type OnchainJob = {
  requester: Address;
  modelId: number;
  status: number;
  failure: number;
  committeeSize: number;
  quorum: number;
  commitCount: number;
  revealCount: number;
  result: number;
  verdict: boolean;
  requestBlock: bigint;
  commitDeadline: bigint;
  revealDeadline: bigint;
  finalBlock: bigint;
  fee: bigint;
  inputHash: Hex;
  callbackGasLimit: number;
  committee: readonly Address[];
};

export const JobStatus = { None: 0, Pending: 1, Final: 2, Failed: 3 } as const;

export type WatcherOptions = {
  coordinator: Address;
  startBlock: bigint;
  confirmations: number;
  reorgDepth: number;
  /** Largest block range per eth_getLogs. */
  maxRange?: bigint;
};

/** Scans JobRequested logs naming this miner into the store. */
export class JobWatcher {
  constructor(
    private readonly options: WatcherOptions,
    private readonly deps: { chain: Chain; store: JobStore; logger: Logger; metrics: NodeMetrics },
  ) {}

  /**
   * Scans up to `confirmations` blocks behind the head. Returns the head and whether a re-org was
   * detected (the cursor's block hash changed). New jobs land in the store as phase "seen".
   */
  async poll(knownHead?: bigint): Promise<{ head: bigint; reorged: boolean; added: number }> {
    const { chain, store, logger, metrics } = this.deps;
    const head = knownHead ?? (await chain.call("eth_blockNumber", () => chain.client.getBlockNumber({ cacheTime: 0 })));
    let reorged = false;
    let cursor = store.cursor;
    const safe = head - BigInt(this.options.confirmations);
    const maxRange = this.options.maxRange ?? 2000n;
    const range = (from: bigint): { from: bigint; to: bigint } | undefined =>
      safe < from ? undefined : { from, to: safe - from + 1n > maxRange ? from + maxRange - 1n : safe };
    const fetchRange = (r: { from: bigint; to: bigint }) => {
      const p = Promise.all([
        chain.call("getBlock", () => chain.client.getBlock({ blockNumber: r.to })),
        chain.call("eth_getLogs", () =>
          chain.client.getContractEvents({ address: this.options.coordinator, abi: pohCoordinatorAbi, eventName: "JobRequested", fromBlock: r.from, toBlock: r.to, strict: true }),
        ),
      ]);
      p.catch(() => undefined); // unused when a re-org is found first
      return p;
    };
    // The next range is fetched together with the cursor's re-org check (one round trip, one
    // JSON-RPC batch); it is used only if the cursor's block is unchanged.
    let planned = range(cursor ? cursor.blockNumber + 1n : this.options.startBlock);
    let fetched = planned ? fetchRange(planned) : undefined;
    if (cursor && cursor.blockNumber >= this.options.startBlock) {
      const block = cursor.blockNumber <= head ? await chain.call("getBlock", () => chain.client.getBlock({ blockNumber: cursor!.blockNumber })) : undefined;
      if (!block || block.hash !== cursor.blockHash) {
        reorged = true;
        const back = cursor.blockNumber - BigInt(this.options.reorgDepth);
        const to = back < this.options.startBlock ? this.options.startBlock - 1n : back > head ? head : back;
        logger.warn({ cursor: cursor.blockNumber.toString(), rescanFrom: (to + 1n).toString() }, "re-org detected; re-scanning");
        if (to >= 0n) {
          const b = await chain.call("getBlock", () => chain.client.getBlock({ blockNumber: to }));
          cursor = { blockNumber: to, blockHash: b.hash };
        } else cursor = { blockNumber: -1n, blockHash: "0x" };
        store.setCursor(cursor);
        planned = range(cursor.blockNumber + 1n);
        fetched = planned ? fetchRange(planned) : undefined;
      }
    }
    if (!planned || !fetched) return { head, reorged, added: 0 };
    const { to } = planned;
    const [toBlock, logs] = await fetched;
    // A log from another branch than the block we read (a re-org between the two calls): rescan.
    if (logs.some((l) => l.blockNumber === to && l.blockHash !== toBlock.hash)) return { head, reorged: true, added: 0 };
    const me = chain.address.toLowerCase();
    let added = 0;
    for (const log of logs) {
      const a = log.args;
      if (!a.committee.some((m) => m.toLowerCase() === me)) continue;
      const record: JobRecord = {
        key: `${a.jobId}@${log.blockHash}`,
        jobId: a.jobId,
        blockNumber: log.blockNumber,
        blockHash: log.blockHash,
        modelId: a.modelId,
        inputHash: a.inputHash,
        inputURI: a.inputURI,
        fee: a.fee,
        commitDeadline: a.commitDeadline,
        revealDeadline: a.revealDeadline,
        committeeSize: a.committee.length,
        phase: "seen",
      };
      if (store.add(record)) {
        added++;
        metrics.jobsSeen.inc();
        logger.info({ jobId: a.jobId.toString(), block: log.blockNumber.toString(), fee: a.fee.toString(), commitDeadline: a.commitDeadline.toString() }, "job for us");
      }
    }
    store.setCursor({ blockNumber: to, blockHash: toBlock.hash });
    metrics.lastBlock.set(Number(to));
    return { head, reorged, added };
  }
}

/** Block hashes by number, shared by the checks of one round (many jobs share a request block). */
export type BlockHashCache = Map<bigint, Promise<Hex>>;

/**
 * Confirms a stored job still exists as we saw it: its request block is still canonical and the
 * coordinator's job has the same input hash and request block. Returns the on-chain job (read at
 * `knownHead` when given), or undefined when it was re-organised away.
 */
export async function verifyJob(chain: Chain, coordinator: Address, job: JobRecord, knownHead?: bigint, hashes?: BlockHashCache): Promise<OnchainJob | undefined> {
  // A request block above the head (the chain was rewound) is not canonical.
  const head = knownHead ?? (await chain.call("eth_blockNumber", () => chain.client.getBlockNumber({ cacheTime: 0 })));
  if (job.blockNumber > head) return undefined;
  let hash = hashes?.get(job.blockNumber);
  if (!hash) {
    hash = chain.call("getBlock", () => chain.client.getBlock({ blockNumber: job.blockNumber })).then((b) => b.hash);
    hash.catch(() => undefined);
    hashes?.set(job.blockNumber, hash);
  }
  const read = chain
    .call("getJob", () => chain.client.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "getJob", args: [job.jobId], blockNumber: knownHead }))
    .then(
      (j) => j as OnchainJob,
      (error: unknown) => {
        if (error instanceof RevertError && error.errorName === "UnknownJob") return undefined;
        throw error;
      },
    );
  const [blockHash, onchain] = await Promise.all([hash, read]);
  if (blockHash !== job.blockHash || !onchain) return undefined;
  if (onchain.inputHash.toLowerCase() !== job.inputHash.toLowerCase() || onchain.requestBlock !== job.blockNumber) return undefined;
  return onchain;
}

/** Fetches a job's input and checks it against inputHash. Throws InputError on any failure. */
export async function fetchJobInput(job: Pick<JobRecord, "inputURI" | "inputHash">, options: FetchOptions): Promise<Uint8Array> {
  const bytes = await fetchPayload(job.inputURI, options);
  const hash = keccak256(bytes);
  if (hash.toLowerCase() !== job.inputHash.toLowerCase()) throw new InputError(`payload keccak256 ${hash} does not match inputHash`);
  return bytes;
}

/**
 * Scores jobs: fetch, hash check and parse each input (any failure -> 65535), then one model
 * batch for the valid ones. Never throws for a job's input; returns a score per job.
 */
export async function scoreJobs<T>(
  jobs: readonly JobRecord[],
  scorer: JobScorer<T>,
  options: FetchOptions & { concurrency?: number },
  deps: { logger: Logger; metrics: NodeMetrics },
): Promise<Map<string, number>> {
  const parsed = new Map<string, T>();
  const scores = new Map<string, number>();
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const started = performance.now();
      try {
        const bytes = await fetchJobInput(job, options);
        parsed.set(job.key, scorer.parse(bytes));
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        // The message names the problem, never the telemetry itself.
        deps.logger.warn({ jobId: job.jobId.toString(), reason: error.message }, "input unavailable or invalid; committing 65535");
        deps.metrics.jobsInvalidInput.inc();
        scores.set(job.key, INVALID_SCORE);
      } finally {
        deps.metrics.fetchSeconds.observe((performance.now() - started) / 1000);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, jobs.length)) }, worker));
  const keys = [...parsed.keys()];
  if (keys.length > 0) {
    const end = deps.metrics.inferenceSeconds.startTimer();
    const out = await scorer.scoreBatch(keys.map((k) => parsed.get(k)!));
    end();
    keys.forEach((k, i) => {
      const s = out[i];
      if (s === undefined || !Number.isInteger(s) || s < 0 || s > 10_000) throw new PohError(`model returned an invalid score ${s}`);
      scores.set(k, s);
    });
  }
  return scores;
}
