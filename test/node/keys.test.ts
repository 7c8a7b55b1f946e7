import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Wallet, encryptKeystoreJsonSync } from "ethers";
import { privateKeyToAccount } from "viem/accounts";
import { decryptKey, encryptKey, loadAccount, writeKeystoreFile } from "../../oracle/src/keys/index.ts";
import { FatalError } from "../../oracle/src/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "poh-keys-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a" as const;
const light = { n: 1024, r: 8, p: 1 };
const root = new URL("../..", import.meta.url).pathname;

describe("keystore", () => {
  it("round-trips a key and stores the address, never the key in clear", async () => {
    const ks = await encryptKey(KEY, "correct horse", light);
    assert.equal(`0x${ks.address}`, privateKeyToAccount(KEY).address.toLowerCase());
    assert.ok(!JSON.stringify(ks).includes(KEY.slice(2)));
    assert.equal(await decryptKey(ks, "correct horse"), KEY);
  });

  it("rejects a wrong password", async () => {
    const ks = await encryptKey(KEY, "correct horse", light);
    await assert.rejects(decryptKey(ks, "wrong"), (e: unknown) => e instanceof FatalError && /wrong password/.test(e.message));
  });

  it("is readable by ethers, and reads ethers' keystores", async () => {
    const ks = await encryptKey(KEY, "pw-123456", light);
    const wallet = await Wallet.fromEncryptedJson(JSON.stringify(ks), "pw-123456");
    assert.equal(wallet.privateKey, KEY);
    const w = new Wallet(KEY);
    const theirs = encryptKeystoreJsonSync({ address: w.address, privateKey: KEY }, "pw-abcdef", { scrypt: { N: 1024 } });
    assert.equal(await decryptKey(JSON.parse(theirs), "pw-abcdef"), KEY);
  });

  it("writes the file with mode 0600, refuses to overwrite, and loadAccount reads it", async () => {
    const path = join(dir, "k.json");
    writeKeystoreFile(path, await encryptKey(KEY, "pw-123456", light));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    await assert.rejects(async () => writeKeystoreFile(path, await encryptKey(KEY, "x", light)), /already exists/);
    const account = await loadAccount({ keystore: path, keystorePassword: "pw-123456" });
    assert.equal(account.address, privateKeyToAccount(KEY).address);
  });

  it("`poh keys new` creates a keystore whose address `poh keys address` prints", () => {
    const path = join(dir, "cli.json");
    const env = { ...process.env, POH_KEYSTORE_PASSWORD: "cli-password" };
    const made = spawnSync(join(root, "node_modules/.bin/node"), [join(root, "oracle/bin/poh.js"), "keys", "new", path], { env, encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    const address = /^(0x[0-9a-fA-F]{40})/.exec(made.stdout)?.[1];
    assert.ok(address);
    assert.equal(JSON.parse(readFileSync(path, "utf8")).version, 3);
    const shown = spawnSync(join(root, "node_modules/.bin/node"), [join(root, "oracle/bin/poh.js"), "keys", "address", path], { env, encoding: "utf8" });
    assert.equal(shown.status, 0, shown.stderr);
    assert.equal(shown.stdout.trim(), address);
    const imported = join(dir, "imported.json");
    const imp = spawnSync(join(root, "node_modules/.bin/node"), [join(root, "oracle/bin/poh.js"), "keys", "import", imported], { env: { ...env, POH_PRIVATE_KEY: KEY }, encoding: "utf8" });
    assert.equal(imp.status, 0, imp.stderr);
    assert.ok(!imp.stdout.includes(KEY.slice(2)) && !imp.stderr.includes(KEY.slice(2)), "the key is never printed");
    assert.equal(imp.stdout.split(" ")[0], privateKeyToAccount(KEY).address);
    const again = spawnSync(join(root, "node_modules/.bin/node"), [join(root, "oracle/bin/poh.js"), "keys", "new", path], { env, encoding: "utf8" });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already exists/);
  });
});
