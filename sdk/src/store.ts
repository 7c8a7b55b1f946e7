/**
 * A small content-addressed HTTP store for telemetry payloads, addressed by keccak256 — the hash
 * the coordinator records as the job's `inputHash`, so a miner can check what it fetched.
 *
 *   GET  /p/<0x keccak256>   the payload (404 if unknown)
 *   PUT  /p/<0x keccak256>   stores the body if its keccak256 equals the path (422 otherwise)
 *   POST /p                  stores the body under its keccak256; answers { hash, uri }
 *   GET  /healthz            "ok"
 *
 * Bodies over `maxBytes` (default 1 MiB) are refused with 413. Files are written to a temporary
 * name, fsynced and renamed, so a reader never sees half a payload.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { Logger } from "pino";
import { keccak256, type Hex } from "viem";
import { MAX_PAYLOAD_BYTES } from "../../oracle/src/payload/index.ts";
import { PayloadRejectedError } from "./errors.ts";

export interface PayloadStoreOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Directory the payloads are kept in (created if missing). */
  dir: string;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Largest payload accepted, in bytes. Default 1 MiB (the format-v1 limit). */
  maxBytes?: number;
  /** Base URL miners use to reach the store, if not http://host:port (e.g. behind a proxy). */
  publicUrl?: string;
}

export const payloadStoreDefaults = { host: "127.0.0.1", maxBytes: MAX_PAYLOAD_BYTES } as const;

export interface StoredPayload {
  hash: Hex;
  uri: string;
  /** False if the store already held it. */
  created: boolean;
}

export interface PayloadStore {
  /** Base URL, e.g. http://127.0.0.1:44001 */
  readonly url: string;
  readonly port: number;
  /** Stores bytes in-process (no HTTP round trip). */
  put(bytes: Uint8Array): Promise<StoredPayload>;
  /** The stored bytes, or undefined. */
  get(hash: Hex): Promise<Uint8Array | undefined>;
  /** The URI a miner fetches for this hash. */
  uriFor(hash: Hex): string;
  close(): Promise<void>;
}

const HASH_RE = /^0x[0-9a-fA-F]{64}$/;

/** Whether `s` is a 0x-prefixed 32-byte hex hash. */
export function isHash(s: string): s is Hex {
  return HASH_RE.test(s);
}

class TooLarge extends Error {}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw new TooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new TooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json", ...headers });
  res.end(text);
}

/** Starts the store; resolves once it listens. */
export async function startPayloadStore(
  options: PayloadStoreOptions,
  context: { logger?: Logger } = {},
): Promise<PayloadStore> {
  const host = options.host ?? payloadStoreDefaults.host;
  const maxBytes = options.maxBytes ?? payloadStoreDefaults.maxBytes;
  const dir = options.dir;
  const log = context.logger?.child({ module: "payload-store" });
  await mkdir(dir, { recursive: true });

  const pathFor = (hash: Hex): string => join(dir, hash.slice(2).toLowerCase());
  let base = options.publicUrl?.replace(/\/$/, "") ?? "";
  const uriFor = (hash: Hex): string => `${base}/p/${hash.toLowerCase()}`;

  const exists = async (hash: Hex): Promise<boolean> => (await get(hash)) !== undefined;

  async function get(hash: Hex): Promise<Uint8Array | undefined> {
    if (!isHash(hash)) return undefined;
    try {
      return await readFile(pathFor(hash));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async function write(hash: Hex, bytes: Uint8Array): Promise<boolean> {
    const final = pathFor(hash);
    if (await exists(hash)) return false;
    const tmp = join(dir, `.tmp-${randomBytes(8).toString("hex")}`);
    const fh = await open(tmp, "wx");
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return true;
  }

  async function put(bytes: Uint8Array): Promise<StoredPayload> {
    if (bytes.byteLength > maxBytes) {
      throw new PayloadRejectedError(`payload of ${bytes.byteLength} bytes exceeds the store's limit of ${maxBytes}`, 413);
    }
    const hash = keccak256(bytes);
    const created = await write(hash, bytes);
    return { hash, uri: uriFor(hash), created };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://store");
    const method = req.method ?? "GET";
    if (url.pathname === "/healthz") return send(res, 200, "ok");
    if (url.pathname === "/p" || url.pathname === "/p/") {
      if (method !== "POST") return send(res, 405, { error: "use POST /p or PUT /p/<keccak256>" }, { allow: "POST" });
      const body = await readBody(req, maxBytes);
      const stored = await put(body);
      log?.debug({ hash: stored.hash, bytes: body.length }, "payload stored");
      return send(res, stored.created ? 201 : 200, { hash: stored.hash, uri: stored.uri });
    }
    const match = /^\/p\/([^/]+)$/.exec(url.pathname);
    if (!match) return send(res, 404, { error: "not found" });
    const hash = match[1]!;
    if (!isHash(hash)) return send(res, 400, { error: "the path must be /p/<0x-prefixed keccak256, 64 hex digits>" });
    if (method === "GET" || method === "HEAD") {
      const bytes = await get(hash);
      if (!bytes) return send(res, 404, { error: `no payload ${hash}` });
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": String(bytes.byteLength),
        "cache-control": "public, max-age=31536000, immutable",
        "access-control-allow-origin": "*",
      });
      res.end(method === "HEAD" ? undefined : bytes);
      return;
    }
    if (method === "PUT") {
      const body = await readBody(req, maxBytes);
      const actual = keccak256(body);
      if (actual.toLowerCase() !== hash.toLowerCase()) {
        return send(res, 422, { error: `keccak256 of the body is ${actual}, not ${hash.toLowerCase()}` });
      }
      const created = await write(actual, body);
      log?.debug({ hash: actual, bytes: body.length }, "payload stored");
      return send(res, created ? 201 : 200, { hash: actual, uri: uriFor(actual) });
    }
    return send(res, 405, { error: `${method} not allowed` }, { allow: "GET, HEAD, PUT" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof TooLarge || (err instanceof PayloadRejectedError && err.status === 413)) {
        send(res, 413, { error: `payload exceeds ${maxBytes} bytes` }, { connection: "close" });
        req.resume();
        return;
      }
      log?.error({ err }, "payload store request failed");
      if (!res.headersSent) send(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (!base) base = url;
  log?.info({ url, dir }, "payload store listening");

  return {
    url,
    port,
    put,
    get: (hash: Hex) => get(hash),
    uriFor,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
