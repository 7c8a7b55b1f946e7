/**
 * The demo site: a sign-up form protected by PoH Network and an explorer of the network.
 *
 *   GET  /                 sign-up form (demo/public/index.html)
 *   GET  /explorer         miners' leaderboard, recent jobs, jobs/latency chart
 *   GET  /collector.js     the SDK's browser collector (sdk/browser/collector.js)
 *   POST /api/verify       { telemetry, ... } -> on-chain verdict, jobId, tx hashes
 *   POST /api/graphql      proxied to the indexer's GraphQL endpoint (same origin for the page)
 *   GET  /api/config       what the explorer needs to know (chain id, coordinator, indexer on/off)
 *
 * Run on its own: `npx tsx demo/server.ts` with the environment variables listed in
 * {@link readDemoEnv}; `npm start` runs it as part of the devnet.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pino, type Logger } from "pino";
import { z } from "zod";
import { ConfigError, InputError, PohError } from "../oracle/src/errors.ts";
import { createPohClient, type PohClient, type VerificationResult } from "../sdk/src/client.ts";
import { VerificationTimeoutError } from "../sdk/src/errors.ts";

const here = dirname(fileURLToPath(import.meta.url));
const PUBLIC_DIR = join(here, "public");
const COLLECTOR = resolve(here, "..", "sdk", "browser", "collector.js");
/** JSON envelope around a 1 MiB payload. */
const MAX_BODY = 1_572_864;

export interface DemoServerOptions {
  port: number;
  host?: string;
  /** The SDK client that pays for verification. */
  poh: PohClient;
  /** Indexer base URL (its GraphQL is at /graphql); the explorer says so if absent. */
  indexerUrl?: string;
  /** Shown on the explorer page. */
  chainId?: number;
  coordinator?: string;
  /**
   * Every /api/verify pays a fee, so it is limited per client address: at most `perMinute`
   * submissions in any 60 s window and `maxInFlight` waiting at once (429 with Retry-After beyond).
   */
  verifyLimit?: { perMinute?: number; maxInFlight?: number };
}

export const demoServerDefaults = { host: "127.0.0.1", verifyPerMinute: 20, verifyMaxInFlight: 4 } as const;

/**
 * Sliding-window limit per key: at most `perWindow` admissions in any `windowMs`, and at most
 * `maxInFlight` admitted and not yet released. Keys with no recent admissions are forgotten.
 */
export class RateLimiter {
  private readonly recent = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly perWindow: number,
    private readonly maxInFlight: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(perWindow) || perWindow < 1) throw new RangeError("perWindow must be a positive integer");
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError("maxInFlight must be a positive integer");
  }

  /** Admits `key` (returns a release function) or says how many ms to wait before retrying. */
  take(key: string): { ok: true; release: () => void } | { ok: false; retryAfterMs: number } {
    const t = this.now();
    const times = (this.recent.get(key) ?? []).filter((x) => t - x < this.windowMs);
    const busy = this.inFlight.get(key) ?? 0;
    if (busy >= this.maxInFlight) return { ok: false, retryAfterMs: 1000 };
    if (times.length >= this.perWindow) return { ok: false, retryAfterMs: Math.max(1, times[0]! + this.windowMs - t) };
    times.push(t);
    this.recent.set(key, times);
    this.inFlight.set(key, busy + 1);
    if (this.recent.size > 10_000) this.sweep(t);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const n = (this.inFlight.get(key) ?? 1) - 1;
        if (n <= 0) this.inFlight.delete(key);
        else this.inFlight.set(key, n);
      },
    };
  }

  private sweep(t: number): void {
    for (const [key, times] of this.recent) {
      if (times.every((x) => t - x >= this.windowMs) && !this.inFlight.has(key)) this.recent.delete(key);
    }
  }
}

export interface DemoServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** What /api/verify answers: the SDK's result with bigints as decimal strings. */
export interface VerifyResponse {
  jobId: string;
  scoreBps: number;
  verdict: "human" | "bot";
  latencyBlocks: number;
  latencyMs: number;
  requestBlock: string;
  finalBlock: string;
  fee: string;
  inputHash: string;
  committee: string[];
  txHashes: VerificationResult["txHashes"];
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

const STATIC: Record<string, string> = {
  "/": join(PUBLIC_DIR, "index.html"),
  "/index.html": join(PUBLIC_DIR, "index.html"),
  "/explorer": join(PUBLIC_DIR, "explorer.html"),
  "/explorer.html": join(PUBLIC_DIR, "explorer.html"),
  "/app.js": join(PUBLIC_DIR, "app.js"),
  "/explorer.js": join(PUBLIC_DIR, "explorer.js"),
  "/style.css": join(PUBLIC_DIR, "style.css"),
  "/collector.js": COLLECTOR,
};

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new HttpError(413, `body exceeds ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/** HTTP status for an SDK error: the client's fault, a timeout, or an upstream failure. */
function statusFor(err: unknown): number {
  if (err instanceof InputError) return 422;
  if (err instanceof VerificationTimeoutError) return 504;
  if (err instanceof PohError) return 502;
  return 500;
}

export function toVerifyResponse(r: VerificationResult): VerifyResponse {
  return {
    jobId: r.jobId.toString(),
    scoreBps: r.scoreBps,
    verdict: r.verdict,
    latencyBlocks: r.latencyBlocks,
    latencyMs: r.latencyMs,
    requestBlock: r.requestBlock.toString(),
    finalBlock: r.finalBlock.toString(),
    fee: r.fee.toString(),
    inputHash: r.inputHash,
    committee: r.committee,
    txHashes: r.txHashes,
  };
}

export async function startDemoServer(options: DemoServerOptions, context: { logger?: Logger } = {}): Promise<DemoServer> {
  const host = options.host ?? demoServerDefaults.host;
  const log = context.logger?.child({ module: "demo" });
  const limiter = new RateLimiter(
    options.verifyLimit?.perMinute ?? demoServerDefaults.verifyPerMinute,
    options.verifyLimit?.maxInFlight ?? demoServerDefaults.verifyMaxInFlight,
  );

  async function verify(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const admitted = limiter.take(req.socket.remoteAddress ?? "unknown");
    if (!admitted.ok) {
      res.setHeader("retry-after", String(Math.ceil(admitted.retryAfterMs / 1000)));
      throw new HttpError(429, "too many verification requests from this address; retry later");
    }
    try {
      await verifyAdmitted(req, res);
    } finally {
      admitted.release();
    }
  }

  async function verifyAdmitted(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req, MAX_BODY);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      throw new HttpError(400, "the body must be JSON: { telemetry: <format-v1 payload> }");
    }
    const telemetry = (body as { telemetry?: unknown } | null)?.telemetry;
    if (typeof telemetry !== "object" || telemetry === null) throw new HttpError(400, "telemetry: required");
    try {
      const result = await options.poh.requestVerification(JSON.stringify(telemetry));
      log?.info({ jobId: result.jobId.toString(), verdict: result.verdict, scoreBps: result.scoreBps, blocks: result.latencyBlocks }, "verified");
      sendJson(res, 200, toVerifyResponse(result));
    } catch (err) {
      const status = statusFor(err);
      const error = err as Error;
      log?.warn({ err: error.message, kind: error.name }, "verification failed");
      const jobId = (err as { jobId?: bigint }).jobId;
      sendJson(res, status, {
        error: error.message,
        kind: error.name,
        retryable: err instanceof PohError ? err.retryable : false,
        ...(jobId !== undefined ? { jobId: jobId.toString() } : {}),
      });
    }
  }

  async function graphql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!options.indexerUrl) throw new HttpError(503, "no indexer is configured");
    const body = await readBody(req, 65_536);
    let upstream: Response;
    try {
      upstream = await fetch(`${options.indexerUrl.replace(/\/$/, "")}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body.toString("utf8"),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new HttpError(502, `indexer unreachable: ${(err as Error).message}`);
    }
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json", "cache-control": "no-store" });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://demo");
    const method = req.method ?? "GET";
    if (url.pathname === "/api/verify") {
      if (method !== "POST") throw new HttpError(405, "POST only");
      return verify(req, res);
    }
    if (url.pathname === "/api/graphql") {
      if (method !== "POST") throw new HttpError(405, "POST only");
      return graphql(req, res);
    }
    if (url.pathname === "/api/config") {
      return sendJson(res, 200, { chainId: options.chainId ?? null, coordinator: options.coordinator ?? null, indexer: Boolean(options.indexerUrl) });
    }
    if (url.pathname === "/healthz") return sendJson(res, 200, { ok: true });
    const file = STATIC[url.pathname];
    if (!file || (method !== "GET" && method !== "HEAD")) throw new HttpError(404, "not found");
    const bytes = await readFile(file);
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-cache",
      "content-security-policy": "default-src 'self'; style-src 'self'; img-src 'self' data:",
      "x-content-type-options": "nosniff",
    });
    res.end(method === "HEAD" ? undefined : bytes);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log?.error({ err }, "demo request failed");
      if (!res.headersSent) sendJson(res, status, { error: err instanceof HttpError ? err.message : "internal error" });
      else res.destroy();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `http://${host}:${port}`;
  log?.info({ url }, "demo site listening");
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

// ------------------------------------------------------------------ stand-alone entry point

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 0x-prefixed 32-byte hex key");

/**
 * Environment of `npx tsx demo/server.ts`:
 * - POH_RPC_URL        JSON-RPC URL (default http://127.0.0.1:8545)
 * - POH_DEPLOYMENTS    deployments file (default deployments/31337.json)
 * - POH_DEMO_KEY       key of the account that pays the fees (required; never logged)
 * - POH_STORE_URL      payload store base URL (required; e.g. one started by `npm start`)
 * - POH_INDEXER_URL    indexer base URL (optional; enables the explorer)
 * - POH_DEMO_PORT      port (default 44080)
 * - POH_DEMO_VERIFY_PER_MINUTE    /api/verify submissions per client address per minute (default 20)
 * - POH_DEMO_VERIFY_MAX_IN_FLIGHT /api/verify submissions waiting at once per address (default 4)
 */
export function readDemoEnv(env: NodeJS.ProcessEnv = process.env) {
  const schema = z.object({
    POH_RPC_URL: z.url().default("http://127.0.0.1:8545"),
    POH_DEPLOYMENTS: z.string().default(resolve(here, "..", "deployments", "31337.json")),
    POH_DEMO_KEY: hex32,
    POH_STORE_URL: z.url(),
    POH_INDEXER_URL: z.url().optional(),
    POH_DEMO_PORT: z.coerce.number().int().min(0).max(65535).default(44080),
    POH_DEMO_VERIFY_PER_MINUTE: z.coerce.number().int().min(1).default(demoServerDefaults.verifyPerMinute),
    POH_DEMO_VERIFY_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(demoServerDefaults.verifyMaxInFlight),
  });
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

async function main(): Promise<void> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? "info" });
  const env = readDemoEnv();
  let deployment: { chainId: number; modelId: number; contracts: { PohCoordinator: { address: `0x${string}` } } };
  try {
    deployment = JSON.parse(await readFile(env.POH_DEPLOYMENTS, "utf8"));
  } catch (err) {
    throw new ConfigError(`POH_DEPLOYMENTS: cannot read ${env.POH_DEPLOYMENTS} (${(err as Error).message})`);
  }
  const poh = createPohClient(
    {
      rpcUrl: env.POH_RPC_URL,
      privateKey: env.POH_DEMO_KEY as `0x${string}`,
      coordinator: deployment.contracts.PohCoordinator.address,
      modelId: deployment.modelId,
      store: env.POH_STORE_URL,
      chainId: deployment.chainId,
    },
    { logger },
  );
  const demo = await startDemoServer(
    {
      port: env.POH_DEMO_PORT,
      poh,
      indexerUrl: env.POH_INDEXER_URL,
      chainId: deployment.chainId,
      coordinator: deployment.contracts.PohCoordinator.address,
      verifyLimit: { perMinute: env.POH_DEMO_VERIFY_PER_MINUTE, maxInFlight: env.POH_DEMO_VERIFY_MAX_IN_FLIGHT },
    },
    { logger },
  );
  console.log(`demo: ${demo.url}  explorer: ${demo.url}/explorer`);
  const stop = () => {
    poh.close();
    void demo.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
