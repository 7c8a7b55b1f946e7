/**
 * Chain access for the miner: a viem public client (JSON-RPC batching on), retry with backoff,
 * and a transaction sender that owns the account's nonce. Several transactions may be in flight at
 * once: `submit` estimates gas under a cap (a revert is decoded by its custom error name and the
 * transaction is not sent), takes the next local nonce, signs, lets the caller journal the hash,
 * broadcasts and returns at once; one tracker polls every in-flight transaction's receipt,
 * re-broadcasts one whose broadcast failed, replaces a stuck one with bumped fees (same nonce, up
 * to the gas price cap) and resynchronises the nonce when a nonce was used by something else.
 * `send` is submit + wait for the receipt.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  encodeFunctionData,
  http,
  keccak256,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  type Abi,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hash,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { Logger } from "pino";
import { FatalError, PohError, RetryableError } from "../errors.ts";
import { sleep } from "../sleep.ts";
import type { Address, NodeConfig } from "../config/index.ts";
import type { NodeMetrics } from "../metrics/index.ts";

/** A contract call reverted; `errorName` is the custom error (or "Error"/"Panic"/"unknown"). */
export class RevertError extends PohError {
  constructor(
    readonly errorName: string,
    readonly errorArgs: readonly unknown[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Returns the decoded revert inside a viem error, if any. */
export function decodeRevert(error: unknown): RevertError | undefined {
  if (error instanceof RevertError) return error;
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  const name = reverted.data?.errorName ?? (reverted.reason ? "Error" : "unknown");
  const args = reverted.data?.args ?? (reverted.reason ? [reverted.reason] : []);
  const shown = args.map((a) => (typeof a === "bigint" ? a.toString() : String(a))).join(", ");
  return new RevertError(name, args, `reverted with ${name}(${shown})`, { cause: error });
}

export type ChainOptions = Pick<NodeConfig, "rpcUrl" | "maxGasPrice" | "gasLimitCap" | "txStuckMs" | "pollMs">;
export type ChainDeps = { logger: Logger; metrics: NodeMetrics; signal: AbortSignal };

export type WriteRequest<abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">> = {
  address: Address;
  abi: abi;
  functionName: name;
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", name>;
  value?: bigint;
};

/** A broadcast transaction: its first hash and nonce, and its receipt once mined. */
export type Submitted = {
  kind: string;
  hash: Hash;
  nonce: number;
  /**
   * Resolves with the successful receipt (possibly of a fee-bumped replacement); rejects with
   * RevertError when it reverted on chain, RetryableError when it was dropped or never mined.
   */
  receipt: Promise<TransactionReceipt>;
};

export type SubmitOptions = {
  /** Called with the signed transaction's hash and nonce before it is broadcast (journal it here). */
  onSigned?: (hash: Hash, nonce: number) => void;
  /**
   * A gas limit floor for work the estimate cannot see: e.g. a reveal that becomes the job's last
   * (and settles it) when other members' reveals land first in the same block. Still capped by
   * POH_GAS_LIMIT_CAP.
   */
  minGas?: bigint;
  /**
   * A computed gas limit: the transaction is sent with it and NOT estimated (no eth_estimateGas,
   * so nothing is simulated: a call that reverts is mined and reverts on chain, and its receipt
   * rejects with the decoded RevertError). For calls whose cost has a known upper bound and whose
   * success the caller has just checked; must fit POH_GAS_LIMIT_CAP.
   */
  gas?: bigint;
};

/** One transaction the tracker follows until it is mined, reverts or is given up. */
type Tracked = {
  kind: string;
  nonce: number;
  to: Address;
  data: Hex;
  value: bigint;
  gas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  hashes: Hash[];
  /** The last signed bytes; re-broadcast as they are when a broadcast failed. */
  serialized: Hex | undefined;
  rebroadcast: boolean;
  lastSend: number;
  giveUp: number;
  /** When the account's mined nonce first passed ours without a receipt for us. */
  nonceUsedAt?: number;
  /** The head at the last receipt poll: receipts are polled again once a new block exists. */
  checkedAt?: bigint;
  /** Re-runs the call to recover a revert reason (absent for adopted transactions). */
  explain?: (blockNumber: bigint) => Promise<RevertError>;
  resolve(receipt: TransactionReceipt): void;
  reject(error: Error): void;
};

type Fees = { at: number; baseFee: bigint | null; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

const messageOf = (error: unknown): string => (error instanceof BaseError ? `${error.shortMessage} ${error.details ?? ""}` : (error as Error).message);

/** Chain access and the account's transaction sender. */
export class Chain {
  readonly client: PublicClient;
  private lock: Promise<unknown> = Promise.resolve();
  private chainIdValue: number | undefined;
  private nextNonce: number | undefined;
  private readonly inflight = new Set<Tracked>();
  private tracking = false;
  private fees: Fees | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly options: ChainOptions,
    readonly account: PrivateKeyAccount | undefined,
    private readonly deps: ChainDeps,
  ) {
    // viem's own retries are off: `call` retries with backoff and counts the errors. Concurrent
    // calls made in the same tick go out as one JSON-RPC batch.
    this.client = createPublicClient({ transport: http(options.rpcUrl, { retryCount: 0, timeout: 10_000, batch: { wait: 0, batchSize: 200 } }) }) as PublicClient;
  }

  get address(): Address {
    if (!this.account) throw new FatalError("no key configured (POH_KEYSTORE or POH_PRIVATE_KEY)");
    return this.account.address;
  }

  /** Transactions broadcast and not yet settled. */
  get inflightCount(): number {
    return this.inflight.size;
  }

  /**
   * The chain head (eth_blockNumber), shared by the node loop and the receipt tracker: one call
   * per half poll interval at most.
   */
  async head(): Promise<bigint> {
    return this.call("eth_blockNumber", () => this.client.getBlockNumber({ cacheTime: Math.floor(this.options.pollMs / 2) }));
  }

  async chainId(): Promise<number> {
    this.chainIdValue ??= await this.call("eth_chainId", () => this.client.getChainId());
    return this.chainIdValue;
  }

  /**
   * Runs one RPC operation, retrying transport failures with exponential backoff (up to
   * `attempts`). Reverts are not retried: they come back as RevertError.
   */
  async call<T>(label: string, fn: () => Promise<T>, attempts = 4): Promise<T> {
    let delay = 250;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const revert = decodeRevert(error);
        if (revert) throw revert;
        if (error instanceof PohError) throw error;
        this.deps.metrics.rpcErrors.inc();
        const message = error instanceof BaseError ? error.shortMessage : (error as Error).message;
        if (attempt >= attempts || this.deps.signal.aborted) {
          throw new RetryableError(`${label}: RPC failed after ${attempt} attempts: ${message}`, { cause: error });
        }
        this.deps.logger.debug({ label, attempt, err: message }, "rpc error, retrying");
        await sleep(delay, this.deps.signal);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /**
   * Sends a contract write and waits for its receipt. A revert throws RevertError with the custom
   * error's name (a transaction that would revert is not sent); transport trouble throws
   * RetryableError. See `submit` for sending without waiting.
   */
  async send<abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    kind: string,
    request: WriteRequest<abi, name>,
  ): Promise<TransactionReceipt> {
    return (await this.submit(kind, request)).receipt;
  }

  /**
   * Simulates a contract write from our account (an eth_call, no gas spent). Returns the decoded
   * revert, or null when the call would succeed.
   */
  async simulate<abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    kind: string,
    request: WriteRequest<abi, name>,
  ): Promise<RevertError | null> {
    const account = this.account;
    if (!account) throw new FatalError("no key configured (POH_KEYSTORE or POH_PRIVATE_KEY)");
    try {
      await this.call(`simulate ${kind}`, () =>
        this.client.simulateContract({ account: account.address, address: request.address, abi: request.abi, functionName: request.functionName, args: request.args, value: request.value } as Parameters<PublicClient["simulateContract"]>[0]),
      );
      return null;
    } catch (error) {
      if (error instanceof RevertError) return error;
      throw error;
    }
  }

  /**
   * Estimates, signs and broadcasts a contract write, and returns without waiting for it to be
   * mined. Gas is estimated from our account (eth_estimateGas, which also decodes a revert: such
   * a transaction is not sent) unless the caller gives a computed limit (`options.gas`), and must
   * fit POH_GAS_LIMIT_CAP; fees come from the latest block
   * (cached for a second) under POH_MAX_GAS_PRICE; the nonce is the next local one.
   */
  async submit<abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    kind: string,
    request: WriteRequest<abi, name>,
    options: SubmitOptions = {},
  ): Promise<Submitted> {
    const account = this.account;
    if (!account) throw new FatalError("no key configured (POH_KEYSTORE or POH_PRIVATE_KEY)");
    const { logger } = this.deps;
    const chainId = await this.chainId();
    const data = encodeFunctionData({ abi: request.abi, functionName: request.functionName, args: request.args } as Parameters<typeof encodeFunctionData>[0]);
    const contractCall = { account: account.address, address: request.address, abi: request.abi, functionName: request.functionName, args: request.args, value: request.value };

    let gasLimit: bigint;
    if (options.gas !== undefined) {
      if (options.gas > this.options.gasLimitCap) {
        throw new FatalError(`${kind}: computed gas limit ${options.gas} exceeds the cap POH_GAS_LIMIT_CAP=${this.options.gasLimitCap}`);
      }
      gasLimit = options.gas;
    } else gasLimit = await this.estimate(kind, contractCall, options.minGas);
    const fees = await this.feeData(kind);

    return this.exclusive(async () => {
      for (let attempt = 1; ; attempt++) {
        const nonce = (this.nextNonce ??= await this.call("getTransactionCount", () => this.client.getTransactionCount({ address: account.address, blockTag: "pending" })));
        let resolve!: (r: TransactionReceipt) => void;
        let reject!: (e: Error) => void;
        const receipt = new Promise<TransactionReceipt>((res, rej) => ((resolve = res), (reject = rej)));
        receipt.catch(() => undefined); // the caller may never await it; never an unhandled rejection
        const tx: Tracked = {
          kind,
          nonce,
          to: request.address,
          data,
          value: request.value ?? 0n,
          gas: gasLimit,
          maxFeePerGas: fees.maxFeePerGas,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
          hashes: [],
          serialized: undefined,
          rebroadcast: false,
          lastSend: Date.now(),
          giveUp: Date.now() + Math.max(this.options.txStuckMs * 10, 120_000),
          explain: (blockNumber) => this.explainRevert(request, blockNumber),
          resolve,
          reject,
        };
        const serialized = await this.sign(tx, chainId);
        options.onSigned?.(tx.hashes[0]!, nonce);
        const outcome = await this.broadcast(tx, serialized, "first");
        if (outcome !== "ok" && outcome !== "error" && attempt < 3) {
          // Too low: something else used this nonce (another process with this key). Too high: the
          // chain lost our earlier transactions (a re-org, a rewound devnet). Either way our
          // count is stale: read it again from the node and re-sign.
          logger.warn({ kind, nonce, outcome }, "nonce out of step with the node; resynchronising the nonce");
          this.nextNonce = undefined;
          continue;
        }
        this.nextNonce = nonce + 1;
        this.track(tx);
        return { kind, hash: tx.hashes[0]!, nonce, receipt };
      }
    });
  }

  /** eth_estimateGas from our account (a revert is decoded and nothing is sent), +20% + 10k, floored at `minGas`, capped. */
  private async estimate(kind: string, contractCall: object, minGas: bigint | undefined): Promise<bigint> {
    const { logger, metrics } = this.deps;
    let estimated: bigint;
    try {
      estimated = await this.call(`estimateGas ${kind}`, () => this.client.estimateContractGas(contractCall as Parameters<PublicClient["estimateContractGas"]>[0]));
    } catch (error) {
      if (error instanceof RevertError) {
        metrics.txReverted.inc({ error: error.errorName });
        logger.warn({ kind, error: error.errorName, args: error.errorArgs.map(String) }, "transaction would revert; not sent");
      }
      throw error;
    }
    if (estimated > this.options.gasLimitCap) {
      throw new FatalError(`${kind}: gas estimate ${estimated} exceeds the cap POH_GAS_LIMIT_CAP=${this.options.gasLimitCap}`);
    }
    let gas = (estimated * 12n) / 10n + 10_000n;
    if (minGas !== undefined && gas < minGas) gas = minGas;
    return gas > this.options.gasLimitCap ? this.options.gasLimitCap : gas;
  }

  /**
   * Follows a transaction this account broadcast earlier (e.g. before a restart) if it is still
   * waiting in the mempool. Returns undefined when it is unknown to the node or already mined
   * (the caller then reads the chain's state instead).
   */
  async adopt(kind: string, hash: Hash): Promise<Submitted | undefined> {
    const found = await this.call("getTransaction", () =>
      this.client.getTransaction({ hash }).catch((error: unknown) => {
        if (error instanceof BaseError && error.walk((e) => e instanceof TransactionNotFoundError)) return null;
        throw error;
      }),
    );
    if (!found || found.blockNumber !== null || found.from.toLowerCase() !== this.address.toLowerCase() || !found.to) return undefined;
    let resolve!: (r: TransactionReceipt) => void;
    let reject!: (e: Error) => void;
    const receipt = new Promise<TransactionReceipt>((res, rej) => ((resolve = res), (reject = rej)));
    receipt.catch(() => undefined);
    const tx: Tracked = {
      kind,
      nonce: found.nonce,
      to: found.to,
      data: found.input,
      value: found.value,
      gas: found.gas,
      maxFeePerGas: found.maxFeePerGas ?? found.gasPrice ?? 0n,
      maxPriorityFeePerGas: found.maxPriorityFeePerGas ?? found.gasPrice ?? 0n,
      hashes: [hash],
      serialized: undefined,
      rebroadcast: false,
      lastSend: Date.now(),
      giveUp: Date.now() + Math.max(this.options.txStuckMs * 10, 120_000),
      resolve,
      reject,
    };
    this.deps.logger.info({ kind, hash, nonce: found.nonce }, "following a transaction sent before the restart");
    this.track(tx);
    return { kind, hash, nonce: found.nonce, receipt };
  }

  /** Resolves once no transaction is in flight, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.inflight.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((res) => this.idleWaiters.push(() => res(true)));
    const timeout = new Promise<boolean>((res) => (timer = setTimeout(() => res(false), timeoutMs)));
    const done = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    return done;
  }

  /** Runs `fn` alone: nonce assignment and broadcast order are serialised. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Fee caps from the latest block (base fee x2 + tip, so a rising base fee still fits), cached for a second. */
  private async feeData(kind: string): Promise<Fees> {
    const cap = this.options.maxGasPrice;
    const now = Date.now();
    if (!this.fees || now - this.fees.at > 1000) {
      const [block, tip] = await Promise.all([
        this.call("getBlock", () => this.client.getBlock({ blockTag: "latest" })),
        this.call("maxPriorityFeePerGas", () => this.client.estimateMaxPriorityFeePerGas()),
      ]);
      const baseFee = block.baseFeePerGas;
      const maxFeePerGas = (baseFee ?? 0n) * 2n + tip;
      this.fees = { at: now, baseFee, maxFeePerGas, maxPriorityFeePerGas: tip };
    }
    const { baseFee } = this.fees;
    if (baseFee !== null && baseFee > cap) {
      throw new RetryableError(`${kind}: base fee ${baseFee} wei is above POH_MAX_GAS_PRICE=${cap}; waiting`);
    }
    const maxFeePerGas = this.fees.maxFeePerGas > cap ? cap : this.fees.maxFeePerGas;
    const maxPriorityFeePerGas = this.fees.maxPriorityFeePerGas > maxFeePerGas ? maxFeePerGas : this.fees.maxPriorityFeePerGas;
    return { ...this.fees, maxFeePerGas, maxPriorityFeePerGas };
  }

  private async sign(tx: Tracked, chainId: number): Promise<Hex> {
    const serialized = await this.account!.signTransaction({
      chainId,
      type: "eip1559",
      to: tx.to,
      data: tx.data,
      value: tx.value,
      gas: tx.gas,
      nonce: tx.nonce,
      maxFeePerGas: tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    });
    const hash = keccak256(serialized);
    if (!tx.hashes.includes(hash)) tx.hashes.push(hash);
    tx.serialized = serialized;
    return serialized;
  }

  /** Broadcasts signed bytes. A failed broadcast is retried by the tracker on its next tick. */
  private async broadcast(tx: Tracked, serialized: Hex, label: string): Promise<"ok" | "nonce-too-low" | "nonce-too-high" | "error"> {
    const { logger, metrics } = this.deps;
    const hash = keccak256(serialized);
    let outcome: "ok" | "nonce-too-low" | "nonce-too-high" | "error" = "ok";
    try {
      await this.call(`sendRawTransaction ${tx.kind}`, () => this.client.sendRawTransaction({ serializedTransaction: serialized }), 2);
      tx.rebroadcast = false;
    } catch (error) {
      const message = messageOf(error instanceof RetryableError && error.cause ? error.cause : error);
      if (/already known|already imported|known transaction/i.test(message)) {
        tx.rebroadcast = false;
      } else if (/nonce too low|nonce is too low|nonce has already been used/i.test(message)) {
        outcome = "nonce-too-low";
        tx.rebroadcast = false;
      } else if (/nonce too high/i.test(message)) {
        outcome = "nonce-too-high";
        tx.rebroadcast = false;
      } else {
        outcome = "error";
        tx.rebroadcast = true;
      }
      logger.debug({ kind: tx.kind, hash, err: message }, "broadcast error");
    }
    tx.lastSend = Date.now();
    if ((outcome === "nonce-too-low" || outcome === "nonce-too-high") && label === "first") return outcome;
    metrics.txSent.inc({ kind: tx.kind });
    logger.info({ kind: tx.kind, hash, nonce: tx.nonce, gas: tx.gas.toString(), maxFeePerGas: tx.maxFeePerGas.toString(), attempt: label }, "transaction sent");
    return outcome;
  }

  private track(tx: Tracked): void {
    this.inflight.add(tx);
    if (this.tracking) return;
    this.tracking = true;
    void this.trackLoop();
  }

  private settle(tx: Tracked, outcome: { receipt: TransactionReceipt } | { error: Error }): void {
    if (!this.inflight.delete(tx)) return;
    if ("receipt" in outcome) tx.resolve(outcome.receipt);
    else tx.reject(outcome.error);
    if (this.inflight.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * Polls the receipts of every in-flight transaction (one JSON-RPC batch per tick). Not tied to
   * the shutdown signal: a broadcast transaction is always seen through.
   */
  private async trackLoop(): Promise<void> {
    try {
      while (this.inflight.size > 0) {
        await sleep(Math.min(this.options.pollMs, 1000));
        const head = await this.head().catch(() => undefined);
        let latestNonce: Promise<number | undefined> | undefined;
        const minedNonce = () =>
          (latestNonce ??= this.client.getTransactionCount({ address: this.address, blockTag: "latest" }).catch(() => {
            this.deps.metrics.rpcErrors.inc();
            return undefined;
          }));
        await Promise.all([...this.inflight].map((tx) => this.check(tx, head, minedNonce).catch((error: unknown) => this.deps.logger.debug({ kind: tx.kind, err: messageOf(error) }, "tracking error"))));
      }
    } finally {
      this.tracking = false;
      if (this.inflight.size > 0) this.track([...this.inflight][0]!);
    }
  }

  private async check(tx: Tracked, head: bigint | undefined, minedNonce: () => Promise<number | undefined>): Promise<void> {
    const { logger, metrics } = this.deps;
    // No new block since the last look: no new receipt either (unless the head is unknown).
    const fresh = head === undefined || tx.checkedAt === undefined || head > tx.checkedAt || head < tx.checkedAt;
    if (fresh) tx.checkedAt = head;
    const receipts = !fresh ? [] : await Promise.all(
      tx.hashes.map((hash) =>
        this.client.getTransactionReceipt({ hash }).catch((error: unknown) => {
          if (!(error instanceof TransactionReceiptNotFoundError)) metrics.rpcErrors.inc();
          return undefined;
        }),
      ),
    );
    const receipt = receipts.find((r) => r !== undefined);
    if (receipt) {
      if (receipt.status === "success") {
        logger.info({ kind: tx.kind, hash: receipt.transactionHash, block: receipt.blockNumber.toString(), gasUsed: receipt.gasUsed.toString() }, "transaction mined");
        return this.settle(tx, { receipt });
      }
      let revert = tx.explain ? await tx.explain(receipt.blockNumber) : new RevertError("unknown", [], "transaction reverted (reason not recovered)");
      if (revert.errorName === "unknown" && receipt.gasUsed * 100n >= tx.gas * 95n) {
        revert = new RevertError("OutOfGas", [receipt.gasUsed, tx.gas], `ran out of gas (used ${receipt.gasUsed} of ${tx.gas})`);
      }
      metrics.txReverted.inc({ error: revert.errorName });
      logger.warn({ kind: tx.kind, hash: receipt.transactionHash, error: revert.errorName }, "transaction reverted");
      return this.settle(tx, { error: revert });
    }
    const now = Date.now();
    if (now > tx.giveUp) {
      return this.settle(tx, { error: new RetryableError(`${tx.kind}: no receipt for nonce ${tx.nonce} after ${Math.round((now - tx.lastSend) / 1000)}s`) });
    }
    if (tx.rebroadcast && tx.serialized) {
      if ((await this.broadcast(tx, tx.serialized, "rebroadcast")) === "nonce-too-high") return this.lostNonce(tx);
      return;
    }
    if (now - tx.lastSend < this.options.txStuckMs) return;
    // Stuck: was this nonce used by something else (a dropped tx, a re-org)?
    const mined = await minedNonce();
    if (mined === undefined) return;
    if (mined > tx.nonce) {
      // Give the receipt a while longer before calling it replaced.
      tx.nonceUsedAt ??= now;
      if (now - tx.nonceUsedAt > this.options.txStuckMs) {
        await this.exclusive(async () => (this.nextNonce = undefined));
        return this.settle(tx, { error: new RetryableError(`${tx.kind}: nonce ${tx.nonce} was used but none of our transactions has a receipt (dropped or re-organised)`) });
      }
      return;
    }
    if (!this.account) return; // an adopted transaction cannot be re-signed without the key
    const cap = this.options.maxGasPrice;
    const chainId = await this.chainId();
    if (tx.maxFeePerGas < cap) {
      tx.maxFeePerGas = (tx.maxFeePerGas * 125n) / 100n + 1n;
      if (tx.maxFeePerGas > cap) tx.maxFeePerGas = cap;
      tx.maxPriorityFeePerGas = (tx.maxPriorityFeePerGas * 125n) / 100n + 1n;
      if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) tx.maxPriorityFeePerGas = tx.maxFeePerGas;
      logger.warn({ kind: tx.kind, nonce: tx.nonce, maxFeePerGas: tx.maxFeePerGas.toString() }, "transaction stuck; replacing with higher fees");
      if ((await this.broadcast(tx, await this.sign(tx, chainId), "replacement")) === "nonce-too-high") return this.lostNonce(tx);
    } else {
      logger.warn({ kind: tx.kind, nonce: tx.nonce }, "transaction stuck at the fee cap; re-broadcasting");
      if ((await this.broadcast(tx, tx.serialized ?? (await this.sign(tx, chainId)), "rebroadcast")) === "nonce-too-high") return this.lostNonce(tx);
    }
  }

  /**
   * The node refuses the transaction's nonce as too high: the transactions before it are gone
   * (a re-org or a rewound chain). It is given up (the caller re-reads the chain and decides
   * again) and the next submit reads the nonce from the node.
   */
  private async lostNonce(tx: Tracked): Promise<void> {
    await this.exclusive(async () => (this.nextNonce = undefined));
    this.deps.logger.warn({ kind: tx.kind, nonce: tx.nonce }, "transaction's nonce is ahead of the chain (earlier transactions lost); giving it up");
    this.settle(tx, { error: new RetryableError(`${tx.kind}: nonce ${tx.nonce} is ahead of the chain; earlier transactions were lost`) });
  }

  /** Re-runs a reverted call at its block to recover the custom error. */
  private async explainRevert<abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    request: WriteRequest<abi, name>,
    blockNumber: bigint,
  ): Promise<RevertError> {
    try {
      await this.client.simulateContract({ account: this.address, address: request.address, abi: request.abi, functionName: request.functionName, args: request.args, value: request.value, blockNumber: blockNumber - 1n } as Parameters<PublicClient["simulateContract"]>[0]);
    } catch (error) {
      const revert = decodeRevert(error);
      if (revert) return revert;
    }
    return new RevertError("unknown", [], "transaction reverted (reason not recovered)");
  }
}
