/**
 * Indexer benchmark (`npm run bench:indexer`):
 *  1. generates a history of BENCH_JOBS jobs (default 10,000) on a local Hardhat node: automine
 *     off, requests sent in bursts and mined together, miners committing and revealing with
 *     commitBatch/revealBatch (about 1 in 100 jobs has an outlier, who gets slashed);
 *  2. starts Ponder on that history (fresh PGlite, or Postgres when DATABASE_URL is set) and
 *     measures the backfill: events indexed per second until it serves the chain head;
 *  3. measures GraphQL latency (p50/p95/p99) for the README's leaderboard and miner-history
 *     queries with 50 concurrent clients, each running a bounded loop on loopback: all clients
 *     asking the same thing, and every client asking something different; each both uncached
 *     (`Cache-Control: no-cache`: the database answers every request; identical concurrent
 *     requests still share one execution) and cached (the API's response cache, see
 *     indexer/README.md). Also the first request of each query right after the index advanced
 *     (cache cold, one client), one client alone (uncached), and the load generator's own CPU use.
 * Prints a table and writes bench/results/indexer.json (indexer-postgres.json on Postgres).
 * Ports 47130-47131 (BENCH_CHAIN_PORT, BENCH_PONDER_PORT).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  decodeEventLog,
  encodeFunctionData,
  keccak256,
  parseEther,
  toHex,
  type Address,
  type Hex,
} from "viem";
import { pohCoordinatorAbi } from "../generated/abis.ts";
import { deployProtocol, rpc, stakeMiners, startChain } from "../test/helpers/devnet.ts";
import { Driver, ROOT, gql, startPonder, waitForBlock, type PonderProcess } from "../test/indexer/harness.ts";

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const CLIENTS = 50;
const REQUESTS_PER_CLIENT = Number(process.env.BENCH_REQUESTS_PER_CLIENT ?? 40);
const MINERS = 8;
const CHAIN_PORT = Number(process.env.BENCH_CHAIN_PORT ?? 47130);
// EIP-7825 caps a transaction's gas at 2^24.
const TX_GAS_CAP = 16_777_216n;
const PONDER_PORT = Number(process.env.BENCH_PONDER_PORT ?? 47131);

type Log = { address: Hex; data: Hex; topics: [Hex, ...Hex[]]; blockNumber: Hex };
type Receipt = { status: Hex; gasUsed: Hex; blockNumber: Hex };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const chain = await startChain({ port: CHAIN_PORT });
  let ponder: PonderProcess | undefined;
  try {
    const deployment = await deployProtocol(chain.rpcUrl, { parameters: { epochLength: 500n } });
    const driver = new Driver(chain.rpcUrl, deployment);
    const minerAccounts = deployment.accounts.slice(1, 1 + MINERS);
    const integrators = deployment.accounts.slice(12, 16).map((a) => a.address);
    await stakeMiners(chain.rpcUrl, deployment, minerAccounts.map((a) => a.privateKey), parseEther("100000"));
    const coordinator = deployment.contracts.PohCoordinator.address;
    const block = await rpc<{ gasLimit: Hex }>(chain.rpcUrl, "eth_getBlockByNumber", ["latest", false]);
    const blockGasLimit = BigInt(block.gasLimit);

    // ---------------------------------------------------------------- generate the history
    await rpc(chain.rpcUrl, "evm_setAutomine", [false]);
    type Tx = { from: Address; data: Hex; gas: bigint; value?: bigint };
    /** Sends many transactions in one JSON-RPC batch (the node's dev accounts sign them). */
    const sendAll = async (txs: Tx[]): Promise<Hex[]> => {
      const body = txs.map((t, i) => ({
        jsonrpc: "2.0",
        id: i,
        method: "eth_sendTransaction",
        params: [{ from: t.from, to: coordinator, data: t.data, gas: toHex(t.gas), value: toHex(t.value ?? 0n) }],
      }));
      const res = await fetch(chain.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const out = (await res.json()) as { id: number; result?: Hex; error?: { message: string } }[];
      return out.sort((a, b) => a.id - b.id).map((r) => {
        if (!r.result) throw new Error(`eth_sendTransaction: ${r.error?.message}`);
        return r.result;
      });
    };
    /** Mines until the mempool is empty; returns the mined block range. */
    const drain = async (): Promise<[bigint, bigint]> => {
      let first = 0n;
      for (;;) {
        await rpc(chain.rpcUrl, "evm_mine");
        const b = await rpc<{ number: Hex; transactions: Hex[] }>(chain.rpcUrl, "eth_getBlockByNumber", ["latest", false]);
        if (first === 0n) first = BigInt(b.number);
        if (b.transactions.length === 0) return [first, BigInt(b.number)];
      }
    };
    const receiptsOk = async (hashes: Hex[], what: string): Promise<bigint> => {
      const body = hashes.map((h, i) => ({ jsonrpc: "2.0", id: i, method: "eth_getTransactionReceipt", params: [h] }));
      const res = await fetch(chain.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const out = (await res.json()) as { result: Receipt | null }[];
      let gas = 0n;
      for (const r of out) {
        if (!r.result || r.result.status !== "0x1") throw new Error(`${what}: a transaction failed or was not mined`);
        gas += BigInt(r.result.gasUsed);
      }
      return gas;
    };

    const rand = seeded(42);
    let generated = 0;
    let gasUsed = 0n;
    const genStart = Date.now();
    while (generated < JOBS) {
      const n = Math.min(BATCH, JOBS - generated);
      const requestTxs: Tx[] = [];
      for (let i = 0; i < n; i++) {
        const inputHash = keccak256(toHex(`bench-${generated + i}`));
        const data = encodeFunctionData({
          abi: pohCoordinatorAbi,
          functionName: "requestVerification",
          args: [deployment.modelId, inputHash, `ipfs://bench-${generated + i}`, "0x0000000000000000000000000000000000000000", 0],
        });
        requestTxs.push({ from: integrators[i % integrators.length]!, data, gas: 600_000n, value: parseEther("0.001") });
      }
      const requests = await sendAll(requestTxs);
      const [from, to] = await drain();
      gasUsed += await receiptsOk(requests, "requestVerification");
      const logs = await rpc<Log[]>(chain.rpcUrl, "eth_getLogs", [{ address: coordinator, fromBlock: toHex(from), toBlock: toHex(to) }]);
      const perMiner = new Map<string, { jobIds: bigint[]; scores: number[]; salts: Hex[]; commitments: Hex[] }>();
      for (const log of logs) {
        const ev = decodeEventLog({ abi: pohCoordinatorAbi, data: log.data, topics: log.topics });
        if (ev.eventName !== "JobRequested") continue;
        const outlier = rand() < 0.01 ? Math.floor(rand() * ev.args.committee.length) : -1;
        ev.args.committee.forEach((m, i) => {
          const key = m.toLowerCase();
          let entry = perMiner.get(key);
          if (!entry) perMiner.set(key, (entry = { jobIds: [], scores: [], salts: [], commitments: [] }));
          const score = i === outlier ? 100 : 7000 + Math.floor(rand() * 400);
          const salt = keccak256(toHex(`salt-${ev.args.jobId}-${key}`));
          entry.jobIds.push(ev.args.jobId);
          entry.scores.push(score);
          entry.salts.push(salt);
          entry.commitments.push(Driver.commitment(ev.args.jobId, m, score, salt));
        });
      }
      const commits = await sendAll(
        [...perMiner].map(([miner, e]) => ({
          from: miner as Address,
          data: encodeFunctionData({ abi: pohCoordinatorAbi, functionName: "commitBatch", args: [e.jobIds, e.commitments] }),
          gas: BigInt(80_000 * e.jobIds.length + 100_000),
        })),
      );
      await drain();
      gasUsed += await receiptsOk(commits, "commitBatch");
      const reveals = await sendAll(
        [...perMiner].map(([miner, e]) => {
          // The last revealer of a job pays for its settlement: leave room for it.
          const gas = BigInt(400_000 * e.jobIds.length + 200_000);
          return {
            from: miner as Address,
            data: encodeFunctionData({ abi: pohCoordinatorAbi, functionName: "revealBatch", args: [e.jobIds, e.scores, e.salts] }),
            gas: gas < TX_GAS_CAP ? gas : TX_GAS_CAP,
          };
        }),
      );
      await drain();
      const revealGas = await receiptsOk(reveals, "revealBatch");
      gasUsed += revealGas;
      if (generated === 0) process.stdout.write(`first batch: ${n} jobs, reveal gas ${revealGas}, block gas limit ${blockGasLimit}\n`);
      generated += n;
      if (generated % 1000 === 0 || generated === JOBS) {
        process.stdout.write(`generated ${generated}/${JOBS} jobs (${((Date.now() - genStart) / 1000).toFixed(0)} s)\n`);
      }
    }
    // Bury the history below Ponder's finality depth (30 blocks on a dev chain) so that all of it
    // is a backfill rather than realtime indexing.
    for (let i = 0; i < 40; i++) await rpc(chain.rpcUrl, "evm_mine");
    await rpc(chain.rpcUrl, "evm_setAutomine", [true]);
    const genSeconds = (Date.now() - genStart) / 1000;
    const head = await driver.blockNumber();

    // ---------------------------------------------------------------- backfill
    const backfillStart = Date.now();
    ponder = await startPonder({
      deploymentsFile: deployment.file,
      rpcUrl: chain.rpcUrl,
      port: PONDER_PORT,
      database: process.env.DATABASE_URL ? "postgres" : "pglite",
      postgresUrl: process.env.DATABASE_URL,
      verbose: process.env.BENCH_VERBOSE === "1",
      logLevel: process.env.BENCH_VERBOSE === "1" ? "info" : "warn",
    });
    const serving = Date.now();
    await waitForBlock(ponder, head, 900_000);
    const backfillSeconds = (Date.now() - backfillStart) / 1000;
    const indexingSeconds = (Date.now() - serving) / 1000;
    const metrics = await (await fetch(`${ponder.url}/metrics`)).text();
    let events = 0;
    // Where the backfill time went, from Ponder's own histograms (sums, in ms).
    const breakdownMs: Record<string, number> = {};
    for (const line of metrics.split("\n")) {
      if (line.startsWith("ponder_indexing_completed_events{")) events += Number(line.split(" ").pop());
      const m = /^(ponder_(?:indexing_function_duration|historical_extract_duration|historical_transform_duration|indexing_cache_query_duration|indexing_rpc_action_duration|database_method_duration))_sum(?:\{[^}]*\})? (\S+)$/.exec(line);
      if (m) breakdownMs[m[1]!] = Math.round((breakdownMs[m[1]!] ?? 0) + Number(m[2]));
      const db = /^ponder_database_method_duration_sum\{.*method="([^"]+)".*\} (\S+)$/.exec(line);
      if (db && Number(db[2]) >= 100) breakdownMs[`database:${db[1]}`] = Math.round(Number(db[2]));
    }
    const net = await gql<{ network: { jobs: number; jobsFinal: number; totalSlashed: string } }>(ponder.url, `{ network(id: "network") { jobs jobsFinal totalSlashed } }`);
    if (net.network.jobs !== JOBS) throw new Error(`indexed ${net.network.jobs} jobs, expected ${JOBS}`);

    // ---------------------------------------------------------------- GraphQL latency
    const all = await gql<{ miners: { items: { id: string }[] } }>(ponder.url, `{ miners(orderBy: "reputation", orderDirection: "desc", limit: 100) { items { id } } }`);
    const minerIds = all.miners.items.map((m) => m.id);
    // The README's leaderboard and miner-history queries (what an explorer sends).
    const leaderboard = (limit: number) => ({
      query: `query($limit: Int!) { miners(orderBy: "reputation", orderDirection: "desc", limit: $limit, where: { status: active }) { items { id reputation jobsServed jobsAgreed agreementRateBps livenessFaults outlierFaults trustMultiplierBps activeStake totalSlashed feesEarned pohEarned lastSeenTime } } }`,
      variables: { limit },
    });
    const minerHistory = (id: string, limit: number) => ({
      query: `query($id: String!, $limit: Int!) { miner(id: $id) { id status reputation jobsServed jobsAgreed agreementRateBps activeStake unbonding totalSlashed feesEarned feesWithdrawn pohEarned firstSeenTime lastSeenTime
          memberships(orderBy: "jobId", orderDirection: "desc", limit: $limit) { items { jobId outcome scoreBps reward points slashed reputationAfter commitBlock revealBlock settledTime } }
          ledger(orderBy: "blockNumber", orderDirection: "desc", limit: $limit) { items { kind asset amount reason jobId epoch timestamp txHash } }
          days(orderBy: "day", orderDirection: "desc", limit: 30) { items { date reputation jobsServed jobsAgreed faults feesEarned pohEarned slashed } }
          epochs(orderBy: "epoch", orderDirection: "desc", limit: 10) { items { epoch points claimed claimedAmount } } } }`,
      variables: { id, limit },
    });
    // "same": every client polls the same query (a dashboard); "distinct": every client asks
    // something different (no two concurrent requests can share an answer or a cached entry).
    const workloads: Record<string, (client: number) => { query: string; variables: Record<string, unknown> }> = {
      "leaderboard/same": () => leaderboard(20),
      "leaderboard/distinct": (client) => leaderboard(20 + client),
      "minerHistory/same": () => minerHistory(minerIds[0]!, 50),
      "minerHistory/distinct": (client) => minerHistory(minerIds[client % minerIds.length]!, 40 + client),
    };
    type Latency = { requests: number; p50: number; p95: number; p99: number; mean: number; rps: number; hits: number; clientCpuPercent: number };
    const latency: Record<string, Latency> = {};
    /**
     * 50 clients, each a loop of REQUESTS_PER_CLIENT requests. "uncached" sends
     * `Cache-Control: no-cache`, so every answer is computed by the database (identical
     * concurrent requests still share one execution); "cached" is the default path.
     * `clientCpuPercent` is this process's CPU use during the run (the load generator's own cost,
     * 100 = one core), to show it does not saturate the machine.
     */
    const measure = async (name: string, make: (client: number) => { query: string; variables: Record<string, unknown> }, cached: boolean): Promise<Latency> => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (!cached) headers["cache-control"] = "no-cache";
      const times: number[] = [];
      let hits = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, client) => {
          const body = JSON.stringify(make(client));
          for (let i = 0; i < REQUESTS_PER_CLIENT; i++) {
            const s = performance.now();
            const res = await fetch(`${ponder!.url}/graphql`, { method: "POST", headers, body });
            const json = (await res.json()) as { errors?: unknown[] };
            times.push(performance.now() - s);
            if (!res.ok || json.errors) throw new Error(`${name}: ${JSON.stringify(json).slice(0, 300)}`);
            if (res.headers.get("x-poh-cache") === "hit") hits++;
          }
        }),
      );
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      times.sort((a, b) => a - b);
      return {
        requests: times.length,
        p50: Number(percentile(times, 50).toFixed(2)),
        p95: Number(percentile(times, 95).toFixed(2)),
        p99: Number(percentile(times, 99).toFixed(2)),
        mean: Number((times.reduce((s, t) => s + t, 0) / times.length).toFixed(2)),
        rps: Number((times.length / (wallMs / 1000)).toFixed(0)),
        hits,
        clientCpuPercent: Number((((cpu.user + cpu.system) / 1000 / wallMs) * 100).toFixed(0)),
      };
    };
    // First requests after the index advanced: one client, each query asked once, cache cold
    // (the index's head is the same for all, so the cache is cleared by asking for a fresh
    // version: one new block).
    const firstRequest: Record<string, number> = {};
    await rpc(chain.rpcUrl, "evm_mine");
    await waitForBlock(ponder, head + 1n, 60_000);
    for (const [name, make] of Object.entries(workloads)) {
      const s = performance.now();
      const res = await fetch(`${ponder.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(make(7)) });
      await res.json();
      firstRequest[name] = Number((performance.now() - s).toFixed(2));
      if (res.headers.get("x-poh-cache") === "hit") throw new Error(`${name}: first request after a new block was a cache hit`);
    }
    for (const [name, make] of Object.entries(workloads)) {
      for (let i = 0; i < 10; i++) await gql(ponder.url, make(i).query, make(i).variables); // warm-up (JIT, connections)
      latency[`${name} uncached`] = await measure(name, make, false);
      latency[`${name} cached`] = await measure(name, make, true);
    }
    // One client alone, uncached, for reference.
    const single: number[] = [];
    for (let i = 0; i < 50; i++) {
      const s = performance.now();
      const res = await fetch(`${ponder.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", "cache-control": "no-cache" }, body: JSON.stringify(leaderboard(20)) });
      await res.json();
      single.push(performance.now() - s);
    }
    single.sort((a, b) => a - b);
    const singleClientP50 = Number(percentile(single, 50).toFixed(2));
    let loadAverage = "";
    try {
      loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    } catch {
      /* not Linux */
    }

    const result = {
      date: new Date().toISOString(),
      database: process.env.DATABASE_URL ? "postgres" : "pglite",
      machine: "2 shared cores",
      history: {
        jobs: JOBS,
        finalJobs: net.network.jobsFinal,
        blocks: Number(head),
        generationSeconds: Number(genSeconds.toFixed(1)),
        gasUsed: gasUsed.toString(),
      },
      backfill: {
        events,
        secondsFromSpawn: Number(backfillSeconds.toFixed(1)),
        secondsFromServing: Number(indexingSeconds.toFixed(1)),
        eventsPerSecond: Math.round(events / backfillSeconds),
        eventsPerSecondFromServing: Math.round(events / indexingSeconds),
        ponderDurationSumsMs: breakdownMs,
      },
      graphql: { clients: CLIENTS, requestsPerClient: REQUESTS_PER_CLIENT, singleClientLeaderboardP50Ms: singleClientP50, firstRequestMs: firstRequest, latencyMs: latency },
      loadAverageAtEnd: loadAverage,
      totalSeconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    };
    mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
    const out = result.database === "postgres" ? "indexer-postgres.json" : "indexer.json";
    writeFileSync(join(ROOT, "bench", "results", out), JSON.stringify(result, null, 2) + "\n");

    console.log(`\nIndexer benchmark (${result.database}, ${JOBS} jobs, ${head} blocks, generated in ${result.history.generationSeconds} s)`);
    console.log(`backfill: ${events} events in ${result.backfill.secondsFromSpawn} s from spawn = ${result.backfill.eventsPerSecond} events/s` +
      ` (${result.backfill.eventsPerSecondFromServing} events/s after the HTTP server was up; target >= 5000)`);
    console.log(`GraphQL, ${CLIENTS} concurrent clients x ${REQUESTS_PER_CLIENT} requests (target p95 < 50 ms):`);
    console.log("query                              requests    p50 ms    p95 ms    p99 ms   req/s   hits  client CPU %");
    for (const [name, l] of Object.entries(latency)) {
      console.log(`${name.padEnd(34)} ${String(l.requests).padStart(8)} ${l.p50.toFixed(1).padStart(9)} ${l.p95.toFixed(1).padStart(9)} ${l.p99.toFixed(1).padStart(9)} ${String(l.rps).padStart(7)} ${String(l.hits).padStart(6)} ${String(l.clientCpuPercent).padStart(12)}`);
    }
    console.log(`first request after the index advanced (one client, cache cold): ${Object.entries(firstRequest).map(([k, v]) => `${k} ${v} ms`).join(", ")}`);
    console.log(`one client alone, uncached: leaderboard p50 ${singleClientP50} ms; load average at the end: ${loadAverage}`);
    console.log(`wrote bench/results/${out}`);
  } finally {
    await ponder?.stop();
    await chain.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
