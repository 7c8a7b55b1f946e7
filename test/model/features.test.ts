import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateSession, SESSION_KINDS } from "../../oracle/model/generators/index.ts";
import { extractFeatures, FEATURE_NAMES, FEATURE_SPEC_VERSION, N_FEATURES } from "../../oracle/src/features/index.ts";
import { Rng } from "../../oracle/model/generators/rng.ts";
import { parseTelemetry, type Telemetry, type TelemetryEvent } from "../../oracle/src/payload/index.ts";
import { randomTelemetry } from "./random-telemetry.ts";



/** A continuous pointer path: strokes of varying length and duration with bell-shaped speed, some curvature, pauses between them. */
const STROKES = Array.from({ length: 60 }, (_, k) => ({ dur: 450 + 110 * ((k * 7) % 6), pause: 400 + 90 * ((k * 5) % 4) }));
function pathAt(t: number): [number, number] {
  const start = (i: number): [number, number] => [700 + (120 + 60 * (i % 6)) * Math.cos(i * 2.1), 500 + (80 + 50 * (i % 6)) * Math.sin(i * 1.3)];
  let k = 0;
  let t0 = 0;
  while (k < STROKES.length - 1 && t >= t0 + STROKES[k]!.dur + STROKES[k]!.pause) {
    t0 += STROKES[k]!.dur + STROKES[k]!.pause;
    k++;
  }
  const u = Math.min(1, (t - t0) / STROKES[k]!.dur);
  const s = u * u * u * (10 - 15 * u + 6 * u * u);
  const [x0, y0] = start(k);
  const [x1, y1] = start(k + 1);
  const bulge = 0.15 * Math.sin(Math.PI * s) * (k % 2 === 0 ? 1 : -1);
  return [x0 + (x1 - x0) * s - (y1 - y0) * bulge, y0 + (y1 - y0) * s + (x1 - x0) * bulge];
}

/** Samples the path like a browser: every dtMs (with optional jitter), only when the pixel changes. */
function record(dtMs: number, durationMs: number, jitter = 0): Telemetry {
  const events: TelemetryEvent[] = [];
  let lx = Number.NaN;
  let ly = Number.NaN;
  let i = 0;
  for (let t = 0; t <= durationMs; i++, t = i * dtMs + (jitter ? jitter * Math.sin(i * 12.9898) : 0)) {
    const [x, y] = pathAt(t);
    const rx = Math.round(x);
    const ry = Math.round(y);
    if (rx === lx && ry === ly) continue;
    lx = rx;
    ly = ry;
    events.push({ t: Math.round(t * 10) / 10, k: "move", x: rx, y: ry });
  }
  return { v: 1, events };
}

describe("feature extraction", () => {
  it("has a version and one name per feature", () => {
    assert.equal(typeof FEATURE_SPEC_VERSION, "number");
    assert.equal(FEATURE_NAMES.length, N_FEATURES);
    assert.equal(new Set(FEATURE_NAMES).size, N_FEATURES);
  });

  it("is deterministic: the same session gives the same bytes, also after other sessions used the scratch buffers", () => {
    for (const kind of SESSION_KINDS) {
      const s = generateSession(kind, 11);
      const a = extractFeatures(s);
      extractFeatures(generateSession("linear", 3));
      extractFeatures({ v: 1, events: [] });
      const b = extractFeatures(JSON.parse(JSON.stringify(s)) as Telemetry);
      assert.deepEqual(Buffer.from(a.buffer), Buffer.from(b.buffer), kind);
      assert.ok(a.every((v) => Number.isFinite(v)), `${kind}: all features finite`);
    }
  });

  it("is rate-invariant: the same trajectory recorded at 8 ms and at 33 ms gives close pointer features", () => {
    const fast = extractFeatures(record(8, 30_000));
    const slow = extractFeatures(record(33, 30_000, 3));
    assert.ok(record(8, 30_000).events.length > 3 * record(33, 30_000).events.length, "the two recordings really differ in rate");
    const bad: string[] = [];
    FEATURE_NAMES.forEach((name, i) => {
      const a = fast[i]!;
      const b = slow[i]!;
      if (Math.abs(a - b) > 0.1 + 0.1 * Math.max(Math.abs(a), Math.abs(b))) bad.push(`${name}: ${a.toFixed(3)} vs ${b.toFixed(3)}`);
    });
    assert.deepEqual(bad, []);
  });

  it("gives a meaningful vector with keys only: pointer block zero, key block filled", () => {
    const events: TelemetryEvent[] = [];
    for (let i = 0; i < 30; i++) {
      events.push({ t: i * 180, k: "keydown", key: (i % 5) + 1 });
      events.push({ t: i * 180 + 90 + (i % 3) * 10, k: "keyup", key: (i % 5) + 1 });
    }
    const f = extractFeatures({ v: 1, events });
    const at = (n: string): number => f[FEATURE_NAMES.indexOf(n as (typeof FEATURE_NAMES)[number])]!;
    assert.equal(at("p_present"), 0);
    assert.equal(at("p_log_speed_mean"), 0);
    assert.equal(at("k_present"), 1);
    assert.ok(Math.abs(at("k_log_dwell_mean") - Math.log1p(100)) < 0.05);
    assert.ok(Math.abs(at("k_log_flight_mean") - Math.log1p(180)) < 1e-3);
    assert.equal(at("k_rollover_frac"), 0);
  });

  it("gives a meaningful vector with the pointer only: key block zero", () => {
    const f = extractFeatures(record(16.7, 20_000));
    assert.equal(f[FEATURE_NAMES.indexOf("k_present")], 0);
    assert.equal(f[FEATURE_NAMES.indexOf("p_present")], 1);
    assert.ok(f[FEATURE_NAMES.indexOf("p_log_speed_mean")]! > 5);
  });

  it("counts key rollover and ignores auto-repeat", () => {
    const events: TelemetryEvent[] = [
      { t: 0, k: "keydown", key: 1 }, { t: 50, k: "keydown", key: 2 }, { t: 60, k: "keydown", key: 1 }, { t: 80, k: "keyup", key: 1 },
      { t: 120, k: "keyup", key: 2 }, { t: 300, k: "keydown", key: 3 }, { t: 380, k: "keyup", key: 3 },
    ];
    const f = extractFeatures({ v: 1, events });
    assert.ok(Math.abs(f[FEATURE_NAMES.indexOf("k_rollover_frac")]! - 1 / 3) < 1e-6);
  });

  it("gives finite features for arbitrary valid payloads", () => {
    const rng = new Rng(2024);
    for (let i = 0; i < 300; i++) {
      const tel = parseTelemetry(JSON.stringify(randomTelemetry(rng)));
      const f = extractFeatures(tel);
      const bad = FEATURE_NAMES.filter((_, j) => !Number.isFinite(f[j]!));
      assert.deepEqual(bad, [], `payload ${i} (${tel.events.length} events)`);
    }
  });

  it("spec v4 short-session features: equal-step straight strokes, jumps, fast holds, capped evidence, gated grid", () => {
    // What page.mouse.move(x, y, { steps: 5 }) + click + keyboard.type(text) records: 5 equal steps per
    // move, presses held a few ms, keys a few ms apart, the whole thing in about a second.
    const events: TelemetryEvent[] = [];
    let t = 50;
    let x = 0;
    let y = 0;
    for (let f = 0; f < 4; f++) {
      const tx = 300 + 40 * f;
      const ty = 200 + 70 * f;
      for (let i = 1; i <= 5; i++) {
        t += 17;
        events.push({ t, k: "move", x: Math.round(x + ((tx - x) * i) / 5), y: Math.round(y + ((ty - y) * i) / 5) });
      }
      x = tx;
      y = ty;
      events.push({ t: t + 2, k: "down", x, y, b: 0 }, { t: t + 5, k: "up", x, y, b: 0 });
      t += 8;
      for (let k = 0; k < 8; k++) {
        events.push({ t, k: "keydown", key: k + 1 }, { t: t + 3, k: "keyup", key: k + 1 });
        t += 6;
      }
    }
    const f = extractFeatures({ v: 1, events });
    const at = (n: string): number => f[FEATURE_NAMES.indexOf(n as (typeof FEATURE_NAMES)[number])]!;
    assert.equal(at("p_raw_equal_step_frac"), 1);
    // Under a second of pointer time: the 50 ms grid features are left at 0 (too few steps to mean anything).
    assert.equal(at("p_present"), 0);
    assert.equal(at("p_log_speed_mean"), 0);
    assert.equal(at("k_fast_dwell_frac"), 1);
    // 31 keydown-to-keydown intervals, of which the 3 that span a pointer move (about 100 ms) are not fast.
    assert.ok(Math.abs(at("k_fast_flight_frac") - 28 / 31) < 1e-6, `k_fast_flight_frac ${at("k_fast_flight_frac")}`);
    assert.equal(at("c_short_dwell_frac"), 1);
    // 4 clicks + 32 keydowns + 1 segment, capped at 30.
    assert.ok(Math.abs(at("s_log_actions") - Math.log1p(30)) < 1e-6, `s_log_actions ${at("s_log_actions")}`);
    const few = extractFeatures({ v: 1, events: events.slice(0, 7) });
    assert.ok(Math.abs(few[FEATURE_NAMES.indexOf("s_log_actions")]! - Math.log1p(2)) < 1e-6, "5 moves in one segment + 1 click");
    // The smooth human-like path: curved strokes with bell-shaped speed, pauses between them.
    const h = extractFeatures(record(16.7, 20_000, 2));
    const hat = (n: string): number => h[FEATURE_NAMES.indexOf(n as (typeof FEATURE_NAMES)[number])]!;
    assert.equal(hat("p_raw_equal_step_frac"), 0);
    assert.equal(hat("p_present"), 1);
    // Jumps count from two moves on (a teleporting pointer has too few moves for the grid features).
    const teleport = extractFeatures({ v: 1, events: [{ t: 10, k: "move", x: 10, y: 10 }, { t: 400, k: "move", x: 600, y: 300 }, { t: 900, k: "move", x: 200, y: 500 }] });
    assert.equal(teleport[FEATURE_NAMES.indexOf("p_present")], 0);
    assert.equal(teleport[FEATURE_NAMES.indexOf("p_jump_frac")], 1);
  });

  it("returns zeros for an empty session", () => {
    assert.ok(extractFeatures({ v: 1, events: [] }).every((v) => v === 0));
  });
});
