/** `poh stake AMOUNT`: approves the staking contract and stakes AMOUNT POH. */
import { formatEther, parseEther } from "viem";
import { pohStakingAbi, pohTokenAbi } from "../../../generated/abis.ts";
import { ConfigError } from "../errors.ts";
import { openContext, runCommand } from "../chain/context.ts";

export const summary = "approve and stake AMOUNT POH (e.g. poh stake 1000)";

/** Parses a POH amount like "1000" or "12.5" into wei; names the argument on failure. */
export function parseAmount(raw: string | undefined, what = "AMOUNT"): bigint {
  if (!raw || !/^\d+(\.\d{1,18})?$/.test(raw)) throw new ConfigError(`${what}: expected a positive POH amount like 1000 or 12.5, got ${JSON.stringify(raw ?? "")}`);
  const v = parseEther(raw);
  if (v <= 0n) throw new ConfigError(`${what}: must be greater than zero`);
  return v;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log("usage: poh stake AMOUNT [--config FILE]\n\nApproves the staking contract for AMOUNT POH (if needed) and stakes it.");
    return 0;
  }
  return runCommand("stake", async () => {
    const ctx = await openContext(argv, { requireKey: true });
    const amount = parseAmount(ctx.rest[0]);
    const staking = ctx.require("staking");
    const token = ctx.require("token");
    const me = ctx.chain.address;
    const balance = await ctx.chain.call("balanceOf", () => ctx.chain.client.readContract({ address: token, abi: pohTokenAbi, functionName: "balanceOf", args: [me] }));
    if (balance < amount) throw new ConfigError(`AMOUNT: balance is ${formatEther(balance)} POH, less than ${formatEther(amount)}`);
    const allowance = await ctx.chain.call("allowance", () => ctx.chain.client.readContract({ address: token, abi: pohTokenAbi, functionName: "allowance", args: [me, staking] }));
    if (allowance < amount) await ctx.chain.send("approve", { address: token, abi: pohTokenAbi, functionName: "approve", args: [staking, amount] });
    const receipt = await ctx.chain.send("stake", { address: staking, abi: pohStakingAbi, functionName: "stake", args: [amount] });
    const info = await ctx.chain.call("stakeOf", () => ctx.chain.client.readContract({ address: staking, abi: pohStakingAbi, functionName: "stakeOf", args: [me] }));
    console.log(`staked ${formatEther(amount)} POH (tx ${receipt.transactionHash}); active stake ${formatEther(info.active)} POH`);
    return 0;
  });
}
