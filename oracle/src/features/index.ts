/**
 * Feature extraction, spec version {@link FEATURE_SPEC_VERSION}. Deterministic: the same Telemetry
 * always gives the same Float32Array. Rate-invariant by construction: pointer kinematics are
 * computed on the trajectory linearly resampled to a fixed {@link GRID_MS} grid inside each
 * movement segment (raw moves split at gaps > {@link SEGMENT_GAP_MS}), so an 8 ms desktop recorder
 * and a 33 ms browser give close values; no feature counts raw move events. Modalities that are
 * absent (no pointer, no keys, no wheel, no clicks) give a 0 presence flag and zeros, so the score
 * is computed from what is present. One pass over the events plus one over the resampled grid,
 * typed scratch arrays reused between calls (not re-entrant across threads; JS is single-threaded).
 */
import type { Telemetry } from "../payload/index.ts";

/** Bump whenever a feature's definition, order or the resampling changes (goes in the model registry). */
export const FEATURE_SPEC_VERSION = 4;
/** Resampling grid for pointer kinematics, ms. */
export const GRID_MS = 50;
/** A gap between raw moves longer than this ends a movement segment, ms. */
export const SEGMENT_GAP_MS = 250;

/** Feature names in vector order, with a one-line definition each (README and manifest list these). */
export const FEATURES = [
  ["session_log_duration_s", "ln(1 + duration of the window in s)"],
  ["p_present", "1 if there are >= 10 pointer moves spanning >= 1 s (the grid features below need that much; else they are 0)"],
  ["p_active_frac", "share of the window covered by movement segments"],
  ["p_pauses_per_min", "gaps > 250 ms between moves, per minute of pointer span"],
  ["p_log_speed_mean", "ln(1 + mean speed px/s) over moving grid steps"],
  ["p_speed_cv", "coefficient of variation of grid speed"],
  ["p_speed_tail_frac", "P(speed > 2x mean) under a log-normal with the grid speeds' mean and std"],
  ["p_log_acc_rel", "ln(1 + mean |acceleration| / mean speed) (1/s)"],
  ["p_log_jerk_rel", "ln(1 + mean |jerk| / mean |acceleration|) (1/s)"],
  ["p_acc_sign_flip_frac", "share of informative steps where acceleration changes sign"],
  ["p_turn_abs_mean", "mean |turning angle| between informative grid steps (rad)"],
  ["p_turn_std", "std of the signed turning angle (rad)"],
  ["p_turn_straight_frac", "share of informative steps with |turn| < 0.01 rad"],
  ["p_const_speed_frac", "share of informative steps with |delta speed| < 2% of speed"],
  ["p_log_curv_mean", "ln(1 + mean |curvature|) (1/kpx)"],
  ["p_stroke_straightness", "mean chord / path length of strokes"],
  ["p_stroke_straightness_std", "std of stroke straightness"],
  ["p_stroke_peaks_mean", "mean speed peaks per stroke (> 30% of its max)"],
  ["p_stroke_log_dur_mean", "mean ln(stroke duration ms)"],
  ["p_stroke_log_dur_std", "std of ln(stroke duration ms)"],
  ["p_stroke_log_len_mean", "mean ln(1 + stroke path px)"],
  ["p_stroke_peak_pos_mean", "mean (time of peak speed / stroke duration)"],
  ["p_stroke_peak_pos_std", "std of that ratio"],
  ["p_stroke_overshoot_frac", "share of strokes whose projection on the chord passes the end by > 2%"],
  ["p_stroke_dur_len_corr", "correlation of ln duration and ln length over strokes (Fitts)"],
  ["p_strokes_per_min", "strokes per minute of pointer span"],
  ["c_present", "1 if there is >= 1 complete click"],
  ["c_per_min", "clicks per minute of the window"],
  ["c_log_dwell_mean", "mean ln(1 + press-to-release ms)"],
  ["c_log_dwell_std", "std of ln(1 + dwell)"],
  ["c_log_move_to_click_mean", "mean ln(1 + ms from the last move to the press), capped at 5 s"],
  ["c_log_move_to_click_std", "std of that"],
  ["c_drag_frac", "share of clicks with movement between press and release"],
  ["k_present", "1 if there are >= 3 keydowns"],
  ["k_per_min", "keydowns per minute of the window"],
  ["k_log_dwell_mean", "mean ln(1 + keydown-to-keyup ms), dwells <= 2 s"],
  ["k_log_dwell_std", "std of ln(1 + dwell)"],
  ["k_short_dwell_frac", "share of dwells < 10 ms"],
  ["k_log_flight_mean", "mean ln(1 + keydown-to-next-keydown ms) for gaps < 2 s"],
  ["k_log_flight_std", "std of that"],
  ["k_flight_kurtosis", "excess kurtosis of flight ms (uniform -1.2, heavy tails > 0)"],
  ["k_flight_lag1_corr", "lag-1 autocorrelation of ln flight"],
  ["k_rollover_frac", "share of keydowns while another key is held (keys held > 2 s count as released)"],
  ["w_present", "1 if there are >= 3 wheel events"],
  ["w_per_min", "wheel events per minute of the window"],
  ["w_log_gap_mean", "mean ln(1 + gap ms) between wheel events < 1 s apart"],
  ["w_gap_cv", "coefficient of variation of those gaps"],
  ["w_delta_cv", "coefficient of variation of |dy| + |dx|"],
  ["p_jump_frac", "share of raw pointer displacement made in jumps (> 40 px at > 10 px/ms, or after a > 250 ms silence); from 2 moves on"],
  // ---- spec v4: short-session evidence (instant automation finishes a form in about a second)
  ["s_log_actions", "ln(1 + min(30, clicks + keydowns + wheel events + raw movement segments)): whether the window holds enough evidence (capped, so long windows all look alike)"],
  ["k_fast_dwell_frac", "share of key dwells < 30 ms"],
  ["k_fast_flight_frac", "share of keydown-to-next-keydown intervals < 30 ms"],
  ["c_short_dwell_frac", "share of clicks held < 30 ms"],
  ["p_raw_equal_step_frac", "share of raw strokes (moves split at gaps > 100 ms and at presses; >= 3 moves, chord >= 50 px) that are straight (chord >= 0.999 path) in equal steps (step-length CV < 0.1): a move in N equal steps"],
] as const satisfies readonly (readonly [string, string])[];

export type FeatureName = (typeof FEATURES)[number][0];
export const FEATURE_NAMES: readonly FeatureName[] = FEATURES.map((f) => f[0]);
export const N_FEATURES = FEATURES.length;

/** Running mean / variance (Welford) over plain numbers, allocation-free. */
class Stat {
  n = 0;
  mean = 0;
  m2 = 0;
  reset(): void {
    this.n = 0;
    this.mean = 0;
    this.m2 = 0;
  }
  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  std(): number {
    return this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0;
  }
  cv(): number {
    return this.n > 1 && this.mean > 1e-9 ? this.std() / this.mean : 0;
  }
}

let cap = 0;
let mt = new Float64Array(0);
let mx = new Float64Array(0);
let my = new Float64Array(0);
let kdT = new Float64Array(0);
let kdKey = new Int32Array(0);
let wT = new Float64Array(0);
let wD = new Float64Array(0);
let cDown = new Float64Array(0);
let cDownMoveIdx = new Int32Array(0);
let gx = new Float64Array(0);
let gy = new Float64Array(0);
/** Raw segment index under each grid point: a grid step is informative only if a raw vertex lies inside it. */
let gj = new Int32Array(0);

function ensure(n: number): void {
  if (n <= cap) return;
  cap = Math.max(n, cap * 2, 1024);
  mt = new Float64Array(cap);
  mx = new Float64Array(cap);
  my = new Float64Array(cap);
  kdT = new Float64Array(cap);
  kdKey = new Int32Array(cap);
  wT = new Float64Array(cap);
  wD = new Float64Array(cap);
  cDown = new Float64Array(cap);
  cDownMoveIdx = new Int32Array(cap);
}
function ensureGrid(n: number): void {
  if (n <= gx.length) return;
  const c = Math.max(n, gx.length * 2, 1024);
  gx = new Float64Array(c);
  gy = new Float64Array(c);
  gj = new Int32Array(c);
}

const sA = new Stat();
const sB = new Stat();
const sC = new Stat();
const sD = new Stat();
const sE = new Stat();
const sF = new Stat();
const sG = new Stat();
const sH = new Stat();

/** Dwells and key intervals shorter than this are faster than people press (automation command latency). */
const FAST_MS = 30;
/** A gap between raw moves longer than this, or a press, ends a raw stroke (raw shape features), ms. */
const STROKE_GAP_MS = 100;
/** Evidence count at which s_log_actions saturates. */
const ACTIONS_CAP = 30;
/** Grid kinematics need at least this much pointer time (the grid has 20 steps a second). */
const MIN_POINTER_SPAN_MS = 1000;

/** A keydown without keyup for this long is treated as released (for rollover and dwell). */
const STALE_KEY_MS = 2000;

/** Key-hold bookkeeping: opaque key id -> keydown time (only while held). */
const held = new Map<number, number>();

/** Extracts the feature vector of one session into `out` (or a new array) and returns it. */
export function extractFeatures(tel: Telemetry, out: Float32Array = new Float32Array(N_FEATURES)): Float32Array {
  const ev = tel.events;
  const n = ev.length;
  ensure(n + 1);
  out.fill(0);
  if (n === 0) return out;
  const t0 = ev[0]!.t;
  const duration = Math.max(ev[n - 1]!.t - t0, 1);
  const minutes = duration / 60_000;

  // ---- single pass over events
  let nm = 0;
  let nk = 0;
  let nw = 0;
  let nClicks = 0;
  let downT = -1;
  let downMoveIdx = -1;
  const dwellC = sA;
  dwellC.reset();
  const m2c = sB;
  m2c.reset();
  let drags = 0;
  let clickShort = 0;
  let kFastDwell = 0;
  const kDwell = sC;
  kDwell.reset();
  let shortDwell = 0;
  let rollover = 0;
  held.clear();
  for (let i = 0; i < n; i++) {
    const e = ev[i]!;
    switch (e.k) {
      case "move":
        mt[nm] = e.t;
        mx[nm] = e.x;
        my[nm] = e.y;
        nm++;
        break;
      case "down":
        downT = e.t;
        downMoveIdx = nm;
        break;
      case "up":
        if (downT >= 0) {
          const dw = e.t - downT;
          dwellC.add(Math.log1p(dw));
          if (dw < FAST_MS) clickShort++;
          if (nm > downMoveIdx) drags++;
          cDown[nClicks] = downT;
          cDownMoveIdx[nClicks] = downMoveIdx;
          nClicks++;
          downT = -1;
        }
        break;
      case "wheel":
        wT[nw] = e.t;
        wD[nw] = Math.abs(e.dx) + Math.abs(e.dy);
        nw++;
        break;
      case "keydown":
        if (held.size > 0) {
          // A key "held" for more than 2 s lost its keyup (focus change, recorder): forget it.
          for (const [k, t] of held) if (e.t - t > STALE_KEY_MS) held.delete(k);
        }
        if (held.has(e.key)) break; // auto-repeat
        if (held.size > 0) rollover++;
        held.set(e.key, e.t);
        kdT[nk] = e.t;
        kdKey[nk] = e.key;
        nk++;
        break;
      case "keyup": {
        const d = held.get(e.key);
        if (d !== undefined) {
          const dw = e.t - d;
          if (dw <= STALE_KEY_MS) {
            kDwell.add(Math.log1p(dw));
            if (dw < 10) shortDwell++;
            if (dw < FAST_MS) kFastDwell++;
          }
          held.delete(e.key);
        }
        break;
      }
    }
  }

  out[0] = Math.log1p(duration / 1000);

  // ---- clicks
  if (nClicks > 0) {
    out[26] = 1;
    out[27] = nClicks / minutes;
    out[28] = dwellC.mean;
    out[29] = dwellC.std();
    for (let c = 0; c < nClicks; c++) {
      const mi = cDownMoveIdx[c]! - 1;
      const gap = mi >= 0 ? Math.min(5000, Math.max(0, cDown[c]! - mt[mi]!)) : 5000;
      m2c.add(Math.log1p(gap));
    }
    out[30] = m2c.mean;
    out[31] = m2c.std();
    out[32] = drags / nClicks;
    out[52] = clickShort / nClicks;
  }

  // ---- keys
  if (nk >= 3) {
    out[33] = 1;
    out[34] = nk / minutes;
    out[35] = kDwell.mean;
    out[36] = kDwell.std();
    out[37] = kDwell.n > 0 ? shortDwell / kDwell.n : 0;
    const fl = sD;
    fl.reset();
    const flRaw = sE;
    flRaw.reset();
    let prevLog = Number.NaN;
    let lagN = 0;
    let lagSum = 0;
    let fastFlight = 0;
    for (let i = 1; i < nk; i++) {
      const f = kdT[i]! - kdT[i - 1]!;
      if (f < FAST_MS) fastFlight++;
      if (f >= 2000) {
        prevLog = Number.NaN;
        continue;
      }
      const lf = Math.log1p(f);
      fl.add(lf);
      flRaw.add(f);
      if (!Number.isNaN(prevLog)) {
        lagSum += lf * prevLog;
        lagN++;
      }
      prevLog = lf;
    }
    out[38] = fl.mean;
    out[39] = fl.std();
    if (flRaw.n >= 4) {
      const v = flRaw.m2 / flRaw.n;
      let m4 = 0;
      for (let i = 1; i < nk; i++) {
        const f = kdT[i]! - kdT[i - 1]!;
        if (f < 2000) m4 += (f - flRaw.mean) ** 4;
      }
      out[40] = v > 1e-9 ? Math.max(-3, Math.min(20, m4 / flRaw.n / (v * v) - 3)) : 0;
    }
    const vfl = fl.n > 1 ? fl.m2 / fl.n : 0;
    out[41] = lagN > 2 && vfl > 1e-9 ? Math.max(-1, Math.min(1, (lagSum / lagN - fl.mean * fl.mean) / vfl)) : 0;
    out[42] = rollover / nk;
    out[50] = kDwell.n > 0 ? kFastDwell / kDwell.n : 0;
    out[51] = fastFlight / (nk - 1);
  }

  // ---- wheel
  if (nw >= 3) {
    out[43] = 1;
    out[44] = nw / minutes;
    const g = sD;
    g.reset();
    const gr = sE;
    gr.reset();
    const dd = sF;
    dd.reset();
    for (let i = 0; i < nw; i++) {
      dd.add(wD[i]!);
      if (i > 0) {
        const gap = wT[i]! - wT[i - 1]!;
        if (gap < 1000) {
          g.add(Math.log1p(gap));
          gr.add(gap);
        }
      }
    }
    out[45] = g.mean;
    out[46] = gr.cv();
    out[47] = dd.cv();
  }

  // ---- pointer: raw-event features from 2 moves on; grid kinematics from 10 moves over >= 1 s
  // (below that a 50 ms grid has too few steps to say anything, and automation that finishes a
  // form in under a second would be judged on noise).
  let segments = 0;
  if (nm >= 2) segments = rawPointerFeatures(nm, nClicks, out);
  else if (nm === 1) segments = 1;
  if (nm >= 10 && mt[nm - 1]! - mt[0]! >= MIN_POINTER_SPAN_MS) pointerFeatures(nm, duration, out);
  out[49] = Math.log1p(Math.min(ACTIONS_CAP, nClicks + nk + nw + segments));
  return out;
}

/**
 * Jumps, and the shape of raw strokes, which need no resampling grid (works for sessions of a few
 * moves). A raw stroke is a run of moves split at gaps > STROKE_GAP_MS and at button presses.
 * Returns the number of movement segments (split at gaps > SEGMENT_GAP_MS).
 */
function rawPointerFeatures(nm: number, nClicks: number, out: Float32Array): number {
  let rawDist = 0;
  let jumpDist = 0;
  let segments = 1;
  let strokeStart = 0;
  let path = 0;
  let nStroke = 0;
  let equalN = 0;
  let c = 0;
  const closeStroke = (a: number, b: number): void => {
    if (b - a < 2) return;
    const chord = hyp(mx[b]! - mx[a]!, my[b]! - my[a]!);
    if (chord < 50) return;
    nStroke++;
    if (chord < 0.999 * path) return;
    // Step lengths of an automation move in N equal steps are equal whatever its timing.
    const st = sG;
    st.reset();
    for (let i = a + 1; i <= b; i++) st.add(hyp(mx[i]! - mx[i - 1]!, my[i]! - my[i - 1]!));
    if (st.cv() < 0.1) equalN++;
  };
  for (let i = 1; i < nm; i++) {
    const gap = mt[i]! - mt[i - 1]!;
    const d = hyp(mx[i]! - mx[i - 1]!, my[i]! - my[i - 1]!);
    rawDist += d;
    if (gap > SEGMENT_GAP_MS) {
      segments++;
      if (d > 40) jumpDist += d;
    } else if (d > 40 && d > 10 * Math.max(gap, 1)) jumpDist += d;
    // A press between moves i-1 and i, or a pause, ends the stroke.
    let pressed = false;
    while (c < nClicks && cDownMoveIdx[c]! <= i) {
      if (cDownMoveIdx[c] === i) pressed = true;
      c++;
    }
    if (gap > STROKE_GAP_MS || pressed) {
      closeStroke(strokeStart, i - 1);
      strokeStart = i;
      path = 0;
    } else path += d;
  }
  closeStroke(strokeStart, nm - 1);
  out[48] = rawDist > 0 ? jumpDist / rawDist : 0;
  out[53] = nStroke > 0 ? equalN / nStroke : 0;
  return segments;
}

function pointerFeatures(nm: number, duration: number, out: Float32Array): void {
  out[1] = 1;
  const span = Math.max(mt[nm - 1]! - mt[0]!, 1);
  const spanMin = span / 60_000;
  ensureGrid(Math.ceil(span / GRID_MS) + 4 * nm + 16);

  const speed = sA;
  speed.reset();
  const acc = sB;
  acc.reset();
  const jerk = sC;
  jerk.reset();
  const turn = sD;
  turn.reset();
  const curv = sE;
  curv.reset();
  const straight = sF;
  straight.reset();
  const peaksS = sG;
  peaksS.reset();
  const peakPos = sH;
  peakPos.reset();
  let turnAbs = 0;
  let turnStraight = 0;
  let nTurn = 0;
  let constSpeed = 0;
  let nConst = 0;
  let flips = 0;
  let nFlip = 0;
  let active = 0;
  let pauses = 0;
  let strokes = 0;
  let overshoots = 0;
  // Stroke duration/length accumulators for mean, std and correlation.
  let sdSum = 0;
  let sdSq = 0;
  let slSum = 0;
  let slSq = 0;
  let sdl = 0;
  let nPk = 0;

  let segStart = 0;
  for (let i = 1; i <= nm; i++) {
    if (i < nm && mt[i]! - mt[i - 1]! <= SEGMENT_GAP_MS) continue;
    if (i < nm) pauses++;
    const a = segStart;
    const b = i - 1;
    segStart = i;
    const segDur = mt[b]! - mt[a]!;
    if (segDur < GRID_MS || b - a < 1) continue;
    active += segDur;
    // Resample the segment on the grid by linear interpolation.
    let g = 0;
    let j = a;
    for (let t = mt[a]!; t <= mt[b]! + 1e-9; t += GRID_MS) {
      while (j < b - 1 && mt[j + 1]! < t) j++;
      const ta = mt[j]!;
      const tb = mt[j + 1]!;
      const u = tb > ta ? Math.min(1, Math.max(0, (t - ta) / (tb - ta))) : 1;
      gx[g] = mx[j]! + (mx[j + 1]! - mx[j]!) * u;
      gy[g] = my[j]! + (my[j + 1]! - my[j]!) * u;
      gj[g] = j;
      g++;
    }
    if (g < 3) continue;
    // Kinematics on the grid (units: px and s).
    const inv = 1000 / GRID_MS;
    let pathLen = 0;
    let prevV = -1;
    let prevA = 0;
    let prevDx = 0;
    let prevDy = 0;
    let prevMoved = false;
    let maxV = 0;
    let maxIdx = 0;
    const x0 = gx[0]!;
    const y0 = gy[0]!;
    const cx = gx[g - 1]! - x0;
    const cy = gy[g - 1]! - y0;
    const chord = hyp(cx, cy);
    let maxProj = 0;
    // First pass over the grid: speed, acc, jerk, turning, projection.
    for (let k = 1; k < g; k++) {
      // Grid points on one raw segment are collinear and equally spaced by construction (sparse
      // raw events); a pair of steps says something about shape or rhythm only if a raw vertex
      // lies inside it.
      const both = k >= 2 && gj[k] !== gj[k - 2];
      const dx = gx[k]! - gx[k - 1]!;
      const dy = gy[k]! - gy[k - 1]!;
      const d = hyp(dx, dy);
      pathLen += d;
      const v = d * inv;
      if (v > maxV) {
        maxV = v;
        maxIdx = k;
      }
      const moved = d > 0.5;
      if (moved) speed.add(v);
      if (prevV >= 0) {
        const av = (v - prevV) * inv;
        if (moved || prevV > 10) {
          acc.add(Math.abs(av));
          if (k >= 3) jerk.add(Math.abs(av - prevA) * inv);
          if (both && av !== 0 && prevA !== 0) {
            nFlip++;
            if ((av > 0) !== (prevA > 0)) flips++;
          }
          if (both && v > 10) {
            nConst++;
            if (Math.abs(v - prevV) < 0.02 * v) constSpeed++;
          }
        }
        prevA = av;
      }
      if (moved && prevMoved && both) {
        const cross = prevDx * dy - prevDy * dx;
        const dot = prevDx * dx + prevDy * dy;
        const ang = Math.atan2(cross, dot);
        turn.add(ang);
        turnAbs += Math.abs(ang);
        if (Math.abs(ang) < 0.01) turnStraight++;
        nTurn++;
        curv.add((Math.abs(ang) / Math.max(d, 1)) * 1000);
      }
      if (moved) {
        prevDx = dx;
        prevDy = dy;
      }
      prevMoved = moved;
      prevV = v;
      if (chord > 1) {
        const proj = ((gx[k]! - x0) * cx + (gy[k]! - y0) * cy) / chord;
        if (proj > maxProj) maxProj = proj;
      }
    }
    if (pathLen < 20) continue;
    // Stroke-level features.
    strokes++;
    straight.add(Math.min(1, chord / pathLen));
    if (chord > 20 && maxProj > chord * 1.02) overshoots++;
    let peaks = 0;
    for (let k = 2; k < g; k++) {
      const v1 = hyp(gx[k - 1]! - gx[k - 2]!, gy[k - 1]! - gy[k - 2]!) * inv;
      const v2 = hyp(gx[k]! - gx[k - 1]!, gy[k]! - gy[k - 1]!) * inv;
      const v3 = k + 1 < g ? hyp(gx[k + 1]! - gx[k]!, gy[k + 1]! - gy[k]!) * inv : 0;
      if (v2 > v1 && v2 >= v3 && v2 > 0.3 * maxV) peaks++;
    }
    if (g >= 3 && maxV > 0) {
      const v1 = hyp(gx[1]! - gx[0]!, gy[1]! - gy[0]!) * inv;
      const v2 = hyp(gx[2]! - gx[1]!, gy[2]! - gy[1]!) * inv;
      if (v1 > v2 && v1 > 0.3 * maxV) peaks++;
    }
    peaksS.add(peaks);
    peakPos.add(maxIdx / (g - 1));
    const ld = Math.log(Math.max(segDur, 1));
    const ll = Math.log1p(pathLen);
    sdSum += ld;
    sdSq += ld * ld;
    slSum += ll;
    slSq += ll * ll;
    sdl += ld * ll;
    nPk++;
  }

  out[2] = Math.min(1, active / duration);
  out[3] = pauses / Math.max(spanMin, 1 / 6);
  if (speed.n > 2) {
    out[4] = Math.log1p(speed.mean);
    out[5] = speed.cv();
    // A tail share from the moments (no second pass, no sort): log-normal fitted to mean and std.
    out[6] = speed.mean > 0 ? tailShare(speed.mean, speed.std()) : 0;
    out[7] = Math.log1p(acc.mean / Math.max(speed.mean, 1));
    out[8] = Math.log1p(jerk.mean / Math.max(acc.mean, 1));
  }
  out[9] = nFlip > 0 ? flips / nFlip : 0;
  if (nTurn > 0) {
    out[10] = turnAbs / nTurn;
    out[11] = turn.std();
    out[12] = turnStraight / nTurn;
    out[14] = Math.log1p(curv.mean);
  }
  out[13] = nConst > 0 ? constSpeed / nConst : 0;
  if (strokes > 0) {
    out[15] = straight.mean;
    out[16] = straight.std();
    out[17] = peaksS.mean;
    const md = sdSum / nPk;
    const ml = slSum / nPk;
    const vd = Math.max(0, sdSq / nPk - md * md);
    const vl = Math.max(0, slSq / nPk - ml * ml);
    out[18] = md;
    out[19] = Math.sqrt(vd);
    out[20] = ml;
    out[21] = peakPos.mean;
    out[22] = peakPos.std();
    out[23] = overshoots / strokes;
    out[24] = vd > 1e-9 && vl > 1e-9 ? (sdl / nPk - md * ml) / Math.sqrt(vd * vl) : 0;
    out[25] = strokes / Math.max(spanMin, 1 / 6);
  }
}

function hyp(a: number, b: number): number {
  return Math.sqrt(a * a + b * b);
}

/** P(speed > 2*mean) under a log-normal with the observed mean and std: a rate-free tail measure. */
function tailShare(mean: number, std: number): number {
  const cv2 = (std / mean) ** 2;
  const s2 = Math.log1p(cv2);
  const s = Math.sqrt(s2);
  if (s < 1e-6) return 0;
  const mu = Math.log(mean) - s2 / 2;
  const z = (Math.log(2 * mean) - mu) / s;
  return 0.5 * erfc(z / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** Extracts features for many sessions into one row-major [n, N_FEATURES] array. */
export function extractBatch(ts: readonly Telemetry[]): Float32Array {
  const out = new Float32Array(ts.length * N_FEATURES);
  for (let i = 0; i < ts.length; i++) extractFeatures(ts[i]!, out.subarray(i * N_FEATURES, (i + 1) * N_FEATURES));
  return out;
}
