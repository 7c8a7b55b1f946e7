/**
 * Prometheus metrics for the miner and a tiny HTTP server for `/metrics` and `/healthz`
 * (loopback by default). Every metric name ends in its unit.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The miner's metrics, on their own registry (no global state). */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly jobsSeen = new Counter({ name: "poh_jobs_seen_total", help: "JobRequested events naming this miner", registers: [this.registry] });
  readonly jobsCommitted = new Counter({ name: "poh_jobs_committed_total", help: "Commitments confirmed on chain", registers: [this.registry] });
  readonly jobsRevealed = new Counter({ name: "poh_jobs_revealed_total", help: "Reveals confirmed on chain", registers: [this.registry] });
  readonly jobsMissed = new Counter({ name: "poh_jobs_missed_total", help: "Jobs whose commit or reveal window passed before we acted", labelNames: ["phase"], registers: [this.registry] });
  readonly jobsInvalidInput = new Counter({ name: "poh_jobs_invalid_input_total", help: "Jobs whose input was unavailable or invalid (committed 65535)", registers: [this.registry] });
  readonly jobsDropped = new Counter({ name: "poh_jobs_dropped_total", help: "Jobs whose request block was re-organised away", registers: [this.registry] });
  readonly jobsSkipped = new Counter({ name: "poh_jobs_skipped_total", help: "Jobs naming a model this node does not have", registers: [this.registry] });
  readonly inferenceSeconds = new Histogram({
    name: "poh_inference_seconds",
    help: "Model inference time per batch",
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly fetchSeconds = new Histogram({ name: "poh_payload_fetch_seconds", help: "Payload fetch time", buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30], registers: [this.registry] });
  readonly rpcErrors = new Counter({ name: "poh_rpc_errors_total", help: "JSON-RPC calls that failed", registers: [this.registry] });
  readonly txSent = new Counter({ name: "poh_transactions_sent_total", help: "Transactions broadcast (including replacements)", labelNames: ["kind"], registers: [this.registry] });
  readonly txReverted = new Counter({ name: "poh_transactions_reverted_total", help: "Transactions that reverted or failed simulation", labelNames: ["error"], registers: [this.registry] });
  readonly jobsInFlight = new Gauge({ name: "poh_jobs_in_flight", help: "Jobs not yet done", registers: [this.registry] });
  readonly lastBlock = new Gauge({ name: "poh_last_processed_block", help: "Last block scanned for jobs", registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "poh_process_" });
  }
}

export type MetricsServerOptions = { host: string; port: number };

/** Serves /metrics and /healthz. `healthy()` decides the /healthz status. */
export class MetricsServer {
  private server: Server | undefined;
  constructor(
    private readonly options: MetricsServerOptions,
    private readonly deps: { metrics: NodeMetrics; healthy: () => { ok: boolean; detail: Record<string, unknown> } },
  ) {}

  /** Starts listening; returns the bound port (useful with port 0). */
  async start(): Promise<number> {
    const server = createServer((req, res) => {
      const url = (req.url ?? "/").split("?")[0];
      if (req.method !== "GET") {
        res.writeHead(405).end();
      } else if (url === "/metrics") {
        this.deps.metrics.registry.metrics().then(
          (body) => res.writeHead(200, { "content-type": this.deps.metrics.registry.contentType }).end(body),
          () => res.writeHead(500).end(),
        );
      } else if (url === "/healthz") {
        const h = this.deps.healthy();
        res.writeHead(h.ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ok: h.ok, ...h.detail }));
      } else {
        res.writeHead(404).end();
      }
    });
    this.server = server;
    await new Promise<void>((res, rej) => {
      server.once("error", rej);
      server.listen(this.options.port, this.options.host, () => res());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((res) => server.close(() => res()));
  }
}
