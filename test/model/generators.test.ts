import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BOT_KINDS, generateSession, HUMAN_KINDS, isHumanKind, SESSION_KINDS } from "../../oracle/model/generators/index.ts";
import { parseTelemetry } from "../../oracle/src/payload/index.ts";

describe("session generators", () => {
  it("include a human kind and at least six bot kinds", () => {
    assert.ok(SESSION_KINDS.includes("human"));
    assert.ok(BOT_KINDS.length >= 6);
    assert.ok(!BOT_KINDS.includes("human"));
    for (const k of HUMAN_KINDS) assert.ok(isHumanKind(k) && !BOT_KINDS.includes(k), k);
    assert.ok(!isHumanKind("instant") && BOT_KINDS.includes("instant") && BOT_KINDS.includes("formbot"));
    assert.equal(HUMAN_KINDS.length + BOT_KINDS.length, SESSION_KINDS.length);
  });

  it("instant: a form filled by automation in seconds, with command-latency key and click holds", () => {
    const spans: number[] = [];
    let keyDwells = 0;
    let fastKeyDwells = 0;
    for (let seed = 0; seed < 40; seed++) {
      const s = generateSession("instant", seed, 60_000);
      spans.push(s.events[s.events.length - 1]!.t - s.events[0]!.t);
      const down = new Map<number, number>();
      for (const e of s.events) {
        if (e.k === "keydown") down.set(e.key, e.t);
        else if (e.k === "keyup" && down.has(e.key)) {
          keyDwells++;
          if (e.t - down.get(e.key)! < 30) fastKeyDwells++;
          down.delete(e.key);
        }
      }
    }
    spans.sort((a, b) => a - b);
    assert.ok(spans[20]! < 8_000, `median span ${spans[20]} ms`);
    assert.ok(spans[0]! < 2_000, `shortest span ${spans[0]} ms`);
    assert.ok(keyDwells > 100 && fastKeyDwells / keyDwells > 0.7, `${fastKeyDwells}/${keyDwells} key dwells < 30 ms`);
  });

  it("human_form: a short sign-up form (seconds, not minutes) with moves, clicks and keys", () => {
    for (let seed = 0; seed < 20; seed++) {
      const s = generateSession("human_form", seed);
      const end = s.events[s.events.length - 1]!.t;
      assert.ok(end > 1_500 && end < 60_000, `seed ${seed}: ${end}`);
      assert.ok(s.events.some((e) => e.k === "keydown"), `seed ${seed}: keys`);
    }
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
