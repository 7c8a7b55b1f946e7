import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RateLimiter, readDemoEnv, startDemoServer, type DemoServer } from "../../demo/server.ts";
import { createPohClient, type PohClient } from "../../sdk/src/client.ts";
import { ConfigError } from "../../oracle/src/errors.ts";
import { freePort } from "../helpers/devnet.ts";

const KEY = `0x${"11".repeat(32)}` as const;
const TELEMETRY = { v: 1, events: [{ t: 0, k: "move", x: 1, y: 2 }] };

describe("demo /api/verify limits", () => {
  it("RateLimiter admits perWindow per key in any window, then says when to retry", () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(2, 10, 60_000, () => now);
    const a = limiter.take("a");
    const b = limiter.take("a");
    assert.ok(a.ok && b.ok);
    a.release();
    b.release();
    const refused = limiter.take("a");
    assert.equal(refused.ok, false);
    assert.equal(refused.ok ? 0 : refused.retryAfterMs, 60_000);
    assert.ok(limiter.take("b").ok, "another address has its own budget");
    now += 30_000;
    const later = limiter.take("a");
    assert.equal(later.ok ? 0 : later.retryAfterMs, 30_000, "the window slides from the oldest admission");
    now += 30_000;
    assert.ok(limiter.take("a").ok, "a full window later the address is admitted again");
  });

  it("RateLimiter caps admissions in flight per key until they are released", () => {
    const limiter = new RateLimiter(100, 2, 60_000, () => 0);
    const first = limiter.take("a");
    const second = limiter.take("a");
    assert.ok(first.ok && second.ok);
    const third = limiter.take("a");
    assert.equal(third.ok, false);
    assert.equal(third.ok ? 0 : third.retryAfterMs, 1000);
    first.release();
    first.release(); // a second release of the same admission changes nothing
    const fourth = limiter.take("a");
    assert.ok(fourth.ok);
    assert.equal(limiter.take("a").ok, false, "second and fourth are still in flight");
  });

  it("RateLimiter rejects limits that would admit nothing", () => {
    assert.throws(() => new RateLimiter(0, 1), RangeError);
    assert.throws(() => new RateLimiter(1, 0), RangeError);
    assert.throws(() => new RateLimiter(1.5, 1), RangeError);
  });

  it("readDemoEnv reads the limits and names a bad variable", () => {
    const base = { POH_DEMO_KEY: KEY, POH_STORE_URL: "http://127.0.0.1:1" };
    const env = readDemoEnv({ ...base, POH_DEMO_VERIFY_PER_MINUTE: "7", POH_DEMO_VERIFY_MAX_IN_FLIGHT: "3" });
    assert.equal(env.POH_DEMO_VERIFY_PER_MINUTE, 7);
    assert.equal(env.POH_DEMO_VERIFY_MAX_IN_FLIGHT, 3);
    assert.equal(readDemoEnv(base).POH_DEMO_VERIFY_PER_MINUTE, 20);
    assert.throws(() => readDemoEnv({ ...base, POH_DEMO_VERIFY_PER_MINUTE: "0" }), (e: unknown) => e instanceof ConfigError && /POH_DEMO_VERIFY_PER_MINUTE/.test(e.message));
  });

  describe("the server", () => {
    let demo: DemoServer;
    let poh: PohClient;

    before(async () => {
      // A real SDK client whose chain and payload store are not running: every admitted
      // submission fails upstream (502), which is enough to see where the limit starts.
      const dead = await freePort();
      poh = createPohClient({
        rpcUrl: `http://127.0.0.1:${dead}`,
        privateKey: KEY,
        coordinator: "0x0000000000000000000000000000000000000001",
        store: `http://127.0.0.1:${dead}`,
        chainId: 31337,
        fee: 1n,
      });
      demo = await startDemoServer({ port: 0, poh, verifyLimit: { perMinute: 2, maxInFlight: 2 } });
    });
    after(async () => {
      poh.close();
      await demo.close();
    });

    it("answers 429 with Retry-After once an address used its submissions", async () => {
      const post = () =>
        fetch(`${demo.url}/api/verify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ telemetry: TELEMETRY }) });
      for (let i = 0; i < 2; i++) {
        const res = await post();
        assert.equal(res.status, 502, "admitted, then failed upstream");
        await res.arrayBuffer();
      }
      const limited = await post();
      assert.equal(limited.status, 429);
      const retryAfter = Number(limited.headers.get("retry-after"));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.match(((await limited.json()) as { error: string }).error, /too many verification requests/);
      const other = await fetch(`${demo.url}/api/config`);
      assert.equal(other.status, 200, "other routes are not limited");
      await other.arrayBuffer();
    });
  });
});
