/**
 * Synthetic sessions in telemetry format v1: a human-like generator and several bot families.
 * `generateSession(kind, seed, durationMs?)` is deterministic in (kind, seed, durationMs).
 *
 * - human     sigma-lognormal submovements with curvature, corrections, light tremor, movements
 *             chained without a pause, hover drift,
 *             log-normal click dwell / keystroke dwell and flight with rollover, wheel bursts,
 *             device sampling 8-60 ms with timer jitter.
 * - linear    straight lines at constant speed, fixed sampling, instant clicks, fixed-rate typing (pyautogui-like).
 * - bezier    cubic Bezier paths traversed at uniform parameter speed, uniform random delays.
 * - minjerk   minimum-jerk straight strokes (Flash & Hogan), Fitts-law durations, exact endpoints.
 * - lognormal single sigma-lognormal stroke per movement, straight, noiseless, fixed sampling.
 * - replay    a human-like session replayed with time-warp and positional noise.
 * - typing    uniform-jitter typing with teleporting pointer clicks (a scripted form filler).
 * - ghost     a "humanised" automation cursor (in the style of ghost-cursor): curved Bezier paths
 *             with random spread, Fitts-law durations, ease-in-out timing, overshoot and correction
 *             on long moves, browser-like sampling with jitter, scripted delays.
 * - human_form a person filling a short sign-up form (about 2-25 s): reading pause, moves to each
 *             field, clicks (or Tab), types a few words, ticks a box and submits.
 * - instant   a browser-automation form filler (Playwright / Puppeteer / Selenium style): the pointer
 *             teleports or moves in a few equal straight steps dispatched one per frame or per
 *             command, clicks and keys held only for the command latency (0-20 ms), no pauses except
 *             command stalls and scripted waits; the whole form in well under a few seconds.
 * - formbot   a scripted form filler at a human-ish pace: straight constant-speed moves in 10-50 equal
 *             steps, fixed or uniform key intervals (20-150 ms), fixed click dwell, fixed waits.
 * Bots may also scroll (fixed notches at scripted intervals) and press shift for capitals.
 */
import type { Telemetry, TelemetryEvent } from "../../src/payload/index.ts";
import { Rng, mixSeed } from "./rng.ts";

export const SESSION_KINDS = ["human", "human_form", "linear", "bezier", "minjerk", "lognormal", "replay", "typing", "ghost", "instant", "formbot"] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];
/** Kinds that generate people (label 1). */
export const HUMAN_KINDS: readonly SessionKind[] = ["human", "human_form"];
export const BOT_KINDS: readonly SessionKind[] = SESSION_KINDS.filter((k) => !HUMAN_KINDS.includes(k));
export function isHumanKind(kind: string): boolean {
  return (HUMAN_KINDS as readonly string[]).includes(kind);
}

const KIND_SALT: Record<SessionKind, number> = {
  human: 1, linear: 2, bezier: 3, minjerk: 4, lognormal: 5, replay: 6, typing: 7, ghost: 8, human_form: 9, instant: 10, formbot: 11,
};

type Screen = { w: number; h: number };

/** Accumulates events; the pointer position and clock live here. */
class Builder {
  events: TelemetryEvent[] = [];
  t = 0;
  x: number;
  y: number;
  lastX = Number.NaN;
  lastY = Number.NaN;
  constructor(readonly screen: Screen, x: number, y: number) {
    this.x = x;
    this.y = y;
  }
  move(t: number, x: number, y: number): void {
    const rx = Math.round(Math.min(this.screen.w - 1, Math.max(0, x)));
    const ry = Math.round(Math.min(this.screen.h - 1, Math.max(0, y)));
    this.x = rx;
    this.y = ry;
    // Browsers only fire mousemove when the pixel position changes.
    if (rx === this.lastX && ry === this.lastY) return;
    this.lastX = rx;
    this.lastY = ry;
    this.events.push({ t: round1(t), k: "move", x: rx, y: ry });
  }
  click(tDown: number, dwell: number, b = 0): void {
    this.events.push({ t: round1(tDown), k: "down", x: this.x, y: this.y, b });
    this.events.push({ t: round1(tDown + dwell), k: "up", x: this.x, y: this.y, b });
  }
  key(tDown: number, dwell: number, key: number): void {
    this.events.push({ t: round1(tDown), k: "keydown", key });
    this.events.push({ t: round1(tDown + dwell), k: "keyup", key });
  }
  wheel(t: number, dx: number, dy: number): void {
    this.events.push({ t: round1(t), k: "wheel", dx, dy });
  }
  finish(durationMs: number): Telemetry {
    const evs = this.events.filter((e) => e.t <= durationMs);
    // Stable sort by time (typing rollover and clicks interleave).
    const idx = evs.map((e, i) => [e.t, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return { v: 1, screen: { ...this.screen }, events: idx.map(([, i]) => evs[i] as TelemetryEvent) };
  }
}

function round1(t: number): number {
  return Math.round(t * 10) / 10;
}

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26, |error| < 1.5e-7.
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const k = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * k - 1.453152027) * k + 1.421413741) * k - 0.284496736) * k + 0.254829592) * k * Math.exp(-a * a);
  return s * y;
}

/** A sampling clock: next sample time after t for a device with nominal interval dt and jitter. */
type Clock = (t: number) => number;
function deviceClock(rng: Rng, dt: number, jitter: number, dropP: number): Clock {
  return (t) => {
    let next = t + dt * (1 + jitter * rng.normal() * 0.5);
    if (rng.chance(dropP)) next += dt; // a missed frame
    return Math.max(t + 1, next);
  };
}
function fixedClock(dt: number): Clock {
  return (t) => t + dt;
}

type Submovement = { t0: number; mu: number; sigma: number; dx: number; dy: number; bulge: number };

/** Fraction of a lognormal submovement done at time t. */
function lognormalFrac(s: Submovement, t: number): number {
  const dt = t - s.t0;
  if (dt <= 0) return 0;
  return 0.5 * (1 + erf((Math.log(dt) - s.mu) / (s.sigma * Math.SQRT2)));
}

function pickTarget(rng: Rng, screen: Screen, x: number, y: number): [number, number] {
  const d = Math.min(screen.w, screen.h) * rng.uniform(0.05, 0.7);
  const a = rng.uniform(0, 2 * Math.PI);
  let tx = x + d * Math.cos(a);
  let ty = y + d * Math.sin(a);
  if (tx < 10 || tx > screen.w - 10) tx = x - d * Math.cos(a);
  if (ty < 10 || ty > screen.h - 10) ty = y - d * Math.sin(a);
  return [Math.min(screen.w - 10, Math.max(10, tx)), Math.min(screen.h - 10, Math.max(10, ty))];
}

function fittsMs(rng: Rng, dist: number, width: number, a: number, b: number): number {
  return a + b * Math.log2(dist / width + 1) * rng.uniform(0.85, 1.15);
}

// ---------------------------------------------------------------- human-like

function humanMove(b: Builder, rng: Rng, clock: Clock, tx: number, ty: number, tremor: number): void {
  const x0 = b.x;
  const y0 = b.y;
  const dx = tx - x0;
  const dy = ty - y0;
  const dist = Math.hypot(dx, dy);
  const dur = fittsMs(rng, dist, rng.uniform(15, 60), 120, rng.uniform(90, 170));
  const subs: Submovement[] = [];
  // Primary submovement undershoots or overshoots a little; corrections overlap it.
  const reach = rng.uniform(0.88, 1.04);
  const sigma = rng.uniform(0.18, 0.32);
  const mu = Math.log(dur * 0.45);
  subs.push({ t0: b.t - dur * 0.08, mu, sigma, dx: dx * reach, dy: dy * reach, bulge: rng.normal() * 0.08 });
  let restX = dx * (1 - reach);
  let restY = dy * (1 - reach);
  const nCorr = dist < 80 ? rng.int(0, 1) : rng.int(1, 3);
  let tc = b.t + dur * rng.uniform(0.55, 0.8);
  for (let i = 0; i < nCorr; i++) {
    const errX = i === nCorr - 1 ? 0 : rng.normal() * 3;
    const errY = i === nCorr - 1 ? 0 : rng.normal() * 3;
    const cdx = restX + errX;
    const cdy = restY + errY;
    const cd = rng.uniform(120, 260);
    subs.push({ t0: tc, mu: Math.log(cd * 0.45), sigma: rng.uniform(0.2, 0.4), dx: cdx, dy: cdy, bulge: rng.normal() * 0.1 });
    restX -= cdx;
    restY -= cdy;
    tc += cd * rng.uniform(0.5, 0.9);
  }
  const tEnd = Math.max(b.t + dur, tc + 150);
  let nx = 0;
  let ny = 0;
  let t = b.t;
  while (t < tEnd) {
    t = clock(t);
    let px = x0;
    let py = y0;
    for (const s of subs) {
      const f = lognormalFrac(s, t);
      const bl = s.bulge * Math.sin(Math.PI * f);
      px += s.dx * f - s.dy * bl;
      py += s.dy * f + s.dx * bl;
    }
    nx = 0.7 * nx + tremor * rng.normal();
    ny = 0.7 * ny + tremor * rng.normal();
    b.move(t, px + nx, py + ny);
  }
  b.t = t;
}

function humanPause(b: Builder, rng: Rng, clock: Clock, ms: number): void {
  const end = b.t + ms;
  // Hover drift: a resting hand still nudges the mouse now and then.
  while (b.t < end) {
    const gap = rng.lognormal(700, 0.8);
    if (b.t + gap >= end) break;
    b.t += gap;
    const steps = rng.int(1, 6);
    let x = b.x;
    let y = b.y;
    const ddx = rng.normal() * 1.5;
    const ddy = rng.normal() * 1.5;
    for (let i = 0; i < steps; i++) {
      b.t = clock(b.t);
      x += ddx + rng.normal() * 0.5;
      y += ddy + rng.normal() * 0.5;
      b.move(b.t, x, y);
    }
  }
  b.t = Math.max(b.t, end);
}

function humanTyping(b: Builder, rng: Rng, nKeys: number, keyIds: number[], speed: number, dwellMedian: number, pShift: number): void {
  let t = b.t + 200;
  const shiftId = keyIds.length + 1;
  let wordLeft = rng.int(2, 9);
  for (let i = 0; i < nKeys; i++) {
    // Zipf-ish key choice.
    const key = keyIds[Math.min(keyIds.length - 1, Math.floor(keyIds.length * Math.pow(rng.next(), 2.2)))] as number;
    const dwell = Math.max(25, rng.lognormal(dwellMedian * speed, 0.35));
    if (rng.chance(pShift)) {
      // A modifier (shift) pressed before the key and released after it: long dwell and rollover.
      const lead = Math.max(30, rng.lognormal(130, 0.4));
      b.key(t - lead, lead + dwell + Math.max(10, rng.lognormal(90, 0.5)), shiftId);
      t += lead * 0.3;
    }
    b.key(t, dwell, key);
    let flight = Math.max(15, rng.lognormal(150 * speed, 0.5));
    if (--wordLeft <= 0) {
      flight += rng.lognormal(350, 0.6);
      wordLeft = rng.int(2, 9);
    }
    if (rng.chance(0.03)) flight += rng.lognormal(1200, 0.5); // thinking
    t += flight;
  }
  b.t = t + rng.lognormal(300, 0.4);
}

function humanScroll(b: Builder, rng: Rng): void {
  const n = rng.int(2, 14);
  const trackpad = rng.chance(0.4);
  const dir = rng.chance(0.7) ? 1 : -1;
  let t = b.t;
  for (let i = 0; i < n; i++) {
    const dy = trackpad ? Math.round(dir * Math.max(1, rng.lognormal(30, 0.6) * Math.exp(-i / n))) : dir * 100;
    b.wheel(t, trackpad && rng.chance(0.1) ? Math.round(rng.normal() * 3) || 0 : 0, dy);
    t += trackpad ? Math.max(5, rng.lognormal(18, 0.3)) : Math.max(15, rng.lognormal(70, 0.5));
  }
  b.t = t + rng.lognormal(400, 0.5);
}

function human(rng: Rng, durationMs: number): Telemetry {
  const screen = rng.pick([{ w: 1920, h: 1080 }, { w: 1366, h: 768 }, { w: 1536, h: 864 }, { w: 2560, h: 1440 }, { w: 1280, h: 800 }]);
  const dt = rng.pick([8, 8.3, 16.7, 16.7, 16.7, 33.3, 50]);
  const clock = deviceClock(rng, dt, rng.uniform(0.05, 0.4), rng.uniform(0, 0.05));
  const b = new Builder(screen, rng.uniform(100, screen.w - 100), rng.uniform(100, screen.h - 100));
  // Calibrated against the real sets: path curvature on the 50 ms grid and strokes that chain
  // several movements without a pause (real segments hold 2-4 speed peaks).
  const tremor = rng.uniform(0.03, 0.45);
  const pChain = rng.uniform(0.2, 0.7);
  const keyIds = Array.from({ length: rng.int(15, 40) }, (_, i) => i + 1);
  const typist = rng.uniform(0.7, 1.5);
  const pKeys = rng.pick([0, 0.15, 0.3]);
  const pClick = rng.pick([0, 0.3, 0.6, 0.8]);
  const dwellMedian = rng.uniform(80, 140);
  const pShift = rng.uniform(0, 0.25);
  const pWheel = rng.pick([0, 0.1, 0.25]);
  b.t = rng.uniform(50, 600);
  while (b.t < durationMs) {
    const r = rng.next();
    if (r < pKeys) {
      humanTyping(b, rng, rng.int(3, 25), keyIds, typist, dwellMedian, pShift);
    } else if (r < pKeys + pWheel) {
      humanScroll(b, rng);
    } else {
      const [tx, ty] = pickTarget(rng, screen, b.x, b.y);
      humanMove(b, rng, clock, tx, ty, tremor);
      if (rng.chance(pClick)) {
        b.t += Math.max(40, rng.lognormal(180, 0.6));
        b.click(b.t, Math.max(30, rng.lognormal(100, 0.3)), rng.chance(0.05) ? 2 : 0);
        b.t += 120;
      } else if (rng.chance(pChain)) {
        b.t += rng.lognormal(40, 0.7); // straight on to the next movement
        continue;
      }
    }
    humanPause(b, rng, clock, rng.lognormal(450, 0.9));
  }
  return b.finish(durationMs);
}

// ---------------------------------------------------------------- bots

/** A per-session delay sampler: scripted bots are often constant, sometimes narrow, sometimes uniform. */
function timing(rng: Rng, lo: number, hi: number): () => number {
  const mode = rng.int(0, 2);
  const c = rng.uniform(lo, hi);
  if (mode === 0) return () => c;
  if (mode === 1) return () => c * rng.uniform(0.95, 1.05);
  return () => rng.uniform(lo, hi);
}

type PathFn = (u: number) => [number, number];
type BotStyle = {
  clock: Clock;
  /** Movement duration for a path of this length. */
  duration: (dist: number) => number;
  /** Maps normalised time to normalised progress. */
  profile: (tau: number) => number;
  path: (x0: number, y0: number, x1: number, y1: number) => PathFn;
  delay: () => number;
  dwell: () => number;
  typing: { flight: () => number; dwell: () => number } | null;
  pKeys: number;
  pClick?: number;
};

function straight(x0: number, y0: number, x1: number, y1: number): PathFn {
  return (u) => [x0 + (x1 - x0) * u, y0 + (y1 - y0) * u];
}

function botMove(b: Builder, s: BotStyle, tx: number, ty: number, noise: Rng | null): void {
  const x0 = b.x;
  const y0 = b.y;
  const dur = Math.max(1, s.duration(Math.hypot(tx - x0, ty - y0)));
  const path = s.path(x0, y0, tx, ty);
  const t0 = b.t;
  let t = t0;
  while (t < t0 + dur) {
    t = s.clock(t);
    const tau = Math.min(1, (t - t0) / dur);
    const [px, py] = path(s.profile(tau));
    b.move(t, px + (noise ? noise.normal() * 0.4 : 0), py + (noise ? noise.normal() * 0.4 : 0));
  }
  b.move(t, tx, ty);
  b.t = t;
}

function runBot(rng: Rng, durationMs: number, s: BotStyle, teleport = false): Telemetry {
  const screen = rng.pick([{ w: 1920, h: 1080 }, { w: 1366, h: 768 }, { w: 1280, h: 720 }]);
  const b = new Builder(screen, rng.uniform(100, screen.w - 100), rng.uniform(100, screen.h - 100));
  b.t = rng.uniform(10, 300);
  let key = 1;
  const pShift = rng.pick([0, 0, 0.1, 0.3]);
  // Some scripts scroll too: bursts of fixed notches at a scripted interval.
  const pWheel = rng.pick([0, 0, 0.1, 0.2]);
  const wheelGap = timing(rng, 10, 200);
  const notch = rng.pick([100, 120, 53, 3]);
  while (b.t < durationMs) {
    if (rng.chance(pWheel)) {
      const n = rng.int(2, 12);
      const dir = rng.chance(0.7) ? 1 : -1;
      for (let i = 0; i < n; i++) {
        b.wheel(b.t, 0, dir * notch);
        b.t += wheelGap();
      }
    } else if (s.typing && rng.chance(s.pKeys)) {
      const n = rng.int(4, 30);
      for (let i = 0; i < n; i++) {
        const dw = s.typing.dwell();
        if (rng.chance(pShift)) {
          // Scripted capitals: shift down, key, shift up, each one scripted step apart.
          const step = Math.max(1, s.typing.dwell());
          b.key(b.t, step + dw + step, 99);
          b.t += step;
        }
        b.key(b.t, dw, key);
        key = (key % 26) + 1;
        b.t += Math.max(dw + 1, s.typing.flight());
      }
    } else {
      const [tx, ty] = pickTarget(rng, screen, b.x, b.y);
      if (teleport) {
        b.t += 1;
        b.move(b.t, tx, ty);
      } else {
        botMove(b, s, tx, ty, null);
      }
      if (rng.chance(s.pClick ?? 0.8)) {
        b.t += Math.max(0, s.delay() * 0.2);
        b.click(b.t, s.dwell());
        b.t += 1;
      }
    }
    b.t += s.delay();
  }
  return b.finish(durationMs);
}

function linear(rng: Rng, d: number): Telemetry {
  const dt = rng.pick([1, 5, 10, 16.7, 20]);
  const speed = rng.uniform(0.5, 4); // px/ms
  const instant = rng.chance(0.4); // pyautogui without a duration: the pointer jumps
  const fixedFlight = rng.uniform(5, 80);
  return runBot(rng, d, {
    clock: fixedClock(dt),
    duration: (dist) => (instant ? 0 : dist / speed),
    profile: (u) => u,
    path: straight,
    delay: timing(rng, 20, 400),
    dwell: timing(rng, 0.5, 30),
    typing: { flight: () => fixedFlight * (rng.chance(0.5) ? 1 : rng.uniform(0.9, 1.1)), dwell: timing(rng, 0.5, 30) },
    pKeys: rng.pick([0, 0.2, 0.4]),
    pClick: rng.pick([0.5, 0.8, 1]),
  });
}

function bezier(rng: Rng, d: number): Telemetry {
  const dt = rng.pick([10, 16.7, 20, 25]);
  return runBot(rng, d, {
    clock: fixedClock(dt),
    duration: (dist) => rng.uniform(200, 1200) + dist * rng.uniform(0.2, 1),
    profile: (u) => u,
    path: (x0, y0, x1, y1) => {
      const c1x = x0 + (x1 - x0) * rng.uniform(0, 1) + rng.normal() * 150;
      const c1y = y0 + (y1 - y0) * rng.uniform(0, 1) + rng.normal() * 150;
      const c2x = x0 + (x1 - x0) * rng.uniform(0, 1) + rng.normal() * 150;
      const c2y = y0 + (y1 - y0) * rng.uniform(0, 1) + rng.normal() * 150;
      return (u) => {
        const v = 1 - u;
        return [
          v * v * v * x0 + 3 * v * v * u * c1x + 3 * v * u * u * c2x + u * u * u * x1,
          v * v * v * y0 + 3 * v * v * u * c1y + 3 * v * u * u * c2y + u * u * u * y1,
        ];
      };
    },
    delay: timing(rng, 200, 2500),
    dwell: timing(rng, 30, 300),
    typing: { flight: timing(rng, 50, 400), dwell: timing(rng, 30, 350) },
    pKeys: rng.pick([0, 0.2, 0.4]),
    pClick: rng.pick([0, 0.5, 0.8, 1]),
  });
}

function minjerk(rng: Rng, d: number): Telemetry {
  const dt = rng.pick([8, 16.7, 16.7, 33.3]);
  const a = rng.uniform(100, 250);
  const bb = rng.uniform(100, 200);
  return runBot(rng, d, {
    clock: rng.chance(0.5) ? fixedClock(dt) : deviceClock(rng, dt, 0.2, 0.01),
    duration: (dist) => fittsMs(rng, dist, 30, a, bb),
    profile: (u) => u * u * u * (10 - 15 * u + 6 * u * u),
    path: straight,
    delay: timing(rng, 150, 1500),
    dwell: timing(rng, 40, 160),
    typing: { flight: timing(rng, 80, 300), dwell: timing(rng, 50, 150) },
    pKeys: rng.pick([0, 0.15, 0.3]),
    pClick: rng.pick([0, 0.5, 0.8, 1]),
  });
}

function lognormalBot(rng: Rng, d: number): Telemetry {
  const dt = rng.pick([8, 16.7, 16.7]);
  const sigma = rng.uniform(0.2, 0.35);
  return runBot(rng, d, {
    clock: fixedClock(dt),
    duration: (dist) => fittsMs(rng, dist, 30, 150, 150),
    profile: (u) => (u <= 0 ? 0 : 0.5 * (1 + erf(Math.log(u / 0.45) / (sigma * Math.SQRT2 * 2.2)))),
    path: straight,
    delay: () => rng.lognormal(600, 0.4),
    dwell: () => rng.lognormal(100, 0.15),
    typing: { flight: () => rng.lognormal(180, 0.2), dwell: () => rng.lognormal(95, 0.15) },
    pKeys: rng.pick([0, 0.2]),
    pClick: rng.pick([0, 0.5, 0.8, 1]),
  });
}

function typingBot(rng: Rng, d: number): Telemetry {
  const base = rng.uniform(60, 250);
  const jitter = rng.uniform(10, base * 0.6);
  return runBot(rng, d, {
    clock: fixedClock(10),
    duration: () => 1,
    profile: (u) => u,
    path: straight,
    delay: () => rng.uniform(100, 800),
    dwell: () => rng.uniform(20, 90),
    typing: { flight: () => base + rng.uniform(-jitter, jitter), dwell: () => rng.uniform(30, 90) },
    pKeys: 0.85,
  }, true);
}

function bezierPath(rng: Rng, x0: number, y0: number, x1: number, y1: number, spreadFrac: number): PathFn {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = Math.max(1, Math.hypot(dx, dy));
  const nx = -dy / len;
  const ny = dx / len;
  const spread = Math.min(200, Math.max(2, len * spreadFrac));
  const side = rng.chance(0.5) ? 1 : -1;
  const a = rng.uniform(0.2, 0.45);
  const b = rng.uniform(0.55, 0.8);
  const o1 = side * rng.uniform(0.3, 1) * spread;
  const o2 = side * rng.uniform(0.3, 1) * spread;
  const c1x = x0 + dx * a + nx * o1;
  const c1y = y0 + dy * a + ny * o1;
  const c2x = x0 + dx * b + nx * o2;
  const c2y = y0 + dy * b + ny * o2;
  return (u) => {
    const v = 1 - u;
    return [
      v * v * v * x0 + 3 * v * v * u * c1x + 3 * v * u * u * c2x + u * u * u * x1,
      v * v * v * y0 + 3 * v * v * u * c1y + 3 * v * u * u * c2y + u * u * u * y1,
    ];
  };
}

function ghost(rng: Rng, d: number): Telemetry {
  const dt = rng.pick([8, 16.7, 16.7, 33.3]);
  const spreadFrac = rng.uniform(0.05, 0.3);
  const overshootAbove = rng.uniform(300, 700);
  return runBot(rng, d, {
    clock: deviceClock(rng, dt, rng.uniform(0.05, 0.3), 0.01),
    duration: (dist) => fittsMs(rng, dist, rng.uniform(20, 80), rng.uniform(80, 200), rng.uniform(100, 200)),
    profile: (u) => (u < 0.5 ? 2 * u * u : 1 - (-2 * u + 2) ** 2 / 2),
    path: (x0, y0, x1, y1) => {
      const dist = Math.hypot(x1 - x0, y1 - y0);
      if (dist < overshootAbove) return bezierPath(rng, x0, y0, x1, y1, spreadFrac);
      // Overshoot past the target, then a short corrective curve back onto it.
      const r = rng.uniform(40, 120);
      const ang = rng.uniform(0, 2 * Math.PI);
      const ox = x1 + ((x1 - x0) / dist) * r * 0.7 + Math.cos(ang) * r * 0.3;
      const oy = y1 + ((y1 - y0) / dist) * r * 0.7 + Math.sin(ang) * r * 0.3;
      const first = bezierPath(rng, x0, y0, ox, oy, spreadFrac);
      const second = bezierPath(rng, ox, oy, x1, y1, spreadFrac);
      const split = rng.uniform(0.75, 0.88);
      return (u) => (u < split ? first(u / split) : second((u - split) / (1 - split)));
    },
    delay: timing(rng, 100, 2000),
    dwell: timing(rng, 20, 150),
    typing: { flight: timing(rng, 30, 250), dwell: timing(rng, 20, 120) },
    pKeys: rng.pick([0, 0.15, 0.3]),
    pClick: rng.pick([0.5, 0.8, 1]),
  });
}

function replay(rng: Rng, seed: number, d: number): Telemetry {
  const src = human(new Rng(mixSeed(seed, 991)), d / 0.8);
  const warp = rng.uniform(0.8, 1.2);
  const wobbleA = rng.uniform(0, 0.05);
  const wobbleP = rng.uniform(2000, 9000);
  const noise = rng.uniform(0.5, 2.5);
  const events: TelemetryEvent[] = [];
  let last = 0;
  for (const e of src.events) {
    let t = e.t * warp + wobbleA * wobbleP * Math.sin((2 * Math.PI * e.t) / wobbleP);
    t = Math.max(last, Math.round(t * 10) / 10);
    last = t;
    if (t > d) break;
    if (e.k === "move") events.push({ t, k: "move", x: Math.round(e.x + rng.normal() * noise), y: Math.round(e.y + rng.normal() * noise) });
    else events.push({ ...e, t });
  }
  return { v: 1, screen: src.screen ?? { w: 1920, h: 1080 }, events };
}

// ---------------------------------------------------------------- short form sessions

type Field = { x: number; y: number; w: number; h: number };

/** A sign-up form: 1-5 stacked text fields, an optional checkbox and a submit button. */
function formLayout(rng: Rng, screen: Screen): { fields: Field[]; check: Field | null; submit: Field } {
  const n = rng.int(1, 5);
  const w = rng.uniform(180, 420);
  const h = rng.uniform(24, 44);
  const x = rng.uniform(20, Math.max(30, screen.w - w - 20));
  let y = rng.uniform(60, Math.max(70, screen.h * 0.35));
  const gap = rng.uniform(50, 90);
  const fields: Field[] = [];
  for (let i = 0; i < n; i++) {
    fields.push({ x, y, w, h });
    y += gap;
  }
  const check = rng.chance(0.6) ? { x, y: y - gap * 0.3, w: 16, h: 16 } : null;
  const submit = { x, y: y + (check ? gap * 0.4 : 0), w: rng.uniform(90, w), h: h * 1.1 };
  return { fields, check, submit };
}

function humanForm(rng: Rng, durationMs: number): Telemetry {
  const screen = rng.pick([{ w: 1920, h: 1080 }, { w: 1366, h: 768 }, { w: 1536, h: 864 }, { w: 1280, h: 800 }, { w: 1440, h: 900 }]);
  const dt = rng.pick([8, 8.3, 16.7, 16.7, 16.7, 33.3]);
  const clock = deviceClock(rng, dt, rng.uniform(0.05, 0.4), rng.uniform(0, 0.05));
  const b = new Builder(screen, rng.uniform(100, screen.w - 100), rng.uniform(100, screen.h - 100));
  const tremor = rng.uniform(0.03, 0.45);
  const keyIds = Array.from({ length: rng.int(15, 40) }, (_, i) => i + 1);
  const tab = keyIds.length + 2;
  const typist = rng.uniform(0.6, 1.5);
  const dwellMedian = rng.uniform(70, 140);
  const pShift = rng.uniform(0, 0.25);
  const tabNav = rng.chance(0.2);
  const form = formLayout(rng, screen);
  const aim = (f: Field): [number, number] => [f.x + f.w * rng.uniform(0.15, 0.85), f.y + f.h * rng.uniform(0.25, 0.75)];
  const moveClick = (f: Field): void => {
    const [tx, ty] = aim(f);
    humanMove(b, rng, clock, tx, ty, tremor);
    b.t += Math.max(40, rng.lognormal(200, 0.6));
    b.click(b.t, Math.max(30, rng.lognormal(100, 0.3)));
    b.t += Math.max(30, rng.lognormal(150, 0.5));
  };
  b.t = 0;
  humanPause(b, rng, clock, rng.lognormal(1200, 0.7)); // reading the page
  form.fields.forEach((f, i) => {
    if (i === 0 || !tabNav) moveClick(f);
    else {
      b.key(b.t, Math.max(30, rng.lognormal(dwellMedian, 0.3)), tab);
      b.t += Math.max(60, rng.lognormal(250, 0.5));
    }
    humanTyping(b, rng, rng.int(3, 22), keyIds, typist, dwellMedian, pShift);
    if (rng.chance(0.5)) humanPause(b, rng, clock, rng.lognormal(350, 0.8));
  });
  if (form.check) moveClick(form.check);
  if (!tabNav || rng.chance(0.5)) moveClick(form.submit);
  else b.key(b.t, Math.max(30, rng.lognormal(dwellMedian, 0.3)), keyIds.length + 3); // Enter
  return b.finish(Math.min(durationMs, b.t + 100));
}

/** Latency of one automation command (CDP / WebDriver round trip): a few ms, with occasional stalls. */
function commandLatency(rng: Rng): () => number {
  // A busy machine (CI, a shared VM, a bot farm) stretches the round trip and stalls more often.
  const median = rng.uniform(0.3, 12);
  const sigma = rng.uniform(0.3, 0.9);
  const stallP = rng.uniform(0, 0.25);
  return () => rng.lognormal(median, sigma) + (rng.chance(stallP) ? rng.lognormal(40, 1) : 0);
}

/** Shared form-filling script for the instant and formbot kinds. */
type FormScript = {
  lat: () => number;
  /** Mouse-move steps per move (1 = teleport), or 0 for keyboard-only scripts. */
  steps: () => number;
  /** Time from one step to the next. */
  stepGap: (t: number) => number;
  clickDwell: () => number;
  keyDwell: () => number;
  keyGap: () => number;
  /** Wait between actions (scripted waitForTimeout or none). */
  wait: () => number;
  /** Types characters (keys) or sets the value (fill: no key events). */
  fill: boolean;
  exactCenter: boolean;
  /** Chance that the script goes on to another form after one. */
  again: number;
};

function runForm(rng: Rng, durationMs: number, s: FormScript): Telemetry {
  const screen = rng.pick([{ w: 1920, h: 1080 }, { w: 1366, h: 768 }, { w: 1280, h: 720 }, { w: 1280, h: 800 }]);
  // Automation starts the pointer at the viewport origin or wherever it last was.
  const b = new Builder(screen, rng.chance(0.6) ? 0 : rng.uniform(0, screen.w), rng.chance(0.6) ? 0 : rng.uniform(0, screen.h));
  b.t = rng.chance(0.5) ? rng.uniform(2, 120) : rng.uniform(120, 2500); // page load to the first command
  const keyboardOnly = s.steps() === 0;
  const tab = 90;
  const enter = 91;
  const target = (f: Field): [number, number] => (s.exactCenter
    ? [f.x + f.w / 2, f.y + f.h / 2]
    : [f.x + f.w * rng.uniform(0.1, 0.9), f.y + f.h * rng.uniform(0.2, 0.8)]);
  const moveTo = (tx: number, ty: number): void => {
    const n = Math.max(1, s.steps());
    const x0 = b.x;
    const y0 = b.y;
    for (let i = 1; i <= n; i++) {
      b.t = s.stepGap(b.t);
      b.move(b.t, x0 + ((tx - x0) * i) / n, y0 + ((ty - y0) * i) / n);
    }
  };
  const click = (f: Field): void => {
    moveTo(...target(f));
    b.t += s.lat();
    const dw = s.clickDwell();
    b.click(b.t, dw);
    b.t += dw + s.lat();
  };
  const press = (key: number): void => {
    const dw = s.keyDwell();
    b.key(b.t, dw, key);
    b.t += dw + s.keyGap();
  };
  let forms = 0;
  do {
    const form = formLayout(rng, screen);
    form.fields.forEach((f, i) => {
      if (keyboardOnly) {
        if (i > 0 || rng.chance(0.5)) press(tab);
      } else click(f);
      b.t += s.wait();
      if (s.fill) b.t += s.lat();
      else {
        const n = rng.int(3, 30);
        for (let k = 0; k < n; k++) press(1 + Math.floor(30 * Math.pow(rng.next(), 2)));
      }
      b.t += s.wait();
    });
    if (form.check) {
      if (keyboardOnly) {
        press(tab);
        press(41); // space ticks the box
      } else click(form.check);
    }
    if (keyboardOnly || rng.chance(0.2)) press(enter);
    else click(form.submit);
    forms++;
    b.t += rng.uniform(200, 3000); // the next page, if the script goes on
  } while (b.t < durationMs && forms < 20 && rng.chance(s.again));
  return b.finish(durationMs);
}

function instantBot(rng: Rng, durationMs: number): Telemetry {
  const lat = commandLatency(rng);
  const nSteps = rng.pick([0, 1, 1, 1, 1, 2, 3, 5, 10, 20]);
  const framePaced = rng.chance(0.6); // Chromium dispatches each mouse.move on the next animation frame
  const frame = rng.pick([16.7, 16.7, 8.3, 33.3]);
  const slowFrames = rng.pick([0, 0.1, 0.3, 0.5]);
  const keyDelay = rng.pick([0, 0, 0, 1, 2, 5, 10, 20]);
  const clickDelay = rng.pick([0, 0, 0, 5, 10, 20]);
  const interKey = rng.chance(0.5) ? keyDelay : 0; // Puppeteer waits between characters too, Playwright does not
  const waitP = rng.pick([0, 0, 0, 0.1, 0.3]);
  return runForm(rng, durationMs, {
    lat,
    steps: () => nSteps,
    // A loaded renderer drops frames, so some steps wait one to four frames more.
    stepGap: framePaced
      ? (t) => Math.ceil((t + lat()) / frame) * frame + (rng.chance(slowFrames) ? frame * rng.int(1, 4) : 0) + rng.uniform(0, 1.5)
      : (t) => t + lat(),
    clickDwell: () => clickDelay + lat(),
    keyDwell: () => keyDelay + lat(),
    keyGap: () => interKey + lat(),
    wait: () => (rng.chance(waitP) ? rng.uniform(20, 800) : 0),
    fill: rng.chance(0.15),
    exactCenter: rng.chance(0.7),
    again: 0.15,
  });
}

function formBot(rng: Rng, durationMs: number): Telemetry {
  const lat = commandLatency(rng);
  const nSteps = rng.int(8, 50);
  const stepDt = rng.pick([0, 5, 10, 16.7]);
  const keyDelay = timing(rng, 20, 150);
  const dwellMode = rng.int(0, 2);
  const clickDwell = timing(rng, 0, 100);
  const waitC = timing(rng, 0, 800);
  const keyboardOnly = rng.chance(0.05);
  return runForm(rng, durationMs, {
    lat,
    steps: () => (keyboardOnly ? 0 : nSteps),
    stepGap: (t) => (stepDt === 0 ? Math.ceil((t + lat()) / 16.7) * 16.7 : t + stepDt + lat() * 0.2),
    clickDwell,
    keyDwell: () => (dwellMode === 0 ? lat() : dwellMode === 1 ? keyDelay() : keyDelay() * 0.5 + lat()),
    keyGap: () => keyDelay() + lat(),
    wait: waitC,
    fill: rng.chance(0.1),
    exactCenter: rng.chance(0.6),
    again: 0.35,
  });
}

/**
 * Generates one synthetic session of the given kind, deterministic in its arguments.
 * @param durationMs window length; by default drawn from 10-60 s by the seed.
 */
export function generateSession(kind: SessionKind, seed: number, durationMs?: number): Telemetry {
  const rng = new Rng(mixSeed(seed, KIND_SALT[kind]));
  const d = durationMs ?? Math.round(rng.uniform(10_000, 60_000));
  switch (kind) {
    case "human": return human(rng, d);
    case "linear": return linear(rng, d);
    case "bezier": return bezier(rng, d);
    case "minjerk": return minjerk(rng, d);
    case "lognormal": return lognormalBot(rng, d);
    case "replay": return replay(rng, seed, d);
    case "typing": return typingBot(rng, d);
    case "ghost": return ghost(rng, d);
    case "human_form": return humanForm(rng, d);
    case "instant": return instantBot(rng, d);
    case "formbot": return formBot(rng, d);
  }
}
