/**
 * `poh` command dispatcher. Each sub-command lives in src/commands/<name>.ts and exports
 * `run(argv: string[]): Promise<number>` (the exit code) and `summary` (one line for --help).
 */
type Command = { summary: string; run: (argv: string[]) => Promise<number> };

const commands: Record<string, () => Promise<Command>> = {
  score: () => import("./commands/score.ts"),
  node: () => import("./commands/node.ts"),
  keys: () => import("./commands/keys.ts"),
  stake: () => import("./commands/stake.ts"),
  unbond: () => import("./commands/unbond.ts"),
  withdraw: () => import("./commands/withdraw.ts"),
  claim: () => import("./commands/claim.ts"),
  status: () => import("./commands/status.ts"),
};

async function usage(): Promise<string> {
  const lines = ["usage: poh <command> [options]   (poh <command> --help for details)", "", "commands:"];
  for (const [name, load] of Object.entries(commands)) {
    const summary = await load().then((c) => c.summary, () => "(not available)");
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(await usage());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`poh: unknown command "${name}"\n\n${await usage()}`);
    return 2;
  }
  const command = await load();
  return command.run(rest);
}
