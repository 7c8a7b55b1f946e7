/**
 * The miner's main loop. Each round: scan new JobRequested logs naming us (JobWatcher), verify
 * every open job still exists as seen (re-org safety), score new jobs (highest fee first, up to
 * maxJobsPerRound), write salt + score durably, commit (commitBatch when several), and reveal
 * (revealBatch) once the commit phase is over. State lives in the JobStore, so a restart resumes
 * exactly where the journal says. One AbortSignal stops the loop between steps; a transaction
 * already sent is waited for.
 */
import { randomBytes } from "node:crypto";
import { encodeAbiParameters, keccak256, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { Logger } from "pino";
import { modelRegistryAbi, pohCoordinatorAbi } from "../../generated/abis.ts";
import { ConfigError, FatalError, PohError } from "./errors.ts";
import type { Address, NodeConfig } from "./config/index.ts";
import { Chain, RevertError } from "./chain/index.ts";
import { resolveContracts } from "./chain/contracts.ts";
import { JobWatcher, JobStatus, scoreJobs, verifyJob, type JobScorer, type OnchainJob } from "./jobs/index.ts";
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

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((res) => {
    if (signal.aborted) return res();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      res();
    }
    signal.addEventListener("abort", done, { once: true });
  });

type Live = { rec: JobRecord; onchain: OnchainJob };

/** The miner node. `run()` resolves after a clean shutdown and rejects with a FatalError. */
export class MinerNode {
  private chain!: Chain;
  private store!: JobStore;
  private scorer!: JobScorer;
  private watcher!: JobWatcher;
  private server: MetricsServer | undefined;
  private readonly modelHashes = new Map<number, Hex>();
  private lastRoundOk = 0;
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
      this.deps.metrics.jobsInFlight.set(this.store.active().length);
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
    this.store.update(rec.key, { phase: "done", outcome });
    rec.phase = "done";
  }

  /** One round of watching, scoring, committing and revealing. */
  async round(): Promise<void> {
    const { signal, metrics } = this.deps;
    const coordinator = this.options.contracts.coordinator;
    const me = this.chain.address;
    // Catch up the scan (several ranges when backfilling).
    let head: bigint;
    for (;;) {
      const before = this.store.cursor?.blockNumber;
      const r = await this.watcher.poll();
      head = r.head;
      const after = this.store.cursor?.blockNumber;
      if (signal.aborted || after === before || after === undefined || after >= head - BigInt(this.options.confirmations)) break;
    }

    // Verify every open job; a job whose request block is gone is dropped and never acted on.
    const live: Live[] = [];
    for (const rec of this.store.active()) {
      const onchain = await verifyJob(this.chain, coordinator, rec, head);
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
      live.push({ rec, onchain });
    }
    if (signal.aborted) return;

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
    if (seen.length > batch.length) this.log.info({ waiting: seen.length - batch.length }, "more jobs than capacity; serving the highest fees first");
    if (batch.length > 0) {
      // The same request re-included in another block after a re-org is the same job: reuse the
      // earlier salt and score, so a commit re-included with it can still be revealed.
      const earlier = new Map<string, { score: number; salt: Hex }>();
      for (const r of this.store.all()) {
        if (r.salt !== undefined && r.score !== undefined) earlier.set(`${r.jobId}:${r.inputHash.toLowerCase()}`, { score: r.score, salt: r.salt });
      }
      const reuse = (l: Live) => earlier.get(`${l.rec.jobId}:${l.rec.inputHash.toLowerCase()}`);
      const fresh = batch.filter((l) => !reuse(l));
      const scores = fresh.length > 0 ? await scoreJobs(fresh.map((l) => l.rec), this.scorer, { timeoutMs: this.options.fetchTimeoutMs, maxRedirects: this.options.maxRedirects, signal }, this.deps) : new Map<string, number>();
      for (const l of batch) {
        const prior = reuse(l);
        const score = prior?.score ?? scores.get(l.rec.key)!;
        const salt = prior?.salt ?? (`0x${randomBytes(32).toString("hex")}` as Hex);
        // Durable before the commit is sent: a restart reveals exactly this.
        Object.assign(l.rec, this.store.update(l.rec.key, { phase: "prepared", score, salt }));
        this.log.info({ jobId: l.rec.jobId.toString(), score, reused: prior !== undefined }, "scored");
      }
    }
    if (signal.aborted) return;

    // Commit prepared jobs still in their commit window.
    const toCommit: Live[] = [];
    for (const l of live.filter((x) => x.rec.phase === "prepared")) {
      const member = await this.member(l.rec.jobId, me);
      if (member.committed) {
        this.store.update(l.rec.key, { phase: "committed" });
        l.rec.phase = "committed";
      } else if (head >= l.rec.commitDeadline) {
        metrics.jobsMissed.inc({ phase: "commit" });
        this.done(l.rec, "missed-commit");
      } else toCommit.push(l);
    }
    if (toCommit.length > 0) await this.commit(toCommit.slice(0, this.options.maxJobsPerRound), me);
    if (signal.aborted) return;

    // Reveal once the commit phase is over (deadline passed, or every member committed).
    const toReveal: Live[] = [];
    const afterCommit = toCommit.length > 0 ? await this.chain.call("eth_blockNumber", () => this.chain.client.getBlockNumber({ cacheTime: 0 })) : head;
    for (const l of live.filter((x) => x.rec.phase === "committed")) {
      const onchain = toCommit.includes(l) ? await verifyJob(this.chain, coordinator, l.rec) : l.onchain;
      if (!onchain) continue; // next round drops it
      const member = await this.member(l.rec.jobId, me);
      if (member.revealed) {
        this.done(l.rec, "revealed");
      } else if (onchain.status !== JobStatus.Pending) {
        this.log.warn({ jobId: l.rec.jobId.toString(), status: onchain.status }, "job ended before we revealed");
        metrics.jobsMissed.inc({ phase: "reveal" });
        this.done(l.rec, "ended-unrevealed");
      } else if (!member.committed) {
        // Our commit was re-organised away while the job survived: commit again if still possible.
        this.log.warn({ jobId: l.rec.jobId.toString() }, "our commit is no longer on chain");
        this.store.update(l.rec.key, { phase: "prepared" });
      } else if (afterCommit >= onchain.revealDeadline) {
        this.log.error({ jobId: l.rec.jobId.toString() }, "reveal window passed; missed");
        metrics.jobsMissed.inc({ phase: "reveal" });
        this.done(l.rec, "missed-reveal");
      } else if (afterCommit >= onchain.commitDeadline || onchain.commitCount === onchain.committeeSize) {
        toReveal.push({ rec: l.rec, onchain });
      }
    }
    if (toReveal.length > 0) await this.reveal(toReveal.slice(0, this.options.maxJobsPerRound));
  }

  private async member(jobId: bigint, me: Address): Promise<{ committed: boolean; revealed: boolean }> {
    const [, committed, revealed] = await this.chain.call("getMember", () =>
      this.chain.client.readContract({ address: this.options.contracts.coordinator, abi: pohCoordinatorAbi, functionName: "getMember", args: [jobId, me] }),
    );
    return { committed, revealed };
  }

  private async commit(jobs: Live[], me: Address): Promise<void> {
    const address = this.options.contracts.coordinator;
    const send = async (group: Live[]): Promise<void> => {
      const ids = group.map((l) => l.rec.jobId);
      const commitments = group.map((l) => commitment(l.rec.jobId, me, l.rec.score!, l.rec.salt!));
      const receipt =
        group.length === 1
          ? await this.chain.send("commit", { address, abi: pohCoordinatorAbi, functionName: "commit", args: [ids[0]!, commitments[0]!] })
          : await this.chain.send("commitBatch", { address, abi: pohCoordinatorAbi, functionName: "commitBatch", args: [ids, commitments] });
      for (const l of group) {
        this.store.update(l.rec.key, { phase: "committed", commitTx: receipt.transactionHash });
        l.rec.phase = "committed";
        this.deps.metrics.jobsCommitted.inc();
        this.log.info({ jobId: l.rec.jobId.toString(), tx: receipt.transactionHash }, "committed");
      }
    };
    const check = (l: Live) =>
      this.chain.simulate("commit", { address, abi: pohCoordinatorAbi, functionName: "commit", args: [l.rec.jobId, commitment(l.rec.jobId, me, l.rec.score!, l.rec.salt!)] });
    await this.sendGroup(jobs, send, "commit", check);
  }

  private async reveal(jobs: Live[]): Promise<void> {
    const address = this.options.contracts.coordinator;
    const send = async (group: Live[]): Promise<void> => {
      const ids = group.map((l) => l.rec.jobId);
      const scores = group.map((l) => l.rec.score!);
      const salts = group.map((l) => l.rec.salt!);
      const receipt =
        group.length === 1
          ? await this.chain.send("reveal", { address, abi: pohCoordinatorAbi, functionName: "reveal", args: [ids[0]!, scores[0]!, salts[0]!] })
          : await this.chain.send("revealBatch", { address, abi: pohCoordinatorAbi, functionName: "revealBatch", args: [ids, scores, salts] });
      for (const l of group) {
        this.store.update(l.rec.key, { phase: "done", revealTx: receipt.transactionHash, outcome: "revealed" });
        l.rec.phase = "done";
        this.deps.metrics.jobsRevealed.inc();
        this.log.info({ jobId: l.rec.jobId.toString(), tx: receipt.transactionHash }, "revealed");
      }
    };
    const check = (l: Live) =>
      this.chain.simulate("reveal", { address, abi: pohCoordinatorAbi, functionName: "reveal", args: [l.rec.jobId, l.rec.score!, l.rec.salt!] });
    await this.sendGroup(jobs, send, "reveal", check);
  }

  /**
   * Sends one batch. If the batch would revert (a batch is all-or-nothing), each job is simulated
   * on its own (eth_call, no gas) and the ones that pass go out together as one batch again; only
   * if that still reverts does it fall back to one transaction per job.
   */
  private async sendGroup(
    jobs: Live[],
    send: (group: Live[]) => Promise<void>,
    what: string,
    check: (l: Live) => Promise<RevertError | null>,
  ): Promise<void> {
    try {
      await send(jobs);
      return;
    } catch (error) {
      if (!(error instanceof RevertError) || jobs.length === 1) {
        if (error instanceof RevertError) this.log.warn({ jobId: jobs[0]!.rec.jobId.toString(), error: error.errorName }, `${what} reverted`);
        if (error instanceof RevertError) return; // the next round re-reads the chain and decides
        throw error;
      }
      this.log.warn({ error: error.errorName, jobs: jobs.length }, `${what} batch would revert; checking jobs one by one`);
    }
    const passing: Live[] = [];
    for (const l of jobs) {
      if (this.deps.signal.aborted) return;
      const revert = await check(l);
      if (revert) this.log.warn({ jobId: l.rec.jobId.toString(), error: revert.errorName }, `${what} would revert; left for the next round`);
      else passing.push(l);
    }
    if (passing.length === 0) return;
    if (passing.length > 1 && passing.length < jobs.length) {
      try {
        await send(passing);
        return;
      } catch (error) {
        if (!(error instanceof RevertError)) throw error;
        this.log.warn({ error: error.errorName, jobs: passing.length }, `${what} batch still reverts; sending one by one`);
      }
    }
    for (const l of passing) {
      if (this.deps.signal.aborted) return;
      try {
        await send([l]);
      } catch (error) {
        if (error instanceof RevertError) this.log.warn({ jobId: l.rec.jobId.toString(), error: error.errorName }, `${what} reverted`);
        else throw error;
      }
    }
  }
}
