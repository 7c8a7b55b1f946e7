/**
 * Fetches a job's payload from its inputURI: http(s) with a timeout, a size cap and a bounded
 * number of redirects, or an RFC 2397 data: URI. Every failure is an InputError (the miner then
 * commits 65535).
 */
import { InputError } from "../errors.ts";

/** The payload size cap (the same as the payload format's MAX_PAYLOAD_BYTES). */
export const MAX_FETCH_BYTES = 1_048_576;

export type FetchOptions = { timeoutMs: number; maxRedirects: number; maxBytes?: number; signal?: AbortSignal };
export const fetchDefaults = { timeoutMs: 10_000, maxRedirects: 3, maxBytes: MAX_FETCH_BYTES } as const;

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

/** Reads a response body, stopping as soon as it passes maxBytes. */
async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
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
  for (let redirects = 0; ; redirects++) {
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new InputError(`unsupported inputURI scheme ${url.protocol}`);
    let res: Response;
    try {
      res = await fetch(url, { redirect: "manual", signal, headers: { accept: "application/json, application/octet-stream;q=0.9, */*;q=0.1" } });
    } catch (error) {
      const why = timeout.aborted ? `timed out after ${options.timeoutMs} ms` : (error as Error).message;
      throw new InputError(`fetching the payload failed: ${why}`, { cause: error });
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
      const why = timeout.aborted ? `timed out after ${options.timeoutMs} ms` : (error as Error).message;
      throw new InputError(`reading the payload failed: ${why}`, { cause: error });
    }
  }
}
