/**
 * Shared start-up for the account commands (stake, unbond, withdraw, claim, status): parse
 * `--config`, load and validate the config, the account and the chain client.
 */
import { pino, type Logger } from "pino";
import type { PrivateKeyAccount } from "viem/accounts";
import { ConfigError, PohError } from "../errors.ts";
import { loadConfig, takeConfigFlag, type Address, type NodeConfig } from "../config/index.ts";
import { loadAccount } from "../keys/index.ts";
import { NodeMetrics } from "../metrics/index.ts";
import { Chain } from "./index.ts";
import { resolveContracts } from "./contracts.ts";

/** Redacted everywhere: the logger never prints these paths. */
export const REDACT = ["privateKey", "keystorePassword", "password", "*.privateKey", "*.keystorePassword", "salt", "*.salt"];

/** The process logger (pino, JSON to stderr so stdout stays for command output). */
export function createLogger(level: NodeConfig["logLevel"] = "info"): Logger {
  return pino({ level, redact: { paths: REDACT, censor: "[redacted]" }, base: { pid: process.pid } }, pino.destination(2));
}

export type CommandContext = {
  config: NodeConfig;
  account: PrivateKeyAccount | undefined;
  chain: Chain;
  logger: Logger;
  rest: string[];
  require(name: "staking" | "token" | "emission" | "registry"): Address;
};

/** Loads everything an account command needs. */
export async function openContext(argv: string[], options: { requireKey: boolean }): Promise<CommandContext> {
  const { configFile, rest } = takeConfigFlag(argv);
  const config = loadConfig({ configFile, requireKey: options.requireKey });
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const account = config.privateKey || config.keystore ? await loadAccount(config) : undefined;
  const chain = new Chain(config, account, { logger, metrics: new NodeMetrics({ defaultMetrics: false }), signal: new AbortController().signal });
  // POH_COORDINATOR alone: ask the coordinator for the rest.
  if (!config.contracts.staking || !config.contracts.registry || !config.contracts.emission || !config.contracts.token) {
    config.contracts = await resolveContracts(chain, config.contracts);
  }
  const env = { staking: "POH_STAKING", token: "POH_TOKEN", emission: "POH_EMISSION", registry: "POH_REGISTRY" } as const;
  return {
    config,
    account,
    chain,
    logger,
    rest,
    require(name) {
      const a = config.contracts[name];
      if (!a) throw new ConfigError(`${env[name]}: the ${name} address is required (or use POH_DEPLOYMENTS)`);
      return a;
    },
  };
}

/** Runs a command body, turning PohErrors into a one-line message and exit code 1. */
export async function runCommand(name: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof PohError) {
      console.error(`poh ${name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
