/**
 * Dataset assembly (windows, augmentation, synthetic sessions), sample weighting, grouped
 * repeated k-fold cross-validation and metrics. Shared by train.ts and evaluate.ts.
 */
import { extractFeatures, N_FEATURES } from "../src/features/index.ts";
import type { Telemetry } from "../src/payload/index.ts";
import { predict, type TreeEnsemble } from "../src/inference/trees.ts";
import { cutWindows, DEFAULT_WINDOWS, resampleMoves, type DatasetName, type Session } from "./data/index.ts";
import { trainGbt, DEFAULT_GBT, type GbtOptions } from "./gbt.ts";
import { generateSession, isHumanKind, SESSION_KINDS, type SessionKind } from "./generators/index.ts";
import { Rng, mixSeed } from "./generators/rng.ts";

export type SampleDataset = DatasetName | "synthetic";
/** orig = the window as recorded; the others are augmentations used for training (and robustness rows). */
export type Variant = "orig" | "resampled" | "pointer-only" | "keys-only" | "moves-only" | "short" | RateVariant;
/** Evaluation-only copies re-recorded at a fixed interval; never used for training. */
export type RateVariant = "rate-8ms" | "rate-17ms" | "rate-33ms" | "rate-60ms";
export const RATE_VARIANTS: readonly RateVariant[] = ["rate-8ms", "rate-17ms", "rate-33ms", "rate-60ms"];
export function isTrainable(s: Sample): boolean {
  return !s.variant.startsWith("rate-");
}

export type Sample = {
  dataset: SampleDataset;
  kind: string; // human | simple | advanced | moderate_bot | a generator kind
  group: string;
  session: string;
  label: 0 | 1;
  variant: Variant;
  x: Float32Array;
};

export type BuildOptions = {
  seed: number;
  /** Resampled copies of each real window (random 8-60 ms interval with jitter). */
  resampled: number;
  /** Add pointer-only and keys-only copies of windows that have both, and moves-only copies of windows with clicks. */
  modalityDrop: boolean;
  synthetic: Partial<Record<SessionKind, number>>;
  /** Short cuts (1.5-10 s, random position) per session: what a quick sign-up form sends. */
  short: number;
  /** Add evaluation-only copies of real windows re-recorded at 8, 17, 33 and 60 ms (2 % jitter). */
  evalRates?: boolean;
};

export const DEFAULT_BUILD: BuildOptions = {
  seed: 1, resampled: 1, modalityDrop: true, short: 2,
  // formbot is left out on purpose: it is evaluated only as a family the model never saw.
  synthetic: { human: 150, human_form: 150, linear: 40, bezier: 40, minjerk: 40, lognormal: 40, replay: 40, typing: 40, ghost: 40, instant: 120 },
};

function hasPointer(t: Telemetry): boolean {
  return t.events.some((e) => e.k === "move");
}
function hasKeys(t: Telemetry): boolean {
  return t.events.some((e) => e.k === "keydown");
}
function onlyKinds(t: Telemetry, keep: (k: string) => boolean): Telemetry {
  const events = t.events.filter((e) => keep(e.k));
  const t0 = events[0]?.t ?? 0;
  return { v: 1, events: events.map((e) => ({ ...e, t: e.t - t0 })) };
}

/**
 * Synthetic kinds that get no pointer-only / moves-only copies: their evidence is in key and click
 * timing, and their pointer alone (straight lines between form fields) would only teach the model
 * that straight mouse paths are bots, which real people on some recorders also draw (web-bots'
 * humans: the transfer to that set lost 8 points of human FPR with those copies).
 */
const NO_POINTER_COPIES: ReadonlySet<string> = new Set(["instant", "formbot"]);

function addVariants(out: Sample[], base: Omit<Sample, "variant" | "x">, w: Telemetry, rng: Rng, o: BuildOptions): void {
  const pointerCopies = !(base.dataset === "synthetic" && NO_POINTER_COPIES.has(base.kind));
  out.push({ ...base, variant: "orig", x: extractFeatures(w) });
  if (hasPointer(w)) {
    for (let r = 0; r < o.resampled; r++) {
      out.push({ ...base, variant: "resampled", x: extractFeatures(resampleMoves(w, rng, rng.uniform(8, 60), rng.uniform(0, 0.3))) });
    }
  }
  if (o.modalityDrop && hasPointer(w) && hasKeys(w)) {
    if (pointerCopies) out.push({ ...base, variant: "pointer-only", x: extractFeatures(onlyKinds(w, (k) => !k.startsWith("key"))) });
    const ko = onlyKinds(w, (k) => k.startsWith("key"));
    if (ko.events.length >= 6) out.push({ ...base, variant: "keys-only", x: extractFeatures(ko) });
  }
  if (o.evalRates && hasPointer(w)) {
    // Own generator, so that adding these copies leaves the training samples unchanged.
    const r2 = new Rng(mixSeed(hashString(base.session), w.events.length));
    for (const v of RATE_VARIANTS) {
      out.push({ ...base, variant: v, x: extractFeatures(resampleMoves(w, r2, Number(v.slice(5, -2)), 0.02)) });
    }
  }
  // Moves only (no clicks, no keys): what a recorder that drops clicks (web-bots) would send.
  if (o.modalityDrop && pointerCopies && hasPointer(w) && w.events.some((e) => e.k === "down")) {
    out.push({ ...base, variant: "moves-only", x: extractFeatures(onlyKinds(w, (k) => k === "move")) });
  }
}

/** Short window bounds (SHORT_MIN_MS..SHORT_MAX_MS) and the fewest events one must hold. */
export const SHORT_MIN_MS = 1_500;
export const SHORT_MAX_MS = 10_000;
const SHORT_MIN_EVENTS = 8;

/**
 * `n` short cuts of a session at random positions (rebased to t = 0), for sessions longer than the
 * cut; each must hold at least SHORT_MIN_EVENTS events. Own generator, so the other variants are unchanged.
 */
export function shortWindows(t: Telemetry, n: number, seed: number): Telemetry[] {
  const ev = t.events;
  if (ev.length < SHORT_MIN_EVENTS || n <= 0) return [];
  const rng = new Rng(seed);
  const t0 = ev[0]!.t;
  const end = ev[ev.length - 1]!.t;
  const out: Telemetry[] = [];
  for (let i = 0; i < n; i++) {
    const len = rng.uniform(SHORT_MIN_MS, SHORT_MAX_MS);
    if (end - t0 <= len * 1.5) break;
    const a = rng.uniform(t0, end - len);
    const w = ev.filter((e) => e.t >= a && e.t < a + len);
    if (w.length < SHORT_MIN_EVENTS) continue;
    const f = w[0]!.t;
    out.push({ v: 1, events: w.map((e) => ({ ...e, t: Math.round((e.t - f) * 1000) / 1000 })) });
  }
  return out;
}

function addShort(out: Sample[], base: Omit<Sample, "variant" | "x">, t: Telemetry, n: number, seed: number): void {
  for (const w of shortWindows(t, n, seed)) out.push({ ...base, variant: "short", x: extractFeatures(w) });
}

/** Windows + augmentations for real sessions. */
export function realSamples(sessions: readonly Session[], o: BuildOptions): Sample[] {
  const out: Sample[] = [];
  for (const s of sessions) {
    const rng = new Rng(mixSeed(o.seed, hashString(s.dataset + ":" + s.id)));
    const windows = cutWindows(s.telemetry, rng, DEFAULT_WINDOWS);
    windows.forEach((w, i) => {
      addVariants(out, { dataset: s.dataset, kind: s.kind, group: s.group, session: `${s.dataset}:${s.id}`, label: s.label }, w, rng, o);
      void i;
    });
    addShort(out, { dataset: s.dataset, kind: s.kind, group: s.group, session: `${s.dataset}:${s.id}`, label: s.label }, s.telemetry, o.short, mixSeed(o.seed, hashString("short:" + s.dataset + ":" + s.id)));
  }
  return out;
}

/** Synthetic sessions from the generators (seeds offset so train and held-out test sets never share one). */
export function syntheticSamples(counts: Partial<Record<SessionKind, number>>, seedBase: number, o: Pick<BuildOptions, "modalityDrop" | "seed"> & { short?: number }): Sample[] {
  const out: Sample[] = [];
  for (const kind of SESSION_KINDS) {
    const n = counts[kind] ?? 0;
    for (let i = 0; i < n; i++) {
      const seed = seedBase + i;
      const t = generateSession(kind, seed);
      const rng = new Rng(mixSeed(o.seed, seed * 31 + kind.length));
      const base = { dataset: "synthetic", kind, group: `synthetic:${kind}:${seed}`, session: `synthetic:${kind}:${seed}`, label: isHumanKind(kind) ? 1 : 0 } as const;
      addVariants(out, base, t, rng, { ...DEFAULT_BUILD, resampled: 0, modalityDrop: o.modalityDrop });
      addShort(out, base, t, o.short ?? 0, mixSeed(o.seed, seed * 31 + kind.length + 7));
    }
  }
  return out;
}

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A weighting source: data set x kind, except that the synthetic people (`human`, `human_form`)
 * count as one source, so that synthetic humans keep the same share of the human class as the
 * real sets do not lose weight to them.
 */
function sourceKey(s: Sample): string {
  return s.dataset === "synthetic" && s.label === 1 ? "1|synthetic|people" : `${s.label}|${s.dataset}|${s.kind}`;
}

/** Weights: within each class every source (dataset + kind) has the same total; the classes are balanced. */
export function sampleWeights(samples: readonly Sample[]): Float64Array {
  const count = new Map<string, number>();
  const sources = [new Set<string>(), new Set<string>()];
  for (const s of samples) {
    const key = sourceKey(s);
    count.set(key, (count.get(key) ?? 0) + 1);
    sources[s.label]!.add(key);
  }
  return Float64Array.from(samples, (s) => {
    const key = sourceKey(s);
    return 1000 / (count.get(key)! * sources[s.label]!.size);
  });
}

export function toMatrix(samples: readonly Sample[]): Float32Array {
  const X = new Float32Array(samples.length * N_FEATURES);
  samples.forEach((s, i) => X.set(s.x, i * N_FEATURES));
  return X;
}

/** Trains on the trainable samples (evaluation-only variants are dropped). */
export function fit(all: readonly Sample[], gbt: GbtOptions = DEFAULT_GBT): { model: TreeEnsemble; gain: Float64Array } {
  const samples = all.filter(isTrainable);
  return trainGbt(toMatrix(samples), Uint8Array.from(samples, (s) => s.label), sampleWeights(samples), N_FEATURES, gbt);
}

export function predictAll(model: TreeEnsemble, samples: readonly Sample[]): Float64Array {
  return Float64Array.from(samples, (s) => predict(model, s.x, 0));
}

// ---------------------------------------------------------------- metrics

export type Metrics = { n: number; humans: number; bots: number; accuracy: number; auc: number; humanFpr: number; botMiss: number };

/** Metrics at a threshold on P(human). auc is NaN when one class is absent; rates NaN when their class is absent. */
export function metrics(p: ArrayLike<number>, y: ArrayLike<number>, threshold: number): Metrics {
  let correct = 0;
  let humans = 0;
  let bots = 0;
  let fp = 0;
  let miss = 0;
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const human = y[i] === 1;
    const callHuman = p[i]! >= threshold;
    if (human === callHuman) correct++;
    if (human) {
      humans++;
      pos.push(p[i]!);
      if (!callHuman) fp++;
    } else {
      bots++;
      neg.push(p[i]!);
      if (callHuman) miss++;
    }
  }
  return { n: y.length, humans, bots, accuracy: y.length ? correct / y.length : Number.NaN, auc: auc(pos, neg), humanFpr: humans ? fp / humans : Number.NaN, botMiss: bots ? miss / bots : Number.NaN };
}

/** ROC AUC by the rank statistic (ties count half). */
export function auc(pos: number[], neg: number[]): number {
  if (pos.length === 0 || neg.length === 0) return Number.NaN;
  const all = [...pos.map((v) => [v, 1] as const), ...neg.map((v) => [v, 0] as const)].sort((a, b) => a[0] - b[0]);
  let rankSumPos = 0;
  let i = 0;
  while (i < all.length) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]![0] === all[i]![0]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k]![1] === 1) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

export type Spread = { mean: number; std: number; n: number };
export function spread(xs: readonly number[]): Spread {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { mean: Number.NaN, std: Number.NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length };
}

/** Group-stratified fold assignment: groups shuffled per class and dealt round-robin. */
export function assignFolds(samples: readonly Sample[], k: number, seed: number): Map<string, number> {
  const groupsByLabel: [string[], string[]] = [[], []];
  const seen = new Set<string>();
  for (const s of samples) {
    if (seen.has(s.group)) continue;
    seen.add(s.group);
    groupsByLabel[s.label].push(s.group);
  }
  const rng = new Rng(seed);
  const fold = new Map<string, number>();
  let offset = 0;
  for (const gs of groupsByLabel) {
    gs.sort();
    for (let i = gs.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [gs[i], gs[j]] = [gs[j]!, gs[i]!];
    }
    gs.forEach((g, i) => fold.set(g, (i + offset) % k));
    offset += gs.length;
  }
  return fold;
}

export type CvRun = {
  /** Out-of-fold P(human) per sample, one array per repeat. */
  oof: Float64Array[];
  /** Fold-level metrics on orig samples over all folds of all repeats. */
  foldMetrics: Metrics[];
  /** Group -> fold, one map per repeat. */
  folds: Map<string, number>[];
  k: number;
};

/** Repeated grouped k-fold CV: trains on all variants of the training groups, predicts every sample of the test groups. */
export function crossValidate(samples: readonly Sample[], k: number, seeds: readonly number[], threshold: number, gbt: GbtOptions = DEFAULT_GBT): CvRun {
  const oof: Float64Array[] = [];
  const foldMetrics: Metrics[] = [];
  const folds: Map<string, number>[] = [];
  for (const seed of seeds) {
    const fold = assignFolds(samples, k, seed);
    folds.push(fold);
    const p = new Float64Array(samples.length).fill(Number.NaN);
    for (let f = 0; f < k; f++) {
      const train = samples.filter((s) => fold.get(s.group) !== f);
      const testIdx: number[] = [];
      samples.forEach((s, i) => {
        if (fold.get(s.group) === f) testIdx.push(i);
      });
      const { model } = fit(train, { ...gbt, seed: mixSeed(gbt.seed, seed * 100 + f) });
      for (const i of testIdx) p[i] = predict(model, samples[i]!.x, 0);
      const orig = testIdx.filter((i) => samples[i]!.variant === "orig");
      foldMetrics.push(metrics(orig.map((i) => p[i]!), orig.map((i) => samples[i]!.label), threshold));
    }
    oof.push(p);
  }
  return { oof, foldMetrics, folds, k };
}

/** Metrics for a subset of samples, computed per repeat on pooled out-of-fold predictions, then mean +- std over repeats. */
export function subsetMetrics(run: CvRun, samples: readonly Sample[], pick: (s: Sample) => boolean, threshold: number): Record<keyof Metrics, Spread> {
  const idx: number[] = [];
  samples.forEach((s, i) => {
    if (pick(s)) idx.push(i);
  });
  const per = run.oof.map((p) => metrics(idx.map((i) => p[i]!), idx.map((i) => samples[i]!.label), threshold));
  return summarise(per);
}

export function summarise(per: readonly Metrics[]): Record<keyof Metrics, Spread> {
  const keys: (keyof Metrics)[] = ["n", "humans", "bots", "accuracy", "auc", "humanFpr", "botMiss"];
  const out = {} as Record<keyof Metrics, Spread>;
  for (const key of keys) out[key] = spread(per.map((m) => m[key]));
  return out;
}

/**
 * Session-level metrics (mean P over a session's orig windows). perFold = false: pooled per repeat,
 * spread over repeats; perFold = true: per fold of every repeat, spread over folds (the published
 * baseline's convention).
 */
export function sessionMetrics(run: CvRun, samples: readonly Sample[], pick: (s: Sample) => boolean, threshold: number, perFold = false): Record<keyof Metrics, Spread> {
  const per: Metrics[] = [];
  run.oof.forEach((p, r) => {
    for (let f = 0; f < (perFold ? run.k : 1); f++) per.push(sessionMetricsOne(p, run.folds[r]!, perFold ? f : -1, samples, pick, threshold));
  });
  return summarise(per);
}

function sessionMetricsOne(p: Float64Array, fold: Map<string, number>, f: number, samples: readonly Sample[], pick: (s: Sample) => boolean, threshold: number): Metrics {
  {
    const agg = new Map<string, { sum: number; n: number; label: number }>();
    samples.forEach((s, i) => {
      if (!pick(s) || s.variant !== "orig") return;
      if (f >= 0 && fold.get(s.group) !== f) return;
      const a = agg.get(s.session) ?? { sum: 0, n: 0, label: s.label };
      a.sum += p[i]!;
      a.n++;
      agg.set(s.session, a);
    });
    const vals = [...agg.values()];
    return metrics(vals.map((a) => a.sum / a.n), vals.map((a) => a.label), threshold);
  }
}
