/**
 * `npm start`: the whole PoH Network on one machine.
 *
 * Starts a local chain (hardhat node, 1 s blocks), deploys and wires the contracts with the
 * Ignition modules, registers the shipped model, funds and stakes the miners, starts the miner
 * nodes, the indexer, the payload store and the demo site; then replays sessions (humans and bots)
 * as verification requests, shows each job's progress live, and prints a summary. Ctrl-C stops
 * every process it started (each child runs in its own process group).
 *
 * `startNetwork()` is exported for the end-to-end tests and bench/e2e.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, type WriteStream } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatEther, formatUnits, type Address, type Hex } from "viem";
import { pohCoordinatorAbi, pohEmissionAbi } from "../generated/abis.ts";
import { decodeMembers } from "../indexer/src/members.ts";
import { ConfigError, PohError } from "../oracle/src/errors.ts";
import type { Telemetry } from "../oracle/src/payload/index.ts";
import { createPohClient, type JobProgress, type PohClient, type VerificationResult } from "../sdk/src/client.ts";
import { startPayloadStore, type PayloadStore } from "../sdk/src/store.ts";
import type { Chain, DeployedProtocol } from "../test/helpers/devnet.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NODE_BIN = join(ROOT, "node_modules", ".bin", "node");
const PONDER_BIN = join(ROOT, "node_modules", ".bin", "ponder");
const MANIFEST = join(ROOT, "oracle", "model", "manifest.json");

// ------------------------------------------------------------------ options

export interface NetworkOptions {
  miners: number;
  committee: number;
  blockTimeMs: number;
  /** First port; the chain, store, indexer, demo and miners' metrics use the ports after it. */
  portBase: number;
  indexer: boolean;
  demo: boolean;
  /** Where logs, miner state and the indexer's database go (wiped at start). */
  runDir: string;
  /** Blocks per emission epoch (short on the devnet so POH becomes claimable while you watch). */
  epochLength: number;
  /** Compile the contracts first (`hardhat build`, incremental); off for callers that already built. */
  build: boolean;
  /** Where progress lines go. */
  log: (line: string) => void;
}

export const networkDefaults: Omit<NetworkOptions, "log"> = {
  miners: 5,
  committee: 3,
  blockTimeMs: 1000,
  portBase: 44100,
  indexer: true,
  demo: true,
  runDir: join(ROOT, ".data", "devnet"),
  epochLength: 30,
  build: false,
};

/** Port layout from the base port. */
export function ports(base: number) {
  return { chain: base, store: base + 1, indexer: base + 2, demo: base + 3, minerMetrics: (i: number) => base + 10 + i };
}

// ------------------------------------------------------------------ child processes

class NotReadyError extends PohError {}

interface Child {
  name: string;
  process: ChildProcess;
  logPath: string;
  exited: boolean;
}

const children: Child[] = [];

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no output)";
  }
}

function spawnChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logPath: string): Child {
  const out: WriteStream = createWriteStream(logPath);
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const proc = spawn(command, args, { cwd: ROOT, env: merged, stdio: ["ignore", "pipe", "pipe"], detached: true });
  proc.stdout?.pipe(out);
  proc.stderr?.pipe(out);
  const child: Child = { name, process: proc, logPath, exited: false };
  proc.once("exit", () => {
    child.exited = true;
  });
  proc.once("error", () => {
    child.exited = true;
  });
  children.push(child);
  return child;
}

async function stopChild(child: Child, graceMs = 8_000): Promise<void> {
  if (child.exited || child.process.pid === undefined) return;
  const pid = child.process.pid;
  const done = new Promise<void>((r) => child.process.once("exit", () => r()));
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }, graceMs);
  await done;
  clearTimeout(timer);
}

// Last resort if the process dies without running the async shutdown: no orphans.
process.once("exit", () => {
  for (const c of children) {
    if (!c.exited && c.process.pid !== undefined) {
      try {
        process.kill(-c.process.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitForHttp(child: Child | undefined, url: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child?.exited) throw new NotReadyError(`${what} exited while starting; last lines of ${child.logPath}:\n${tail(child.logPath)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      throw new NotReadyError(`${what} did not become ready at ${url} within ${timeoutMs / 1000} s` + (child ? `; last lines of ${child.logPath}:\n${tail(child.logPath)}` : ""));
    }
    await sleep(300);
  }
}

// ------------------------------------------------------------------ the network

export interface Network {
  chain: Chain;
  rpcUrl: string;
  deployment: DeployedProtocol;
  deploymentsFile: string;
  coordinator: Address;
  store: PayloadStore;
  minerAddresses: Address[];
  indexerUrl?: string;
  demoUrl?: string;
  /** The SDK client the demo site uses (account 12). */
  demoClient?: PohClient;
  stop(): Promise<void>;
}

/** Imports a part of the project, saying clearly which part is missing. */
async function need<T>(what: string, path: string, load: () => Promise<T>): Promise<T> {
  if (!existsSync(join(ROOT, path))) throw new NotReadyError(`${what} is not there yet (${path} is missing)`);
  try {
    return await load();
  } catch (err) {
    throw new NotReadyError(`${what} (${path}) failed to load: ${(err as Error).message}`);
  }
}

/** Runs `fn` as a named step and logs it; an error names the step. */
async function step<T>(log: (l: string) => void, name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    const value = await fn();
    log(`  ✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return value;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new NotReadyError(`${name}: ${message}`, { cause: err });
  }
}

export async function startNetwork(partial: Partial<NetworkOptions> = {}): Promise<Network> {
  const o: NetworkOptions = { ...networkDefaults, log: (l) => console.log(l), ...partial };
  const p = ports(o.portBase);
  const log = o.log;
  if (o.committee < 1 || o.committee > o.miners) throw new ConfigError(`--committee: must be 1..${o.miners} (the number of miners), got ${o.committee}`);
  if (o.miners < 1 || o.miners > 9) throw new ConfigError(`--miners: must be 1..9, got ${o.miners}`);

  rmSync(o.runDir, { recursive: true, force: true });
  mkdirSync(join(o.runDir, "logs"), { recursive: true });

  const devnet = await need("the devnet helper", "test/helpers/devnet.ts", () => import("../test/helpers/devnet.ts"));
  if (!existsSync(MANIFEST)) throw new NotReadyError(`the shipped model is not there yet (${MANIFEST} is missing; run \`npm run train\`)`);

  if (o.build) {
    await step(log, "contracts compiled (hardhat build)", async () => {
      const child = spawnChild("hardhat build", join(ROOT, "node_modules", ".bin", "hardhat"), ["build", "--quiet"], {}, join(o.runDir, "logs", "build.log"));
      const code = await new Promise<number | null>((r) => (child.exited ? r(child.process.exitCode) : child.process.once("exit", (c) => r(c))));
      children.splice(children.indexOf(child), 1);
      if (code !== 0) throw new NotReadyError(`hardhat build failed; last lines of ${child.logPath}:\n${tail(child.logPath)}`);
    });
  }

  let chain: Chain | undefined;
  let store: PayloadStore | undefined;
  let demo: { close(): Promise<void> } | undefined;
  const clients: PohClient[] = [];
  const stop = async () => {
    for (const c of clients) c.close();
    await demo?.close();
    await Promise.all(children.splice(0).map((c) => stopChild(c)));
    await store?.close();
    await chain?.stop();
  };

  try {
    // Deploy and stake with automine (a block per transaction, fast), then switch to interval mining.
    chain = await step(log, `local chain on 127.0.0.1:${p.chain}`, () => devnet.startChain({ port: p.chain }));
    const rpcUrl = chain.rpcUrl;
    const deployment = await step(log, "contracts deployed with Ignition, shipped model registered", () =>
      devnet.deployProtocol(rpcUrl, { outDir: join(o.runDir, "deployments"), parameters: { epochLength: BigInt(o.epochLength) } }),
    );
    const coordinator = deployment.contracts.PohCoordinator.address;
    const admin = devnet.clients(rpcUrl, deployment.deployer.privateKey);
    await step(log, `committee size ${o.committee}`, async () => {
      const hash = await admin.walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "setCommittee", args: [o.committee, 0] });
      const receipt = await admin.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100 });
      if (receipt.status !== "success") throw new Error("setCommittee reverted");
    });
    const miners = deployment.accounts.slice(1, 1 + o.miners);
    await step(log, `${o.miners} miners funded and staked (100,000 POH each)`, () =>
      devnet.stakeMiners(rpcUrl, deployment, miners.map((m) => m.privateKey), 100_000n * 10n ** 18n),
    );

    await step(log, `interval mining: a block every ${o.blockTimeMs} ms`, async () => {
      await devnet.rpc(rpcUrl, "evm_setAutomine", [false]);
      await devnet.rpc(rpcUrl, "evm_setIntervalMining", [o.blockTimeMs]);
    });

    store = await step(log, `payload store on 127.0.0.1:${p.store}`, () => startPayloadStore({ port: p.store, dir: join(o.runDir, "payloads") }));

    await step(log, `${o.miners} miner nodes (oracle/bin/poh.js node)`, async () => {
      if (!existsSync(join(ROOT, "oracle/src/commands/node.ts"))) throw new NotReadyError("the miner node is not there yet (oracle/src/commands/node.ts is missing)");
      const started = miners.map((m, i) =>
        spawnChild(
          `miner-${i + 1}`,
          NODE_BIN,
          [join(ROOT, "oracle/bin/poh.js"), "node"],
          {
            POH_RPC_URL: rpcUrl,
            POH_DEPLOYMENTS: deployment.file,
            POH_PRIVATE_KEY: m.privateKey,
            POH_DATA_DIR: join(o.runDir, `miner-${i + 1}`),
            POH_METRICS_PORT: String(p.minerMetrics(i)),
            POH_CONFIRMATIONS: "0",
            POH_POLL_MS: String(Math.max(100, Math.min(500, Math.round(o.blockTimeMs / 8)))),
            // A transaction not mined within a few blocks is replaced with higher fees.
            POH_TX_STUCK_MS: String(Math.max(3000, o.blockTimeMs * 5)),
            // The devnet's payload store is on 127.0.0.1.
            POH_FETCH_ALLOW_PRIVATE: "true",
            POH_LOG_LEVEL: "info",
          },
          join(o.runDir, "logs", `miner-${i + 1}.log`),
        ),
      );
      await Promise.all(started.map((c, i) => waitForHttp(c, `http://127.0.0.1:${p.minerMetrics(i)}/healthz`, 120_000, c.name)));
    });

    let indexerUrl: string | undefined;
    if (o.indexer) {
      indexerUrl = `http://127.0.0.1:${p.indexer}`;
      await step(log, `indexer (ponder) on ${indexerUrl}`, async () => {
        if (!existsSync(join(ROOT, "indexer/ponder.config.ts"))) throw new NotReadyError("the indexer is not there yet (indexer/ponder.config.ts is missing)");
        const child = spawnChild(
          "indexer",
          PONDER_BIN,
          ["start", "--root", "indexer", "--port", String(p.indexer), "--hostname", "127.0.0.1"],
          {
            POH_DEPLOYMENTS: deployment.file,
            POH_RPC_URL: rpcUrl,
            [`PONDER_RPC_URL_${deployment.chainId}`]: rpcUrl,
            POH_PGLITE_DIR: join(o.runDir, "pglite"),
            // The devnet's chain is throwaway: its index lives in the run's own PGlite, never in a
            // shared Postgres named by DATABASE_URL (which would hold another chain's history).
            DATABASE_URL: undefined,
            DATABASE_SCHEMA: "poh",
            POH_PONDER_POLLING_MS: "500",
            PONDER_TELEMETRY_DISABLED: "true",
            PONDER_LOG_LEVEL: "warn",
          },
          join(o.runDir, "logs", "indexer.log"),
        );
        await waitForHttp(child, `${indexerUrl}/ready`, 180_000, "indexer");
      });
    }

    let demoUrl: string | undefined;
    let demoClient: PohClient | undefined;
    if (o.demo) {
      const { startDemoServer } = await need("the demo site", "demo/server.ts", () => import("../demo/server.ts"));
      demoClient = createPohClient({
        rpcUrl,
        privateKey: deployment.accounts[12]!.privateKey,
        coordinator,
        modelId: deployment.modelId,
        store,
        chainId: deployment.chainId,
        pollIntervalMs: 200,
      });
      clients.push(demoClient);
      const server = await step(log, `demo site on 127.0.0.1:${p.demo}`, () =>
        startDemoServer({ port: p.demo, poh: demoClient!, indexerUrl, chainId: deployment.chainId, coordinator }),
      );
      demo = server;
      demoUrl = server.url;
    }

    return {
      chain,
      rpcUrl,
      deployment,
      deploymentsFile: deployment.file,
      coordinator,
      store,
      minerAddresses: miners.map((m) => m.address),
      indexerUrl,
      demoUrl,
      demoClient,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// ------------------------------------------------------------------ sessions to replay

export interface LabelledSession {
  label: "human" | "bot";
  source: string;
  telemetry: Telemetry;
}

/** Balanced humans and bots: from the shared data if present, else from the generators. */
export async function loadSessions(count: number, dataDir: string | undefined, seed = 1): Promise<{ sessions: LabelledSession[]; from: string }> {
  const dir = resolve(dataDir ?? join(ROOT, "..", "shared", "data"));
  if (dataDir !== undefined && !existsSync(dir)) {
    throw new ConfigError(`--data: ${dir} does not exist (point it at the shared training data, or leave it out to replay generated sessions)`);
  }
  const { Rng } = await need("the model's random generator", "oracle/model/generators/rng.ts", () => import("../oracle/model/generators/rng.ts"));
  const rng = new Rng(seed);
  const pick = <T>(list: T[], n: number): T[] => {
    const copy = [...list];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  };
  const nHuman = Math.ceil(count / 2);
  if (existsSync(dir)) {
    const data = await need("the data converters", "oracle/model/data/index.ts", () => import("../oracle/model/data/index.ts"));
    const all = data.loadAll(dir);
    const windows = (label: 0 | 1) =>
      all
        .filter((s) => s.label === label)
        .flatMap((s) => data.cutWindows(s.telemetry, rng).slice(0, 2).map((t) => ({ t, source: `${s.dataset}/${s.kind}` })));
    const humans = pick(windows(1), nHuman);
    const bots = pick(windows(0), count - nHuman);
    const sessions: LabelledSession[] = [
      ...humans.map((h) => ({ label: "human" as const, source: h.source, telemetry: h.t })),
      ...bots.map((b) => ({ label: "bot" as const, source: b.source, telemetry: b.t })),
    ];
    return { sessions: pick(sessions, sessions.length), from: `${dir} (shared data: ${all.length} sessions)` };
  }
  const gen = await need("the session generators", "oracle/model/generators/index.ts", () => import("../oracle/model/generators/index.ts"));
  const sessions: LabelledSession[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 2 === 0 ? "human" : gen.BOT_KINDS[(i >> 1) % gen.BOT_KINDS.length]!;
    sessions.push({ label: kind === "human" ? "human" : "bot", source: `generated/${kind}`, telemetry: gen.generateSession(kind, seed * 1000 + i, 15_000) });
  }
  return { sessions, from: `generators (${dir} not found)` };
}

// ------------------------------------------------------------------ replay with a live view

export interface ReplayOutcome {
  session: LabelledSession;
  result?: VerificationResult;
  error?: Error;
}

const tty = process.stdout.isTTY === true;
const color = (code: number, s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);

class LiveView {
  private readonly inflight = new Map<string, { label: string; stage: string; commits: number; reveals: number; size: number }>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: (l: string) => void) {}

  update(key: string, label: string, p: JobProgress): void {
    const s = this.inflight.get(key) ?? { label, stage: "requested", commits: 0, reveals: 0, size: p.committee.length };
    s.stage = p.stage;
    s.commits = p.commits;
    s.reveals = p.reveals;
    this.inflight.set(key, s);
    if (!tty && p.stage === "requested") this.print(`  job ${p.jobId.toString().padStart(4)} requested (${label}, committee ${p.committee.length})`);
    this.schedule();
  }

  done(key: string, line: string): void {
    this.inflight.delete(key);
    this.print(line);
  }

  print(line: string): void {
    this.clear();
    this.out(line);
    this.draw();
  }

  private schedule(): void {
    if (!tty || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.clear();
      this.draw();
    }, 100);
  }

  private clear(): void {
    if (tty && this.drawn > 0) process.stdout.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (!tty) return;
    const lines: string[] = [];
    for (const [key, s] of this.inflight) {
      const steps = ["requested", `committed ${s.commits}/${s.size}`, `revealed ${s.reveals}/${s.size}`, "final"];
      const at = s.stage === "requested" ? 0 : s.stage === "committed" ? 1 : s.stage === "revealed" ? 2 : 3;
      lines.push(`  ${color(2, "…")} job ${key.padStart(4)} ${s.label.padEnd(24)} ${steps.map((x, i) => (i <= at ? color(36, x) : color(2, x))).join(" → ")}`);
    }
    if (lines.length) process.stdout.write(lines.join("\n") + "\n");
    this.drawn = lines.length;
  }
}

export async function replay(client: PohClient, sessions: LabelledSession[], concurrency: number, out: (l: string) => void, signal?: AbortSignal): Promise<ReplayOutcome[]> {
  const view = new LiveView(out);
  const outcomes: ReplayOutcome[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < sessions.length && !signal?.aborted) {
      const session = sessions[next++]!;
      const label = `${session.label} (${session.source})`;
      let key = "?";
      try {
        const result = await client.requestVerification(session.telemetry, {
          signal,
          onProgress: (p) => {
            key = p.jobId.toString();
            view.update(key, label, p);
          },
        });
        const ok = result.verdict === session.label;
        view.done(
          key,
          `  ${ok ? color(32, "✓") : color(31, "✗")} job ${key.padStart(4)} ${label.padEnd(24)} requested → committed ${result.txHashes.commits.length} → revealed ${result.txHashes.reveals.length} → final: ` +
            `${(result.verdict === "human" ? color(32, "human") : color(33, "bot  "))} ${String(result.scoreBps).padStart(5)} bps  ${result.latencyBlocks} blocks ${(result.latencyMs / 1000).toFixed(1)} s`,
        );
        outcomes.push({ session, result });
      } catch (err) {
        const error = err as Error;
        view.done(key, `  ${color(31, "!")} job ${key.padStart(4)} ${label.padEnd(24)} ${color(31, `${error.name}: ${error.message}`)}`);
        outcomes.push({ session, error });
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, () => worker()));
  return outcomes;
}

// ------------------------------------------------------------------ summary

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export interface Summary {
  jobs: number;
  final: number;
  failed: number;
  errors: Record<string, number>;
  accuracy: number;
  humansCalledBots: string;
  botsCalledHuman: string;
  latencyBlocks: { p50: number; p95: number; max: number; mean: number };
  latencySeconds: { p50: number; p95: number; max: number };
  gasPerJob: { total: number; request: number; miners: number };
  feesPaidEth: string;
  minerRewardsEth: string;
  protocolFeesEth: string;
  workPoints: string;
  pohEmission: string;
}

export async function summarize(network: Network, outcomes: ReplayOutcome[]): Promise<Summary> {
  const { publicClient } = (await import("../test/helpers/devnet.ts")).clients(network.rpcUrl, network.deployment.deployer.privateKey);
  const finals = outcomes.filter((o) => o.result);
  const results = finals.map((o) => o.result!);
  const errors: Record<string, number> = {};
  for (const o of outcomes) if (o.error) errors[o.error.name] = (errors[o.error.name] ?? 0) + 1;
  const correct = finals.filter((o) => o.result!.verdict === o.session.label).length;
  const humans = finals.filter((o) => o.session.label === "human");
  const bots = finals.filter((o) => o.session.label === "bot");
  const blocks = results.map((r) => r.latencyBlocks).sort((a, b) => a - b);
  const seconds = results.map((r) => r.latencyMs / 1000).sort((a, b) => a - b);

  // Gas of every distinct transaction the final jobs used (batched miner transactions count once).
  const requestTxs = new Set<Hex>(results.map((r) => r.txHashes.request));
  const minerTxs = new Set<Hex>(results.flatMap((r) => [...r.txHashes.commits, ...r.txHashes.reveals, r.txHashes.final]));
  for (const h of requestTxs) minerTxs.delete(h);
  const gasOf = async (hashes: Set<Hex>) => {
    let total = 0n;
    const list = [...hashes];
    for (let i = 0; i < list.length; i += 20) {
      const receipts = await Promise.all(list.slice(i, i + 20).map((hash) => publicClient.getTransactionReceipt({ hash })));
      for (const r of receipts) total += r.gasUsed;
    }
    return total;
  };
  const requestGas = await gasOf(requestTxs);
  const minerGas = await gasOf(minerTxs);
  const n = Math.max(1, results.length);

  let rewards = 0n;
  let protocolFees = 0n;
  let points = 0n;
  let poh = "n/a";
  if (results.length > 0) {
    const fromBlock = results.reduce((m, r) => (r.requestBlock < m ? r.requestBlock : m), results[0]!.requestBlock);
    const toBlock = await publicClient.getBlockNumber();
    // Only final jobs pay rewards and earn work points (a failed job's committee gets neither).
    const finalized = await publicClient.getContractEvents({ address: network.coordinator, abi: pohCoordinatorAbi, eventName: "JobFinalized", fromBlock, toBlock, strict: true });
    for (const e of finalized) {
      protocolFees += e.args.protocolFee;
      for (const m of decodeMembers(e.args.members, e.args)) {
        rewards += m.reward;
        points += m.points;
      }
    }
    try {
      const emission = network.deployment.contracts.PohEmission.address;
      const current = await publicClient.readContract({ address: emission, abi: pohEmissionAbi, functionName: "currentEpoch" });
      let ended = 0n;
      let accruing = 0n;
      for (let e = current > 50n ? current - 50n : 0n; e <= current; e++) {
        const epochPoints = await publicClient.readContract({ address: emission, abi: pohEmissionAbi, functionName: "epochPoints", args: [e] });
        if (epochPoints === 0n) continue;
        const amount = await publicClient.readContract({ address: emission, abi: pohEmissionAbi, functionName: "epochEmission", args: [e] });
        if (e < current) ended += amount;
        else accruing += amount;
      }
      poh = `${formatUnits(ended, 18)} POH earned in ended epochs (claimable) + ${formatUnits(accruing, 18)} POH accruing in the current epoch`;
    } catch (err) {
      poh = `unavailable (${(err as Error).message.split("\n")[0]})`;
    }
  }
  const feesPaid = results.reduce((s, r) => s + r.fee, 0n);
  return {
    jobs: outcomes.length,
    final: finals.length,
    failed: outcomes.length - finals.length,
    errors,
    accuracy: finals.length ? correct / finals.length : NaN,
    humansCalledBots: `${humans.filter((o) => o.result!.verdict === "bot").length}/${humans.length}`,
    botsCalledHuman: `${bots.filter((o) => o.result!.verdict === "human").length}/${bots.length}`,
    latencyBlocks: { p50: percentile(blocks, 0.5), p95: percentile(blocks, 0.95), max: blocks.at(-1) ?? NaN, mean: blocks.reduce((a, b) => a + b, 0) / Math.max(1, blocks.length) },
    latencySeconds: { p50: percentile(seconds, 0.5), p95: percentile(seconds, 0.95), max: seconds.at(-1) ?? NaN },
    gasPerJob: { total: Number((requestGas + minerGas) / BigInt(n)), request: Number(requestGas / BigInt(n)), miners: Number(minerGas / BigInt(n)) },
    feesPaidEth: formatEther(feesPaid),
    minerRewardsEth: formatEther(rewards),
    protocolFeesEth: formatEther(protocolFees),
    workPoints: points.toString(),
    pohEmission: poh,
  };
}

function printSummary(s: Summary, out: (l: string) => void): void {
  const pct = (x: number) => (Number.isNaN(x) ? "n/a" : `${(x * 100).toFixed(1)}%`);
  out("");
  out("Summary");
  out(`  jobs                 ${s.jobs} requested, ${s.final} final, ${s.failed} failed${Object.keys(s.errors).length ? ` (${Object.entries(s.errors).map(([k, v]) => `${k} ×${v}`).join(", ")})` : ""}`);
  out(`  accuracy             ${pct(s.accuracy)} of final verdicts match the known label (humans called bots ${s.humansCalledBots}, bots called human ${s.botsCalledHuman})`);
  out(`  latency (blocks)     p50 ${s.latencyBlocks.p50}  p95 ${s.latencyBlocks.p95}  max ${s.latencyBlocks.max}  mean ${s.latencyBlocks.mean.toFixed(2)}`);
  out(`  latency (seconds)    p50 ${s.latencySeconds.p50.toFixed(1)}  p95 ${s.latencySeconds.p95.toFixed(1)}  max ${s.latencySeconds.max.toFixed(1)}  (request sent → final seen)`);
  out(`  gas per job          ${s.gasPerJob.total.toLocaleString()} (request ${s.gasPerJob.request.toLocaleString()}, miners' commits/reveals ${s.gasPerJob.miners.toLocaleString()})`);
  out(`  fees paid            ${s.feesPaidEth} ETH (miners' rewards ${s.minerRewardsEth} ETH, protocol fee ${s.protocolFeesEth} ETH)`);
  out(`  POH                  ${s.workPoints} work points; ${s.pohEmission}`);
}

// ------------------------------------------------------------------ CLI

const HELP = `usage: npm start -- [options]

Runs PoH Network on this machine: a local chain, the contracts, ${networkDefaults.miners} miners, the indexer,
the payload store and the demo site; replays labelled sessions as verification requests and
prints a summary. Ctrl-C stops everything it started.

options:
  --miners N          miner nodes to start and stake (default ${networkDefaults.miners})
  --committee N       committee size per job (default ${networkDefaults.committee}; quorum is a majority)
  --block-time MS     block interval in milliseconds (default ${networkDefaults.blockTimeMs})
  --sessions N        sessions to replay, half humans, half bots (default 40; 0 = none)
  --concurrency N     verification requests in flight at once (default 4)
  --data DIR          labelled sessions (default ../shared/data; without it, sessions come from
                      oracle/model/generators)
  --port-base N       first port (default ${networkDefaults.portBase}): chain N, payload store N+1, indexer N+2,
                      demo N+3, miners' metrics N+10..
  --keep-running      keep the network up after the replay, until Ctrl-C
  --no-demo           do not start the demo site
  --no-indexer        do not start the indexer
  --no-build          skip compiling the contracts (hardhat build) before deploying
  --seed N            session sampling seed (default 1)
  -h, --help          this text

Logs of the miners and the indexer go to .data/devnet/logs/.`;

function intOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`--${name}: must be an integer ${min}..${max}, got "${raw}"`);
  return v;
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        miners: { type: "string" },
        committee: { type: "string" },
        "block-time": { type: "string" },
        sessions: { type: "string" },
        concurrency: { type: "string" },
        data: { type: "string" },
        "port-base": { type: "string" },
        seed: { type: "string" },
        "keep-running": { type: "boolean", default: false },
        "no-demo": { type: "boolean", default: false },
        "no-indexer": { type: "boolean", default: false },
        "no-build": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`npm start: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const opts: Partial<NetworkOptions> = {
    miners: intOption("miners", values.miners, networkDefaults.miners, 1, 9),
    blockTimeMs: intOption("block-time", values["block-time"], networkDefaults.blockTimeMs, 100, 60_000),
    portBase: intOption("port-base", values["port-base"], networkDefaults.portBase, 1024, 65_000),
    demo: !values["no-demo"],
    indexer: !values["no-indexer"],
    build: !values["no-build"],
  };
  opts.committee = intOption("committee", values.committee, Math.min(networkDefaults.committee, opts.miners!), 1, opts.miners!);
  const sessionsCount = intOption("sessions", values.sessions, 40, 0, 10_000);
  const concurrency = intOption("concurrency", values.concurrency, 4, 1, 256);
  const seed = intOption("seed", values.seed, 1, 0, 2 ** 31);

  if (values.data !== undefined && !existsSync(resolve(values.data))) {
    console.error(`npm start: --data: ${resolve(values.data)} does not exist (point it at the shared training data, or leave it out to replay generated sessions)`);
    return 2;
  }

  const controller = new AbortController();
  let network: Network | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    controller.abort(new Error("stopped"));
    console.log("\nstopping every process started…");
    await network?.stop();
    console.log("stopped.");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(130));
  process.on("SIGTERM", () => void shutdown(143));

  console.log(`PoH Network devnet: ${opts.miners} miners, committee ${opts.committee}, ${opts.blockTimeMs} ms blocks`);
  network = await startNetwork(opts);
  console.log("");
  console.log(`  chain      ${network.rpcUrl} (chain id ${network.deployment.chainId}; deployments ${network.deploymentsFile})`);
  console.log(`  store      ${network.store.url}/p/<keccak256>`);
  if (network.indexerUrl) console.log(`  indexer    ${network.indexerUrl}/graphql`);
  if (network.demoUrl) console.log(`  demo       ${network.demoUrl}/   explorer ${network.demoUrl}/explorer`);
  console.log("");

  if (sessionsCount > 0) {
    const { sessions, from } = await loadSessions(sessionsCount, values.data, seed);
    console.log(`Replaying ${sessions.length} sessions from ${from}, ${concurrency} at a time`);
    const requester = network.deployment.accounts[11]!;
    const client = createPohClient({
      rpcUrl: network.rpcUrl,
      privateKey: requester.privateKey,
      coordinator: network.coordinator,
      modelId: network.deployment.modelId,
      store: network.store,
      chainId: network.deployment.chainId,
      pollIntervalMs: 200,
    });
    const outcomes = await replay(client, sessions, concurrency, (l) => console.log(l), controller.signal);
    client.close();
    if (controller.signal.aborted) return 130;
    printSummary(await summarize(network, outcomes), (l) => console.log(l));
  }

  if (values["keep-running"] || sessionsCount === 0) {
    console.log("\nThe network keeps running; press Ctrl-C to stop it.");
    await new Promise<void>(() => {});
  }
  await shutdown(0);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    async (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`\nnpm start: ${message}`);
      await Promise.all(children.splice(0).map((c) => stopChild(c)));
      process.exit(1);
    },
  );
}
