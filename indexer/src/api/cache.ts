/**
 * The GraphQL response cache's two building blocks, free of Ponder so they can be unit-tested:
 *
 * - `freshReader(read)`: concurrent callers share reads, but every caller gets the result of a
 *   read that STARTED AFTER it called (a caller never joins a read already under way; it waits
 *   for the next one, which all callers arriving meanwhile share).
 * - `ResponseCache`: answers keyed by request, valid for one version of the indexed data only.
 *   Seeing any other version empties it; an answer computed for another version is not stored.
 */

/**
 * Wraps `read` so that concurrent callers share reads without ever getting a stale one. With
 * `minIntervalMs`, reads start at most that often: a caller may wait up to that long for the
 * next read, and under load the reads cost at most 1000 / minIntervalMs queries a second.
 */
export function freshReader<T>(read: () => Promise<T>, minIntervalMs = 0): () => Promise<T> {
  let running: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  let lastStart = Number.NEGATIVE_INFINITY;
  const start = (): Promise<T> => {
    lastStart = performance.now();
    const p = read();
    running = p;
    const clear = (): void => {
      if (running === p) running = undefined;
    };
    p.then(clear, clear);
    return p;
  };
  return () => {
    if (queued !== undefined) return queued;
    if (running === undefined && performance.now() - lastStart >= minIntervalMs) return start();
    const previous = running ?? Promise.resolve(undefined);
    const q = previous
      .then(
        () => undefined,
        () => undefined,
      )
      .then(async () => {
        const wait = lastStart + minIntervalMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait) + 1));
        queued = undefined;
        return start();
      });
    queued = q;
    return q;
  };
}

export type CachedResponse = { status: number; headers: [string, string][]; body: string };

export interface ResponseCacheOptions {
  /** Most answers kept (least recently used go first). */
  maxEntries: number;
  /** Most characters of answer bodies kept in total. */
  maxChars: number;
  /** Larger answers are never kept. */
  maxEntryChars: number;
}

export const DEFAULT_CACHE_OPTIONS: ResponseCacheOptions = {
  maxEntries: 2_000,
  maxChars: 64 * 1024 * 1024,
  maxEntryChars: 1024 * 1024,
};

/** Answers for one version of the data; LRU-bounded by entries and characters. */
export class ResponseCache {
  private version: string | undefined;
  private readonly entries = new Map<string, CachedResponse>();
  private chars = 0;

  constructor(private readonly options: ResponseCacheOptions = DEFAULT_CACHE_OPTIONS) {}

  /** Records the latest version seen; a different one drops every answer. */
  observe(version: string): void {
    if (version === this.version) return;
    this.version = version;
    this.entries.clear();
    this.chars = 0;
  }

  get(key: string, version: string): CachedResponse | undefined {
    if (version !== this.version) return undefined;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** Keeps `answer` if it was computed for the current version and fits. */
  set(key: string, version: string, answer: CachedResponse): boolean {
    if (version !== this.version) return false;
    if (answer.body.length > this.options.maxEntryChars) return false;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.chars -= old.body.length;
      this.entries.delete(key);
    }
    this.entries.set(key, answer);
    this.chars += answer.body.length;
    for (const [k, v] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && this.chars <= this.options.maxChars) break;
      this.entries.delete(k);
      this.chars -= v.body.length;
    }
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}
