/**
 * A scripted committee for SDK tests: given a job's members, each known member commits and
 * reveals a chosen score with real transactions, exactly as a miner node would. It lets the SDK
 * be tested against the real coordinator independently of the miner node (which has its own
 * tests in test/node).
 */
import { encodeAbiParameters, keccak256, toHex, type Address, type Hex } from "viem";
import { pohCoordinatorAbi } from "../../../generated/abis.ts";
import { clients } from "../../helpers/devnet.ts";

/** What a member does: reveal this score, commit but never reveal, or stay silent. */
export type MemberPlan = number | "commit-only" | "silent";

// Members send from plain wallets (no nonce manager): serve one job at a time.
let queue: Promise<unknown> = Promise.resolve();

export function serveJob(...args: Parameters<typeof serveJobNow>): Promise<void> {
  const run = queue.then(() => serveJobNow(...args));
  queue = run.catch(() => undefined);
  return run;
}

async function serveJobNow(
  rpcUrl: string,
  coordinator: Address,
  jobId: bigint,
  committee: readonly Address[],
  keys: Map<string, Hex>,
  plan: (member: Address, index: number) => MemberPlan,
): Promise<void> {
  const salts = committee.map((_, i) => keccak256(toHex(`salt-${jobId}-${i}`)));
  const plans = committee.map((m, i) => plan(m, i));
  const wait = async (rpc: ReturnType<typeof clients>, hash: Hex) => {
    const receipt = await rpc.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  };
  for (const [i, member] of committee.entries()) {
    const p = plans[i]!;
    if (p === "silent") continue;
    const key = keys.get(member.toLowerCase());
    if (!key) throw new Error(`no key for committee member ${member}`);
    const score = p === "commit-only" ? 5000 : p;
    const commitment = keccak256(
      encodeAbiParameters([{ type: "uint256" }, { type: "address" }, { type: "uint16" }, { type: "bytes32" }], [jobId, member, score, salts[i]!]),
    );
    const rpc = clients(rpcUrl, key);
    await wait(rpc, await rpc.walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "commit", args: [jobId, commitment] }));
  }
  for (const [i, member] of committee.entries()) {
    const p = plans[i]!;
    if (typeof p !== "number") continue;
    const rpc = clients(rpcUrl, keys.get(member.toLowerCase())!);
    await wait(rpc, await rpc.walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "reveal", args: [jobId, p, salts[i]!] }));
  }
}
