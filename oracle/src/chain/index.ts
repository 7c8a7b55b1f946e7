/**
 * Chain access for the miner: a viem public client, JSON-RPC retry with backoff, and a
 * transaction sender that owns the account's nonce (one transaction in flight at a time),
 * estimates gas under a cap, replaces a stuck transaction with bumped fees (same nonce), and
 * decodes reverts by their custom error name (viem's ContractFunctionRevertedError).
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  encodeFunctionData,
  http,
  keccak256,
  TransactionReceiptNotFoundError,
  type Abi,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hash,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { Logger } from "pino";
import { FatalError, PohError, RetryableError } from "../errors.ts";
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

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((res) => {
    if (signal?.aborted) return res();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      res();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** Chain access and the account's transaction sender. */
export class Chain {
  readonly client: PublicClient;
  private queue: Promise<unknown> = Promise.resolve();
  private chainIdValue: number | undefined;

  constructor(
    private readonly options: ChainOptions,
    readonly account: PrivateKeyAccount | undefined,
    private readonly deps: ChainDeps,
  ) {
    // viem's own retries are off: `call` retries with backoff and counts the errors.
    this.client = createPublicClient({ transport: http(options.rpcUrl, { retryCount: 0, timeout: 10_000 }) }) as PublicClient;
  }

  get address(): Address {
    if (!this.account) throw new FatalError("no key configured (POH_KEYSTORE or POH_PRIVATE_KEY)");
    return this.account.address;
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
   * Simulates, then sends a contract write and waits for its receipt. Transactions go out one at a
   * time (the nonce is the account's pending count). A transaction not mined within txStuckMs is
   * replaced (same nonce, fees +25%, up to maxGasPrice). A revert throws RevertError with the
   * custom error's name; transport trouble throws RetryableError.
   */
  send<abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    kind: string,
    request: WriteRequest<abi, name>,
  ): Promise<TransactionReceipt> {
    const run = this.queue.then(() => this.sendNow(kind, request));
    this.queue = run.catch(() => undefined);
    return run;
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

  private async sendNow<abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    kind: string,
    request: WriteRequest<abi, name>,
  ): Promise<TransactionReceipt> {
    const account = this.account;
    if (!account) throw new FatalError("no key configured (POH_KEYSTORE or POH_PRIVATE_KEY)");
    const { logger, metrics } = this.deps;
    const chainId = await this.chainId();
    const data = encodeFunctionData({ abi: request.abi, functionName: request.functionName, args: request.args } as Parameters<typeof encodeFunctionData>[0]);
    const base = { account: account.address, to: request.address, data, value: request.value };

    // Simulate first so a revert is decoded by name instead of burning gas.
    try {
      await this.call(`simulate ${kind}`, () =>
        this.client.simulateContract({ account: account.address, address: request.address, abi: request.abi, functionName: request.functionName, args: request.args, value: request.value } as Parameters<PublicClient["simulateContract"]>[0]),
      );
    } catch (error) {
      if (error instanceof RevertError) {
        metrics.txReverted.inc({ error: error.errorName });
        logger.warn({ kind, error: error.errorName, args: error.errorArgs.map(String) }, "transaction would revert; not sent");
      }
      throw error;
    }

    const estimated = await this.call(`estimateGas ${kind}`, () => this.client.estimateGas(base));
    const gas = (estimated * 12n) / 10n + 10_000n;
    if (estimated > this.options.gasLimitCap) {
      throw new FatalError(`${kind}: gas estimate ${estimated} exceeds the cap POH_GAS_LIMIT_CAP=${this.options.gasLimitCap}`);
    }
    const gasLimit = gas > this.options.gasLimitCap ? this.options.gasLimitCap : gas;
    const cap = this.options.maxGasPrice;
    const fees = await this.call("estimateFeesPerGas", () => this.client.estimateFeesPerGas());
    const block = await this.call("getBlock", () => this.client.getBlock({ blockTag: "latest" }));
    if (block.baseFeePerGas !== null && block.baseFeePerGas > cap) {
      throw new RetryableError(`${kind}: base fee ${block.baseFeePerGas} wei is above POH_MAX_GAS_PRICE=${cap}; waiting`);
    }
    let maxFeePerGas = fees.maxFeePerGas > cap ? cap : fees.maxFeePerGas;
    let maxPriorityFeePerGas = fees.maxPriorityFeePerGas > maxFeePerGas ? maxFeePerGas : fees.maxPriorityFeePerGas;
    const nonce = await this.call("getTransactionCount", () => this.client.getTransactionCount({ address: account.address, blockTag: "pending" }));

    const hashes: Hash[] = [];
    const broadcast = async (label: string): Promise<void> => {
      const serialized = await account.signTransaction({
        chainId,
        type: "eip1559",
        to: request.address,
        data,
        value: request.value ?? 0n,
        gas: gasLimit,
        nonce,
        maxFeePerGas,
        maxPriorityFeePerGas,
      });
      const hash = keccak256(serialized);
      if (!hashes.includes(hash)) hashes.push(hash);
      try {
        await this.call(`sendRawTransaction ${kind}`, () => this.client.sendRawTransaction({ serializedTransaction: serialized }), 2);
      } catch (error) {
        // "already known" / "nonce too low" are settled by the receipt poll below.
        logger.debug({ kind, hash, err: (error as Error).message }, "broadcast error; will poll for a receipt");
      }
      metrics.txSent.inc({ kind });
      logger.info({ kind, hash, nonce, gas: gasLimit.toString(), maxFeePerGas: maxFeePerGas.toString(), attempt: label }, "transaction sent");
    };
    await broadcast("first");

    let lastSend = Date.now();
    const giveUp = Date.now() + Math.max(this.options.txStuckMs * 10, 120_000);
    while (Date.now() < giveUp) {
      // Not tied to the shutdown signal: a broadcast transaction is always seen through.
      await sleep(Math.min(this.options.pollMs, 1000));
      for (const hash of hashes) {
        let receipt: TransactionReceipt | undefined;
        try {
          receipt = await this.client.getTransactionReceipt({ hash });
        } catch (error) {
          if (!(error instanceof TransactionReceiptNotFoundError)) metrics.rpcErrors.inc();
          continue;
        }
        if (receipt.status === "success") {
          logger.info({ kind, hash, block: receipt.blockNumber.toString(), gasUsed: receipt.gasUsed.toString() }, "transaction mined");
          return receipt;
        }
        const revert = await this.explainRevert(request, receipt.blockNumber);
        metrics.txReverted.inc({ error: revert.errorName });
        logger.warn({ kind, hash, error: revert.errorName }, "transaction reverted");
        throw revert;
      }
      if (Date.now() - lastSend < this.options.txStuckMs) continue;
      // Stuck: was this nonce used by something else (a dropped tx, a re-org)?
      let latestNonce: number;
      try {
        latestNonce = await this.client.getTransactionCount({ address: account.address, blockTag: "latest" });
      } catch {
        metrics.rpcErrors.inc();
        continue;
      }
      if (latestNonce > nonce) {
        // Give the receipt one more poll round before calling it replaced.
        if (Date.now() - lastSend > this.options.txStuckMs * 2) {
          throw new RetryableError(`${kind}: nonce ${nonce} was used but none of our transactions has a receipt (dropped or re-organised)`);
        }
        continue;
      }
      if (maxFeePerGas < cap) {
        maxFeePerGas = (maxFeePerGas * 125n) / 100n + 1n;
        if (maxFeePerGas > cap) maxFeePerGas = cap;
        maxPriorityFeePerGas = (maxPriorityFeePerGas * 125n) / 100n + 1n;
        if (maxPriorityFeePerGas > maxFeePerGas) maxPriorityFeePerGas = maxFeePerGas;
        logger.warn({ kind, nonce, maxFeePerGas: maxFeePerGas.toString() }, "transaction stuck; replacing with higher fees");
        await broadcast("replacement");
      } else {
        logger.warn({ kind, nonce }, "transaction stuck at the fee cap; re-broadcasting");
        await broadcast("rebroadcast");
      }
      lastSend = Date.now();
    }
    throw new RetryableError(`${kind}: no receipt for nonce ${nonce} after ${Math.round((Date.now() - lastSend) / 1000)}s`);
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

