/** `poh keys new|import|address FILE`: encrypted keystores (V3: scrypt + aes-128-ctr). */
import { existsSync, readFileSync } from "node:fs";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ConfigError } from "../errors.ts";
import { decryptKey, encryptKey, promptPassword, writeKeystoreFile } from "../keys/index.ts";
import { runCommand } from "../chain/context.ts";
import type { Hex } from "../config/index.ts";

export const summary = "create (new) or import an encrypted keystore; show its address";

const help = `usage:
  poh keys new FILE          create a new key, encrypted into FILE
  poh keys import FILE       encrypt an existing key (read from POH_PRIVATE_KEY or a prompt) into FILE
  poh keys address FILE      print the address of a keystore (needs the password)
The password comes from POH_KEYSTORE_PASSWORD or a prompt. Keys are never printed.`;

async function newPassword(): Promise<string> {
  const env = process.env.POH_KEYSTORE_PASSWORD;
  if (env) return env;
  const a = await promptPassword("New keystore password: ");
  const b = await promptPassword("Repeat the password: ");
  if (a !== b) throw new ConfigError("passwords do not match");
  if (a.length < 8) throw new ConfigError("password: use at least 8 characters");
  return a;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, file] = argv;
  if (!sub || sub === "--help" || sub === "-h" || !file) {
    console.log(help);
    return sub ? 0 : 2;
  }
  return runCommand("keys", async () => {
    if (sub === "new" || sub === "import") {
      if (existsSync(file)) throw new ConfigError(`${file} already exists; not overwriting`);
      let key: Hex;
      if (sub === "new") key = generatePrivateKey();
      else {
        const raw = (process.env.POH_PRIVATE_KEY || (await promptPassword("Private key (hex): "))).trim();
        const pk = raw.startsWith("0x") ? raw : `0x${raw}`;
        if (!/^0x[0-9a-fA-F]{64}$/.test(pk)) throw new ConfigError("POH_PRIVATE_KEY: must be 32 bytes of hex; value not shown");
        key = pk as Hex;
      }
      const password = await newPassword();
      writeKeystoreFile(file, await encryptKey(key, password));
      console.log(`${privateKeyToAccount(key).address}  (keystore written to ${file})`);
      return 0;
    }
    if (sub === "address") {
      const password = process.env.POH_KEYSTORE_PASSWORD || (await promptPassword(`Password for ${file}: `));
      const key = await decryptKey(JSON.parse(readFileSync(file, "utf8")), password);
      console.log(privateKeyToAccount(key).address);
      return 0;
    }
    console.error(help);
    return 2;
  });
}
