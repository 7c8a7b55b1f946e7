/**
 * The integrator's server-side client: validate a session's telemetry, store it where miners can
 * fetch it, ask the coordinator for a verdict (paying the fee) and wait for the result.
 *
 *   const poh = createPohClient({ rpcUrl, privateKey, coordinator, store: "http://127.0.0.1:44001" });
 *   const { jobId, scoreBps, verdict, txHashes } = await poh.requestVerification(telemetry);
 */
import type { Logger } from "pino";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  keccak256,
  nonceManager,
  parseEventLogs,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { pohCoordinatorAbi } from "../../generated/abis.ts";
import { MAX_PAYLOAD_BYTES, parseTelemetry, type Telemetry } from "../../oracle/src/payload/index.ts";
import {
  ClientClosedError,
  ContractRevertError,
  InputError,
  PayloadRejectedError,
  TransactionRevertedError,
  PayloadStoreError,
  PohError,
  VerificationTimeoutError,
  jobFailedError,
  toPohError,
} from "./errors.ts";
import type { PayloadStore } from "./store.ts";

/** Stores payload bytes somewhere miners can fetch them; returns the URI. */
export type PayloadUploader = (bytes: Uint8Array, hash: Hex) => Promise<string>;

export interface PohClientOptions {
  /** JSON-RPC endpoint of the chain the coordinator lives on. */
  rpcUrl: string;
  /** Key of the account that pays fees and receives refunds. Never logged. */
  privateKey: Hex;
  /** PohCoordinator address (from deployments/<chainId>.json). */
  coordinator: Address;
  /**
   * Where payloads go: the base URL of a payload store (PUT /p/<hash>), an in-process
   * {@link PayloadStore}, or your own uploader.
   */
  store: string | PayloadStore | PayloadUploader;
  /** Registered model version to ask for. Default 1. */
  modelId?: number;
  /** Fee per request in wei. Default: the coordinator's minFee, read per request. */
  fee?: bigint;
  /** How long requestVerification waits for the job to end. Default 120 s. */
  timeoutMs?: number;
  /** How often the client polls the chain for job events. Default 250 ms. */
  pollIntervalMs?: number;
  /**
   * After the reveal deadline, call finalize() or expire() if nobody else did, so the job ends
   * and a failed one refunds. Default true.
   */
  settle?: boolean;
  /** Chain id, if known (saves one RPC call). */
  chainId?: number;
  /**
   * Concurrent requests from this client are sent together, as one `requestVerificationBatch`
   * transaction (one estimate, one transaction, one receipt for all of them). A request waits at
   * most this long for others to join it; requests that arrive while a batch is being estimated
   * and broadcast form the next batch. Default 0: a lone request goes out at once.
   */
  batchWindowMs?: number;
  /** Most requests in one batch transaction, 1..100 (the coordinator's MAX_REQUEST_BATCH). 1 turns batching off. Default 32. */
  maxBatchSize?: number;
}

export const pohClientDefaults = { modelId: 1, timeoutMs: 120_000, pollIntervalMs: 250, settle: true, batchWindowMs: 0, maxBatchSize: 32 } as const;

/** The coordinator's MAX_REQUEST_BATCH. */
export const MAX_REQUEST_BATCH = 100;

export type JobStage = "requested" | "committed" | "revealed" | "final" | "failed";

/** One step of a job, as requestVerification observes it on chain. */
export interface JobProgress {
  stage: JobStage;
  jobId: bigint;
  blockNumber: bigint;
  txHash: Hex;
  /** The miner that committed or revealed (for those stages). */
  miner?: Address;
  commits: number;
  reveals: number;
  committee: readonly Address[];
}

export interface RequestOptions {
  /** Overrides the client's fee for this request. */
  fee?: bigint;
  /** A contract implementing IPohConsumer to receive the verdict, and the gas it may use. */
  callback?: { address: Address; gasLimit: number };
  /** Called at each stage (requested, each commit, each reveal, final or failed). */
  onProgress?: (progress: JobProgress) => void;
  /** Overrides the client's timeout for this request. */
  timeoutMs?: number;
  /** Aborts the wait (the job itself continues on chain). */
  signal?: AbortSignal;
}

export interface VerificationResult {
  jobId: bigint;
  /** Median score of the agreeing committee, P(human) x 10000. */
  scoreBps: number;
  verdict: "human" | "bot";
  inputHash: Hex;
  inputURI: string;
  fee: bigint;
  committee: Address[];
  requestBlock: bigint;
  finalBlock: bigint;
  /** Blocks from the request to the final transaction. */
  latencyBlocks: number;
  /** Wall-clock milliseconds from sending the request to seeing the final event. */
  latencyMs: number;
  /**
   * Gas used by the request transaction; for a request sent in a batch, its share (the batch's
   * gas used / the number of requests in it). `txHashes.request` is then the batch's transaction.
   */
  requestGas: bigint;
  txHashes: { request: Hex; commits: Hex[]; reveals: Hex[]; final: Hex };
}

export interface WithdrawResult {
  amount: bigint;
  txHash?: Hex;
}

export interface PohClient {
  /** The paying account's address. */
  readonly address: Address;
  /**
   * Validates the telemetry (format v1), stores it, requests verification and waits for the
   * job to end. Resolves with the verdict; rejects with a typed {@link PohError}:
   * InputError (bad telemetry or payload refused), ContractRevertError (e.g. FeeTooLow),
   * JobExpiredError / JobNoAgreementError / JobInputRejectedError (job failed, fee refunded),
   * TransactionRevertedError (reverted when mined), VerificationTimeoutError, RpcError,
   * PayloadStoreError.
   */
  requestVerification(telemetry: Telemetry | string | Uint8Array, options?: RequestOptions): Promise<VerificationResult>;
  /** Pulls refunds credited for failed jobs. Resolves with amount 0 and no transaction if none. */
  withdrawRefunds(): Promise<WithdrawResult>;
  /** Native coin credited to this account by the coordinator (refunds). */
  claimable(): Promise<bigint>;
  /** Stops watching; pending requests reject with ClientClosedError. */
  close(): void;
}

type JobEvent = {
  eventName: "Committed" | "Revealed" | "JobFinalized" | "JobFailed";
  jobId: bigint;
  blockNumber: bigint;
  txHash: Hex;
  miner?: Address;
  result?: number;
  verdict?: boolean;
  reason?: number;
  refund?: bigint;
};

interface Waiter {
  jobId: bigint;
  fromBlock: bigint;
  revealDeadline: bigint;
  onEvent(event: JobEvent): void;
  fail(error: Error): void;
  settledAt?: bigint;
}

/** A request waiting to be sent in a batch. */
interface QueuedRequest {
  inputHash: Hex;
  inputURI: string;
  /** undefined: the coordinator's minFee, read once per batch. */
  fee: bigint | undefined;
  callback: Address;
  callbackGasLimit: number;
  resolve(sent: SentRequest): void;
  reject(error: Error): void;
}

/** A request mined: its job, read from the JobRequested event of its (batch) transaction. */
interface SentRequest {
  jobId: bigint;
  committee: readonly Address[];
  revealDeadline: bigint;
  fee: bigint;
  requestTx: Hex;
  blockNumber: bigint;
  requestGas: bigint;
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000" as const;

/** Events kept for jobs nobody waits for yet (a waiter may register just after its events pass). */
const SEEN_LIMIT = 20_000;
/** Largest block range per getLogs call. */
const MAX_RANGE = 1_000n;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function encodeTelemetry(telemetry: Telemetry | string | Uint8Array): Uint8Array {
  if (telemetry instanceof Uint8Array) return telemetry;
  const text = typeof telemetry === "string" ? telemetry : JSON.stringify(telemetry);
  return new TextEncoder().encode(text);
}

function httpUploader(baseUrl: string, timeoutMs: number): PayloadUploader {
  const base = baseUrl.replace(/\/$/, "");
  return async (bytes, hash) => {
    const url = `${base}/p/${hash}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: "PUT",
        body: Buffer.from(bytes),
        headers: { "content-type": "application/json" },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new PayloadStoreError(`payload store ${base} unreachable: ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    if (res.status === 413 || res.status === 422 || res.status === 400) {
      throw new PayloadRejectedError(`payload store refused the payload (${res.status}): ${text}`, res.status);
    }
    if (!res.ok) throw new PayloadStoreError(`payload store answered ${res.status}: ${text}`);
    return url;
  };
}

function toUploader(store: PohClientOptions["store"]): PayloadUploader {
  if (typeof store === "string") return httpUploader(store, 10_000);
  if (typeof store === "function") return store;
  return async (bytes) => (await store.put(bytes)).uri;
}

/** Creates a client. Nothing touches the network until the first call. */
export function createPohClient(options: PohClientOptions, context: { logger?: Logger } = {}): PohClient {
  const modelId = options.modelId ?? pohClientDefaults.modelId;
  const defaultTimeout = options.timeoutMs ?? pohClientDefaults.timeoutMs;
  const pollMs = options.pollIntervalMs ?? pohClientDefaults.pollIntervalMs;
  const settle = options.settle ?? pohClientDefaults.settle;
  const batchWindowMs = options.batchWindowMs ?? pohClientDefaults.batchWindowMs;
  const maxBatchSize = options.maxBatchSize ?? pohClientDefaults.maxBatchSize;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1 || maxBatchSize > MAX_REQUEST_BATCH) {
    throw new InputError(`maxBatchSize: must be a whole number from 1 to ${MAX_REQUEST_BATCH} (got ${maxBatchSize})`);
  }
  if (!Number.isFinite(batchWindowMs) || batchWindowMs < 0) throw new InputError(`batchWindowMs: must be 0 or more (got ${batchWindowMs})`);
  const coordinator = options.coordinator;
  const log = context.logger?.child({ module: "poh-sdk" });
  const upload = toUploader(options.store);
  // The nonce manager lets concurrent requests from one account get distinct nonces.
  const account: Account = privateKeyToAccount(options.privateKey, { nonceManager });
  // Concurrent calls in the same tick (many requests in flight) go out as one JSON-RPC batch.
  const transport = http(options.rpcUrl, { retryCount: 2, timeout: 20_000, batch: { wait: 0, batchSize: 200 } });

  let clientsPromise: Promise<{ publicClient: PublicClient<Transport, Chain>; walletClient: WalletClient<Transport, Chain, Account> }> | undefined;
  const clients = () =>
    (clientsPromise ??= (async () => {
      let chainId = options.chainId;
      if (chainId === undefined) {
        const probe = createPublicClient({ transport });
        try {
          chainId = await probe.getChainId();
        } catch (err) {
          clientsPromise = undefined;
          throw toPohError(err, "eth_chainId");
        }
      }
      const chain = defineChain({
        id: chainId,
        name: `chain-${chainId}`,
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [options.rpcUrl] } },
      });
      return {
        publicClient: createPublicClient({ chain, transport, pollingInterval: pollMs }),
        walletClient: createWalletClient({ chain, transport, account }),
      };
    })());

  // Fee caps shared by the requests of the same moment: base fee x2 + tip, read at most once a
  // second (instead of two calls per request).
  let feeCache: { at: number; value: Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> } | undefined;
  const feeCaps = (publicClient: PublicClient<Transport, Chain>) => {
    if (!feeCache || Date.now() - feeCache.at > 1000) {
      const value = Promise.all([publicClient.getBlock({ blockTag: "latest" }), publicClient.estimateMaxPriorityFeePerGas()]).then(([block, tip]) => ({
        maxFeePerGas: (block.baseFeePerGas ?? 0n) * 2n + tip,
        maxPriorityFeePerGas: tip,
      }));
      feeCache = { at: Date.now(), value };
      value.catch(() => (feeCache = undefined));
    }
    return feeCache.value;
  };

  // ---------------------------------------------------------------- one shared event watcher
  const waiters = new Map<bigint, Waiter>();
  const seen = new Map<bigint, JobEvent[]>();
  let cursor: bigint | undefined;
  let watching = false;
  let closed = false;

  const remember = (event: JobEvent) => {
    const list = seen.get(event.jobId);
    if (list) list.push(event);
    else {
      seen.set(event.jobId, [event]);
      if (seen.size > SEEN_LIMIT) seen.delete(seen.keys().next().value as bigint);
    }
  };

  const dispatch = (event: JobEvent) => {
    const waiter = waiters.get(event.jobId);
    if (waiter) waiter.onEvent(event);
    else remember(event);
  };

  async function trySettle(waiter: Waiter, head: bigint): Promise<void> {
    if (!settle || head <= waiter.revealDeadline) return;
    if (waiter.settledAt !== undefined && head < waiter.settledAt + 3n) return;
    waiter.settledAt = head;
    const { walletClient } = await clients();
    for (const functionName of ["finalize", "expire"] as const) {
      try {
        await walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName, args: [waiter.jobId] });
        log?.info({ jobId: waiter.jobId.toString(), functionName }, "settled job after its reveal deadline");
        return;
      } catch {
        // Not finalizable means try expire; both failing means someone else ended it.
      }
    }
  }

  async function watchLoop(): Promise<void> {
    const { publicClient } = await clients();
    let failures = 0;
    while (waiters.size > 0 && !closed) {
      try {
        const head = await publicClient.getBlockNumber({ cacheTime: 0 });
        let from = cursor ?? [...waiters.values()].reduce((m, w) => (w.fromBlock < m ? w.fromBlock : m), head);
        while (from <= head) {
          const to = from + MAX_RANGE - 1n < head ? from + MAX_RANGE - 1n : head;
          const logs = await publicClient.getContractEvents({ address: coordinator, abi: pohCoordinatorAbi, fromBlock: from, toBlock: to, strict: true });
          for (const l of logs) {
            const base = { blockNumber: l.blockNumber, txHash: l.transactionHash };
            switch (l.eventName) {
              case "Committed":
              case "Revealed":
                // One event per miner transaction, with every job it committed or revealed.
                for (const jobId of l.args.jobIds) dispatch({ ...base, eventName: l.eventName, jobId, miner: l.args.miner });
                break;
              case "JobFinalized":
                dispatch({ ...base, eventName: "JobFinalized", jobId: l.args.jobId, result: l.args.result, verdict: l.args.verdict });
                break;
              case "JobFailed":
                dispatch({ ...base, eventName: "JobFailed", jobId: l.args.jobId, reason: l.args.reason, refund: l.args.refund });
                break;
              default:
                break;
            }
          }
          from = to + 1n;
          cursor = from;
        }
        // Settling runs beside the loop so a slow transaction never delays event delivery.
        for (const waiter of waiters.values()) {
          trySettle(waiter, head).catch((err: unknown) => log?.debug({ err: toPohError(err, "settle").message }, "settling failed"));
        }
        failures = 0;
      } catch (err) {
        failures++;
        log?.warn({ err: toPohError(err, "getLogs").message, failures }, "polling the coordinator failed; retrying");
      }
      await sleep(pollMs * Math.min(8, 2 ** Math.min(failures, 3)));
    }
    watching = false;
    if (waiters.size === 0) cursor = undefined;
    else if (!closed) startWatching();
  }

  function startWatching(): void {
    if (watching || closed) return;
    watching = true;
    watchLoop().catch((err: unknown) => {
      watching = false;
      const error = toPohError(err, "watch");
      for (const w of [...waiters.values()]) w.fail(error);
    });
  }

  // ---------------------------------------------------------------- request batching
  // Requests queue by what a batch must share (fee per job, callback and its gas limit). A flush
  // sends every queue, as one transaction per up to maxBatchSize requests; requests arriving
  // while a flush estimates and broadcasts wait for the next flush, which starts as soon as it
  // is done (so a lone request is never held back, and a burst becomes one or two transactions).
  const queues = new Map<string, QueuedRequest[]>();
  let flushing = false;
  let flushTimer: NodeJS.Timeout | undefined;

  function enqueue(request: QueuedRequest): void {
    const key = `${request.fee ?? "min"}:${request.callback.toLowerCase()}:${request.callbackGasLimit}`;
    const queue = queues.get(key);
    if (queue) queue.push(request);
    else queues.set(key, [request]);
    scheduleFlush();
  }

  function scheduleFlush(): void {
    if (flushing || flushTimer !== undefined || queues.size === 0) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      void flush();
    }, batchWindowMs);
  }

  async function flush(): Promise<void> {
    flushing = true;
    const groups = [...queues.values()];
    queues.clear();
    try {
      // The default fee (minFee) is read once for all requests of this flush.
      let minFee: Promise<bigint> | undefined;
      const readMinFee = async () => {
        const { publicClient } = await clients();
        return (await publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "getParams" })).minFee;
      };
      const sends: Promise<void>[] = [];
      for (const group of groups) {
        for (let i = 0; i < group.length; i += maxBatchSize) {
          const chunk = group.slice(i, i + maxBatchSize);
          sends.push(
            (async () => {
              let fee = chunk[0]!.fee;
              if (fee === undefined) {
                try {
                  fee = await (minFee ??= readMinFee());
                } catch (err) {
                  throw toPohError(err, "getParams");
                }
              }
              await sendBatch(chunk, fee);
            })().catch((err: unknown) => {
              const error = toPohError(err, "requestVerification");
              for (const r of chunk) r.reject(error);
            }),
          );
        }
      }
      await Promise.all(sends);
    } finally {
      flushing = false;
      scheduleFlush();
    }
  }

  /**
   * Estimates and broadcasts one request transaction for `batch` (requestVerification for one,
   * requestVerificationBatch for more) and returns once it is broadcast; the receipt is awaited
   * in the background and settles every request of the batch. A batch whose estimate reverts is
   * split and each request sent on its own, so each gets its own outcome (a typed revert for the
   * ones that cannot go through). A batch that reverts when mined fails every request in it with
   * TransactionRevertedError.
   */
  async function sendBatch(batch: QueuedRequest[], fee: bigint): Promise<void> {
    const { publicClient, walletClient } = await clients();
    const first = batch[0]!;
    const single = {
      address: coordinator,
      abi: pohCoordinatorAbi,
      functionName: "requestVerification",
      args: [modelId, first.inputHash, first.inputURI, first.callback, first.callbackGasLimit],
      value: fee,
      account,
    } as const;
    const many = {
      address: coordinator,
      abi: pohCoordinatorAbi,
      functionName: "requestVerificationBatch",
      args: [modelId, batch.map((r) => r.inputHash), batch.map((r) => r.inputURI), first.callback, first.callbackGasLimit],
      value: fee * BigInt(batch.length),
      account,
    } as const;
    const functionName = batch.length === 1 ? single.functionName : many.functionName;
    let estimated: bigint;
    let fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
    try {
      [estimated, fees] = await Promise.all([
        batch.length === 1 ? publicClient.estimateContractGas(single) : publicClient.estimateContractGas(many),
        feeCaps(publicClient),
      ]);
    } catch (err) {
      const error = toPohError(err, functionName);
      if (batch.length > 1 && error instanceof ContractRevertError) {
        log?.debug({ requests: batch.length, error: error.errorName }, "request batch would revert; sending its requests one by one");
        await Promise.all(batch.map((r) => sendBatch([r], fee).catch((e: unknown) => r.reject(toPohError(e, "requestVerification")))));
        return;
      }
      throw error;
    }
    // Committee drawing and the first job of a block cost more than the estimate's state
    // shows; unused gas is not charged, so leave half again as headroom.
    const gas = (estimated * 3n) / 2n;
    const requestTx = batch.length === 1 ? await walletClient.writeContract({ ...single, gas, ...fees }) : await walletClient.writeContract({ ...many, gas, ...fees });
    void settleBatch(batch, fee, functionName, requestTx, gas);
  }

  async function settleBatch(batch: QueuedRequest[], fee: bigint, functionName: string, requestTx: Hex, gasLimit: bigint): Promise<void> {
    try {
      const { publicClient } = await clients();
      let receipt;
      try {
        receipt = await publicClient.waitForTransactionReceipt({ hash: requestTx, pollingInterval: pollMs, timeout: defaultTimeout });
      } catch (err) {
        if (err instanceof Error && err.name === "WaitForTransactionReceiptTimeoutError") throw new VerificationTimeoutError(undefined, defaultTimeout, "sent");
        throw toPohError(err, `${functionName} receipt`);
      }
      if (receipt.status !== "success") throw new TransactionRevertedError(functionName, requestTx, receipt.gasUsed >= gasLimit);
      // One JobRequested per request, in the batch's order (job ids firstJobId, firstJobId + 1, ...).
      const requested = parseEventLogs({ abi: pohCoordinatorAbi, logs: receipt.logs, eventName: "JobRequested" })
        .filter((l) => l.address.toLowerCase() === coordinator.toLowerCase())
        .sort((a, b) => (a.args.jobId < b.args.jobId ? -1 : a.args.jobId > b.args.jobId ? 1 : 0));
      if (requested.length !== batch.length) {
        throw new PohError(`${requested.length} JobRequested events in ${requestTx} for ${batch.length} requests; is ${coordinator} the coordinator?`);
      }
      const requestGas = receipt.gasUsed / BigInt(batch.length);
      batch.forEach((r, i) => {
        const event = requested[i]!;
        if (event.args.inputHash.toLowerCase() !== r.inputHash.toLowerCase()) {
          r.reject(new PohError(`job ${event.args.jobId} in ${requestTx} has input hash ${event.args.inputHash}, expected ${r.inputHash}`));
          return;
        }
        r.resolve({
          jobId: event.args.jobId,
          committee: event.args.committee,
          revealDeadline: event.args.revealDeadline,
          fee,
          requestTx,
          blockNumber: receipt.blockNumber,
          requestGas,
        });
      });
    } catch (err) {
      const error = toPohError(err, functionName);
      for (const r of batch) r.reject(error);
    }
  }

  // ---------------------------------------------------------------- API
  async function requestVerification(
    telemetry: Telemetry | string | Uint8Array,
    req: RequestOptions = {},
  ): Promise<VerificationResult> {
    if (closed) throw new ClientClosedError();
    const timeoutMs = req.timeoutMs ?? defaultTimeout;
    const started = Date.now();
    const bytes = encodeTelemetry(telemetry);
    if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
      throw new PayloadRejectedError(`payload: ${bytes.byteLength} bytes exceeds the limit of ${MAX_PAYLOAD_BYTES} bytes`, 413);
    }
    parseTelemetry(bytes); // throws InputError naming the first offending field
    const inputHash = keccak256(bytes);
    const inputURI = await upload(bytes, inputHash);

    const remaining = () => timeoutMs - (Date.now() - started);
    // Sent with whatever other requests of this client are waiting (one batch transaction).
    let sent: SentRequest;
    {
      let timer: NodeJS.Timeout | undefined;
      const queued = new Promise<SentRequest>((resolve, reject) =>
        enqueue({
          inputHash,
          inputURI,
          fee: req.fee ?? options.fee,
          callback: req.callback?.address ?? ZERO_ADDRESS,
          callbackGasLimit: req.callback?.gasLimit ?? 0,
          resolve,
          reject,
        }),
      );
      queued.catch(() => undefined); // after a timeout nobody awaits it
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new VerificationTimeoutError(undefined, timeoutMs, "sent")), Math.max(1, remaining()));
      });
      try {
        sent = await Promise.race([queued, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    const { jobId, committee, revealDeadline, fee, requestTx } = sent;
    const requestBlock = sent.blockNumber;
    log?.debug({ jobId: jobId.toString(), tx: requestTx }, "verification requested");

    const commits: Hex[] = [];
    const reveals: Hex[] = [];
    const progress = (stage: JobStage, blockNumber: bigint, txHash: Hex, miner?: Address) => {
      if (!req.onProgress) return;
      try {
        req.onProgress({ stage, jobId, blockNumber, txHash, miner, commits: commits.length, reveals: reveals.length, committee });
      } catch (err) {
        log?.warn({ err }, "onProgress threw");
      }
    };
    progress("requested", requestBlock, requestTx);

    return new Promise<VerificationResult>((resolve, reject) => {
      let stage: JobStage = "requested";
      const finish = (error?: Error, result?: VerificationResult) => {
        clearTimeout(timer);
        req.signal?.removeEventListener("abort", onAbort);
        waiters.delete(jobId);
        if (error) reject(error);
        else resolve(result!);
      };
      const timer = setTimeout(() => finish(new VerificationTimeoutError(jobId, timeoutMs, stage)), Math.max(1, remaining()));
      const onAbort = () => finish(req.signal?.reason instanceof Error ? req.signal.reason : new Error("aborted"));
      req.signal?.addEventListener("abort", onAbort, { once: true });

      const waiter: Waiter = {
        jobId,
        fromBlock: requestBlock,
        revealDeadline,
        fail: (error) => finish(error),
        onEvent(event) {
          switch (event.eventName) {
            case "Committed":
              commits.push(event.txHash);
              stage = "committed";
              return progress("committed", event.blockNumber, event.txHash, event.miner);
            case "Revealed":
              reveals.push(event.txHash);
              stage = "revealed";
              return progress("revealed", event.blockNumber, event.txHash, event.miner);
            case "JobFinalized": {
              progress("final", event.blockNumber, event.txHash);
              const scoreBps = event.result ?? 0;
              return finish(undefined, {
                jobId,
                scoreBps,
                verdict: event.verdict ? "human" : "bot",
                inputHash,
                inputURI,
                fee,
                committee: [...committee],
                requestBlock,
                finalBlock: event.blockNumber,
                latencyBlocks: Number(event.blockNumber - requestBlock),
                latencyMs: Date.now() - started,
                requestGas: sent.requestGas,
                txHashes: { request: requestTx, commits, reveals, final: event.txHash },
              });
            }
            case "JobFailed":
              progress("failed", event.blockNumber, event.txHash);
              return finish(jobFailedError(jobId, event.reason ?? 1, event.refund ?? 0n, event.txHash));
          }
        },
      };
      if (closed) return finish(new ClientClosedError());
      waiters.set(jobId, waiter);
      const early = seen.get(jobId);
      if (early) {
        seen.delete(jobId);
        for (const event of early) if (waiters.has(jobId)) waiter.onEvent(event);
      }
      if (waiters.has(jobId)) startWatching();
    });
  }

  async function claimable(): Promise<bigint> {
    const { publicClient } = await clients();
    try {
      return await publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "claimable", args: [account.address] });
    } catch (err) {
      throw toPohError(err, "claimable");
    }
  }

  async function withdrawRefunds(): Promise<WithdrawResult> {
    const amount = await claimable();
    if (amount === 0n) return { amount };
    const { publicClient, walletClient } = await clients();
    try {
      const txHash = await walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "withdraw" });
      const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash, pollingInterval: pollMs });
      if (receipt.status !== "success") throw new PohError(`withdraw transaction ${txHash} reverted`);
      const [withdrawn] = parseEventLogs({ abi: pohCoordinatorAbi, logs: receipt.logs, eventName: "Withdrawn" });
      return { amount: withdrawn?.args.amount ?? amount, txHash };
    } catch (err) {
      throw toPohError(err, "withdraw");
    }
  }

  function close(): void {
    closed = true;
    clearTimeout(flushTimer);
    flushTimer = undefined;
    for (const queue of queues.values()) for (const r of queue) r.reject(new ClientClosedError());
    queues.clear();
    for (const waiter of [...waiters.values()]) waiter.fail(new ClientClosedError());
  }

  return { address: account.address, requestVerification, withdrawRefunds, claimable, close };
}
