/**
 * Unit tests for the GraphQL response cache's building blocks (indexer/src/api/cache.ts). The
 * end-to-end behaviour (hits, bypass, invalidation by a new event) is tested against a real
 * Ponder in indexer.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ResponseCache, freshReader, type CachedResponse } from "../../indexer/src/api/cache.ts";

/** A read whose resolution the test controls; records when each read started. */
function controlledReads() {
  const started: number[] = [];
  const resolvers: ((v: number) => void)[] = [];
  let clock = 0;
  const read = (): Promise<number> => {
    started.push(clock);
    return new Promise<number>((resolve) => resolvers.push(resolve));
  };
  return {
    read,
    started,
    tick: () => ++clock,
    /** Resolves read `i` with value `v` and lets the promise callbacks run. */
    finish: async (i: number, v: number) => {
      resolvers[i]!(v);
      for (let k = 0; k < 5; k++) await Promise.resolve();
    },
  };
}

const answer = (body: string): CachedResponse => ({ status: 200, headers: [["content-type", "application/json"]], body });

describe("freshReader", () => {
  it("shares one read among callers that arrive while no read is running", async () => {
    const c = controlledReads();
    const get = freshReader(c.read);
    const a = get();
    const b = get();
    // b arrived after a's read started, so it must not join it: it waits for the next read.
    assert.equal(c.started.length, 1);
    await c.finish(0, 1);
    assert.equal(await a, 1);
    assert.equal(c.started.length, 2, "a second read started for the caller that arrived during the first");
    await c.finish(1, 2);
    assert.equal(await b, 2);
  });

  it("gives every caller a read that started after it called, and shares the next read among all waiting callers", async () => {
    const c = controlledReads();
    const get = freshReader(c.read);
    const first = get(); // read 0 starts now
    c.tick();
    const late1 = get(); // arrives during read 0
    const late2 = get(); // also during read 0: joins late1's queued read
    assert.equal(c.started.length, 1);
    await c.finish(0, 10);
    assert.equal(await first, 10);
    assert.equal(c.started.length, 2);
    assert.ok(c.started[1]! >= 1, "the queued read started after the late callers arrived");
    c.tick();
    const later = get(); // arrives during read 1: needs read 2
    await c.finish(1, 20);
    assert.equal(await late1, 20);
    assert.equal(await late2, 20);
    assert.equal(c.started.length, 3);
    await c.finish(2, 30);
    assert.equal(await later, 30);
    // Idle again: a new caller starts a read at once.
    const idle = get();
    assert.equal(c.started.length, 4);
    await c.finish(3, 40);
    assert.equal(await idle, 40);
  });

  it("passes a failed read's error to its callers and keeps working", async () => {
    let n = 0;
    const get = freshReader(async () => {
      n++;
      if (n === 1) throw new Error("database down");
      return n;
    });
    await assert.rejects(get(), /database down/);
    assert.equal(await get(), 2);
  });
});

describe("ResponseCache", () => {
  it("answers only for the version it was stored under, and a new version drops everything", () => {
    const cache = new ResponseCache();
    cache.observe("v1");
    assert.equal(cache.set("q", "v1", answer("one")), true);
    assert.equal(cache.get("q", "v1")?.body, "one");
    assert.equal(cache.get("other", "v1"), undefined);
    assert.equal(cache.get("q", "v2"), undefined, "another version never sees v1's answer");
    cache.observe("v2");
    assert.equal(cache.size, 0);
    assert.equal(cache.get("q", "v2"), undefined);
    // Back to the old version string (a reorg to the same checkpoint): still empty.
    cache.observe("v1");
    assert.equal(cache.get("q", "v1"), undefined);
  });

  it("refuses answers computed for a version that is no longer current", () => {
    const cache = new ResponseCache();
    cache.observe("v1");
    cache.observe("v2");
    assert.equal(cache.set("q", "v1", answer("stale")), false);
    assert.equal(cache.get("q", "v2"), undefined);
    assert.equal(cache.set("q", "v2", answer("fresh")), true);
    assert.equal(cache.get("q", "v2")?.body, "fresh");
  });

  it("evicts the least recently used answers beyond its entry and size limits, and skips huge answers", () => {
    const cache = new ResponseCache({ maxEntries: 2, maxChars: 10, maxEntryChars: 6 });
    cache.observe("v");
    cache.set("a", "v", answer("aaa"));
    cache.set("b", "v", answer("bbb"));
    assert.equal(cache.get("a", "v")?.body, "aaa"); // a is now the most recently used
    cache.set("c", "v", answer("ccc")); // over 2 entries: b goes
    assert.equal(cache.get("b", "v"), undefined);
    assert.equal(cache.get("a", "v")?.body, "aaa");
    assert.equal(cache.get("c", "v")?.body, "ccc");
    cache.set("d", "v", answer("dddddd")); // 3 + 3 + 6 > 10 chars: the least recently used (a) goes
    assert.equal(cache.get("a", "v"), undefined);
    assert.equal(cache.get("d", "v")?.body, "dddddd");
    assert.ok(cache.size <= 2);
    assert.equal(cache.set("e", "v", answer("eeeeeee")), false, "larger than maxEntryChars");
    assert.equal(cache.get("e", "v"), undefined);
  });
});

describe("freshReader with a minimum interval", () => {
  it("starts reads at most every minIntervalMs, still after every caller arrived", async () => {
    const starts: number[] = [];
    const get = freshReader(async () => {
      starts.push(performance.now());
      return starts.length;
    }, 30);
    const t0 = performance.now();
    assert.equal(await get(), 1); // idle: starts at once
    const calledAt = performance.now();
    const [a, b] = await Promise.all([get(), get()]); // too soon: both share the next read
    assert.equal(a, 2);
    assert.equal(b, 2);
    assert.equal(starts.length, 2);
    assert.ok(starts[1]! >= calledAt, "the shared read started after the callers arrived");
    assert.ok(starts[1]! - starts[0]! >= 29, `reads ${starts[1]! - starts[0]!} ms apart`);
    assert.ok(starts[0]! >= t0);
  });
});
