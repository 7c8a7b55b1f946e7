/**
 * `npm run train [-- --data DIR] [--out DIR] [--seed N] [--synthetic-only] [--no-cv]`
 *
 * Rebuilds the shipped model reproducibly: loads the three shared sets (default ../shared/data),
 * cuts 10-60 s windows, augments (re-recording at random 8-60 ms intervals with jitter; pointer-only
 * and keys-only copies), adds synthetic sessions from oracle/model/generators, trains gradient-boosted
 * trees with a fixed seed, runs a quick grouped 5-fold x 3 CV for the manifest's metrics, and writes
 * poh-model.onnx + manifest.json. Same inputs and seed give the same bytes.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FEATURE_SPEC_VERSION, FEATURES, GRID_MS, SEGMENT_GAP_MS } from "../src/features/index.ts";
import { encodeOnnx, INPUT_NAME, OUTPUT_NAME } from "../src/inference/trees.ts";
import { DATASET_CITATIONS, DEFAULT_DATA_DIR, loadAll, type Session } from "./data/index.ts";
import { DEFAULT_GBT, type GbtOptions } from "./gbt.ts";
import { SESSION_KINDS } from "./generators/index.ts";
import {
  crossValidate, DEFAULT_BUILD, fit, realSamples, SHORT_MAX_MS, SHORT_MIN_MS, subsetMetrics, syntheticSamples, type BuildOptions, type Sample,
} from "./pipeline.ts";

export const MODEL_DIR = dirname(fileURLToPath(import.meta.url));
export const THRESHOLD_BPS = 5000;
/** Seed offset for synthetic training sessions; evaluation's held-out synthetic sessions start at HOLDOUT_SEED_BASE. */
export const TRAIN_SEED_BASE = 1_000;
export const HOLDOUT_SEED_BASE = 900_000;

export type TrainOptions = {
  dataDir: string | null; // null = synthetic only
  seed: number;
  build: BuildOptions;
  gbt: GbtOptions;
  cv: { k: number; seeds: number[] } | null;
};

export type TrainResult = { onnx: Uint8Array; manifest: Record<string, unknown>; samples: Sample[] };

export function defaultTrainOptions(dataDir: string | null = DEFAULT_DATA_DIR): TrainOptions {
  return { dataDir, seed: 1, build: DEFAULT_BUILD, gbt: DEFAULT_GBT, cv: { k: 5, seeds: [1, 2, 3] } };
}

/** Builds the training samples (real windows + augmentations + synthetic sessions). */
export function buildSamples(o: TrainOptions, sessions: Session[]): Sample[] {
  return [...realSamples(sessions, { ...o.build, seed: o.seed }), ...syntheticSamples(o.build.synthetic, TRAIN_SEED_BASE, { seed: o.seed, modalityDrop: o.build.modalityDrop, short: 1 })];
}

function round4(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : Number.NaN;
}

/** Trains, exports and describes the model; pure function of its options and the data. */
export function trainModel(o: TrainOptions): TrainResult {
  const sessions = o.dataDir ? loadAll(o.dataDir) : [];
  const samples = buildSamples(o, sessions);
  const threshold = THRESHOLD_BPS / 10_000;
  let cvMetrics: Record<string, unknown> | null = null;
  if (o.cv) {
    const run = crossValidate(samples, o.cv.k, o.cv.seeds, threshold, { ...o.gbt, seed: o.seed });
    const describe = (pick: (s: Sample) => boolean): Record<string, string> => {
      const m = subsetMetrics(run, samples, pick, threshold);
      const fmt = (s: { mean: number; std: number }): string => (Number.isFinite(s.mean) ? `${round4(s.mean)} ± ${round4(s.std)}` : "n/a (one class only)");
      return { windows: String(m.n.mean), accuracy: fmt(m.accuracy), auc: fmt(m.auc), humanFpr: fmt(m.humanFpr), botMiss: fmt(m.botMiss) };
    };
    cvMetrics = {
      protocol: `grouped (by session; by user for SapiMouse) ${o.cv.k}-fold CV repeated over seeds ${o.cv.seeds.join(",")}; orig windows only; mean ± std over repeats; threshold ${THRESHOLD_BPS} bps. Full tables: EVALUATION.md (npm run evaluate).`,
      all: describe((s) => s.variant === "orig"),
      ...Object.fromEntries(["desktop", "web", "sapimouse", "synthetic"].map((d) => [d, describe((s) => s.variant === "orig" && s.dataset === d)])),
    };
  }
  const { model } = fit(samples, { ...o.gbt, seed: o.seed });
  const onnx = encodeOnnx(model, `PoH Network human-verification model. Input ${INPUT_NAME}[N,${FEATURES.length}] (feature spec v${FEATURE_SPEC_VERSION}); output ${OUTPUT_NAME}[N,1] = P(human).`);
  const sha256 = createHash("sha256").update(onnx).digest("hex");
  const count = (pred: (s: Sample) => boolean): number => samples.filter(pred).length;
  const manifest: Record<string, unknown> = {
    sha256,
    featureSpecVersion: FEATURE_SPEC_VERSION,
    thresholdBps: THRESHOLD_BPS,
    format: "onnx",
    opsets: { "": 17, "ai.onnx.ml": 3 },
    input: { name: INPUT_NAME, shape: ["N", FEATURES.length], dtype: "float32" },
    output: { name: OUTPUT_NAME, shape: ["N", 1], dtype: "float32", meaning: "P(human); scoreBps = round(10000 * p)" },
    features: FEATURES.map(([name, description]) => ({ name, description })),
    featureExtraction: { gridMs: GRID_MS, segmentGapMs: SEGMENT_GAP_MS },
    model: { type: "gradient-boosted trees (logistic), own TypeScript trainer", trees: model.trees.length, ...o.gbt, seed: o.seed },
    training: {
      seed: o.seed,
      data: o.dataDir
        ? (["desktop", "web", "sapimouse"] as const).map((d) => ({
          name: d, citation: DATASET_CITATIONS[d],
          sessions: sessions.filter((s) => s.dataset === d).length,
          humanSessions: sessions.filter((s) => s.dataset === d && s.label === 1).length,
          windows: count((s) => s.dataset === d && s.variant === "orig"),
        }))
        : [],
      synthetic: Object.fromEntries(SESSION_KINDS.map((k) => [k, o.build.synthetic[k] ?? 0])),
      windows: "10-60 s windows cut from each session (at most 6 per session, evenly spaced); shorter sessions whole",
      augmentation: `${o.build.short} short cut(s) of ${SHORT_MIN_MS / 1000}-${SHORT_MAX_MS / 1000} s per real session and 1 per synthetic session; ${o.build.resampled} re-recording(s) per real window at a random 8-60 ms interval with 0-30% jitter; ${o.build.modalityDrop ? "pointer-only and keys-only copies of windows that have both; moves-only copies of windows with clicks" : "no modality drop"}`,
      weighting: "within each class every source (dataset x kind; the synthetic people human + human_form count as one source) has equal total weight; classes balanced",
      samples: samples.length,
    },
    metrics: cvMetrics,
  };
  return { onnx, manifest, samples };
}

function parseArgs(argv: string[]): { o: TrainOptions; out: string } {
  const o = defaultTrainOptions();
  let out = MODEL_DIR;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--data") o.dataDir = resolve(next());
    else if (a === "--out") out = resolve(next());
    else if (a === "--seed") {
      const v = next();
      o.seed = Number(v);
      if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new Error(`--seed must be a non-negative integer (got ${v})`);
    }
    else if (a === "--synthetic-only") o.dataDir = null;
    else if (a === "--no-cv") o.cv = null;
    else if (a === "--help" || a === "-h") {
      console.log("usage: npm run train -- [--data DIR] [--out DIR] [--seed N] [--synthetic-only] [--no-cv]");
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return { o, out };
}

export function writeModel(r: TrainResult, out: string): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "poh-model.onnx"), r.onnx);
  writeFileSync(join(out, "manifest.json"), JSON.stringify(r.manifest, null, 2) + "\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const { o, out } = parseArgs(process.argv.slice(2));
    const t0 = performance.now();
    const r = trainModel(o);
    writeModel(r, out);
    console.log(`wrote ${join(out, "poh-model.onnx")} (${r.onnx.byteLength} bytes, sha256 ${String(r.manifest.sha256)}) and manifest.json; ${r.samples.length} samples; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (r.manifest.metrics) console.log(JSON.stringify(r.manifest.metrics, null, 2));
  } catch (err) {
    console.error(`train: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
