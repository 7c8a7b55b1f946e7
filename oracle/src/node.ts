/**
 * The miner's main loop. Each round (run every pollMs, skipped while the head has not moved and
 * nothing settled): scan new JobRequested logs naming us (JobWatcher), verify every open job still
 * exists as seen (re-org safety; all reads at the round's head, batched), score new jobs (highest
 * fee first, up to maxJobsPerRound), write salt + score durably, then submit the commit batch and
 * the reveal batch (revealed once every member committed or the commit deadline passed) without
 * waiting for receipts. Each transaction's hash is journalled before it is broadcast; receipts are
 * tracked by the Chain and applied at the start of a later round, so a commit and a reveal of
 * different jobs go out in the same block. State lives in the JobStore, so a restart resumes
 * exactly where the journal says (a journalled transaction still in the mempool is followed, one
 * that landed is seen in getMember). One AbortSignal stops the loop between steps; transactions
 * already sent are waited for.
 */
import { randomBytes } from "node:crypto";
import { encodeAbiParameters, keccak256, type Hex, type TransactionReceipt } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { Logger } from "pino";
import { modelRegistryAbi, pohCoordinatorAbi } from "../../generated/abis.ts";
import { ConfigError, FatalError, PohError } from "./errors.ts";
import { sleep } from "./sleep.ts";
import type { Address, NodeConfig } from "./config/index.ts";
import { Chain, RevertError, type Submitted } from "./chain/index.ts";
import { submitFiltered } from "./batch.ts";
import { resolveContracts } from "./chain/contracts.ts";
import { JobWatcher, JobStatus, scoreJobs, verifyJob, type BlockHashCache, type JobScorer, type OnchainJob } from "./jobs/index.ts";
import { loadModelScorer } from "./jobs/scorer.ts";
import { loadAccount } from "./keys/index.ts";
import { MetricsServer, NodeMetrics } from "./metrics/index.ts";
import { JobStore, type JobRecord } from "./store/index.ts";

export type NodeOptions = NodeConfig;
export type NodeDeps = {
  logger: Logger;
  metrics: NodeMetrics;
  signal: AbortSignal;
  /** Overrides the model scorer (tests); default: parseTelemetry + the ONNX model at modelPath. */
  scorer?: JobScorer;
  /** Overrides the account (tests); default: from POH_PRIVATE_KEY or the keystore. */
  account?: PrivateKeyAccount;
};

/** keccak256(abi.encode(uint256 jobId, address miner, uint16 scoreBps, bytes32 salt)). */
export function commitment(jobId: bigint, miner: Address, scoreBps: number, salt: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "address" }, { type: "uint16" }, { type: "bytes32" }], [jobId, miner, scoreBps, salt]));
}

/**
 * Gas headroom per revealed job for settling it (quorum, payouts, slashing, emission work): a
 * settling reveal measured ~300k with cold storage on the devnet.
 */
const REVEAL_SETTLE_GAS = 320_000n;
/** Computed gas limits (POH_GAS_LIMIT_MODE=computed): the transaction's own cost beyond its jobs. */
const TX_BASE_GAS = 80_000n;
/**
 * Upper bound per committed job. A commitBatch of n measured ~58k + 67k x n on the devnet before
 * the coordinator's job ring, and ~0.38 x (80k + 90k x n) after it; the bound keeps a third over
 * the older, higher figure.
 */
const COMMIT_JOB_GAS = 90_000n;
/**
 * Blocks of margin a computed-gas batch needs before the job's commit or reveal deadline: the
 * transaction lands in the next block or the one after, and must still be in the window.
 */
const DEADLINE_MARGIN = 2n;

/** A revealBatchRoot score that leaves its entry out of the call (the coordinator's SKIP_SCORE). */
const SKIP_SCORE = 65534;
const ZERO_SALT: Hex = `0x${"00".repeat(32)}`;
/** Computed gas limits: each skipped entry of a revealBatchRoot (calldata, hashing, the loop). */
const REVEAL_SKIP_GAS = 5_000n;
/** Largest block range per eth_getLogs when looking up our Committed events (as the JobWatcher's). */
const LOG_RANGE = 2000n;

/**
 * A job as its JobRequested event describes it, in its request block: pending, nothing committed
 * or revealed. Fields the event does not carry (requester, quorum, callback gas, committee) are
 * left empty: only the round that scanned the event uses this, and only to score and commit.
 */
function asRequested(rec: JobRecord): OnchainJob {
  return {
    requester: "0x0000000000000000000000000000000000000000",
    modelId: rec.modelId,
    status: JobStatus.Pending,
    failure: 0,
    committeeSize: rec.committeeSize,
    quorum: 0,
    commitCount: 0,
    revealCount: 0,
    result: 0,
    verdict: false,
    requestBlock: rec.blockNumber,
    commitDeadline: rec.commitDeadline,
    revealDeadline: rec.revealDeadline,
    finalBlock: 0n,
    fee: rec.fee,
    inputHash: rec.inputHash,
    callbackGasLimit: 0,
    committee: [],
  };
}

type Member = { committed: boolean; revealed: boolean };
/** One of our commitBatchRoot calls as its Committed event records it; `id` is tx hash:log index. */
type CommittedBatch = { id: string; jobIds: readonly bigint[]; commitments: readonly Hex[] };
type Live = { rec: JobRecord; onchain: OnchainJob; member: Member | undefined };
type Flight = { kind: "commit" | "reveal"; hash: Hex };
type Settled = { kind: "commit" | "reveal"; keys: string[]; hash: Hex; receipt?: TransactionReceipt; error?: Error };

/** The miner node. `run()` resolves after a clean shutdown and rejects with a FatalError. */
export class MinerNode {
  private chain!: Chain;
  private store!: JobStore;
  private scorer!: JobScorer;
  private watcher!: JobWatcher;
  private server: MetricsServer | undefined;
  private readonly modelHashes = new Map<number, Hex>();
  private lastRoundOk = 0;
  /** Jobs with a commit or reveal broadcast and not yet settled, by job key. */
  private readonly flights = new Map<string, Flight>();
  /** Transactions that settled since the last round. */
  private readonly settled: Settled[] = [];
  /** The head the last complete round worked at; a round at the same head with nothing new is skipped. */
  private lastHead: bigint | undefined;
  private dirty = true;
  private adopted = false;
  /**
   * Jobs whose last commit or reveal failed (reverted on chain, ran out of gas, dropped): their
   * next transaction is estimated (and so filtered job by job) instead of sent with a computed limit.
   */
  private readonly estimateNext = new Set<string>();
  /** Jobs to reveal with revealBatch: committed through commit()/commitBatch() (WrongRevealPath). */
  private readonly legacyReveal = new Set<string>();
  /** The bound metrics port once started (0 when disabled). */
  metricsPort = 0;

  constructor(
    private options: NodeOptions,
    private readonly deps: NodeDeps,
  ) {}

  private get log(): Logger {
    return this.deps.logger;
  }

  async run(): Promise<void> {
    const { options, deps } = this;
    const account = deps.account ?? (await loadAccount(options));
    this.chain = new Chain(options, account, deps);
    const chainId = await this.untilReachable(() => this.chain.chainId());
    if (options.contracts.chainId !== undefined && options.contracts.chainId !== chainId) {
      throw new ConfigError(`POH_DEPLOYMENTS: the deployments file is for chain ${options.contracts.chainId} but POH_RPC_URL serves chain ${chainId}`);
    }
    if (!options.contracts.registry) {
      // POH_COORDINATOR alone: ask the coordinator for the rest.
      const resolved = await this.untilReachable(() => resolveContracts(this.chain, options.contracts));
      this.options.contracts = resolved;
      this.log.info({ registry: resolved.registry, staking: resolved.staking }, "contract addresses read from the coordinator");
    }
    this.scorer = deps.scorer ?? (await loadModelScorer(options.modelPath));
    try {
      await this.untilReachable(() => this.checkOwnModel());
      this.store = JobStore.open({ dataDir: options.dataDir, chainId, coordinator: options.contracts.coordinator, miner: account.address });
      if (this.store.repairedTornTail) this.log.warn({ path: this.store.path }, "store: dropped a torn last journal line");
      this.store.compact(this.pruneBelow());
      this.watcher = new JobWatcher(
        { coordinator: options.contracts.coordinator, startBlock: options.contracts.startBlock, confirmations: options.confirmations, reorgDepth: options.reorgDepth },
        { chain: this.chain, store: this.store, logger: deps.logger, metrics: deps.metrics },
      );
      if (options.metricsPort !== 0) {
        this.server = new MetricsServer({ host: options.metricsHost, port: options.metricsPort }, { metrics: deps.metrics, healthy: () => this.health() });
        this.metricsPort = await this.server.start();
      }
      const open = this.store.active();
      this.log.info(
        { miner: account.address, chainId, coordinator: options.contracts.coordinator, modelId: options.contracts.modelId, openJobs: open.length, cursor: this.store.cursor?.blockNumber.toString(), metricsPort: this.metricsPort },
        "miner started",
      );
      await this.loop();
    } finally {
      // Graceful shutdown: transactions already broadcast are seen through and recorded.
      if (this.chain.inflightCount > 0) {
        this.log.info({ transactions: this.chain.inflightCount }, "waiting for transactions in flight");
        await this.chain.drain(Math.min(Math.max(this.options.txStuckMs, 5000), 20_000));
      }
      if (this.store) {
        await new Promise((r) => setImmediate(r)); // let settled receipts queue their outcome
        this.applySettled();
      }
      await this.server?.stop();
      this.store?.close();
      await this.scorer.close();
      this.log.info("miner stopped; state kept");
    }
  }

  /**
   * Finished jobs requested this many blocks before the cursor are dropped at compaction; newer
   * ones stay so that a request re-included after a re-org reuses its salt and score.
   */
  private pruneBelow(): bigint {
    const cursor = this.store.cursor?.blockNumber ?? 0n;
    const keep = BigInt(Math.max(this.options.reorgDepth * 4, 10_000));
    return cursor > keep ? cursor - keep : 0n;
  }

  /** Start-up calls wait for the RPC (a laptop waking, a local node starting) instead of exiting. */
  private async untilReachable<T>(fn: () => Promise<T>): Promise<T> {
    for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        return await fn();
      } catch (error) {
        if (!(error instanceof PohError && error.retryable) || this.deps.signal.aborted) throw error;
        this.log.warn({ err: error.message, retryInMs: delay }, "RPC not reachable at start; waiting");
        await sleep(delay, this.deps.signal);
      }
    }
  }

  private health(): { ok: boolean; detail: Record<string, unknown> } {
    const age = Date.now() - this.lastRoundOk;
    const ok = this.lastRoundOk > 0 && age < Math.max(30_000, this.options.pollMs * 5);
    return { ok, detail: { lastRoundAgoMs: this.lastRoundOk ? age : null, openJobs: this.store?.active().length ?? 0 } };
  }

  private async loop(): Promise<void> {
    const { signal } = this.deps;
    while (!signal.aborted) {
      try {
        await this.round();
        this.lastRoundOk = Date.now();
      } catch (error) {
        if (error instanceof FatalError) throw error;
        if (error instanceof PohError && error.retryable) this.log.warn({ err: error.message }, "round failed; retrying");
        else this.log.error({ err: error instanceof Error ? error.message : String(error) }, "round failed");
      }
      if (this.store.shouldCompact) this.store.compact(this.pruneBelow());
      this.deps.metrics.jobsInFlight.set(this.store.activeCount);
      await sleep(this.options.pollMs, signal);
    }
  }

  /** The registry's sha256 for a model id (cached). */
  private async registryHash(modelId: number): Promise<Hex> {
    let h = this.modelHashes.get(modelId);
    if (!h) {
      const m = await this.chain.call("getModel", () =>
        this.chain.client.readContract({ address: this.options.contracts.registry!, abi: modelRegistryAbi, functionName: "getModel", args: [modelId] }),
      );
      h = m.sha256Hash.toLowerCase() as Hex;
      this.modelHashes.set(modelId, h);
    }
    return h;
  }

  private async checkOwnModel(): Promise<void> {
    const id = this.options.contracts.modelId;
    const want = await this.registryHash(id);
    if (want !== `0x${this.scorer.sha256}`) {
      throw new FatalError(`model mismatch: the registry's model ${id} has sha256 ${want.slice(2)} but ${this.options.modelPath} has ${this.scorer.sha256}; refusing to mine (install the registered model or set POH_MODEL)`);
    }
  }

  /** Whether this node can mine `modelId`: fatal for our own model id, skip for others. */
  private async canMine(modelId: number): Promise<boolean> {
    const want = await this.registryHash(modelId);
    if (want === `0x${this.scorer.sha256}`) return true;
    if (modelId === this.options.contracts.modelId) {
      throw new FatalError(`model mismatch for model ${modelId}: registry sha256 ${want.slice(2)}, local ${this.scorer.sha256}; refusing to mine`);
    }
    return false;
  }

  private done(rec: JobRecord, outcome: string): void {
    this.estimateNext.delete(rec.key);
    this.legacyReveal.delete(rec.key);
    this.store.update(rec.key, { phase: "done", outcome });
    rec.phase = "done";
  }

  /** Applies the outcomes of transactions that settled since the last round (in round order). */
  private applySettled(): void {
    const { metrics } = this.deps;
    for (const s of this.settled.splice(0)) {
      const mine = s.keys.filter((k) => this.flights.get(k)?.hash === s.hash);
      for (const k of mine) this.flights.delete(k);
      if (!s.receipt) {
        // Reverted on chain, dropped or never mined: the next round re-reads the chain and decides.
        const name = s.error instanceof RevertError ? s.error.errorName : undefined;
        for (const k of s.keys) this.estimateNext.add(k);
        this.log.warn({ kind: s.kind, tx: s.hash, error: name, err: name ? undefined : s.error?.message, jobs: s.keys.length }, `${s.kind} transaction failed; the next round decides again`);
        continue;
      }
      const tx = s.receipt.transactionHash;
      const patches: { key: string; patch: Partial<JobRecord> }[] = [];
      const done: JobRecord[] = [];
      // The receipt is authoritative for our own transaction, even when a round already saw its
      // effect in getMember and moved the job on.
      for (const key of s.keys) {
        this.estimateNext.delete(key);
        const rec = this.store.get(key);
        if (!rec) continue;
        if (s.kind === "commit") {
          patches.push({ key, patch: rec.phase === "prepared" ? { phase: "committed", commitTx: tx } : { commitTx: tx } });
          metrics.jobsCommitted.inc();
        } else {
          patches.push({ key, patch: rec.phase === "done" ? { revealTx: tx } : { phase: "done", revealTx: tx, outcome: "revealed" } });
          metrics.jobsRevealed.inc();
        }
        done.push(rec);
      }
      this.store.updateMany(patches);
      for (const rec of done) this.log.info({ jobId: rec.jobId.toString(), tx }, s.kind === "commit" ? "committed" : "revealed");
    }
  }

  /** Tracks a broadcast transaction for `keys`; its outcome is applied at the start of a round. */
  private follow(kind: "commit" | "reveal", keys: string[], tx: Submitted): void {
    for (const k of keys) this.flights.set(k, { kind, hash: tx.hash });
    tx.receipt.then(
      (receipt) => this.settled.push({ kind, keys, hash: tx.hash, receipt }),
      (error: unknown) => this.settled.push({ kind, keys, hash: tx.hash, error: error instanceof Error ? error : new Error(String(error)) }),
    ).finally(() => (this.dirty = true));
  }

  /**
   * After a restart: a commit or reveal journalled as signed but not known to be mined is followed
   * if it still waits in the mempool, instead of being sent again. One that is unknown or already
   * mined is left to the chain's state (getMember) in the round.
   */
  private async adoptJournalled(): Promise<void> {
    const byHash = new Map<Hex, { kind: "commit" | "reveal"; keys: string[] }>();
    for (const rec of this.store.active()) {
      const kind = rec.phase === "prepared" ? "commit" : rec.phase === "committed" ? "reveal" : undefined;
      const hash = kind === "commit" ? rec.commitTx : kind === "reveal" ? rec.revealTx : undefined;
      if (!kind || !hash) continue;
      const entry = byHash.get(hash) ?? { kind, keys: [] };
      entry.keys.push(rec.key);
      byHash.set(hash, entry);
    }
    for (const [hash, { kind, keys }] of byHash) {
      const tx = await this.chain.adopt(kind, hash);
      if (tx) this.follow(kind, keys, tx);
    }
  }

  /** One round of watching, scoring, committing and revealing; a no-op while nothing changed. */
  async round(): Promise<void> {
    const { signal, metrics } = this.deps;
    const coordinator = this.options.contracts.coordinator;
    const me = this.chain.address;
    this.applySettled();
    const latest = await this.chain.head();
    if (latest === this.lastHead && !this.dirty) return;
    this.dirty = false;
    const t0 = performance.now();
    const marks: Record<string, number> = {};
    const mark = (name: string) => (marks[name] = Math.round(performance.now() - t0));
    if (!this.adopted) {
      await this.adoptJournalled();
      this.adopted = true;
    }
    // Catch up the scan (several ranges when backfilling).
    let head = latest;
    for (let first = true; ; first = false) {
      const before = this.store.cursor?.blockNumber;
      const r = await this.watcher.poll(first ? latest : undefined);
      head = r.head;
      const after = this.store.cursor?.blockNumber;
      if (signal.aborted || after === before || after === undefined || after >= head - BigInt(this.options.confirmations)) break;
    }

    mark("scan");
    // Fetching and scoring new jobs starts now, beside the verification reads; only jobs that
    // pass verification use the scores (and nothing is committed before verification).
    const prescoring = this.prescore(head);
    // Verify every open job (all reads at `head`, in one JSON-RPC batch); a job whose request
    // block is gone is dropped and never acted on.
    const hashes: BlockHashCache = new Map();
    // A job with a transaction in flight waits for that receipt (a failure makes the next round
    // read it again), so it costs no reads meanwhile.
    // A job this round's scan found in the head block itself (the scan checked that block's hash
    // this round) needs no read: at the head it is as its JobRequested event says (pending, the
    // event's deadlines; enough to score and commit). Only with POH_CONFIRMATIONS=0 is the
    // scanned tip the head; every later round reads the job like any other.
    const tip = this.store.cursor;
    const fresh = (rec: JobRecord) => rec.phase === "seen" && tip !== undefined && tip.blockNumber === head && rec.blockNumber === head && rec.blockHash === tip.blockHash;
    const checked = await Promise.all(
      this.store
        .active()
        .filter((rec) => !this.flights.has(rec.key))
        .map(async (rec) => ({ rec, onchain: fresh(rec) ? asRequested(rec) : await verifyJob(this.chain, coordinator, rec, head, hashes) })),
    );
    const fromScan = checked.filter(({ rec }) => fresh(rec)).length;
    const live: Live[] = [];
    for (const { rec, onchain } of checked) {
      if (!onchain) {
        this.log.warn({ jobId: rec.jobId.toString(), block: rec.blockNumber.toString(), phase: rec.phase }, "job's request block was re-organised away; dropping it");
        metrics.jobsDropped.inc();
        this.done(rec, "dropped");
        continue;
      }
      if (onchain.status !== JobStatus.Pending && rec.phase !== "committed") {
        if (rec.phase === "seen" || rec.phase === "prepared") metrics.jobsMissed.inc({ phase: "commit" });
        this.done(rec, rec.phase === "revealed" ? "revealed" : "ended");
        continue;
      }
      live.push({ rec, onchain, member: undefined });
    }
    if (signal.aborted) return;
    mark("verify");

    // Commit jobs prepared in earlier rounds still in their commit window. One whose commit
    // already landed (a restart) is found by the commit's AlreadyCommitted revert; nothing is sent.
    const toCommit: Live[] = [];
    for (const l of live.filter((x) => x.rec.phase === "prepared")) {
      if (head >= l.rec.commitDeadline) {
        metrics.jobsMissed.inc({ phase: "commit" });
        this.done(l.rec, "missed-commit");
      } else toCommit.push(l);
    }

    // Reveal once the commit phase is over (deadline passed, or every member committed). The
    // others (still waiting, or ended) are checked against getMember below.
    const toReveal: Live[] = [];
    const toCheck: Live[] = [];
    for (const l of live.filter((x) => x.rec.phase === "committed")) {
      const { onchain } = l;
      if (onchain.status !== JobStatus.Pending) toCheck.push(l);
      else if (head >= onchain.revealDeadline) {
        this.log.error({ jobId: l.rec.jobId.toString() }, "reveal window passed; missed");
        metrics.jobsMissed.inc({ phase: "reveal" });
        this.done(l.rec, "missed-reveal");
      } else if (head >= onchain.commitDeadline || onchain.commitCount === onchain.committeeSize) toReveal.push(l);
      else toCheck.push(l);
    }
    // Reveals go out first (they finish jobs); the rest is checked and new jobs are scored
    // meanwhile, then committed. Neither waits for the other's receipt.
    const revealing = (toReveal.length > 0 ? this.reveal(toReveal.slice(0, this.options.maxJobsPerRound), head) : Promise.resolve()).then(
      () => undefined,
      (error: unknown) => error,
    );
    const members = await Promise.all(toCheck.map((l) => this.member(l.rec.jobId, me, head)));
    toCheck.forEach((l, i) => {
      const member = members[i];
      if (!member) return; // getMember failed: next round
      if (member.revealed) this.done(l.rec, "revealed");
      else if (l.onchain.status !== JobStatus.Pending) {
        this.log.warn({ jobId: l.rec.jobId.toString(), status: l.onchain.status }, "job ended before we revealed");
        metrics.jobsMissed.inc({ phase: "reveal" });
        this.done(l.rec, "ended-unrevealed");
      } else if (!member.committed) {
        // Our commit was re-organised away while the job survived: commit again if still possible.
        this.log.warn({ jobId: l.rec.jobId.toString() }, "our commit is no longer on chain");
        this.store.update(l.rec.key, { phase: "prepared" });
        l.rec.phase = "prepared";
        if (head < l.rec.commitDeadline) toCommit.push(l);
      }
    });
    // Score new jobs: highest fee first, up to the round's capacity.
    const seen: Live[] = [];
    for (const l of live.filter((x) => x.rec.phase === "seen")) {
      if (head >= l.rec.commitDeadline) {
        this.log.warn({ jobId: l.rec.jobId.toString() }, "commit window passed before we scored; missed");
        metrics.jobsMissed.inc({ phase: "commit" });
        this.done(l.rec, "missed-commit");
      } else if (!(await this.canMine(l.rec.modelId))) {
        this.log.warn({ jobId: l.rec.jobId.toString(), modelId: l.rec.modelId }, "job names a model we do not have; skipping");
        metrics.jobsSkipped.inc();
        this.done(l.rec, "skipped-model");
      } else seen.push(l);
    }
    seen.sort((a, b) => (b.rec.fee > a.rec.fee ? 1 : b.rec.fee < a.rec.fee ? -1 : Number(a.rec.commitDeadline - b.rec.commitDeadline)));
    const batch = seen.slice(0, this.options.maxJobsPerRound);
    if (seen.length > batch.length) {
      this.log.info({ waiting: seen.length - batch.length }, "more jobs than capacity; serving the highest fees first");
      this.dirty = true; // the rest next round, without waiting for a block
    }
    if (batch.length > 0) {
      // The same request re-included in another block after a re-org is the same job: reuse the
      // earlier salt and score, so a commit re-included with it can still be revealed.
      const earlier = new Map<string, { score: number; salt: Hex }>();
      for (const r of this.store.all()) {
        if (r.salt !== undefined && r.score !== undefined) earlier.set(`${r.jobId}:${r.inputHash.toLowerCase()}`, { score: r.score, salt: r.salt });
      }
      const reuse = (l: Live) => earlier.get(`${l.rec.jobId}:${l.rec.inputHash.toLowerCase()}`);
      const pre = await prescoring;
      if (pre.error !== undefined) throw pre.error;
      const fresh = batch.filter((l) => !reuse(l) && !pre.scores.has(l.rec.key));
      const scores = fresh.length > 0 ? await this.scoreRecords(fresh.map((l) => l.rec)) : new Map<string, number>();
      for (const [k, v] of pre.scores) scores.set(k, v);
      const prepared = batch.map((l) => {
        const prior = reuse(l);
        return { l, prior, patch: { phase: "prepared" as const, score: prior?.score ?? scores.get(l.rec.key)!, salt: prior?.salt ?? (`0x${randomBytes(32).toString("hex")}` as Hex) } };
      });
      // Durable before the commit is sent (one fsync for the batch): a restart reveals exactly this.
      this.store.updateMany(prepared.map(({ l, patch }) => ({ key: l.rec.key, patch })));
      for (const { l, prior, patch } of prepared) {
        Object.assign(l.rec, patch);
        toCommit.push(l);
        this.log.info({ jobId: l.rec.jobId.toString(), score: patch.score, reused: prior !== undefined }, "scored");
      }
    }
    mark("score");

    const committing = toCommit.length > 0 && !signal.aborted ? this.commit(toCommit.slice(0, this.options.maxJobsPerRound), me, head) : undefined;
    const [revealError] = await Promise.all([revealing, committing]);
    if (revealError !== undefined) throw revealError;
    mark("send");
    this.lastHead = latest;
    this.log.debug({ head: head.toString(), ms: marks, read: checked.length - fromScan, fromScan, members: toCheck.length, commits: toCommit.length, reveals: toReveal.length }, "round");
  }

  private scoreRecords(recs: JobRecord[]): Promise<Map<string, number>> {
    const { signal } = this.deps;
    const fetchOptions = { timeoutMs: this.options.fetchTimeoutMs, maxRedirects: this.options.maxRedirects, allowPrivateAddresses: this.options.fetchAllowPrivate, signal, concurrency: 16 };
    return scoreJobs(recs, this.scorer, fetchOptions, this.deps);
  }

  /**
   * Scores the jobs this round will most likely serve (new, in their window, highest fee first,
   * not scored before), without waiting for verification. Never rejects: an error is returned.
   */
  private async prescore(head: bigint): Promise<{ scores: Map<string, number>; error?: unknown }> {
    try {
      const seen = this.store.active().filter((r) => r.phase === "seen" && head < r.commitDeadline);
      if (seen.length === 0) return { scores: new Map() };
      // A job scored before (the same request re-included after a re-org) reuses that score.
      const scored = new Set(this.store.all().filter((r) => r.score !== undefined).map((r) => `${r.jobId}:${r.inputHash.toLowerCase()}`));
      const candidates = seen
        .filter((r) => !scored.has(`${r.jobId}:${r.inputHash.toLowerCase()}`))
        .sort((a, b) => (b.fee > a.fee ? 1 : b.fee < a.fee ? -1 : Number(a.commitDeadline - b.commitDeadline)))
        .slice(0, this.options.maxJobsPerRound);
      const mineable: JobRecord[] = [];
      for (const r of candidates) if (this.modelHashes.get(r.modelId) === `0x${this.scorer.sha256}`) mineable.push(r);
      return { scores: mineable.length > 0 ? await this.scoreRecords(mineable) : new Map() };
    } catch (error) {
      return { scores: new Map(), error };
    }
  }

  /** This miner's flags for a job at `blockNumber`; undefined when the call reverts (no such job). */
  private async member(jobId: bigint, me: Address, blockNumber?: bigint): Promise<{ committed: boolean; revealed: boolean } | undefined> {
    try {
      const [, committed, revealed] = await this.chain.call("getMember", () =>
        this.chain.client.readContract({ address: this.options.contracts.coordinator, abi: pohCoordinatorAbi, functionName: "getMember", args: [jobId, me], blockNumber }),
      );
      return { committed, revealed };
    } catch (error) {
      if (error instanceof RevertError) return undefined;
      throw error;
    }
  }

  /**
   * Whether a batch may go out with a computed gas limit instead of eth_estimateGas: the mode is
   * "computed", the limit fits POH_GAS_LIMIT_CAP, and this round's reads at `head` show that every
   * job's call cannot revert when mined in the next blocks: the job is pending and well inside the
   * phase's window, this is our first transaction for it (nothing journalled from before a restart
   * or a re-org, which might have landed already), and its last transaction did not fail. Anything
   * else is estimated, which decodes a revert without sending and filters the batch job by job.
   */
  private computedGas(kind: "commit" | "reveal", jobs: Live[], head: bigint, limit: bigint): bigint | undefined {
    if (this.options.gasLimitMode !== "computed" || limit > this.options.gasLimitCap) return undefined;
    for (const { rec, onchain } of jobs) {
      if (this.estimateNext.has(rec.key) || onchain.status !== JobStatus.Pending) return undefined;
      if (kind === "commit" && (rec.commitTx !== undefined || head + DEADLINE_MARGIN >= onchain.commitDeadline)) return undefined;
      if (kind === "reveal") {
        if (rec.revealTx !== undefined || head + DEADLINE_MARGIN >= onchain.revealDeadline) return undefined;
        if (head < onchain.commitDeadline && onchain.commitCount !== onchain.committeeSize) return undefined;
      }
    }
    return limit;
  }

  /**
   * Every commit goes out as commitBatchRoot (a single job too: one rule, the cheaper storage),
   * so every job this node commits is revealed with revealBatchRoot (see reveal()).
   */
  private async commit(jobs: Live[], me: Address, head: bigint): Promise<void> {
    const address = this.options.contracts.coordinator;
    // Only the first attempt may use a computed limit; the filter's retries are estimated.
    let computed = this.computedGas("commit", jobs, head, TX_BASE_GAS + COMMIT_JOB_GAS * BigInt(jobs.length));
    const submit = (group: Live[]): Promise<Submitted> => {
      const gas = computed;
      computed = undefined;
      const ids = group.map((l) => l.rec.jobId);
      const commitments = group.map((l) => commitment(l.rec.jobId, me, l.rec.score!, l.rec.salt!));
      // The hash and nonce are journalled before the broadcast: after a crash the node follows
      // this transaction instead of committing again.
      const onSigned = (hash: Hex, nonce: number) => this.store.updateMany(group.map((l) => ({ key: l.rec.key, patch: { commitTx: hash, commitNonce: nonce } })));
      return this.chain.submit("commitBatchRoot", { address, abi: pohCoordinatorAbi, functionName: "commitBatchRoot", args: [ids, commitments] }, { onSigned, gas });
    };
    const check = (l: Live) =>
      this.chain.simulate("commitBatchRoot", {
        address,
        abi: pohCoordinatorAbi,
        functionName: "commitBatchRoot",
        args: [[l.rec.jobId], [commitment(l.rec.jobId, me, l.rec.score!, l.rec.salt!)]],
      });
    await this.sendGroup("commit", jobs, submit, check);
  }

  /**
   * Our Committed events (from the earliest request block among `jobs` to `head`, in ranges of
   * LOG_RANGE blocks): for each job, the last committed batch holding its job id with our
   * commitment for it, and the job's index in it. The chain, not the journal, says which batch
   * a job is in, so restarts, re-orgs and fee-bumped replacements need no bookkeeping.
   */
  private async committedBatches(jobs: Live[], me: Address, head: bigint): Promise<Map<string, { batch: CommittedBatch; index: number }>> {
    const found = new Map<string, { batch: CommittedBatch; index: number }>();
    if (jobs.length === 0) return found;
    const from = jobs.reduce((m, l) => (l.rec.blockNumber < m ? l.rec.blockNumber : m), jobs[0]!.rec.blockNumber);
    const ranges: { from: bigint; to: bigint }[] = [];
    for (let f = from; f <= head; f += LOG_RANGE) ranges.push({ from: f, to: f + LOG_RANGE - 1n > head ? head : f + LOG_RANGE - 1n });
    const chunks = await Promise.all(
      ranges.map((r) =>
        this.chain.call("eth_getLogs", () =>
          this.chain.client.getContractEvents({ address: this.options.contracts.coordinator, abi: pohCoordinatorAbi, eventName: "Committed", args: { miner: me }, fromBlock: r.from, toBlock: r.to, strict: true }),
        ),
      ),
    );
    const want = new Map(jobs.map((l) => [l.rec.jobId, l]));
    for (const log of chunks.flat()) {
      const batch: CommittedBatch = { id: `${log.transactionHash}:${log.logIndex}`, jobIds: log.args.jobIds, commitments: log.args.commitments };
      batch.jobIds.forEach((jobId, index) => {
        const l = want.get(jobId);
        // Logs come in chain order: a later batch with our commitment replaces an earlier one.
        if (l && batch.commitments[index]?.toLowerCase() === commitment(jobId, me, l.rec.score!, l.rec.salt!).toLowerCase()) found.set(l.rec.key, { batch, index });
      });
    }
    return found;
  }

  private async reveal(jobs: Live[], head: bigint): Promise<void> {
    // Our reveal may turn out to be a job's last one (others' reveals land first in the same
    // block) and then settles the job and calls the consumer back: gas the estimate cannot see.
    // Each revealed job gets that headroom (skipped entries none), and batches are split to fit
    // POH_GAS_LIMIT_CAP.
    const budget = (l: Live) => REVEAL_SETTLE_GAS + (BigInt(l.onchain.callbackGasLimit ?? 0) * 64n) / 63n;
    const me = this.chain.address;
    // Jobs committed with commitBatchRoot are revealed with revealBatchRoot, one call per
    // committed batch (the batch's other entries skipped). A job committed through commit() or
    // commitBatch() (an older node version: WrongRevealPath), or whose Committed event is not
    // found, is revealed with revealBatch.
    const found = await this.committedBatches(jobs.filter((l) => !this.legacyReveal.has(l.rec.key)), me, head);
    const groups = new Map<string, { batch: CommittedBatch | undefined; jobs: Live[] }>();
    for (const l of jobs) {
      const f = found.get(l.rec.key);
      const id = f?.batch.id ?? "legacy";
      const g = groups.get(id) ?? { batch: f?.batch, jobs: [] };
      g.jobs.push(l);
      groups.set(id, g);
    }
    const chunks: { batch: CommittedBatch | undefined; jobs: Live[] }[] = [];
    for (const { batch, jobs: members } of groups.values()) {
      let current: Live[] = [];
      let sum = TX_BASE_GAS;
      for (const l of members) {
        const b = budget(l);
        if (current.length > 0 && sum + b > this.options.gasLimitCap) {
          chunks.push({ batch, jobs: current });
          current = [];
          sum = TX_BASE_GAS;
        }
        current.push(l);
        sum += b;
      }
      if (current.length > 0) chunks.push({ batch, jobs: current });
    }
    const index = (l: Live) => found.get(l.rec.key)!.index;
    await Promise.all(chunks.map(({ batch, jobs: chunk }) => this.revealChunk(chunk, budget, head, batch && { batch, index })));
  }

  private async revealChunk(jobs: Live[], budget: (l: Live) => bigint, head: bigint, root?: { batch: CommittedBatch; index: (l: Live) => number }): Promise<void> {
    const address = this.options.contracts.coordinator;
    // The same per-job budget as the estimate's floor, as the whole limit (first attempt only).
    const skipped = root ? BigInt(root.batch.jobIds.length - jobs.length) : 0n;
    let computed = this.computedGas("reveal", jobs, head, jobs.reduce((a, l) => a + budget(l), TX_BASE_GAS + REVEAL_SKIP_GAS * skipped));
    // revealBatchRoot over the whole committed batch, revealing only `group`'s entries.
    const rootCall = (group: Live[]) => {
      const { jobIds, commitments } = root!.batch;
      const scores: number[] = jobIds.map(() => SKIP_SCORE);
      const salts: Hex[] = jobIds.map(() => ZERO_SALT);
      for (const l of group) {
        scores[root!.index(l)] = l.rec.score!;
        salts[root!.index(l)] = l.rec.salt!;
      }
      return { address, abi: pohCoordinatorAbi, functionName: "revealBatchRoot", args: [jobIds, commitments, scores, salts] } as const;
    };
    const submit = (group: Live[]): Promise<Submitted> => {
      const gas = computed;
      computed = undefined;
      const minGas = group.reduce((a, l) => a + budget(l), 0n);
      const onSigned = (hash: Hex, nonce: number) => this.store.updateMany(group.map((l) => ({ key: l.rec.key, patch: { revealTx: hash, revealNonce: nonce } })));
      if (root) return this.chain.submit("revealBatchRoot", rootCall(group), { onSigned, minGas, gas });
      const ids = group.map((l) => l.rec.jobId);
      const scores = group.map((l) => l.rec.score!);
      const salts = group.map((l) => l.rec.salt!);
      return group.length === 1
        ? this.chain.submit("reveal", { address, abi: pohCoordinatorAbi, functionName: "reveal", args: [ids[0]!, scores[0]!, salts[0]!] }, { onSigned, minGas, gas })
        : this.chain.submit("revealBatch", { address, abi: pohCoordinatorAbi, functionName: "revealBatch", args: [ids, scores, salts] }, { onSigned, minGas, gas });
    };
    const check = (l: Live) =>
      root
        ? this.chain.simulate("revealBatchRoot", rootCall([l]))
        : this.chain.simulate("reveal", { address, abi: pohCoordinatorAbi, functionName: "reveal", args: [l.rec.jobId, l.rec.score!, l.rec.salt!] });
    await this.sendGroup("reveal", jobs, submit, check, root !== undefined);
  }

  /**
   * Submits one batch (see submitFiltered: a batch that would revert is filtered job by job and
   * the passing jobs go out as one batch again). Sent transactions are followed, not awaited;
   * jobs that would revert stay as they are for the next round to decide.
   */
  private async sendGroup(kind: "commit" | "reveal", jobs: Live[], submit: (group: Live[]) => Promise<Submitted>, check: (l: Live) => Promise<RevertError | null>, viaRoot = false): Promise<void> {
    const result = await submitFiltered(jobs, submit, check, { what: kind, id: (l) => l.rec.jobId.toString(), logger: this.log, signal: this.deps.signal });
    for (const { group, tx } of result.sent) this.follow(kind, group.map((l) => l.rec.key), tx);
    // A revert that tells where the job stands moves it on; any other is decided next round. A
    // commit refused for another reason (e.g. CommitPhaseOver once every member committed) may
    // still be ours on chain from before a restart: getMember says.
    const me = this.chain.address;
    const members = await Promise.all(
      result.rejected.map(({ item: l, error }) => (kind === "commit" && error.errorName !== "AlreadyCommitted" ? this.member(l.rec.jobId, me).catch(() => undefined) : undefined)),
    );
    result.rejected.forEach(({ item: l, error }, i) => {
      const jobId = l.rec.jobId.toString();
      if (kind === "commit" && (error.errorName === "AlreadyCommitted" || members[i]?.committed)) {
        this.log.info({ jobId }, "our commit is already on chain");
        this.store.update(l.rec.key, { phase: "committed" });
        this.dirty = true;
      } else if (kind === "reveal" && error.errorName === "AlreadyRevealed") {
        this.done(l.rec, "revealed");
      } else if (kind === "reveal" && error.errorName === "WrongRevealPath") {
        // Committed on the other path (revealBatchRoot for commitBatchRoot, revealBatch for the
        // rest): the next round reveals it the other way.
        this.log.info({ jobId, viaRoot }, "job was committed on the other reveal path; switching");
        if (viaRoot) this.legacyReveal.add(l.rec.key);
        else this.legacyReveal.delete(l.rec.key);
        this.dirty = true;
      } else if (kind === "reveal" && error.errorName === "NotCommitted") {
        this.log.warn({ jobId }, "our commit is no longer on chain");
        this.store.update(l.rec.key, { phase: "prepared" });
        this.dirty = true;
      }
    });
  }
}
