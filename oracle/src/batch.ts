/**
 * Sending a batch of per-job calls (commits or reveals) as few transactions as possible. The
 * coordinator's batch calls are all-or-nothing, so when a batch would revert each job is checked
 * on its own (eth_call, no gas) and the passing ones go out together as ONE batch again; only if
 * that still reverts does it fall back to one transaction per job. The jobs that would revert are
 * returned with their decoded error, for the next round to decide about.
 */
import type { Logger } from "pino";
import { RevertError, type Submitted } from "./chain/index.ts";

export type BatchResult<T> = {
  /** Each transaction broadcast and the jobs it carries. */
  sent: { group: T[]; tx: Submitted }[];
  /** Jobs left out because their call would revert. */
  rejected: { item: T; error: RevertError }[];
};

/**
 * Submits `items` through `submit` (one transaction for the group). RevertErrors (from gas
 * estimation: nothing is sent) trigger the per-job filter; any other error is thrown.
 */
export async function submitFiltered<T>(
  items: readonly T[],
  submit: (group: T[]) => Promise<Submitted>,
  check: (item: T) => Promise<RevertError | null>,
  ctx: { what: string; id: (item: T) => string; logger: Logger; signal: AbortSignal },
): Promise<BatchResult<T>> {
  const { what, id, logger, signal } = ctx;
  const out: BatchResult<T> = { sent: [], rejected: [] };
  if (items.length === 0) return out;
  try {
    out.sent.push({ group: [...items], tx: await submit([...items]) });
    return out;
  } catch (error) {
    if (!(error instanceof RevertError)) throw error;
    if (items.length === 1) {
      logger.warn({ jobId: id(items[0]!), error: error.errorName }, `${what} would revert; left for the next round`);
      out.rejected.push({ item: items[0]!, error });
      return out;
    }
    logger.warn({ error: error.errorName, jobs: items.length }, `${what} batch would revert; checking jobs one by one`);
  }
  const checks = await Promise.all(items.map(async (item) => ({ item, revert: await check(item) })));
  const passing: T[] = [];
  for (const { item, revert } of checks) {
    if (revert) {
      logger.warn({ jobId: id(item), error: revert.errorName }, `${what} would revert; left for the next round`);
      out.rejected.push({ item, error: revert });
    } else passing.push(item);
  }
  if (passing.length === 0 || signal.aborted) return out;
  if (passing.length > 1) {
    try {
      out.sent.push({ group: passing, tx: await submit(passing) });
      return out;
    } catch (error) {
      if (!(error instanceof RevertError)) throw error;
      logger.warn({ error: error.errorName, jobs: passing.length }, `${what} batch still reverts; sending one by one`);
    }
  }
  for (const item of passing) {
    if (signal.aborted) break;
    try {
      out.sent.push({ group: [item], tx: await submit([item]) });
    } catch (error) {
      if (!(error instanceof RevertError)) throw error;
      logger.warn({ jobId: id(item), error: error.errorName }, `${what} would revert; left for the next round`);
      out.rejected.push({ item, error });
    }
  }
  return out;
}
