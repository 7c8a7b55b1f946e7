/**
 * HTTP API: GraphQL at /graphql (and /), Ponder's SQL-over-HTTP client endpoint at /sql/*
 * (for @ponder/client). Ponder itself serves /health, /ready, /status and /metrics.
 */
import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono, type Context, type Next } from "hono";
import { client, graphql } from "ponder";

type Shared = { status: number; headers: [string, string][]; body: string };

const app = new Hono();
const graphqlHandler = graphql({ db, schema });
const inflight = new Map<string, Promise<Shared>>();

/**
 * Identical GraphQL POSTs that arrive while one is being answered share its answer (request
 * coalescing): a dashboard polled by many clients costs one database round trip per wave instead
 * of one per client. Nothing is cached beyond the in-flight request, so answers are never older
 * than the request they join.
 */
async function coalescedGraphql(c: Context, next: Next): Promise<Response> {
  if (c.req.method !== "POST") return (await graphqlHandler(c, next)) as Response;
  const key = await c.req.raw.clone().text();
  let shared = inflight.get(key);
  if (shared === undefined) {
    shared = (async (): Promise<Shared> => {
      const res = (await graphqlHandler(c, next)) as Response;
      const headers: [string, string][] = [];
      res.headers.forEach((value, name) => headers.push([name, value]));
      return { status: res.status, headers, body: await res.text() };
    })().finally(() => inflight.delete(key));
    inflight.set(key, shared);
  }
  const answer = await shared;
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

app.use("/sql/*", client({ db, schema }));
app.use("/graphql", coalescedGraphql);
app.use("/", coalescedGraphql);

export default app;
