/**
 * Fills in the contract addresses a config left out (POH_COORDINATOR alone) from the chain:
 * the coordinator knows its staking, registry and emission contracts; staking knows the token.
 */
import { pohCoordinatorAbi, pohStakingAbi } from "../../../generated/abis.ts";
import type { Address, Contracts } from "../config/index.ts";
import type { Chain } from "./index.ts";

export async function resolveContracts(chain: Chain, contracts: Contracts): Promise<Contracts> {
  const out: Contracts = { ...contracts };
  const read = (name: "staking" | "registry" | "emission") =>
    chain.call(name, () => chain.client.readContract({ address: contracts.coordinator, abi: pohCoordinatorAbi, functionName: name })) as Promise<Address>;
  out.staking ??= await read("staking");
  out.registry ??= await read("registry");
  out.emission ??= await read("emission");
  const staking = out.staking;
  out.token ??= (await chain.call("token", () => chain.client.readContract({ address: staking, abi: pohStakingAbi, functionName: "token" }))) as Address;
  return out;
}
