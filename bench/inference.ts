/**
 * `npm run bench:inference`: sessions scored per second on one core (feature extraction +
 * inference), for sessions of 200, 2,000 and 20,000 events, one at a time and batched, with
 * p50/p99 latency. onnxruntime runs with one intra-op and one inter-op thread. Also reports the
 * pure-TypeScript evaluator and feature extraction alone. Writes bench/results/inference.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSession } from "../oracle/model/generators/index.ts";
import { extractFeatures, N_FEATURES } from "../oracle/src/features/index.ts";
import { loadModel } from "../oracle/src/inference/index.ts";
import type { Telemetry } from "../oracle/src/payload/index.ts";

const SIZES = [200, 2_000, 20_000];
const BUDGET_MS = Number(process.env.BENCH_MS ?? 1500);

/** Human-like sessions cut to exactly n events (different seeds, so the work varies like real traffic). */
function sessionsOf(n: number, count: number): Telemetry[] {
  const out: Telemetry[] = [];
  for (let seed = 1; out.length < count; seed++) {
    const s = generateSession("human", 50_000 + seed, Math.max(60_000, n * 40));
    if (s.events.length < n) continue;
    out.push({ v: 1, events: s.events.slice(0, n) });
  }
  return out;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** sessionsPerSecond is wall-clock; sessionsPerCpuSecond divides by this process's CPU time (the per-core figure on a shared machine). */
type Row = { events: number; mode: string; batch: number; sessionsPerSecond: number; sessionsPerCpuSecond: number; p50Ms: number; p99Ms: number; calls: number };

async function measure(events: number, mode: string, batch: number, fn: (i: number) => Promise<unknown> | unknown): Promise<Row> {
  for (let i = 0; i < 20; i++) await fn(i); // warm-up
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < BUDGET_MS || lat.length < 20) {
    const t0 = performance.now();
    await fn(i++);
    lat.push(performance.now() - t0);
  }
  const total = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { events, mode, batch, sessionsPerSecond: Math.round((lat.length * batch) / (total / 1000)), sessionsPerCpuSecond: Math.round((lat.length * batch) / cpuSeconds), p50Ms: +quantile(lat, 0.5).toFixed(4), p99Ms: +quantile(lat, 0.99).toFixed(4), calls: lat.length };
}

const model = await loadModel();
const rows: Row[] = [];
for (const n of SIZES) {
  const pool = sessionsOf(n, n >= 20_000 ? 8 : 64);
  const batch = n >= 20_000 ? 8 : 64;
  const x = new Float32Array(N_FEATURES);
  rows.push(await measure(n, "features only", 1, (i) => extractFeatures(pool[i % pool.length]!, x)));
  rows.push(await measure(n, "onnx, one at a time", 1, (i) => model.score(pool[i % pool.length]!)));
  rows.push(await measure(n, "onnx, batched", batch, () => model.scoreBatch(pool.slice(0, batch))));
  rows.push(await measure(n, "pure TS evaluator, one at a time", 1, (i) => model.evaluateTs(pool[i % pool.length]!)));
}
await model.close();

const lines = [
  `inference benchmark: model ${model.sha256.slice(0, 16)}…, one core (${cpus()[0]?.model ?? "cpu"}), onnxruntime 1 thread; latency per call (a batched call scores a whole batch)`,
  "",
  `load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(" ")} on ${cpus().length} cores (wall-clock figures include time taken by other processes)`,
  "",
  "| events/session | mode | batch | sessions/s (wall) | sessions/s (per CPU-second) | p50 ms | p99 ms |",
  "|---:|---|---:|---:|---:|---:|---:|",
  ...rows.map((r) => `| ${r.events} | ${r.mode} | ${r.batch} | ${r.sessionsPerSecond} | ${r.sessionsPerCpuSecond} | ${r.p50Ms} | ${r.p99Ms} |`),
];
console.log(lines.join("\n"));
const typical = rows.filter((r) => r.events === 2_000 && r.mode.startsWith("onnx"));
console.log(`\ntarget: >= 5000 typical (2,000-event) sessions/s per core; measured ${typical.map((r) => `${r.mode}: ${r.sessionsPerSecond} wall, ${r.sessionsPerCpuSecond} per CPU-second`).join("; ")}`);
const out = join(dirname(fileURLToPath(import.meta.url)), "results/inference.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ model: model.sha256, node: process.version, cpu: cpus()[0]?.model ?? null, loadavg: loadavg(), budgetMsPerRow: BUDGET_MS, rows }, null, 2) + "\n");
console.log(`wrote ${out}`);
