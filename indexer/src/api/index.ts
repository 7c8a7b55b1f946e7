/**
 * HTTP API: GraphQL at /graphql (and /), Ponder's SQL-over-HTTP client endpoint at /sql/*
 * (for @ponder/client). Ponder itself serves /health, /ready, /status and /metrics.
 *
 * GraphQL POSTs go through a response cache that can never serve an answer older than the data
 * indexed when the request arrived:
 * - the data's version is read from Ponder's `_ponder_checkpoint` table (every chain's latest
 *   checkpoint and the row versions' `xmin`). Ponder writes that table in the same transaction
 *   as every batch of indexed rows (and every reorg revert), so any change to the data changes
 *   the version, even a reorg back to the same checkpoint;
 * - each request waits for a version read that started after it arrived (concurrent requests
 *   share one such read), then answers from the cache if it holds an answer for exactly that
 *   version, else runs the query; identical requests for the same version share one execution.
 * - A request with `Cache-Control: no-cache` skips the stored answers (it still shares an
 *   identical in-flight execution). Every answer says `x-poh-cache: hit | miss | bypass`.
 */
import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono, type Context, type Next } from "hono";
import { client, graphql, sql } from "ponder";
import { ResponseCache, freshReader, type CachedResponse } from "./cache.ts";

const app = new Hono();
const graphqlHandler = graphql({ db, schema });
const cache = new ResponseCache();
const inflight = new Map<string, Promise<CachedResponse>>();

type CheckpointRow = { chain_id: string | number; latest_checkpoint: string; row_version: string };

/**
 * The indexed data's version: changes whenever Ponder commits indexed rows or reverts a reorg.
 * Reads start at most every VERSION_READ_INTERVAL_MS, so under load a request waits at most that
 * long (plus one read) and the reads cost at most 200 small queries a second.
 */
const VERSION_READ_INTERVAL_MS = 5;
const readVersion = freshReader(async (): Promise<string> => {
  const result = (await db.execute(
    sql`SELECT chain_id, latest_checkpoint, xmin::text AS row_version FROM _ponder_checkpoint ORDER BY chain_id`,
  )) as unknown as { rows: CheckpointRow[] };
  const version = result.rows.map((r) => `${r.chain_id}:${r.latest_checkpoint}:${r.row_version}`).join(",");
  cache.observe(version);
  return version;
}, VERSION_READ_INTERVAL_MS);

function cacheable(answer: CachedResponse): boolean {
  // GraphQL errors (Ponder answers them with status 200) are not kept: they may be transient.
  return answer.status === 200 && !answer.body.includes('"errors"');
}

function respond(answer: CachedResponse, state: "hit" | "miss" | "bypass"): Response {
  const headers = new Headers(answer.headers);
  headers.set("x-poh-cache", state);
  return new Response(answer.body, { status: answer.status, headers });
}

async function cachedGraphql(c: Context, next: Next): Promise<Response> {
  if (c.req.method !== "POST") return (await graphqlHandler(c, next)) as Response;
  const bypass = /no-cache|no-store/i.test(c.req.header("cache-control") ?? "");
  const body = await c.req.text();
  const version = await readVersion();
  if (!bypass) {
    const hit = cache.get(body, version);
    if (hit !== undefined) return respond(hit, "hit");
  }
  const key = `${version}\n${body}`;
  let shared = inflight.get(key);
  if (shared === undefined) {
    // The body was read above: hand GraphQL a fresh request carrying it.
    c.req.raw = new Request(c.req.raw.url, { method: "POST", headers: c.req.raw.headers, body });
    shared = (async (): Promise<CachedResponse> => {
      const res = (await graphqlHandler(c, next)) as Response;
      const headers: [string, string][] = [];
      res.headers.forEach((value, name) => {
        if (name !== "content-length") headers.push([name, value]);
      });
      const answer = { status: res.status, headers, body: await res.text() };
      if (cacheable(answer)) cache.set(body, version, answer);
      return answer;
    })().finally(() => inflight.delete(key));
    inflight.set(key, shared);
  }
  return respond(await shared, bypass ? "bypass" : "miss");
}

app.use("/sql/*", client({ db, schema }));
app.use("/graphql", cachedGraphql);
app.use("/", cachedGraphql);

export default app;
