/** `poh node`: runs the miner until SIGINT/SIGTERM. */
import { ENVIRONMENT, loadConfig, takeConfigFlag } from "../config/index.ts";
import { createLogger } from "../chain/context.ts";
import { FatalError, PohError } from "../errors.ts";
import { NodeMetrics } from "../metrics/index.ts";
import { MinerNode } from "../node.ts";

export const summary = "run the miner: watch for jobs, score them, commit and reveal";

const help = `usage: poh node [--config FILE]

Runs the miner until SIGINT/SIGTERM (it finishes the transaction in flight and keeps its state).
Settings come from the JSON config file and the environment (the environment wins):
  ${ENVIRONMENT.join("\n  ")}
See oracle/README.md.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(help);
    return 0;
  }
  let logger = createLogger();
  try {
    const { configFile, rest } = takeConfigFlag(argv);
    if (rest.length > 0) throw new FatalError(`unexpected arguments: ${rest.join(" ")}`);
    const config = loadConfig({ configFile });
    logger = createLogger(config.logLevel);
    const controller = new AbortController();
    const stop = (sig: NodeJS.Signals) => {
      if (controller.signal.aborted) return;
      logger.info({ signal: sig }, "shutting down: finishing the transaction in flight");
      controller.abort();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    try {
      await new MinerNode(config, { logger, metrics: new NodeMetrics(), signal: controller.signal }).run();
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
    return 0;
  } catch (error) {
    if (error instanceof PohError) {
      logger.fatal({ err: error.message }, "miner stopped");
      console.error(`poh node: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
