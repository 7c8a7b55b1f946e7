/** `poh status [ADDRESS]`: stake, unbonding, claimable fees and POH, reputation, jobs in flight. */
import { formatEther, isAddress } from "viem";
import { pohCoordinatorAbi, pohEmissionAbi, pohStakingAbi } from "../../../generated/abis.ts";
import { ConfigError } from "../errors.ts";
import { openContext, runCommand } from "../chain/context.ts";
import type { Address } from "../config/index.ts";

export const summary = "show stake, unbonding, claimable fees and POH, reputation and jobs in flight";

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log("usage: poh status [ADDRESS] [--json] [--config FILE]\n\nShows the miner's stake, unbonding, claimable fees and POH, reputation counters and open jobs. ADDRESS defaults to the configured key's.");
    return 0;
  }
  return runCommand("status", async () => {
    const ctx = await openContext(argv, { requireKey: false });
    const json = ctx.rest.includes("--json");
    const arg = ctx.rest.find((a) => a !== "--json");
    if (arg && !isAddress(arg)) throw new ConfigError(`ADDRESS: not an address: ${arg}`);
    const { chain } = ctx;
    const who = (arg ?? (ctx.account ? ctx.account.address : undefined)) as Address | undefined;
    if (!who) throw new ConfigError("ADDRESS: give an address, or configure POH_KEYSTORE / POH_PRIVATE_KEY");
    const coordinator = ctx.config.contracts.coordinator;
    const staking = ctx.require("staking");
    const read = <T>(label: string, fn: () => Promise<T>) => chain.call(label, fn);
    const [info, stats, trust, fees] = await Promise.all([
      read("stakeOf", () => chain.client.readContract({ address: staking, abi: pohStakingAbi, functionName: "stakeOf", args: [who] })),
      read("minerStats", () => chain.client.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "minerStats", args: [who] })),
      read("trustMultiplierBps", () => chain.client.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "trustMultiplierBps", args: [who] })),
      read("claimable", () => chain.client.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "claimable", args: [who] })),
    ]);
    let claimablePoh = 0n;
    const emission = ctx.config.contracts.emission;
    if (emission) {
      const current = await read("currentEpoch", () => chain.client.readContract({ address: emission, abi: pohEmissionAbi, functionName: "currentEpoch" }));
      for (let e = current > 52n ? current - 52n : 0n; e < current; e++) {
        claimablePoh += await read("claimableEmission", () => chain.client.readContract({ address: emission, abi: pohEmissionAbi, functionName: "claimableEmission", args: [who, e] }));
      }
    }
    const out = {
      address: who,
      activeStake: formatEther(info.active),
      unbonding: formatEther(info.unbonding),
      releaseTime: info.unbonding > 0n ? new Date(Number(info.releaseTime) * 1000).toISOString() : null,
      lockedStake: formatEther(info.locked),
      claimableFees: formatEther(fees),
      claimablePoh: formatEther(claimablePoh),
      served: stats.served,
      agreed: stats.agreed,
      livenessFaults: stats.livenessFaults,
      outlierFaults: stats.outlierFaults,
      trustMultiplier: Number(trust) / 10_000,
      jobsInFlight: stats.openJobs,
    };
    if (json) console.log(JSON.stringify(out));
    else {
      for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(16)} ${v ?? "-"}`);
    }
    return 0;
  });
}
