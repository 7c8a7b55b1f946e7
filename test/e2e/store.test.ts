import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keccak256, toHex } from "viem";
import { startPayloadStore, type PayloadStore } from "../../sdk/src/store.ts";
import { PayloadRejectedError } from "../../sdk/src/errors.ts";
import { freePort } from "../helpers/devnet.ts";

const PAYLOAD = new TextEncoder().encode(JSON.stringify({ v: 1, events: [{ t: 0, k: "move", x: 1, y: 2 }] }));

describe("payload store", () => {
  let store: PayloadStore;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "poh-store-test-"));
    store = await startPayloadStore({ port: await freePort(), dir });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores a PUT under its keccak256 and serves it back byte for byte", async () => {
    const hash = keccak256(PAYLOAD);
    const put = await fetch(`${store.url}/p/${hash}`, { method: "PUT", body: PAYLOAD });
    assert.equal(put.status, 201);
    assert.deepEqual(await put.json(), { hash, uri: `${store.url}/p/${hash}` });
    const again = await fetch(`${store.url}/p/${hash}`, { method: "PUT", body: PAYLOAD });
    assert.equal(again.status, 200, "a second PUT of the same bytes is not a new object");
    await again.arrayBuffer();
    const get = await fetch(`${store.url}/p/${hash}`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get("content-type"), "application/json");
    const body = new Uint8Array(await get.arrayBuffer());
    assert.deepEqual(body, PAYLOAD);
    assert.equal(keccak256(body), hash);
  });

  it("refuses a PUT whose body does not hash to the path", async () => {
    const wrong = keccak256(toHex("something else"));
    const res = await fetch(`${store.url}/p/${wrong}`, { method: "PUT", body: PAYLOAD });
    assert.equal(res.status, 422);
    assert.match(((await res.json()) as { error: string }).error, /keccak256 of the body is 0x[0-9a-f]{64}/);
    assert.equal((await fetch(`${store.url}/p/${wrong}`)).status, 404, "nothing was stored");
  });

  it("stores a POST under the hash it computes", async () => {
    const bytes = new TextEncoder().encode('{"v":1,"events":[]}');
    const res = await fetch(`${store.url}/p`, { method: "POST", body: bytes });
    assert.equal(res.status, 201);
    const { hash, uri } = (await res.json()) as { hash: string; uri: string };
    assert.equal(hash, keccak256(bytes));
    assert.equal(uri, `${store.url}/p/${hash}`);
    assert.equal(await (await fetch(uri)).text(), '{"v":1,"events":[]}');
  });

  it("refuses bodies over 1 MiB with 413, by PUT and by POST", async () => {
    const big = new Uint8Array(1_048_577).fill(0x20);
    const put = await fetch(`${store.url}/p/${keccak256(big)}`, { method: "PUT", body: big });
    assert.equal(put.status, 413);
    await put.arrayBuffer();
    const post = await fetch(`${store.url}/p`, { method: "POST", body: big });
    assert.equal(post.status, 413);
    await post.arrayBuffer();
    assert.equal((await fetch(`${store.url}/p/${keccak256(big)}`)).status, 404);
  });

  it("accepts a payload of exactly 1 MiB", async () => {
    const edge = new Uint8Array(1_048_576).fill(0x20);
    const res = await fetch(`${store.url}/p`, { method: "POST", body: edge });
    assert.equal(res.status, 201);
    await res.arrayBuffer();
  });

  it("answers 404 for an unknown hash and 400 for a malformed one", async () => {
    assert.equal((await fetch(`${store.url}/p/0x${"ab".repeat(32)}`)).status, 404);
    assert.equal((await fetch(`${store.url}/p/0x1234`)).status, 400);
    assert.equal((await fetch(`${store.url}/p/..%2f..%2fetc%2fpasswd`)).status, 400);
    assert.equal((await fetch(`${store.url}/elsewhere`)).status, 404);
    assert.equal((await fetch(`${store.url}/p/0x${"ab".repeat(32)}`, { method: "DELETE" })).status, 405);
  });

  it("puts in-process, and leaves only complete files named by hash on disk", async () => {
    const bytes = new TextEncoder().encode('{"v":1,"events":[{"t":5,"k":"keydown","key":3}]}');
    const stored = await store.put(bytes);
    assert.equal(stored.hash, keccak256(bytes));
    assert.equal(stored.created, true);
    assert.equal((await store.put(bytes)).created, false);
    const got = await store.get(stored.hash);
    assert.ok(got, "stored payload is readable");
    assert.ok(Buffer.from(got).equals(Buffer.from(bytes)), "get returns the stored bytes");
    assert.ok(readFileSync(join(dir, stored.hash.slice(2))).equals(Buffer.from(bytes)), "the file on disk holds the bytes");
    const files = readdirSync(dir);
    assert.ok(files.every((f) => /^[0-9a-f]{64}$/.test(f)), `unexpected files: ${files.join(", ")}`);
    await assert.rejects(store.put(new Uint8Array(1_048_577)), PayloadRejectedError);
  });
});
