/**
 * Loads the shipped model and scores telemetry. `loadModel(path?)` reads the .onnx and the
 * manifest.json beside it, refuses a file whose sha256 or feature-spec version does not match
 * the manifest (FatalError), and runs it through onnxruntime-node on one thread. The same file
 * is also decoded into a plain-TypeScript evaluator (`evaluateTs`) for the parity check.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { FatalError } from "../errors.ts";
import { extractBatch, extractFeatures, FEATURE_SPEC_VERSION, N_FEATURES } from "../features/index.ts";
import type { Telemetry } from "../payload/index.ts";
import { decodeOnnx, INPUT_NAME, OUTPUT_NAME, predict, toBps, type TreeEnsemble } from "./trees.ts";

export { toBps } from "./trees.ts";

/** The shipped model file (oracle/model/poh-model.onnx); its manifest.json sits beside it. */
export const DEFAULT_MODEL_PATH = resolve(dirname(fileURLToPath(import.meta.url)), "../../model/poh-model.onnx");

export type ModelManifest = { sha256: string; featureSpecVersion: number; thresholdBps: number; [k: string]: unknown };

export type ScoringModel = {
  /** sha256 of the .onnx bytes, hex, no 0x. */
  sha256: string;
  featureSpecVersion: number;
  thresholdBps: number;
  /** Score in basis points of P(human), integer 0..10000. */
  score(t: Telemetry): Promise<number>;
  scoreBatch(ts: Telemetry[]): Promise<number[]>;
  close(): Promise<void>;
};

export type LoadedModel = ScoringModel & {
  manifest: ModelManifest;
  /** The same model evaluated in plain TypeScript (float32-exact like onnxruntime). */
  evaluateTs(t: Telemetry): number;
  /** P(human) per row from onnxruntime for a row-major feature matrix. */
  runFeatures(x: Float32Array, rows: number): Promise<Float32Array>;
  ensemble: TreeEnsemble;
};

function readManifest(path: string): ModelManifest {
  if (!existsSync(path)) throw new FatalError(`model: manifest not found at ${path}`);
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new FatalError(`model: manifest ${path} is not valid JSON (${(err as Error).message})`);
  }
  const o = m as Partial<ModelManifest>;
  if (typeof o.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(o.sha256)) throw new FatalError(`model: manifest ${path}: sha256 must be 64 hex digits`);
  if (typeof o.featureSpecVersion !== "number") throw new FatalError(`model: manifest ${path}: featureSpecVersion missing`);
  if (typeof o.thresholdBps !== "number" || o.thresholdBps < 0 || o.thresholdBps > 10_000) throw new FatalError(`model: manifest ${path}: thresholdBps must be 0..10000`);
  return o as ModelManifest;
}

/**
 * Loads a model (default: the shipped one) and its manifest.
 * @throws FatalError if a file is missing, the sha256 differs from the manifest, or the feature spec version differs from this code's.
 */
export async function loadModel(path: string = DEFAULT_MODEL_PATH): Promise<LoadedModel> {
  const modelPath = resolve(path);
  if (!existsSync(modelPath)) throw new FatalError(`model: file not found: ${modelPath}`);
  const bytes = readFileSync(modelPath);
  const manifest = readManifest(join(dirname(modelPath), "manifest.json"));
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== manifest.sha256) throw new FatalError(`model: sha256 of ${modelPath} is ${sha256} but the manifest says ${manifest.sha256}`);
  if (manifest.featureSpecVersion !== FEATURE_SPEC_VERSION) {
    throw new FatalError(`model: manifest featureSpecVersion ${manifest.featureSpecVersion} but this code extracts version ${FEATURE_SPEC_VERSION}`);
  }
  const ensemble = decodeOnnx(bytes);
  if (ensemble.nFeatures !== N_FEATURES) throw new FatalError(`model: expects ${ensemble.nFeatures} features, extractor gives ${N_FEATURES}`);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all" });

  const runFeatures = async (x: Float32Array, rows: number): Promise<Float32Array> => {
    const out = await session.run({ [INPUT_NAME]: new ort.Tensor("float32", x, [rows, N_FEATURES]) });
    return out[OUTPUT_NAME]!.data as Float32Array;
  };
  const one = new Float32Array(N_FEATURES);
  return {
    sha256,
    featureSpecVersion: manifest.featureSpecVersion,
    thresholdBps: manifest.thresholdBps,
    manifest,
    ensemble,
    runFeatures,
    async score(t: Telemetry): Promise<number> {
      const x = extractFeatures(t, new Float32Array(N_FEATURES));
      const p = await runFeatures(x, 1);
      return toBps(p[0]!);
    },
    async scoreBatch(ts: Telemetry[]): Promise<number[]> {
      if (ts.length === 0) return [];
      const p = await runFeatures(extractBatch(ts), ts.length);
      return Array.from(p, toBps);
    },
    evaluateTs(t: Telemetry): number {
      return toBps(predict(ensemble, extractFeatures(t, one), 0));
    },
    async close(): Promise<void> {
      await session.release();
    },
  };
}
