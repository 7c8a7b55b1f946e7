/** The production scorer: parseTelemetry (format v1) + the ONNX model from oracle/src/inference. */
import { FatalError } from "../errors.ts";
import { loadModel } from "../inference/index.ts";
import { parseTelemetry, type Telemetry } from "../payload/index.ts";
import type { JobScorer } from "./index.ts";

/** Loads the model at `modelPath` and returns a JobScorer. A missing or broken model is fatal. */
export async function loadModelScorer(modelPath: string): Promise<JobScorer<Telemetry> & { featureSpecVersion: number }> {
  let model: Awaited<ReturnType<typeof loadModel>>;
  try {
    model = await loadModel(modelPath);
  } catch (error) {
    throw new FatalError(`POH_MODEL: cannot load the model ${modelPath}: ${(error as Error).message}`, { cause: error });
  }
  return {
    sha256: model.sha256.toLowerCase().replace(/^0x/, ""),
    featureSpecVersion: model.featureSpecVersion,
    parse: (bytes) => parseTelemetry(bytes),
    scoreBatch: (inputs) => model.scoreBatch(inputs),
    close: () => model.close(),
  };
}
