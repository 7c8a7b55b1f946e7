/**
 * Deploys PoH Network with the Hardhat Ignition modules in deploy/modules and writes
 * deployments/<chainId>.json (addresses and start blocks) for the oracle, the indexer and the SDK.
 *
 *   npm run deploy -- [--network localhost] [--rpc URL] [--out DIR] [--params FILE.json]
 *                     [--manifest oracle/model/manifest.json] [--model-uri URI]
 *
 * Any network in hardhat.config.ts works; keys for non-local networks come from Hardhat's
 * keystore (`npx hardhat keystore set POH_DEPLOYER_KEY`), never from the repo.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export type Hex = `0x${string}`;
export type ContractName = "PohToken" | "PohStaking" | "ModelRegistry" | "PohEmission" | "PohCoordinator";

export interface Deployment {
  chainId: number;
  contracts: Record<ContractName, { address: Hex; startBlock: number }>;
  modelId: number;
  model: { sha256: Hex; featureSpecVersion: number; uri: string };
}

export interface ProtocolParameters {
  treasury?: Hex;
  minStake?: bigint;
  unbondingPeriod?: bigint;
  epochLength?: bigint;
  halvingEpochs?: bigint;
  /** Records in the coordinator's job ring (default 65,536). */
  jobSlots?: bigint;
}

export interface DeployOptions {
  /** A network from hardhat.config.ts (default "localhost"). */
  network?: string;
  /** Overrides the network's RPC URL. */
  rpcUrl?: string;
  /** Where deployments/<chainId>.json goes (default <repo>/deployments); null writes nothing. */
  outDir?: string | null;
  parameters?: ProtocolParameters;
  /** The model to register; default: oracle/model/manifest.json. */
  model?: { sha256: Hex; featureSpecVersion: number; uri: string };
}

export const DEFAULT_MANIFEST = join(ROOT, "oracle", "model", "manifest.json");

/** Reads the shipped model's manifest (sha256 and feature-spec version) for registration. */
export function modelFromManifest(path = DEFAULT_MANIFEST, uri?: string): Deployment["model"] {
  let manifest: { sha256?: string; featureSpecVersion?: number };
  try {
    manifest = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read the model manifest ${path}: ${(err as Error).message}`);
  }
  if (!manifest.sha256 || !/^(0x)?[0-9a-f]{64}$/i.test(manifest.sha256) || !manifest.featureSpecVersion) {
    throw new Error(`model manifest ${path} lacks a sha256 (64 hex digits) or featureSpecVersion`);
  }
  const sha = manifest.sha256.startsWith("0x") ? manifest.sha256 : `0x${manifest.sha256}`;
  return {
    sha256: sha.toLowerCase() as Hex,
    featureSpecVersion: manifest.featureSpecVersion,
    uri: uri ?? `poh-model:sha256:${sha.slice(2)}`,
  };
}

export async function deploy(options: DeployOptions = {}): Promise<Deployment> {
  const model = options.model ?? modelFromManifest();
  const networkName = options.network ?? "localhost";
  // Ignition keeps a journal per deployment. Throwaway local chains get a throwaway journal, so a
  // restarted devnet never trips over the previous run's state.
  const local = networkName === "localhost" || networkName.startsWith("hardhat");
  if (local && !process.env.POH_IGNITION_DIR) {
    const dir = mkdtempSync(join(tmpdir(), "poh-ignition-"));
    process.env.POH_IGNITION_DIR = dir;
    // The journal is only useful while this process lives; leave no folder behind.
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }

  const { network } = await import("hardhat");
  const { default: PohModel } = await import("./modules/PohModel.ts");
  const connection = await network.create(
    options.rpcUrl ? { network: networkName, override: { url: options.rpcUrl } } : networkName,
  );
  try {
    const { ethers, ignition } = connection;
    const chainId = Number((await ethers.provider.getNetwork()).chainId);
    const startBlock = await ethers.provider.getBlockNumber();
    const p = options.parameters ?? {};
    const protocolParams: Record<string, string> = {};
    for (const [k, v] of Object.entries(p)) if (v !== undefined) protocolParams[k] = v.toString();
    const result = await ignition.deploy(PohModel, {
      parameters: {
        PohProtocol: protocolParams,
        PohModel: { sha256: model.sha256, featureSpecVersion: model.featureSpecVersion, uri: model.uri },
      },
      deploymentId: local ? `poh-${chainId}-${Date.now()}` : `poh-${chainId}`,
      displayUi: false,
    });
    const modelId = Number(await result.registry.getFunction("modelCount")());
    const at = async (c: { getAddress(): Promise<string> }) => ({ address: (await c.getAddress()) as Hex, startBlock });
    const deployment: Deployment = {
      chainId,
      contracts: {
        PohToken: await at(result.token),
        PohStaking: await at(result.staking),
        ModelRegistry: await at(result.registry),
        PohEmission: await at(result.emission),
        PohCoordinator: await at(result.coordinator),
      },
      modelId,
      model,
    };
    if (options.outDir !== null) writeDeployment(deployment, options.outDir ?? join(ROOT, "deployments"));
    return deployment;
  } finally {
    await connection.close();
  }
}

/** Writes deployments/<chainId>.json atomically (temp file + rename). */
export function writeDeployment(deployment: Deployment, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${deployment.chainId}.json`);
  writeFileSync(`${path}.tmp`, JSON.stringify(deployment, null, 2) + "\n");
  renameSync(`${path}.tmp`, path);
  return path;
}

/** Reads a deployments file, with a clear error when it is missing or malformed. */
export function readDeployment(path: string): Deployment {
  let parsed: Deployment;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as Deployment;
  } catch (err) {
    throw new Error(`cannot read deployments file ${path} (run \`npm run deploy\` first): ${(err as Error).message}`);
  }
  for (const name of ["PohToken", "PohStaking", "ModelRegistry", "PohEmission", "PohCoordinator"] as const) {
    if (!parsed.contracts?.[name]?.address) throw new Error(`deployments file ${path} lacks contracts.${name}.address`);
  }
  return parsed;
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      network: { type: "string", default: "localhost" },
      rpc: { type: "string" },
      out: { type: "string", default: join(ROOT, "deployments") },
      params: { type: "string" },
      manifest: { type: "string", default: DEFAULT_MANIFEST },
      "model-uri": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(`usage: npm run deploy -- [--network NAME] [--rpc URL] [--out DIR] [--params FILE.json] [--manifest FILE] [--model-uri URI]

Deploys PoH Network with Hardhat Ignition and writes <out>/<chainId>.json.
  --network   a network from hardhat.config.ts (default localhost; env POH_RPC_URL sets its URL)
  --params    JSON with any of treasury, minStake, unbondingPeriod, epochLength, halvingEpochs, jobSlots
  --manifest  the model manifest whose sha256 is registered (default oracle/model/manifest.json)`);
    return;
  }
  const raw = values.params ? (JSON.parse(readFileSync(values.params, "utf8")) as Record<string, string>) : {};
  const parameters: ProtocolParameters = {
    treasury: raw.treasury as Hex | undefined,
    minStake: raw.minStake ? BigInt(raw.minStake) : undefined,
    unbondingPeriod: raw.unbondingPeriod ? BigInt(raw.unbondingPeriod) : undefined,
    epochLength: raw.epochLength ? BigInt(raw.epochLength) : undefined,
    halvingEpochs: raw.halvingEpochs ? BigInt(raw.halvingEpochs) : undefined,
    jobSlots: raw.jobSlots ? BigInt(raw.jobSlots) : undefined,
  };
  const deployment = await deploy({
    network: values.network,
    rpcUrl: values.rpc,
    outDir: values.out,
    parameters,
    model: modelFromManifest(values.manifest, values["model-uri"]),
  });
  console.log(JSON.stringify(deployment, null, 2));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`deploy: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
