/**
 * `poh score FILE...`: scores telemetry files (format v1) with the shipped model and prints one
 * JSON line per file, in order, on stdout:
 *   {"file":"a.json","scoreBps":9731,"verdict":"human","model":"<sha256>"}
 * A file that cannot be read or is not valid format v1 gives, on stdout in its place,
 *   {"file":"b.json","error":"events[3].t: must be >= previous t (40)"}
 * and the other files still score. Exit code 0 if all scored, 1 if any failed, 2 on usage errors.
 */
import { readFileSync, statSync } from "node:fs";
import { PohError } from "../errors.ts";
import { loadModel, type LoadedModel } from "../inference/index.ts";
import { MAX_PAYLOAD_BYTES, parseTelemetry } from "../payload/index.ts";

export const summary = "score telemetry files (format v1) with the shipped model: one JSON line per file";

const HELP = `usage: poh score [--model FILE.onnx] FILE...

Scores each telemetry file (JSON, format v1: {"v":1,"events":[{"t","k",...}]}, at most
${MAX_PAYLOAD_BYTES} bytes and 20000 events) with the human-verification model and prints one JSON
line per file on stdout, in argument order:
  {"file":"s.json","scoreBps":9731,"verdict":"human","model":"<sha256 of the .onnx>"}
scoreBps is round(10000 * P(human)); verdict is "human" when scoreBps >= the model's thresholdBps.
A file that is missing or invalid prints, on stdout in its place:
  {"file":"bad.json","error":"events[12].t: must be >= previous t (40)"}
and the remaining files still score.

options:
  --model FILE   an .onnx with its manifest.json beside it (default: oracle/model/poh-model.onnx);
                 its sha256 must match the manifest
  -h, --help     this text

exit code: 0 all files scored, 1 any file failed (or the model could not be loaded), 2 usage error`;

export async function run(argv: string[]): Promise<number> {
  const files: string[] = [];
  let modelPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") {
      console.log(HELP);
      return 0;
    }
    if (a === "--model") {
      const v = argv[++i];
      if (v === undefined) {
        console.error("poh score: --model needs a file");
        return 2;
      }
      modelPath = v;
    } else if (a === "--") files.push(...argv.slice(i + 1)), (i = argv.length);
    else if (a.startsWith("-") && a !== "-") {
      console.error(`poh score: unknown option ${a}\n\n${HELP}`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    console.error(`poh score: no files given\n\n${HELP}`);
    return 2;
  }
  let model: LoadedModel;
  try {
    model = await loadModel(modelPath);
  } catch (err) {
    console.error(`poh score: ${(err as Error).message}`);
    return 1;
  }
  let failed = 0;
  try {
    for (const file of files) {
      try {
        const size = statSync(file).size;
        if (size > MAX_PAYLOAD_BYTES) throw new PohError(`payload: ${size} bytes exceeds the limit of ${MAX_PAYLOAD_BYTES} bytes`);
        const telemetry = parseTelemetry(readFileSync(file));
        const scoreBps = await model.score(telemetry);
        const verdict = scoreBps >= model.thresholdBps ? "human" : "bot";
        console.log(JSON.stringify({ file, scoreBps, verdict, model: model.sha256 }));
      } catch (err) {
        failed++;
        const e = err as NodeJS.ErrnoException;
        const message = e.code === "ENOENT" ? "file not found" : e.code === "EISDIR" ? "is a directory" : e.code === "EACCES" ? "permission denied" : e.message;
        console.log(JSON.stringify({ file, error: message }));
      }
    }
  } finally {
    await model.close();
  }
  return failed > 0 ? 1 : 0;
}
