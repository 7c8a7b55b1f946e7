/**
 * Errors the SDK throws. Every one is a {@link PohError}; its class alone says whether trying
 * again can help (`RetryableError`) or not (`FatalError`, `InputError`), so an integrator's
 * server can decide without parsing messages.
 */
import { BaseError, ContractFunctionRevertedError } from "viem";
import { FatalError, InputError, PohError, RetryableError } from "../../oracle/src/errors.ts";

export { FatalError, InputError, PohError, RetryableError };

/** Why a job failed, as the coordinator's `FailureReason` enum names it. */
export type FailureReasonName = "Expired" | "NoAgreement" | "InputInvalid";

export const FAILURE_REASONS: readonly FailureReasonName[] = ["Expired", "NoAgreement", "InputInvalid"] as const;

/** The job did not end before the client's timeout. It may still end; asking again may succeed. */
export class VerificationTimeoutError extends RetryableError {
  constructor(
    readonly jobId: bigint | undefined,
    readonly timeoutMs: number,
    readonly stage: string,
  ) {
    super(`verification ${jobId === undefined ? "request" : `job ${jobId}`} timed out after ${timeoutMs} ms (last stage: ${stage})`);
  }
}

/** Fields every job-failure error carries. */
export interface JobFailureDetails {
  jobId: bigint;
  reason: FailureReasonName;
  /** Native coin credited back to the requester (pull it with `withdrawRefunds()`). */
  refund: bigint;
  /** The transaction that failed the job. */
  txHash: `0x${string}`;
}

/** Fewer than a quorum of the committee revealed in time. The fee was refunded; a new request may succeed. */
export class JobExpiredError extends RetryableError implements JobFailureDetails {
  readonly reason = "Expired" as const;
  constructor(readonly jobId: bigint, readonly refund: bigint, readonly txHash: `0x${string}`) {
    super(`job ${jobId} expired: fewer than a quorum of miners revealed in time (fee refunded)`);
  }
}

/** The committee's scores did not agree within tolerance. The fee was refunded; a new request may succeed. */
export class JobNoAgreementError extends RetryableError implements JobFailureDetails {
  readonly reason = "NoAgreement" as const;
  constructor(readonly jobId: bigint, readonly refund: bigint, readonly txHash: `0x${string}`) {
    super(`job ${jobId} failed: the committee did not agree (fee refunded)`);
  }
}

/** A quorum of miners found the payload unavailable or invalid. Sending the same payload again cannot help. */
export class JobInputRejectedError extends InputError implements JobFailureDetails {
  readonly reason = "InputInvalid" as const;
  constructor(readonly jobId: bigint, readonly refund: bigint, readonly txHash: `0x${string}`) {
    super(`job ${jobId} failed: miners could not fetch or validate the payload (fee refunded)`);
  }
}

export type JobFailedError = JobExpiredError | JobNoAgreementError | JobInputRejectedError;

/** Builds the failure error for a coordinator FailureReason value (1..3). */
export function jobFailedError(jobId: bigint, reason: number, refund: bigint, txHash: `0x${string}`): JobFailedError {
  if (reason === 3) return new JobInputRejectedError(jobId, refund, txHash);
  if (reason === 2) return new JobNoAgreementError(jobId, refund, txHash);
  return new JobExpiredError(jobId, refund, txHash);
}

/** A transaction reverted; `errorName` is the contract's custom error (e.g. FeeTooLow, ModelNotActive). */
export class ContractRevertError extends FatalError {
  constructor(
    readonly functionName: string,
    readonly errorName: string,
    readonly errorArgs: readonly unknown[],
    options?: { cause?: unknown },
  ) {
    super(`${functionName} reverted: ${errorName}(${errorArgs.map(String).join(", ")})`, options);
  }
}

/**
 * A transaction that passed gas estimation reverted when mined (the chain's state changed in
 * between, or it ran out of gas). Sending it again may succeed.
 */
export class TransactionRevertedError extends RetryableError {
  constructor(readonly functionName: string, readonly txHash: `0x${string}`, readonly outOfGas: boolean) {
    super(`${functionName} transaction ${txHash} reverted when mined${outOfGas ? " (out of gas)" : ""}`);
  }
}

/** The JSON-RPC endpoint failed or could not be reached. */
export class RpcError extends RetryableError {}

/** The payload store could not be reached or failed (5xx). */
export class PayloadStoreError extends RetryableError {}

/** The payload store refused the payload (too large, hash mismatch): sending it again cannot help. */
export class PayloadRejectedError extends InputError {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/** The client was closed while a request was waiting. */
export class ClientClosedError extends FatalError {
  constructor() {
    super("the PoH client was closed");
  }
}

/**
 * Maps an error from viem to the SDK's classes: a revert becomes {@link ContractRevertError}
 * with the custom error's name, anything else {@link RpcError}. PohErrors pass through.
 */
export function toPohError(err: unknown, functionName: string): PohError {
  if (err instanceof PohError) return err;
  if (err instanceof BaseError) {
    const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const name = revert.data?.errorName ?? revert.reason ?? "unknown revert";
      return new ContractRevertError(functionName, name, revert.data?.args ?? [], { cause: err });
    }
    return new RpcError(`${functionName}: ${err.shortMessage}`, { cause: err });
  }
  return new RpcError(`${functionName}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
