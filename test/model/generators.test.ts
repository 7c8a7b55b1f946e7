import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BOT_KINDS, generateSession, SESSION_KINDS } from "../../oracle/model/generators/index.ts";
import { parseTelemetry } from "../../oracle/src/payload/index.ts";

describe("session generators", () => {
  it("include a human kind and at least six bot kinds", () => {
    assert.ok(SESSION_KINDS.includes("human"));
    assert.ok(BOT_KINDS.length >= 6);
    assert.ok(!BOT_KINDS.includes("human"));
  });

  for (const kind of SESSION_KINDS) {
    it(`${kind}: valid format v1 through the wire, deterministic, seed-dependent, within the duration`, () => {
      for (const seed of [1, 2, 3]) {
        const a = generateSession(kind, seed, 20_000);
        const parsed = parseTelemetry(JSON.stringify(a));
        assert.deepEqual(parsed, a);
        assert.deepEqual(generateSession(kind, seed, 20_000), a);
        assert.ok(a.events.length >= 10, `${kind}/${seed} has ${a.events.length} events`);
        assert.ok(a.events[a.events.length - 1]!.t <= 20_000);
      }
      assert.notDeepEqual(generateSession(kind, 1, 20_000), generateSession(kind, 2, 20_000));
    });
  }

  it("draws the default duration from 10-60 s", () => {
    for (let seed = 0; seed < 20; seed++) {
      const s = generateSession("human", seed);
      const end = s.events[s.events.length - 1]!.t;
      assert.ok(end <= 60_000 && end > 5_000, `seed ${seed}: ${end}`);
    }
  });
});
