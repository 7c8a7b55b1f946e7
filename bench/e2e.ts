/**
 * `npm run bench:e2e`: end-to-end verification throughput and latency on a local network.
 *
 * Starts the devnet (5 miner nodes with the shipped model, committee 3, 1-second blocks; no
 * indexer or demo), then keeps `--concurrency` verification requests in flight from several
 * requester accounts through the SDK for `--duration` seconds, and measures:
 *   - sustained throughput: jobs final per second, from the first request to the last final;
 *   - request-to-final latency in blocks (finalBlock - requestBlock) and seconds (SDK wall clock,
 *     request sent to final event seen), p50/p95/max.
 * Targets (issue 6): final within 3 blocks of the request; at least 20 jobs/s.
 * Throughput is bounded by concurrency / latency: a request spends ~2 s in the SDK and the block
 * it waits for, then 2-3 blocks on chain, so 20 jobs/s needs about 80-100 requests in flight (the
 * default is 80). The chain's per-call console log is switched off (hardhat_setLoggingEnabled).
 * Each requester's SDK client batches the requests waiting at the same moment into one
 * requestVerificationBatch transaction (--batch-size 1 turns that off; --batch-window holds a
 * request that long for others); the miners' gas limits follow POH_GAS_LIMIT_MODE (computed by
 * default, `estimate` to compare). Writes bench/results/e2e.json (with the machine's load average
 * at the end, the configuration, and how many request transactions carried the jobs).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pohCoordinatorAbi } from "../generated/abis.ts";
import { generateSession, BOT_KINDS } from "../oracle/model/generators/index.ts";
import type { Telemetry } from "../oracle/src/payload/index.ts";
import { createPohClient, pohClientDefaults, type PohClient, type VerificationResult } from "../sdk/src/client.ts";
import { startNetwork } from "../scripts/start.ts";
import { clients, rpc } from "../test/helpers/devnet.ts";

const ROOT = new URL("..", import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "60" },
    concurrency: { type: "string", default: "80" },
    requesters: { type: "string", default: "4" },
    miners: { type: "string", default: "5" },
    committee: { type: "string", default: "3" },
    "block-time": { type: "string", default: "1000" },
    "port-base": { type: "string", default: "44300" },
    "batch-size": { type: "string", default: String(pohClientDefaults.maxBatchSize) },
    "batch-window": { type: "string", default: String(pohClientDefaults.batchWindowMs) },
    out: { type: "string", default: "bench/results/e2e.json" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(`usage: npm run bench:e2e -- [--duration S=60] [--concurrency N=80] [--requesters N=4] [--miners N=5] [--committee N=3] [--block-time MS=1000] [--port-base N=44300] [--batch-size N=${pohClientDefaults.maxBatchSize}] [--batch-window MS=${pohClientDefaults.batchWindowMs}] [--out FILE=bench/results/e2e.json]`);
  process.exit(0);
}
const num = (name: keyof typeof values) => {
  const v = Number(values[name]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name}: must be a positive number`);
  return v;
};
const durationS = num("duration");
const concurrency = num("concurrency");
const requesterCount = num("requesters");
const batchWindowMs = Number(values["batch-window"]);
if (!Number.isFinite(batchWindowMs) || batchWindowMs < 0) throw new Error("--batch-window: must be 0 or more");
const config = {
  miners: num("miners"),
  committee: num("committee"),
  blockTimeMs: num("block-time"),
  durationS,
  concurrency,
  requesters: requesterCount,
  batchSize: num("batch-size"),
  batchWindowMs,
  gasLimitMode: process.env.POH_GAS_LIMIT_MODE ?? "computed",
};

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

console.log(
  `bench:e2e — ${config.miners} miners, committee ${config.committee}, ${config.blockTimeMs} ms blocks, ${concurrency} requests in flight for ${durationS} s; ` +
    `requests batched up to ${config.batchSize} (window ${config.batchWindowMs} ms); miner gas limits: ${config.gasLimitMode}`,
);
const network = await startNetwork({
  miners: config.miners,
  committee: config.committee,
  blockTimeMs: config.blockTimeMs,
  portBase: num("port-base"),
  indexer: false,
  demo: false,
  runDir: join(ROOT, ".data", "bench-e2e"),
  log: (l) => console.log(l),
});

const stopAll = async () => {
  for (const c of requesters) c.close();
  await network.stop();
};
process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));

// The node's console log decodes and prints every call and transaction; a benchmark measures
// the network, not that log.
const chainLogging = await rpc<boolean>(network.rpcUrl, "hardhat_setLoggingEnabled", [false]).then(
  () => false,
  () => true,
);
const { publicClient } = clients(network.rpcUrl, network.deployment.deployer.privateKey);
const params = await publicClient.readContract({ address: network.coordinator, abi: pohCoordinatorAbi, functionName: "getParams" });
const requesters: PohClient[] = network.deployment.accounts.slice(13, 13 + requesterCount).map((a) =>
  createPohClient({
    rpcUrl: network.rpcUrl,
    privateKey: a.privateKey,
    coordinator: network.coordinator,
    modelId: network.deployment.modelId,
    store: network.store,
    chainId: network.deployment.chainId,
    fee: params.minFee,
    pollIntervalMs: 200,
    timeoutMs: 120_000,
    maxBatchSize: config.batchSize,
    batchWindowMs: config.batchWindowMs,
  }),
);

// A pool of distinct sessions (humans and every bot family), 10-20 s windows.
const pool: Telemetry[] = [];
for (let i = 0; i < 120; i++) {
  const kind = i % 2 === 0 ? "human" : BOT_KINDS[(i >> 1) % BOT_KINDS.length]!;
  pool.push(generateSession(kind, 5000 + i, 10_000 + (i % 10) * 1_000));
}

const results: VerificationResult[] = [];
/** Blocks from the request to the first commit and the first reveal, per final job. */
const toFirstCommit: number[] = [];
const toFirstReveal: number[] = [];
const errors: Record<string, number> = {};
const started = Date.now();
const deadline = started + durationS * 1000;
let sent = 0;
let lastFinal = started;
let progressTimer: NodeJS.Timeout | undefined = setInterval(() => {
  const el = (Date.now() - started) / 1000;
  console.log(`  ${el.toFixed(0).padStart(3)} s  sent ${sent}  final ${results.length}  failed ${Object.values(errors).reduce((a, b) => a + b, 0)}  (${(results.length / el).toFixed(1)} jobs/s)`);
}, 5_000);

async function worker(i: number): Promise<void> {
  const client = requesters[i % requesters.length]!;
  while (Date.now() < deadline) {
    const telemetry = pool[sent % pool.length]!;
    sent++;
    let firstCommit: bigint | undefined;
    let firstReveal: bigint | undefined;
    try {
      const result = await client.requestVerification(telemetry, {
        onProgress: (p) => {
          if (p.stage === "committed" && firstCommit === undefined) firstCommit = p.blockNumber;
          if (p.stage === "revealed" && firstReveal === undefined) firstReveal = p.blockNumber;
        },
      });
      results.push(result);
      if (firstCommit !== undefined) toFirstCommit.push(Number(firstCommit - result.requestBlock));
      if (firstReveal !== undefined) toFirstReveal.push(Number(firstReveal - result.requestBlock));
      lastFinal = Date.now();
    } catch (err) {
      const name = (err as Error).name;
      errors[name] = (errors[name] ?? 0) + 1;
      if ((errors[name] ?? 0) <= 3) console.log(`  ${name}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
}

try {
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
} finally {
  clearInterval(progressTimer);
  progressTimer = undefined;
}
const elapsedS = (lastFinal - started) / 1000;
const blocks = results.map((r) => r.latencyBlocks).sort((a, b) => a - b);
const seconds = results.map((r) => r.latencyMs / 1000).sort((a, b) => a - b);
const within3 = results.filter((r) => r.latencyBlocks <= 3).length;
const failed = Object.values(errors).reduce((a, b) => a + b, 0);
const requestTxs = new Set(results.map((r) => r.txHashes.request)).size;

const report = {
  bench: "e2e",
  date: new Date().toISOString(),
  config,
  jobs: { sent, final: results.length, failed, errors },
  requestTransactions: { count: requestTxs, jobsPerTransaction: Number((results.length / Math.max(1, requestTxs)).toFixed(2)) },
  throughputJobsPerSecond: Number((results.length / elapsedS).toFixed(2)),
  latencyBlocks: { p50: percentile(blocks, 0.5), p95: percentile(blocks, 0.95), max: blocks.at(-1) ?? null, within3BlocksPct: Number(((within3 / Math.max(1, results.length)) * 100).toFixed(1)) },
  stagesBlocks: {
    requestToFirstCommit: { p50: percentile([...toFirstCommit].sort((a, b) => a - b), 0.5), p95: percentile([...toFirstCommit].sort((a, b) => a - b), 0.95) },
    requestToFirstReveal: { p50: percentile([...toFirstReveal].sort((a, b) => a - b), 0.5), p95: percentile([...toFirstReveal].sort((a, b) => a - b), 0.95) },
  },
  latencySeconds: { p50: Number(percentile(seconds, 0.5).toFixed(2)), p95: Number(percentile(seconds, 0.95).toFixed(2)), max: Number((seconds.at(-1) ?? NaN).toFixed(2)) },
  targets: { finalWithinBlocks: 3, jobsPerSecond: 20 },
  machine: { cpus: (await import("node:os")).cpus().length, node: process.version, loadAverage: (await import("node:os")).loadavg().map((x) => Number(x.toFixed(2))), chainLogging },
};

console.log("");
console.log("| metric | value | target |");
console.log("|---|---|---|");
console.log(`| throughput (jobs final / s) | ${report.throughputJobsPerSecond} | >= 20 |`);
console.log(`| latency p50 / p95 / max (blocks) | ${report.latencyBlocks.p50} / ${report.latencyBlocks.p95} / ${report.latencyBlocks.max} | <= 3 |`);
console.log(`| final within 3 blocks | ${report.latencyBlocks.within3BlocksPct}% | |`);
console.log(`| request → first commit p50 / p95 (blocks) | ${report.stagesBlocks.requestToFirstCommit.p50} / ${report.stagesBlocks.requestToFirstCommit.p95} | 1 |`);
console.log(`| request → first reveal p50 / p95 (blocks) | ${report.stagesBlocks.requestToFirstReveal.p50} / ${report.stagesBlocks.requestToFirstReveal.p95} | 2 |`);
console.log(`| latency p50 / p95 / max (s) | ${report.latencySeconds.p50} / ${report.latencySeconds.p95} / ${report.latencySeconds.max} | |`);
console.log(`| jobs sent / final / failed | ${sent} / ${results.length} / ${failed} | |`);
console.log(`| request transactions (jobs per transaction) | ${requestTxs} (${report.requestTransactions.jobsPerTransaction}) | |`);

const out = resolve(ROOT, values.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
console.log(`\nwrote ${values.out}`);
await stopAll();
process.exit(0);
