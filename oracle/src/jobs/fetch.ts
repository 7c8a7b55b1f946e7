/**
 * Fetches a job's payload from its inputURI: http(s) with a timeout, a size cap and a bounded
 * number of redirects, or an RFC 2397 data: URI. Every failure is an InputError (the miner then
 * commits 65535).
 *
 * A requester chooses the URI, so by default the miner refuses to connect to loopback, private,
 * link-local and other non-public addresses (server-side request forgery): the check runs on
 * every address a host name resolves to, at connect time (so DNS re-binding cannot slip past it),
 * and on every redirect. `allowPrivateAddresses` turns it off for a local network (the devnet's
 * payload store lives on 127.0.0.1). A 5xx answer or a refused connection is retried within the
 * timeout before the input counts as unavailable.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";
import { Agent, fetch } from "undici";
import { InputError } from "../errors.ts";
import { sleep } from "../sleep.ts";

/** The payload size cap (the same as the payload format's MAX_PAYLOAD_BYTES). */
export const MAX_FETCH_BYTES = 1_048_576;

export type FetchOptions = {
  timeoutMs: number;
  maxRedirects: number;
  maxBytes?: number;
  signal?: AbortSignal;
  /** Connect to loopback/private/link-local addresses too (a local network only). Default false. */
  allowPrivateAddresses?: boolean;
};
export const fetchDefaults = { timeoutMs: 10_000, maxRedirects: 3, maxBytes: MAX_FETCH_BYTES, allowPrivateAddresses: false } as const;

/** Addresses a public payload URI must never reach (RFC 6890 special-purpose ranges and more). */
const NON_PUBLIC = (() => {
  const b = new BlockList();
  for (const [net, bits] of [
    ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16],
    ["172.16.0.0", 12], ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.88.99.0", 24], ["192.168.0.0", 16],
    ["198.18.0.0", 15], ["198.51.100.0", 24], ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
  ] as const) b.addSubnet(net, bits, "ipv4");
  for (const [net, bits] of [
    ["::", 128], ["::1", 128], ["64:ff9b::", 96], ["64:ff9b:1::", 48], ["100::", 64], ["2001::", 23],
    ["2001:db8::", 32], ["fc00::", 7], ["fe80::", 10], ["fec0::", 10], ["ff00::", 8],
  ] as const) b.addSubnet(net, bits, "ipv6");
  return b;
})();

/** True for an address a payload fetch must not reach (IPv4-mapped IPv6 is checked as IPv4). */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "");
  const family = isIP(bare);
  if (family === 0) return true;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
    if (mapped) return NON_PUBLIC.check(mapped[1]!, "ipv4");
    return NON_PUBLIC.check(bare, "ipv6");
  }
  return NON_PUBLIC.check(bare, "ipv4");
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that fails for any non-public address, so the connection is never opened. */
function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const blocked = list.find((a) => isNonPublicAddress(a.address));
    if (blocked) {
      const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to the non-public address ${blocked.address}`);
      e.code = "EPOH_NON_PUBLIC";
      return callback(e, []);
    }
    if (options.all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), []);
    callback(null, first.address, first.family);
  });
}

let publicAgent: Agent | undefined;
let anyAgent: Agent | undefined;
function agentFor(allowPrivate: boolean): Agent {
  if (allowPrivate) return (anyAgent ??= new Agent());
  return (publicAgent ??= new Agent({ connect: { lookup: publicOnlyLookup } }));
}

/** An error and up to four causes below it (undici wraps the socket error in its own). */
function causeChain(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let e: unknown = error; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e);
  return chain;
}

const TRANSIENT = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

/** Connection-level failures worth another try inside the timeout (not DNS or policy ones). */
function isTransient(error: unknown): boolean {
  return causeChain(error).some((e) => TRANSIENT.has((e as NodeJS.ErrnoException).code ?? ""));
}

/** Attempts per URL when the server answers 5xx or refuses the connection. */
const ATTEMPTS = 3;

function decodeDataUri(uri: string, maxBytes: number): Uint8Array {
  const comma = uri.indexOf(",");
  if (comma === -1) throw new InputError("data: URI without a comma");
  const meta = uri.slice(5, comma);
  const body = uri.slice(comma + 1);
  const isBase64 = meta.split(";").some((p) => p.toLowerCase() === "base64");
  // A cheap bound before decoding: base64 is 4/3 larger, percent-encoding up to 3x.
  if (body.length > (isBase64 ? Math.ceil((maxBytes * 4) / 3) + 4 : maxBytes * 3)) throw new InputError(`payload larger than ${maxBytes} bytes`);
  let bytes: Uint8Array;
  if (isBase64) {
    const clean = body.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\s/g, "");
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) throw new InputError("data: URI is not valid base64");
    bytes = new Uint8Array(Buffer.from(clean, "base64"));
  } else {
    try {
      bytes = new TextEncoder().encode(decodeURIComponent(body));
    } catch {
      throw new InputError("data: URI has invalid percent-encoding");
    }
  }
  if (bytes.length > maxBytes) throw new InputError(`payload larger than ${maxBytes} bytes`);
  return bytes;
}

/** The error's message followed by its causes' messages. */
function errorText(error: unknown): string {
  const [first, ...causes] = causeChain(error);
  if (!first) return String(error);
  return [first.message, ...causes.filter((e) => e.message).map((e) => `(${e.message})`)].join(" ");
}

/** Reads a response body, stopping as soon as it passes maxBytes. */
async function readCapped(body: { getReader(): ReadableStreamDefaultReader<Uint8Array> }, maxBytes: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new InputError(`payload larger than ${maxBytes} bytes`);
      chunks.push(value);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

/** Fetches the payload bytes behind `uri`. Throws InputError on any failure. */
export async function fetchPayload(uri: string, options: FetchOptions): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? MAX_FETCH_BYTES;
  if (uri.startsWith("data:")) return decodeDataUri(uri, maxBytes);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InputError(`inputURI is not a URL`);
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const allowPrivate = options.allowPrivateAddresses ?? fetchDefaults.allowPrivateAddresses;
  const dispatcher = agentFor(allowPrivate);
  for (let redirects = 0; ; redirects++) {
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new InputError(`unsupported inputURI scheme ${url.protocol}`);
    // An IP literal is never looked up, so it is checked here; host names at connect time.
    if (!allowPrivate && isIP(url.hostname.replace(/^\[|\]$/g, "")) !== 0 && isNonPublicAddress(url.hostname)) {
      throw new InputError(`inputURI points at the non-public address ${url.hostname} (a local network needs POH_FETCH_ALLOW_PRIVATE=true)`);
    }
    let res: Awaited<ReturnType<typeof fetch>> | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await fetch(url, { redirect: "manual", signal, dispatcher, headers: { accept: "application/json, application/octet-stream;q=0.9, */*;q=0.1" } });
      } catch (error) {
        const why = timeout.aborted ? `timed out after ${options.timeoutMs} ms` : errorText(error);
        if (attempt < ATTEMPTS && !signal.aborted && isTransient(error)) {
          await sleep(200 * attempt, signal);
          continue;
        }
        throw new InputError(`fetching the payload failed: ${why}`, { cause: error });
      }
      if (res.status >= 500 && attempt < ATTEMPTS && !signal.aborted) {
        await res.body?.cancel().catch(() => undefined);
        await sleep(200 * attempt, signal);
        if (!signal.aborted) continue;
      }
      break;
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
      await res.body?.cancel().catch(() => undefined);
      if (redirects >= options.maxRedirects) throw new InputError(`too many redirects (more than ${options.maxRedirects})`);
      try {
        url = new URL(res.headers.get("location")!, url);
      } catch {
        throw new InputError("redirect to an invalid URL");
      }
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new InputError(`payload server answered HTTP ${res.status}`);
    }
    const length = Number(res.headers.get("content-length") ?? "NaN");
    if (Number.isFinite(length) && length > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new InputError(`payload larger than ${maxBytes} bytes (content-length ${length})`);
    }
    if (!res.body) return new Uint8Array();
    try {
      return await readCapped(res.body, maxBytes);
    } catch (error) {
      if (error instanceof InputError) throw error;
      const why = timeout.aborted ? `timed out after ${options.timeoutMs} ms` : errorText(error);
      throw new InputError(`reading the payload failed: ${why}`, { cause: error });
    }
  }
}
