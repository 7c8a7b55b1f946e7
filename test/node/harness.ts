/**
 * Test harness for the miner against a real Hardhat node: deploy, stake miners, serve payloads,
 * request jobs, and run `poh node` as child processes (so SIGKILL is real).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256, parseEther, parseEventLogs, type Hex, type PublicClient } from "viem";
import { pohCoordinatorAbi } from "../../generated/abis.ts";
import { decodeMembers, type SettledMember } from "../../indexer/src/members.ts";
import { generateSession } from "../../oracle/model/generators/index.ts";
import { clients, deployProtocol, rpc, stakeMiners, startChain, type Chain, type DeployedProtocol, type DevAccount } from "../helpers/devnet.ts";

export const ROOT = new URL("../..", import.meta.url).pathname;

export type Net = {
  chain: Chain;
  /** A private copy of the shipped model (the model may be retrained while tests run). */
  modelPath: string;
  deployment: DeployedProtocol;
  miners: DevAccount[];
  requester: DevAccount;
  publicClient: PublicClient;
  dir: string;
  stop(): Promise<void>;
};

/** Starts a chain on `port`, deploys, stakes `miners` miners and sets committee + windows. */
export async function setupNet(options: { port: number; miners?: number; commitWindow: number; revealWindow: number; blockTimeMs?: number }): Promise<Net> {
  const dir = mkdtempSync(join(tmpdir(), "poh-node-test-"));
  const model = copyModel(join(dir, "model"));
  const chain = await startChain({ port: options.port, blockTimeMs: options.blockTimeMs });
  try {
    const deployment = await deployProtocol(chain.rpcUrl, { modelSha256: `0x${model.sha256}`, featureSpecVersion: model.featureSpecVersion });
    const n = options.miners ?? 3;
    const miners = deployment.accounts.slice(1, 1 + n);
    await stakeMiners(chain.rpcUrl, deployment, miners.map((m) => m.privateKey), parseEther("10000"));
    const admin = clients(chain.rpcUrl, deployment.deployer.privateKey);
    const coordinator = deployment.contracts.PohCoordinator.address;
    const wait = (hash: Hex) => admin.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    await wait(await admin.walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "setCommittee", args: [n, 0] }));
    await wait(await admin.walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "setWindows", args: [options.commitWindow, options.revealWindow] }));
    return {
      chain,
      deployment,
      miners,
      requester: deployment.accounts[15]!,
      publicClient: admin.publicClient,
      dir,
      modelPath: model.path,
      stop: async () => {
        await chain.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Copies the shipped model and manifest into `dir`, retrying until the pair is consistent. */
export function copyModel(dir: string): { path: string; sha256: string; featureSpecVersion: number } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "poh-model.onnx");
  for (let i = 0; ; i++) {
    copyFileSync(join(ROOT, "oracle/model/poh-model.onnx"), path);
    copyFileSync(join(ROOT, "oracle/model/manifest.json"), join(dir, "manifest.json"));
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { sha256: string; featureSpecVersion: number };
    const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
    if (sha256 === manifest.sha256) return { path, sha256, featureSpecVersion: manifest.featureSpecVersion };
    if (i > 20) throw new Error("the shipped model and its manifest disagree");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
}

/** Serves fixed payloads by path on loopback. */
export async function payloadServer(port: number, routes: Record<string, Uint8Array | "hang">): Promise<{ url: string; server: Server; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    const body = routes[req.url ?? ""];
    if (body === "hang") return; // never answers
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function humanPayload(seed: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(generateSession("human", seed, 8000)));
}

/** Requests verification from the requester account; returns the job id and request block. */
export async function requestJob(net: Net, inputURI: string, inputHash: Hex, fee = parseEther("0.01")): Promise<{ jobId: bigint; block: bigint }> {
  const { walletClient, publicClient } = clients(net.chain.rpcUrl, net.requester.privateKey);
  const hash = await walletClient.writeContract({
    address: net.deployment.contracts.PohCoordinator.address,
    abi: pohCoordinatorAbi,
    functionName: "requestVerification",
    args: [net.deployment.modelId, inputHash, inputURI, "0x0000000000000000000000000000000000000000", 0],
    value: fee,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  const [event] = parseEventLogs({ abi: pohCoordinatorAbi, logs: receipt.logs, eventName: "JobRequested" });
  if (!event) throw new Error("no JobRequested");
  return { jobId: event.args.jobId, block: receipt.blockNumber };
}

export const payloadHash = (bytes: Uint8Array): Hex => keccak256(bytes);

export type NodeProc = {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  /** Resolves when a log line matches (rejects after timeoutMs or if the process exits). */
  waitFor(pred: (l: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

/** Writes a config file for a miner and returns its path. */
export function writeConfig(net: Net, name: string, extra: Record<string, unknown> = {}, rpcUrl = net.chain.rpcUrl): string {
  const path = join(net.dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({ rpcUrl, deployments: net.deployment.file, model: net.modelPath, dataDir: join(net.dir, `data-${name}`), metricsPort: 0, confirmations: 0, pollMs: 200, txStuckMs: 5000, fetchAllowPrivate: true, logLevel: "debug", ...extra }, null, 2),
  );
  return path;
}

/** Starts `poh node --config FILE` as a child process with the miner's key in POH_PRIVATE_KEY. */
export function startNode(configPath: string, key: Hex, env: Record<string, string> = {}): NodeProc {
  const child = spawn(join(ROOT, "node_modules/.bin/node"), [join(ROOT, "oracle/bin/poh.js"), "node", "--config", configPath], {
    cwd: ROOT,
    env: { ...process.env, POH_PRIVATE_KEY: key, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = "";
  let text = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf("\n")) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      text += line + "\n";
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
      for (const w of [...waiters]) if (w.pred(entry)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(entry);
      }
    }
  });
  child.stdout!.on("data", (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    logs,
    exited,
    waitFor(pred, timeoutMs) {
      const hit = logs.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (l: Record<string, unknown>) => (clearTimeout(t), resolve(l)) };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timed out waiting for a log line; last lines:\n${text.split("\n").slice(-15).join("\n")}`));
        }, timeoutMs);
        waiters.push(w);
        void exited.then((code) => {
          if (waiters.includes(w)) {
            clearTimeout(t);
            waiters.splice(waiters.indexOf(w), 1);
            reject(new Error(`node exited (${code}) while waiting; last lines:\n${text.split("\n").slice(-15).join("\n")}`));
          }
        });
      });
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (done) return child.exitCode;
      child.kill(signal);
      const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Reads a job from the coordinator. */
export function getJob(net: Net, jobId: bigint) {
  return net.publicClient.readContract({ address: net.deployment.contracts.PohCoordinator.address, abi: pohCoordinatorAbi, functionName: "getJob", args: [jobId] });
}

/** Polls until the job is no longer Pending (status 2 Final or 3 Failed). */
export async function waitJobEnded(net: Net, jobId: bigint, timeoutMs: number): Promise<Awaited<ReturnType<typeof getJob>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(net, jobId);
    if (job.status !== 1) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still pending after ${timeoutMs} ms (commits ${job.commitCount}, reveals ${job.revealCount})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** An ended job's committee, in committee order, as its JobFinalized or JobFailed event settled it. */
export async function settledMembers(net: Net, jobId: bigint): Promise<SettledMember[]> {
  const address = net.deployment.contracts.PohCoordinator.address;
  const [finalized] = await net.publicClient.getContractEvents({ address, abi: pohCoordinatorAbi, eventName: "JobFinalized", args: { jobId }, fromBlock: 0n, strict: true });
  if (finalized) return decodeMembers(finalized.args.members, finalized.args);
  const [failed] = await net.publicClient.getContractEvents({ address, abi: pohCoordinatorAbi, eventName: "JobFailed", args: { jobId }, fromBlock: 0n, strict: true });
  if (!failed) throw new Error(`job ${jobId} has not ended`);
  return decodeMembers(failed.args.members);
}

/** One commit or reveal as the coordinator's Committed / Revealed events record it (one event per call). */
export type MinerAction = { jobId: bigint; miner: Hex; value: Hex | number; blockNumber: bigint; txHash: Hex };

/**
 * Every commit (Committed) or matching reveal (Revealed) on chain, one entry per job, optionally
 * only for `jobId` and/or `miner`: the events carry one call's jobs as arrays.
 */
export async function minerActions(net: Net, eventName: "Committed" | "Revealed", filter: { jobId?: bigint; miner?: Hex } = {}): Promise<MinerAction[]> {
  const address = net.deployment.contracts.PohCoordinator.address;
  const logs = await net.publicClient.getContractEvents({ address, abi: pohCoordinatorAbi, eventName, args: filter.miner ? { miner: filter.miner } : {}, fromBlock: 0n, strict: true });
  const out: MinerAction[] = [];
  for (const l of logs) {
    const values: readonly (Hex | number)[] = "commitments" in l.args ? l.args.commitments : l.args.scoresBps;
    l.args.jobIds.forEach((jobId, i) => {
      if (filter.jobId === undefined || jobId === filter.jobId) out.push({ jobId, miner: l.args.miner, value: values[i]!, blockNumber: l.blockNumber, txHash: l.transactionHash });
    });
  }
  return out;
}

export { rpc };
