/**
 * The indexer's settings, read once from the environment and the deployments file and validated
 * with zod. A bad value stops Ponder with a message that names the variable.
 *
 * Environment:
 * - POH_DEPLOYMENTS          deployments file (default ../deployments/31337.json relative to indexer/)
 * - PONDER_RPC_URL_<chainId> RPC URL for that chain (falls back to POH_RPC_URL, then http://127.0.0.1:8545)
 * - POH_PONDER_POLLING_MS    block polling interval in ms (default 1000)
 * - DATABASE_URL             Postgres connection string; unset means embedded PGlite
 * - POH_PGLITE_DIR           PGlite data directory (default indexer/.ponder/pglite)
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError } from "../../oracle/src/errors.ts";

const indexerDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address (0x + 40 hex digits)");
const contractEntry = z.object({ address, startBlock: z.number().int().nonnegative() });

export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  contracts: z.object({
    PohToken: contractEntry,
    PohStaking: contractEntry,
    ModelRegistry: contractEntry,
    PohEmission: contractEntry,
    PohCoordinator: contractEntry,
  }),
});

export type IndexedDeployment = z.infer<typeof deploymentSchema>;

export type IndexerSettings = {
  deploymentsPath: string;
  deployment: IndexedDeployment;
  rpcUrl: string;
  pollingIntervalMs: number;
  database: { kind: "postgres"; connectionString: string } | { kind: "pglite"; directory: string };
};

function fail(variable: string, problem: string): never {
  throw new ConfigError(`${variable}: ${problem}`);
}

/** Reads and validates the settings from `env` (process.env by default). */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): IndexerSettings {
  const raw = env.POH_DEPLOYMENTS ?? "../deployments/31337.json";
  const deploymentsPath = isAbsolute(raw) ? raw : resolve(indexerDir, raw);
  let text: string;
  try {
    text = readFileSync(deploymentsPath, "utf8");
  } catch {
    fail("POH_DEPLOYMENTS", `cannot read ${deploymentsPath} (run \`npm run deploy\` first, or point POH_DEPLOYMENTS at a deployments file)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail("POH_DEPLOYMENTS", `${deploymentsPath} is not valid JSON`);
  }
  const parsed = deploymentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail("POH_DEPLOYMENTS", `${deploymentsPath}: ${issue.path.join(".")}: ${issue.message}`);
  }
  const deployment = parsed.data;

  const rpcVariable = `PONDER_RPC_URL_${deployment.chainId}`;
  const rpcRaw = env[rpcVariable] ?? env.POH_RPC_URL ?? "http://127.0.0.1:8545";
  const rpc = z.url({ protocol: /^(http|https|ws|wss)$/ }).safeParse(rpcRaw);
  if (!rpc.success) fail(env[rpcVariable] ? rpcVariable : "POH_RPC_URL", `not an http(s)/ws(s) URL: ${rpcRaw}`);

  const pollingRaw = env.POH_PONDER_POLLING_MS ?? "1000";
  const polling = z.coerce.number().int().min(10).max(60_000).safeParse(pollingRaw);
  if (!polling.success) fail("POH_PONDER_POLLING_MS", `an integer 10..60000 (got ${pollingRaw})`);

  const databaseUrl = env.DATABASE_URL;
  let database: IndexerSettings["database"];
  if (databaseUrl !== undefined && databaseUrl !== "") {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) fail("DATABASE_URL", "must start with postgres:// or postgresql://");
    database = { kind: "postgres", connectionString: databaseUrl };
  } else {
    const dir = env.POH_PGLITE_DIR;
    database = { kind: "pglite", directory: dir ? resolve(indexerDir, dir) : resolve(indexerDir, ".ponder", "pglite") };
  }

  return { deploymentsPath, deployment, rpcUrl: rpc.data, pollingIntervalMs: polling.data, database };
}
