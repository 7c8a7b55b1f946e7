import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { keccak256, toHex } from "viem";
import { fetchJobInput, fetchPayload, MAX_FETCH_BYTES } from "../../oracle/src/jobs/index.ts";
import { isNonPublicAddress } from "../../oracle/src/jobs/fetch.ts";
import { InputError } from "../../oracle/src/errors.ts";

let server: Server;
let base = "";
// The test server is on loopback, which only a local network may reach.
const opts = { timeoutMs: 1000, maxRedirects: 2, allowPrivateAddresses: true };
const hits = new Map<string, number>();
const big = Buffer.alloc(MAX_FETCH_BYTES + 1, 0x61);

before(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? "/";
    hits.set(url, (hits.get(url) ?? 0) + 1);
    if (url === "/flaky") {
      if (hits.get(url)! <= 2) res.writeHead(503).end();
      else res.end('{"v":1,"events":[]}');
    } else if (url === "/ok") res.end('{"v":1,"events":[]}');
    else if (url === "/exact") res.end(Buffer.alloc(MAX_FETCH_BYTES, 0x62));
    else if (url === "/big") res.end(big);
    else if (url === "/big-chunked") {
      // No content-length: the cap must stop the stream.
      res.writeHead(200, { "transfer-encoding": "chunked" });
      const chunk = Buffer.alloc(64 * 1024, 0x63);
      let sent = 0;
      const push = () => {
        while (sent <= MAX_FETCH_BYTES) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once("drain", push);
        }
        res.end();
      };
      push();
    } else if (url.startsWith("/redirect/")) {
      const n = Number(url.split("/")[2]);
      res.writeHead(302, { location: n > 0 ? `/redirect/${n - 1}` : "/ok" }).end();
    } else if (url === "/slow") {
      // Never answers.
    } else if (url === "/404") res.writeHead(404).end();
    else res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(23010, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const inputError = (pattern: RegExp) => (e: unknown) => e instanceof InputError && pattern.test(e.message);

describe("payload fetching", () => {
  it("fetches over http", async () => {
    assert.equal(Buffer.from(await fetchPayload(`${base}/ok`, opts)).toString(), '{"v":1,"events":[]}');
  });

  it("accepts exactly 1 MiB and refuses one byte more (with and without content-length)", async () => {
    assert.equal((await fetchPayload(`${base}/exact`, opts)).length, MAX_FETCH_BYTES);
    await assert.rejects(fetchPayload(`${base}/big`, opts), inputError(/larger than 1048576 bytes/));
    await assert.rejects(fetchPayload(`${base}/big-chunked`, opts), inputError(/larger than 1048576 bytes/));
  });

  it("follows redirects up to the limit and no further", async () => {
    assert.equal(Buffer.from(await fetchPayload(`${base}/redirect/1`, opts)).toString(), '{"v":1,"events":[]}');
    await assert.rejects(fetchPayload(`${base}/redirect/2`, opts), inputError(/too many redirects/));
    await assert.rejects(fetchPayload(`${base}/redirect/0`, { ...opts, maxRedirects: 0 }), inputError(/too many redirects/));
  });

  it("times out a server that never answers", async () => {
    await assert.rejects(fetchPayload(`${base}/slow`, { ...opts, timeoutMs: 300 }), inputError(/timed out after 300 ms/));
  });

  it("reports HTTP errors, refused connections and unsupported schemes", async () => {
    await assert.rejects(fetchPayload(`${base}/404`, opts), inputError(/HTTP 404/));
    await assert.rejects(fetchPayload("http://127.0.0.1:23011/none", opts), inputError(/fetching the payload failed/));
    await assert.rejects(fetchPayload("file:///etc/passwd", opts), inputError(/unsupported inputURI scheme file:/));
    await assert.rejects(fetchPayload("ipfs://bafy", opts), inputError(/unsupported inputURI scheme/));
    await assert.rejects(fetchPayload("not a url", opts), inputError(/not a URL/));
  });

  it("decodes data: URIs (base64 and percent-encoded) under the same cap", async () => {
    const text = '{"v":1,"events":[]}';
    assert.equal(Buffer.from(await fetchPayload(`data:application/json;base64,${Buffer.from(text).toString("base64")}`, opts)).toString(), text);
    assert.equal(Buffer.from(await fetchPayload(`data:application/json,${encodeURIComponent(text)}`, opts)).toString(), text);
    await assert.rejects(fetchPayload(`data:;base64,${big.toString("base64")}`, opts), inputError(/larger than/));
    await assert.rejects(fetchPayload("data:;base64,@@@", opts), inputError(/not valid base64/));
    await assert.rejects(fetchPayload("data:no-comma", opts), inputError(/without a comma/));
    await assert.rejects(fetchPayload("data:,%E0%A4%A", opts), inputError(/percent-encoding/));
  });

  it("retries a 5xx answer within the timeout, and gives up after three attempts", async () => {
    hits.clear();
    assert.equal(Buffer.from(await fetchPayload(`${base}/flaky`, opts)).toString(), '{"v":1,"events":[]}');
    assert.equal(hits.get("/flaky"), 3, "two 503s, then the payload");
    await assert.rejects(fetchPayload(`${base}/always-500`, opts), inputError(/HTTP 500/));
    assert.equal(hits.get("/always-500"), 3);
    await assert.rejects(fetchPayload(`${base}/404`, opts), inputError(/HTTP 404/));
    assert.equal(hits.get("/404"), 1, "a 4xx is final at once");
  });

  it("refuses loopback and private addresses unless allowed (SSRF)", async () => {
    const strict = { timeoutMs: 1000, maxRedirects: 2 };
    hits.clear();
    await assert.rejects(fetchPayload(`${base}/ok`, strict), inputError(/non-public address 127\.0\.0\.1.*POH_FETCH_ALLOW_PRIVATE/));
    await assert.rejects(fetchPayload(`${base.replace("127.0.0.1", "localhost")}/ok`, strict), inputError(/localhost resolves to the non-public address/));
    await assert.rejects(fetchPayload("http://[::1]:23010/ok", strict), inputError(/non-public address/));
    await assert.rejects(fetchPayload("http://169.254.169.254/latest/meta-data/", strict), inputError(/non-public address 169\.254\.169\.254/));
    assert.equal(hits.size, 0, "no request reached the server");
    const host = base.replace("127.0.0.1", "localhost");
    assert.equal(Buffer.from(await fetchPayload(`${host}/ok`, opts)).toString(), '{"v":1,"events":[]}', "allowed on a local network");
  });

  it("classifies addresses: private, loopback, link-local and special ranges are non-public", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "[::1]", "not-an-ip"]) {
      assert.equal(isNonPublicAddress(a), true, a);
    }
    for (const a of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "192.169.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) {
      assert.equal(isNonPublicAddress(a), false, a);
    }
  });

  it("checks keccak256 against inputHash", async () => {
    const text = '{"v":1,"events":[]}';
    const uri = `data:,${encodeURIComponent(text)}`;
    assert.equal((await fetchJobInput({ inputURI: uri, inputHash: keccak256(toHex(text)) }, opts)).length, text.length);
    await assert.rejects(fetchJobInput({ inputURI: uri, inputHash: keccak256(toHex("other")) }, opts), inputError(/does not match inputHash/));
  });
});
