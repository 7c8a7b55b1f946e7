import { createServer } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { launchBrowser, HumanDriver, BotDriver } from "./test/e2e/helpers/browser.ts";
const files: Record<string, string> = {
  "/": "demo/public/index.html", "/app.js": "demo/public/app.js", "/style.css": "demo/public/style.css", "/collector.js": "sdk/browser/collector.js",
};
const server = createServer((req, res) => {
  const f = files[req.url ?? "/"];
  if (!f) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { "content-type": f.endsWith(".js") ? "text/javascript" : f.endsWith(".css") ? "text/css" : "text/html" });
  res.end(readFileSync(f));
});
await new Promise<void>((r) => server.listen(44031, "127.0.0.1", () => r()));
const browser = await launchBrowser();
for (const who of ["human", "bot"]) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto("http://127.0.0.1:44031/");
  if (who === "human") {
    const d = new HumanDriver(page, Number(process.argv[2] ?? 11));
    await d.wander(1500); await d.click("#name"); await d.type("Ada Lovelace"); await d.click("#email"); await d.type("ada@example.org");
    await d.click("#password"); await d.type("correct horse 42"); await d.wander(800); await d.click("#terms"); await d.click("#submit");
  } else {
    const d = new BotDriver(page);
    await d.click("#name"); await d.type("Ada Lovelace"); await d.click("#email"); await d.type("ada@example.org");
    await d.click("#password"); await d.type("correct horse 42"); await d.click("#terms"); await d.click("#submit");
  }
  const payload = await page.evaluate(() => (window as any).PohCollector.payload());
  writeFileSync(`/tmp/pohscratch/${who}.json`, JSON.stringify(payload));
  await page.close();
}
await browser.close();
server.close();
