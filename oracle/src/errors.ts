/**
 * One error base for the oracle. The class alone tells the main loop whether retrying can help:
 * `RetryableError` (RPC down, timeout, nonce race) is retried with backoff; `FatalError` (bad
 * config, model hash mismatch) stops the program; `InputError` (a payload that is missing,
 * malformed or does not match its hash) makes the miner commit 65535 for that job.
 */
export class PohError extends Error {
  readonly retryable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Retrying later may succeed. */
export class RetryableError extends PohError {
  override readonly retryable = true;
}

/** Retrying cannot help; the process should stop and say why. */
export class FatalError extends PohError {}

/** The job's input is unavailable or invalid: the miner commits 65535 ("input unavailable or invalid"). */
export class InputError extends PohError {}

/** A config value is bad; the message names the variable. */
export class ConfigError extends FatalError {}
