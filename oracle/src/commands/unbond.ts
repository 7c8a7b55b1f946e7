/** `poh unbond AMOUNT`: requests unbonding of AMOUNT POH of active stake. */
import { formatEther } from "viem";
import { pohStakingAbi } from "../../../generated/abis.ts";
import { openContext, runCommand } from "../chain/context.ts";
import { parseAmount } from "./stake.ts";

export const summary = "start unbonding AMOUNT POH (withdraw after the unbonding period)";

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log("usage: poh unbond AMOUNT [--config FILE]\n\nMoves AMOUNT POH from active stake to unbonding; `poh withdraw` after the unbonding period.");
    return 0;
  }
  return runCommand("unbond", async () => {
    const ctx = await openContext(argv, { requireKey: true });
    const amount = parseAmount(ctx.rest[0]);
    const staking = ctx.require("staking");
    const receipt = await ctx.chain.send("requestUnbond", { address: staking, abi: pohStakingAbi, functionName: "requestUnbond", args: [amount] });
    const info = await ctx.chain.call("stakeOf", () => ctx.chain.client.readContract({ address: staking, abi: pohStakingAbi, functionName: "stakeOf", args: [ctx.chain.address] }));
    console.log(
      `unbonding ${formatEther(info.unbonding)} POH, withdrawable after ${new Date(Number(info.releaseTime) * 1000).toISOString()} (tx ${receipt.transactionHash})`,
    );
    return 0;
  });
}
