/**
 * The network the SDK tests run against: a real Hardhat node on an OS-assigned port, the
 * protocol deployed, miners 1..5 staked (committee 3, 40-block windows, so several jobs can be in
 * flight under automine while a scripted committee serves them) and a payload store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { pohCoordinatorAbi } from "../../../generated/abis.ts";
import { startPayloadStore, type PayloadStore } from "../../../sdk/src/store.ts";
import { clients, deployProtocol, freePort, stakeMiners, startChain, type Chain, type DeployedProtocol } from "../../helpers/devnet.ts";

const STAKE = 10_000n * 10n ** 18n;

export interface SdkNetwork {
  chain: Chain;
  deployment: DeployedProtocol;
  coordinator: Address;
  /** The staked miners' private keys by lower-case address. */
  keys: Map<string, Hex>;
  store: PayloadStore;
  stop(): Promise<void>;
}

export async function startSdkNetwork(options: { modelSha256: Hex; storePrefix: string }): Promise<SdkNetwork> {
  const chain = await startChain();
  let storeDir: string | undefined;
  try {
    const deployment = await deployProtocol(chain.rpcUrl, { modelSha256: options.modelSha256 });
    const coordinator = deployment.contracts.PohCoordinator.address;
    const miners = deployment.accounts.slice(1, 6);
    const keys = new Map(miners.map((m) => [m.address.toLowerCase(), m.privateKey] as const));
    await stakeMiners(chain.rpcUrl, deployment, miners.map((m) => m.privateKey), STAKE);
    const admin = clients(chain.rpcUrl, deployment.deployer.privateKey);
    for (const [functionName, args] of [["setCommittee", [3, 0]], ["setWindows", [40, 40]]] as const) {
      await admin.publicClient.waitForTransactionReceipt({
        hash: await admin.walletClient.writeContract({ address: coordinator, abi: pohCoordinatorAbi, functionName, args }),
      });
    }
    storeDir = mkdtempSync(join(tmpdir(), options.storePrefix));
    const dir = storeDir;
    const store = await startPayloadStore({ port: await freePort(), dir });
    return {
      chain,
      deployment,
      coordinator,
      keys,
      store,
      async stop() {
        await store.close();
        await chain.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await chain.stop();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
    throw error;
  }
}
