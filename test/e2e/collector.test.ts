import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { parseTelemetry } from "../../oracle/src/payload/index.ts";
import { launchBrowser } from "./helpers/browser.ts";

const COLLECTOR = readFileSync(new URL("../../sdk/browser/collector.js", import.meta.url), "utf8");
const PAGE = `<!doctype html><html><body style="margin:0;height:2000px">
<input id="field" style="position:absolute;left:100px;top:100px;width:300px;height:30px">
<script src="/collector.js"></script></body></html>`;
let PORT = 0; // OS-assigned in before()

describe("browser collector (Chromium)", { timeout: 120_000 }, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const received: unknown[] = [];

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/collector.js") {
        res.writeHead(200, { "content-type": "text/javascript" });
        return res.end(COLLECTOR);
      }
      if (req.url === "/api/verify" && req.method === "POST") {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ verdict: "human" }));
        });
        return;
      }
      res.writeHead(200, { "content-type": "text/html" });
      res.end(PAGE);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    PORT = (server.address() as import("node:net").AddressInfo).port;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("records pointer, wheel and key timing as valid format-v1 telemetry without revealing what was typed", async () => {
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await page.evaluate(() => (window as unknown as { PohCollector: { start(): void } }).PohCollector.start());
    await page.mouse.move(50, 50);
    await page.mouse.move(200, 115, { steps: 10 });
    await page.mouse.down();
    await page.mouse.up();
    await page.keyboard.type("hunter2 secret", { delay: 15 });
    await page.mouse.wheel(0, 240);
    // Wheel events are delivered asynchronously by the compositor.
    await page.waitForFunction(() =>
      (window as unknown as { PohCollector: { payload(): { events: { k: string }[] } } }).PohCollector.payload().events.some((e) => e.k === "wheel"),
    );
    const payload = await page.evaluate(() => (window as unknown as { PohCollector: { payload(): unknown } }).PohCollector.payload());
    const json = JSON.stringify(payload);
    const telemetry = parseTelemetry(json);

    const kinds = new Set<string>(telemetry.events.map((e) => e.k));
    for (const k of ["move", "down", "up", "wheel", "keydown", "keyup"]) assert.ok(kinds.has(k), `records ${k}`);
    assert.ok(telemetry.screen && telemetry.screen.w > 0);
    const down = telemetry.events.find((e) => e.k === "down");
    assert.deepEqual(down && "x" in down ? [down.x, down.y, down.b] : [], [200, 115, 0]);
    const wheel = telemetry.events.find((e) => e.k === "wheel");
    assert.equal(wheel && "dy" in wheel ? wheel.dy : 0, 240);

    // Keys: 14 presses of 10 distinct physical keys, each an opaque number, consistent per key.
    const keydowns = telemetry.events.filter((e) => e.k === "keydown").map((e) => ("key" in e ? e.key : -1));
    assert.equal(keydowns.length, 14);
    assert.equal(new Set(keydowns).size, 10, "one id per physical key (h,u,n,t,e,r,2,space,s,c)");
    assert.equal(keydowns[3], keydowns[13], "the same key (t) keeps its id");
    assert.ok(!keydowns.includes("h".charCodeAt(0)) || !keydowns.includes("u".charCodeAt(0)), "ids are not character codes");
    assert.doesNotMatch(json, /hunter|secret|"Key[A-Z]"|"key":"/, "nothing typed appears in the payload");

    for (let i = 1; i < telemetry.events.length; i++) assert.ok(telemetry.events[i]!.t >= telemetry.events[i - 1]!.t, "t never decreases");
  });

  it("keeps at most 20,000 events and says it truncated", async () => {
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/`);
    const result = await page.evaluate(() => {
      const c = (window as unknown as { PohCollector: { start(): void; eventCount(): number; truncated(): boolean; payload(): { events: unknown[] } } }).PohCollector;
      c.start();
      for (let i = 0; i < 20_050; i++) window.dispatchEvent(new PointerEvent("pointermove", { clientX: i % 500, clientY: 10 }));
      return { count: c.eventCount(), truncated: c.truncated(), length: JSON.stringify(c.payload()).length };
    });
    assert.equal(result.count, 20_000);
    assert.equal(result.truncated, true);
    assert.ok(result.length < 1_048_576, `payload of ${result.length} bytes fits the 1 MiB limit`);
  });

  it("stops recording on stop(), and send() posts { telemetry, ...fields } to the server", async () => {
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await page.evaluate(() => (window as unknown as { PohCollector: { start(): void } }).PohCollector.start());
    await page.mouse.move(10, 10);
    await page.mouse.move(30, 30);
    const countAtStop = await page.evaluate(() => {
      const c = (window as unknown as { PohCollector: { stop(): void; eventCount(): number } }).PohCollector;
      c.stop();
      return c.eventCount();
    });
    await page.mouse.move(60, 60);
    const answer = await page.evaluate(() =>
      (window as unknown as { PohCollector: { send(url: string, f: object): Promise<unknown> } }).PohCollector.send("/api/verify", { form: "signup" }),
    );
    assert.deepEqual(answer, { verdict: "human" });
    const body = received.at(-1) as { telemetry: { events: unknown[] }; form: string };
    assert.equal(body.form, "signup");
    assert.equal(body.telemetry.events.length, countAtStop, "nothing recorded after stop()");
    parseTelemetry(JSON.stringify(body.telemetry));
  });
});
