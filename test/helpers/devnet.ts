/**
 * A real local chain for tests, the devnet and benchmarks: `hardhat node` as a child process on
 * loopback, the protocol deployed with the Ignition modules, and miners funded and staked.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createPublicClient,
  createWalletClient,
  http,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { deploy, ROOT, type Deployment, type ProtocolParameters } from "../../deploy/deploy.ts";
import { pohStakingAbi, pohTokenAbi } from "../../generated/abis.ts";

export type { Deployment } from "../../deploy/deploy.ts";

/** Hardhat's default development mnemonic: its accounts are funded with 10,000 ETH on `hardhat node`. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export interface DevAccount {
  address: Address;
  privateKey: Hex;
}

/** The first `count` accounts of the development mnemonic (index 0 deploys and holds the roles). */
export function devAccounts(count = 20): DevAccount[] {
  return Array.from({ length: count }, (_, i) => {
    const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i });
    const key = account.getHdKey().privateKey;
    if (!key) throw new Error(`no private key for dev account ${i}`);
    return { address: account.address, privateKey: `0x${Buffer.from(key).toString("hex")}` as Hex };
  });
}

export interface Chain {
  rpcUrl: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface ChainOptions {
  /** Default: a free port. */
  port?: number;
  /** Interval mining every blockTimeMs; default automine (a block per transaction). */
  blockTimeMs?: number;
  /** Print the node's output (default: only on failure to start). */
  verbose?: boolean;
}

/**
 * A free TCP port on loopback, assigned by the OS. Tests that need fixed ports use 23000-25999:
 * below Linux's ephemeral range (32768-60999), so an outgoing client socket can never hold them.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function rpc<T>(rpcUrl: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** Starts `hardhat node` on loopback and waits until it answers. */
export async function startChain(options: ChainOptions = {}): Promise<Chain> {
  const port = options.port ?? (await freePort());
  const rpcUrl = `http://127.0.0.1:${port}`;
  const child = spawn(
    join(ROOT, "node_modules", ".bin", "hardhat"),
    ["node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env } },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    if (options.verbose) process.stderr.write(chunk);
    else if (output.length < 20_000) output += chunk.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = false;
  child.once("exit", () => (exited = true));

  const stop = async (): Promise<void> => {
    if (exited || child.pid === undefined) return;
    const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, 5_000);
    await done;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`hardhat node exited while starting:\n${output}`);
    try {
      await rpc(rpcUrl, "eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`hardhat node did not answer on ${rpcUrl} within 60 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  if (options.blockTimeMs) {
    await rpc(rpcUrl, "evm_setAutomine", [false]);
    await rpc(rpcUrl, "evm_setIntervalMining", [options.blockTimeMs]);
  }
  return { rpcUrl, port, process: child, stop };
}

export interface DeployProtocolOptions {
  modelSha256?: Hex;
  featureSpecVersion?: number;
  parameters?: ProtocolParameters;
  /** Where to write <chainId>.json; default a fresh temp dir (never the repo's deployments/). */
  outDir?: string;
}

export interface DeployedProtocol extends Deployment {
  deployer: DevAccount;
  accounts: DevAccount[];
  /** Path of the written deployments file. */
  file: string;
}

const tempDirs = new Set<string>();

/** Deploys and wires the protocol on `rpcUrl` and registers the model (default: the shipped one). */
export async function deployProtocol(rpcUrl: string, options: DeployProtocolOptions = {}): Promise<DeployedProtocol> {
  let outDir = options.outDir;
  if (outDir === undefined) {
    outDir = mkdtempSync(join(tmpdir(), "poh-deployments-"));
    // Miners and the indexer read the file while the test runs; it goes when the process exits.
    if (tempDirs.size === 0) process.once("exit", () => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
    tempDirs.add(outDir);
  }
  const model = options.modelSha256
    ? { sha256: options.modelSha256, featureSpecVersion: options.featureSpecVersion ?? 1, uri: "test-model" }
    : undefined;
  const deployment = await deploy({ network: "localhost", rpcUrl, outDir, parameters: options.parameters, model });
  const accounts = devAccounts();
  return { ...deployment, deployer: accounts[0]!, accounts, file: join(outDir, `${deployment.chainId}.json`) };
}

export function clients(rpcUrl: string, privateKey: Hex) {
  const account = privateKeyToAccount(privateKey);
  const transport = http(rpcUrl);
  return {
    account,
    publicClient: createPublicClient({ chain: hardhat, transport }) as PublicClient,
    walletClient: createWalletClient({ chain: hardhat, transport, account }),
  };
}

/** Sends each miner `amount` POH from the deployer (the treasury at deployment) and stakes it. */
export async function stakeMiners(
  rpcUrl: string,
  deployment: Deployment,
  privateKeys: Hex[],
  amount: bigint,
): Promise<void> {
  const deployer = devAccounts(1)[0]!;
  const { walletClient: admin, publicClient } = clients(rpcUrl, deployer.privateKey);
  const token = deployment.contracts.PohToken.address;
  const staking = deployment.contracts.PohStaking.address;
  for (const key of privateKeys) {
    const { account, walletClient } = clients(rpcUrl, key);
    const wait = (hash: Hex) => publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    await wait(await admin.writeContract({ address: token, abi: pohTokenAbi, functionName: "transfer", args: [account.address, amount] }));
    await wait(await walletClient.writeContract({ address: token, abi: pohTokenAbi, functionName: "approve", args: [staking, amount] }));
    const receipt = await wait(
      await walletClient.writeContract({ address: staking, abi: pohStakingAbi, functionName: "stake", args: [amount] }),
    );
    if (receipt.status !== "success") throw new Error(`stake reverted for ${account.address}`);
  }
}

/**
 * Mines `count` blocks (works with automine or interval mining). One evm_mine per block:
 * hardhat_mine with a count above 1 leaves blocks whose parent hash Ponder cannot follow.
 */
export async function mine(rpcUrl: string, count = 1): Promise<void> {
  for (let i = 0; i < count; i++) await rpc(rpcUrl, "evm_mine");
}
