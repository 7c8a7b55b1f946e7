/**
 * Encrypted key storage: Web3 Secret Storage (V3 keystore, scrypt + aes-128-ctr + keccak256 MAC),
 * the format geth, ethers and most wallets read. The private key is never logged; errors never
 * contain it.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { bytesToHex, hexToBytes, keccak256 } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { z } from "zod";
import { ConfigError, FatalError } from "../errors.ts";
import type { Hex, NodeConfig } from "../config/index.ts";

/** scrypt cost. N = 2^17 is the geth/ethers default; tests pass a lower one. */
export type KdfOptions = { n: number; r: number; p: number };
export const defaultKdf: KdfOptions = { n: 131072, r: 8, p: 1 };

const keystoreSchema = z.object({
  version: z.literal(3),
  address: z.string().optional(),
  crypto: z.object({
    cipher: z.literal("aes-128-ctr"),
    ciphertext: z.string().regex(/^[0-9a-fA-F]+$/),
    cipherparams: z.object({ iv: z.string().regex(/^[0-9a-fA-F]{32}$/) }),
    kdf: z.literal("scrypt"),
    kdfparams: z.object({
      dklen: z.literal(32),
      n: z.number().int().positive(),
      r: z.number().int().positive(),
      p: z.number().int().positive(),
      salt: z.string().regex(/^[0-9a-fA-F]+$/),
    }),
    mac: z.string().regex(/^[0-9a-fA-F]{64}$/),
  }),
});
export type Keystore = z.infer<typeof keystoreSchema> & { id: string; address: string };

function scrypt(password: string, salt: Buffer, k: KdfOptions): Promise<Buffer> {
  return new Promise((res, rej) =>
    scryptCb(password.normalize("NFKC"), salt, 32, { N: k.n, r: k.r, p: k.p, maxmem: 256 * k.n * k.r + 1024 * 1024 }, (e, key) =>
      e ? rej(e) : res(key),
    ),
  );
}

function mac(derived: Buffer, ciphertext: Buffer): Buffer {
  return Buffer.from(hexToBytes(keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext]))));
}

/** Encrypts a private key into a V3 keystore object. */
export async function encryptKey(privateKey: Hex, password: string, kdf: KdfOptions = defaultKdf): Promise<Keystore> {
  const account = privateKeyToAccount(privateKey);
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived = await scrypt(password, salt, kdf);
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(hexToBytes(privateKey))), cipher.final()]);
  return {
    version: 3,
    id: randomUUID(),
    address: account.address.slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      ciphertext: ciphertext.toString("hex"),
      cipherparams: { iv: iv.toString("hex") },
      kdf: "scrypt",
      kdfparams: { dklen: 32, n: kdf.n, r: kdf.r, p: kdf.p, salt: salt.toString("hex") },
      mac: mac(derived, ciphertext).toString("hex"),
    },
  };
}

/** Decrypts a V3 keystore (ours, geth's or ethers'). A wrong password is a FatalError. */
export async function decryptKey(json: unknown, password: string): Promise<Hex> {
  // Some writers (ethers, older geth) spell the section "Crypto".
  const obj = json !== null && typeof json === "object" && !("crypto" in json) && "Crypto" in json ? { ...json, crypto: (json as { Crypto: unknown }).Crypto } : json;
  const parsed = keystoreSchema.safeParse(obj);
  if (!parsed.success) throw new FatalError(`keystore: not a supported V3 keystore (scrypt, aes-128-ctr): ${parsed.error.issues[0]?.path.join(".")}`);
  const c = parsed.data.crypto;
  const derived = await scrypt(password, Buffer.from(c.kdfparams.salt, "hex"), c.kdfparams);
  const ciphertext = Buffer.from(c.ciphertext, "hex");
  if (!timingSafeEqual(mac(derived, ciphertext), Buffer.from(c.mac, "hex"))) throw new FatalError("keystore: wrong password (MAC mismatch)");
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), Buffer.from(c.cipherparams.iv, "hex"));
  const key = bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  if (parsed.data.address) {
    const addr = privateKeyToAccount(key).address.slice(2).toLowerCase();
    if (addr !== parsed.data.address.toLowerCase().replace(/^0x/, "")) throw new FatalError("keystore: decrypted key does not match the stored address");
  }
  return key;
}

/** Writes a keystore file atomically with mode 0600 (temp + fsync + rename). Refuses to overwrite. */
export function writeKeystoreFile(path: string, keystore: Keystore): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, JSON.stringify(keystore, null, 2) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    // link-free "no overwrite": fail if the target exists
    openSync(path, "r");
    throw new ConfigError(`keystore: ${path} already exists; not overwriting`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Reads a password from the terminal without echoing it. */
export async function promptPassword(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new ConfigError("POH_KEYSTORE_PASSWORD: not set and stdin is not a terminal to prompt for the password");
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = await new Promise<string>((res) => {
      rl.question(question, res);
      muted = true;
    });
    process.stderr.write("\n");
    return answer;
  } finally {
    rl.close();
  }
}

/** The node's signing account: POH_PRIVATE_KEY (development) or the keystore. */
export async function loadAccount(config: Pick<NodeConfig, "privateKey" | "keystore" | "keystorePassword">): Promise<PrivateKeyAccount> {
  if (config.privateKey) return privateKeyToAccount(config.privateKey);
  if (!config.keystore) throw new ConfigError("POH_KEYSTORE or POH_PRIVATE_KEY: a key is required");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(config.keystore, "utf8"));
  } catch (error) {
    throw new ConfigError(`POH_KEYSTORE: cannot read ${config.keystore}: ${(error as Error).message}`);
  }
  const password = config.keystorePassword ?? (await promptPassword(`Password for ${config.keystore}: `));
  return privateKeyToAccount(await decryptKey(json, password));
}
