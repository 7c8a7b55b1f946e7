/** `poh claim`: claims POH emission for ended epochs with work points, and credited fees. */
import { formatEther } from "viem";
import { pohCoordinatorAbi, pohEmissionAbi } from "../../../generated/abis.ts";
import { openContext, runCommand } from "../chain/context.ts";

export const summary = "claim POH emission for ended epochs and credited fees";

/** Epochs scanned back from the current one (read-only calls; the claim itself is one tx). */
const MAX_EPOCHS = 520;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(`usage: poh claim [--config FILE]\n\nClaims emission for every ended epoch (up to ${MAX_EPOCHS} back) where this miner has unclaimed points, then withdraws credited fees.`);
    return 0;
  }
  return runCommand("claim", async () => {
    const ctx = await openContext(argv, { requireKey: true });
    const { chain } = ctx;
    const me = chain.address;
    const emission = ctx.require("emission");
    const current = await chain.call("currentEpoch", () => chain.client.readContract({ address: emission, abi: pohEmissionAbi, functionName: "currentEpoch" }));
    const epochs: bigint[] = [];
    let total = 0n;
    const first = current > BigInt(MAX_EPOCHS) ? current - BigInt(MAX_EPOCHS) : 0n;
    for (let e = first; e < current; e++) {
      const amount = await chain.call("claimableEmission", () => chain.client.readContract({ address: emission, abi: pohEmissionAbi, functionName: "claimableEmission", args: [me, e] }));
      if (amount > 0n) {
        epochs.push(e);
        total += amount;
      }
    }
    if (epochs.length > 0) {
      const r = await chain.send("emission.claim", { address: emission, abi: pohEmissionAbi, functionName: "claim", args: [epochs] });
      console.log(`claimed ${formatEther(total)} POH for epochs ${epochs.join(", ")} (tx ${r.transactionHash})`);
    } else console.log("no emission to claim");
    const coordinator = ctx.config.contracts.coordinator;
    const fees = await chain.call("claimable", () => chain.client.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "claimable", args: [me] }));
    if (fees > 0n) {
      const r = await chain.send("coordinator.withdraw", { address: coordinator, abi: pohCoordinatorAbi, functionName: "withdraw", args: [] });
      console.log(`withdrew ${formatEther(fees)} in fees (tx ${r.transactionHash})`);
    }
    return 0;
  });
}
