/** `poh withdraw`: withdraws unbonded POH from staking and credited fees from the coordinator. */
import { formatEther } from "viem";
import { pohCoordinatorAbi, pohStakingAbi } from "../../../generated/abis.ts";
import { openContext, runCommand } from "../chain/context.ts";

export const summary = "withdraw unbonded POH and credited fees (native coin)";

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log("usage: poh withdraw [--config FILE]\n\nWithdraws stake whose unbonding period has passed, and native-coin fees credited by the coordinator.");
    return 0;
  }
  return runCommand("withdraw", async () => {
    const ctx = await openContext(argv, { requireKey: true });
    const { chain } = ctx;
    const me = chain.address;
    const coordinator = ctx.config.contracts.coordinator;
    let did = false;
    const staking = ctx.config.contracts.staking;
    if (staking) {
      const info = await chain.call("stakeOf", () => chain.client.readContract({ address: staking, abi: pohStakingAbi, functionName: "stakeOf", args: [me] }));
      const block = await chain.call("getBlock", () => chain.client.getBlock());
      if (info.unbonding > 0n && block.timestamp >= info.releaseTime) {
        const r = await chain.send("staking.withdraw", { address: staking, abi: pohStakingAbi, functionName: "withdraw", args: [] });
        console.log(`withdrew ${formatEther(info.unbonding)} POH of unbonded stake (tx ${r.transactionHash})`);
        did = true;
      } else if (info.unbonding > 0n) {
        console.log(`${formatEther(info.unbonding)} POH still unbonding until ${new Date(Number(info.releaseTime) * 1000).toISOString()}`);
      }
    }
    const fees = await chain.call("claimable", () => chain.client.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "claimable", args: [me] }));
    if (fees > 0n) {
      const r = await chain.send("coordinator.withdraw", { address: coordinator, abi: pohCoordinatorAbi, functionName: "withdraw", args: [] });
      console.log(`withdrew ${formatEther(fees)} in fees (tx ${r.transactionHash})`);
      did = true;
    }
    if (!did) console.log("nothing to withdraw");
    return 0;
  });
}
