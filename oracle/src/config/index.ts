/**
 * Miner configuration: read once at start from an optional JSON file (`--config`) and the
 * environment (the environment wins), validated with zod. A bad value stops the program with a
 * ConfigError naming the variable (`POH_CONFIRMATIONS` for the environment, `confirmations` in
 * the file). Secrets (POH_PRIVATE_KEY, POH_KEYSTORE_PASSWORD) are accepted from the environment
 * only, never from the file.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError } from "../errors.ts";

export type Address = `0x${string}`;
export type Hex = `0x${string}`;

/** The shipped model, relative to this file: oracle/model/poh-model.onnx. */
export const DEFAULT_MODEL_PATH = resolve(dirname(fileURLToPath(import.meta.url)), "../../model/poh-model.onnx");

/** Contract addresses and where to start scanning. */
export type Contracts = {
  chainId?: number;
  coordinator: Address;
  staking?: Address;
  registry?: Address;
  token?: Address;
  emission?: Address;
  /** First block to scan for JobRequested when the store has no cursor. */
  startBlock: bigint;
  /** The model this node mines (a job naming it with a mismatching local file is fatal). */
  modelId: number;
};

/** The validated configuration. */
export type NodeConfig = {
  rpcUrl: string;
  contracts: Contracts;
  keystore?: string;
  /** Present only when given in the environment; never logged. */
  keystorePassword?: string;
  /** Development key from POH_PRIVATE_KEY; never logged. */
  privateKey?: Hex;
  modelPath: string;
  dataDir: string;
  metricsHost: string;
  /** 0 disables the metrics server. */
  metricsPort: number;
  confirmations: number;
  pollMs: number;
  /** Cap on maxFeePerGas, in wei. */
  maxGasPrice: bigint;
  /** Cap on the gas limit of one transaction. */
  gasLimitCap: bigint;
  /** A transaction not mined after this long is replaced with bumped fees. */
  txStuckMs: number;
  /**
   * How commit and reveal gas limits are set. "computed": from fixed per-job upper bounds, with
   * no eth_estimateGas, when the round's reads show the batch cannot revert (falling back to
   * estimation otherwise); "estimate": always eth_estimateGas. See oracle/README.md.
   */
  gasLimitMode: "computed" | "estimate";
  fetchTimeoutMs: number;
  maxRedirects: number;
  /**
   * Let payload fetches reach loopback, private and link-local addresses. Off by default: a
   * requester picks the URI, and a miner must not be made to probe its own network. A local
   * network (the devnet's payload store on 127.0.0.1) turns it on.
   */
  fetchAllowPrivate: boolean;
  /** Most jobs scored and committed per round; the highest fees go first. */
  maxJobsPerRound: number;
  /** Blocks of history re-scanned after a reorg is detected. */
  reorgDepth: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
};

/** Defaults for every optional setting. */
export const configDefaults = {
  dataDir: join(homedir(), ".poh"),
  metricsHost: "127.0.0.1",
  metricsPort: 9464,
  confirmations: 2,
  pollMs: 2000,
  maxGasPrice: 500_000_000_000n, // 500 gwei
  gasLimitCap: 5_000_000n,
  txStuckMs: 30_000,
  gasLimitMode: "computed",
  fetchTimeoutMs: 10_000,
  maxRedirects: 3,
  fetchAllowPrivate: false,
  maxJobsPerRound: 32,
  reorgDepth: 64,
  logLevel: "info",
} as const;

/** Each setting: its file key and environment variable. */
const keys = {
  rpcUrl: "POH_RPC_URL",
  deployments: "POH_DEPLOYMENTS",
  coordinator: "POH_COORDINATOR",
  staking: "POH_STAKING",
  registry: "POH_REGISTRY",
  token: "POH_TOKEN",
  emission: "POH_EMISSION",
  startBlock: "POH_START_BLOCK",
  modelId: "POH_MODEL_ID",
  keystore: "POH_KEYSTORE",
  model: "POH_MODEL",
  dataDir: "POH_DATA_DIR",
  metricsHost: "POH_METRICS_HOST",
  metricsPort: "POH_METRICS_PORT",
  confirmations: "POH_CONFIRMATIONS",
  pollMs: "POH_POLL_MS",
  maxGasPrice: "POH_MAX_GAS_PRICE",
  gasLimitCap: "POH_GAS_LIMIT_CAP",
  txStuckMs: "POH_TX_STUCK_MS",
  gasLimitMode: "POH_GAS_LIMIT_MODE",
  fetchTimeoutMs: "POH_FETCH_TIMEOUT_MS",
  maxRedirects: "POH_MAX_REDIRECTS",
  fetchAllowPrivate: "POH_FETCH_ALLOW_PRIVATE",
  maxJobsPerRound: "POH_MAX_JOBS_PER_ROUND",
  reorgDepth: "POH_REORG_DEPTH",
  logLevel: "POH_LOG_LEVEL",
} as const;
type Key = keyof typeof keys;

/** Every environment variable the miner reads, for --help and the README. */
export const ENVIRONMENT = [...Object.values(keys), "POH_PRIVATE_KEY", "POH_KEYSTORE_PASSWORD"] as const;

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");
const intString = (min: number, max: number) =>
  z.union([z.number(), z.string().trim().regex(/^\d+$/, "must be a whole number")])
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const bigString = z
  .union([z.number().int().nonnegative(), z.string().trim().regex(/^\d+(gwei)?$/i, "must be a whole number of wei, or N gwei like \"50gwei\"")])
  .transform((v) => {
    if (typeof v === "number") return BigInt(v);
    const m = /^(\d+)(gwei)?$/i.exec(v)!;
    return BigInt(m[1]!) * (m[2] ? 1_000_000_000n : 1n);
  })
  .pipe(z.bigint().positive("must be greater than zero"));

const fields = {
  rpcUrl: z.string().url("must be an http(s) URL").refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL"),
  deployments: z.string().min(1),
  coordinator: address,
  staking: address,
  registry: address,
  token: address,
  emission: address,
  startBlock: intString(0, Number.MAX_SAFE_INTEGER),
  modelId: intString(1, 2 ** 32 - 1),
  keystore: z.string().min(1),
  model: z.string().min(1),
  dataDir: z.string().min(1),
  metricsHost: z.string().min(1),
  metricsPort: intString(0, 65535),
  confirmations: intString(0, 1000),
  pollMs: intString(50, 600_000),
  maxGasPrice: bigString,
  gasLimitCap: bigString,
  txStuckMs: intString(1000, 3_600_000),
  gasLimitMode: z.string().trim().toLowerCase().pipe(z.enum(["computed", "estimate"], "must be computed or estimate")),
  fetchTimeoutMs: intString(100, 600_000),
  maxRedirects: intString(0, 20),
  fetchAllowPrivate: z
    .union([z.boolean(), z.string().trim().toLowerCase().pipe(z.enum(["true", "false", "1", "0"], "must be true or false"))])
    .transform((v) => v === true || v === "true" || v === "1"),
  maxJobsPerRound: intString(1, 1000),
  reorgDepth: intString(1, 10_000),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
} satisfies Record<Key, z.ZodType>;

const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  contracts: z.object({
    PohCoordinator: z.object({ address, startBlock: z.number().int().nonnegative() }),
    PohStaking: z.object({ address }).optional(),
    ModelRegistry: z.object({ address }).optional(),
    PohToken: z.object({ address }).optional(),
    PohEmission: z.object({ address }).optional(),
  }),
  modelId: z.number().int().positive().optional(),
});
export type DeploymentFile = z.infer<typeof deploymentSchema>;

function issueText(error: z.ZodError): string {
  return error.issues.map((i) => i.message).join("; ");
}

/** Reads and validates a deployments/<chainId>.json file. */
export function readDeployment(path: string, name = keys.deployments): DeploymentFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`${name}: cannot read deployments file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new ConfigError(`${name}: ${path} is not a deployments file: ${first.path.join(".")}: ${first.message}`);
  }
  return parsed.data;
}

/** What loadConfig needs to know about the caller. */
export type LoadConfigOptions = {
  /** Path of the JSON config file (`--config`), if any. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** The node needs a key; read-only commands may not. Default true. */
  requireKey?: boolean;
};

/**
 * Builds the NodeConfig from the config file and the environment. Throws ConfigError naming the
 * variable (environment name when the value came from the environment, else the file key).
 */
export function loadConfig(options: LoadConfigOptions = {}): NodeConfig {
  const env = options.env ?? process.env;
  let file: Record<string, unknown> = {};
  const fileDir = options.configFile ? dirname(resolve(options.configFile)) : process.cwd();
  if (options.configFile) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(options.configFile, "utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
      file = parsed as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`--config: cannot read ${options.configFile}: ${(error as Error).message}`, { cause: error });
    }
    if ("privateKey" in file || "keystorePassword" in file) {
      throw new ConfigError("--config: secrets are not read from the config file; use POH_PRIVATE_KEY or POH_KEYSTORE_PASSWORD");
    }
    for (const k of Object.keys(file)) {
      if (!(k in keys)) throw new ConfigError(`--config: unknown key "${k}" in ${options.configFile} (known: ${Object.keys(keys).join(", ")})`);
    }
  }

  const values: Partial<Record<Key, unknown>> = {};
  for (const key of Object.keys(keys) as Key[]) {
    const envName = keys[key];
    const fromEnv = env[envName];
    const fromFile = file[key];
    let raw: unknown;
    let name: string;
    if (fromEnv !== undefined && fromEnv !== "") {
      raw = fromEnv;
      name = envName;
    } else if (fromFile !== undefined) {
      raw = fromFile;
      name = `${key} (in ${options.configFile})`;
    } else continue;
    const result = fields[key].safeParse(raw);
    if (!result.success) throw new ConfigError(`${name}: invalid value ${JSON.stringify(String(raw))}: ${issueText(result.error)}`);
    values[key] = result.data;
  }
  // Relative paths in the file are relative to the file; in the environment, to the cwd.
  const path = (key: "deployments" | "keystore" | "model" | "dataDir"): string | undefined => {
    const v = values[key] as string | undefined;
    if (v === undefined) return undefined;
    const base = env[keys[key]] ? process.cwd() : fileDir;
    return isAbsolute(v) ? v : resolve(base, v);
  };

  if (values.rpcUrl === undefined) throw new ConfigError(`${keys.rpcUrl}: required (the JSON-RPC URL of the chain), or "rpcUrl" in the config file`);

  let contracts: Contracts;
  const deployments = path("deployments");
  if (deployments) {
    const d = readDeployment(deployments);
    contracts = {
      chainId: d.chainId,
      coordinator: d.contracts.PohCoordinator.address as Address,
      staking: d.contracts.PohStaking?.address as Address | undefined,
      registry: d.contracts.ModelRegistry?.address as Address | undefined,
      token: d.contracts.PohToken?.address as Address | undefined,
      emission: d.contracts.PohEmission?.address as Address | undefined,
      startBlock: BigInt(d.contracts.PohCoordinator.startBlock),
      modelId: d.modelId ?? 1,
    };
  } else if (values.coordinator) {
    contracts = { coordinator: values.coordinator as Address, startBlock: 0n, modelId: 1 };
  } else {
    throw new ConfigError(`${keys.deployments} or ${keys.coordinator}: one is required (a deployments/<chainId>.json file, or the coordinator address)`);
  }
  // Explicit addresses override the deployments file.
  for (const k of ["coordinator", "staking", "registry", "token", "emission"] as const) {
    if (values[k] !== undefined) contracts[k] = values[k] as Address;
  }
  if (values.startBlock !== undefined) contracts.startBlock = BigInt(values.startBlock as number);
  if (values.modelId !== undefined) contracts.modelId = values.modelId as number;

  const privateKeyRaw = env.POH_PRIVATE_KEY;
  let privateKey: Hex | undefined;
  if (privateKeyRaw !== undefined && privateKeyRaw !== "") {
    const pk = privateKeyRaw.trim().startsWith("0x") ? privateKeyRaw.trim() : `0x${privateKeyRaw.trim()}`;
    // Never echo the value: it is a secret.
    if (!/^0x[0-9a-fA-F]{64}$/.test(pk)) throw new ConfigError("POH_PRIVATE_KEY: must be 32 bytes of hex (64 hex digits, optional 0x); value not shown");
    privateKey = pk as Hex;
  }
  const keystore = path("keystore");
  if (privateKey && keystore) throw new ConfigError(`POH_PRIVATE_KEY and ${keys.keystore}: set one, not both`);
  if ((options.requireKey ?? true) && !privateKey && !keystore) {
    throw new ConfigError(`${keys.keystore} or POH_PRIVATE_KEY: a key is required (create a keystore with \`npx poh keys new\`)`);
  }

  const pick = <K extends keyof typeof configDefaults>(k: K & Key): NodeConfig[K] =>
    (values[k] ?? configDefaults[k]) as NodeConfig[K];
  return {
    rpcUrl: values.rpcUrl as string,
    contracts,
    keystore,
    keystorePassword: env.POH_KEYSTORE_PASSWORD || undefined,
    privateKey,
    modelPath: path("model") ?? DEFAULT_MODEL_PATH,
    dataDir: path("dataDir") ?? configDefaults.dataDir,
    metricsHost: pick("metricsHost"),
    metricsPort: pick("metricsPort"),
    confirmations: pick("confirmations"),
    pollMs: pick("pollMs"),
    maxGasPrice: pick("maxGasPrice"),
    gasLimitCap: pick("gasLimitCap"),
    txStuckMs: pick("txStuckMs"),
    gasLimitMode: pick("gasLimitMode"),
    fetchTimeoutMs: pick("fetchTimeoutMs"),
    maxRedirects: pick("maxRedirects"),
    fetchAllowPrivate: pick("fetchAllowPrivate"),
    maxJobsPerRound: pick("maxJobsPerRound"),
    reorgDepth: pick("reorgDepth"),
    logLevel: pick("logLevel"),
  };
}

/** Splits `--config FILE` / `--config=FILE` out of argv. Returns the file and the rest. */
export function takeConfigFlag(argv: string[]): { configFile?: string; rest: string[] } {
  const rest: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--config" || a === "-c") {
      configFile = argv[++i];
      if (!configFile) throw new ConfigError("--config: needs a file path");
    } else if (a.startsWith("--config=")) configFile = a.slice("--config=".length);
    else rest.push(a);
  }
  return { configFile, rest };
}
