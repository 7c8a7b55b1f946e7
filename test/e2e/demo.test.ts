/**
 * The demo sign-up page in a real browser against the whole network (chain, contracts, five
 * miner nodes running the shipped ONNX model, payload store, indexer, demo server): a human-like
 * session is verified human; a straight-line instant bot (the pointer jumps or moves in a few equal
 * straight steps, keys and clicks held only for the browser round trip, no pauses, the form done in
 * about a second) is verified bot in three styles; every verdict is final on chain.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { pohCoordinatorAbi } from "../../generated/abis.ts";
import { startNetwork, type Network } from "../../scripts/start.ts";
import { clients } from "../helpers/devnet.ts";
import { BotDriver, HumanDriver, launchBrowser } from "./helpers/browser.ts";

describe("demo sign-up page protected by PoH Network", { timeout: 600_000 }, () => {
  let network: Network;
  let browser: Browser;
  const lines: string[] = [];
  /** jobId -> verdict the page showed, for the explorer check. */
  const shown = new Map<string, string>();

  before(async () => {
    network = await startNetwork({ portBase: 24200, runDir: new URL("../../.data/e2e-demo", import.meta.url).pathname, log: (l) => lines.push(l) });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await network?.stop();
  });

  async function submission(page: Page, n: number) {
    const row = page.locator(`#history tr[data-submission="${n}"]`);
    await row.waitFor({ timeout: 120_000 });
    return { verdict: await row.getAttribute("data-verdict"), jobId: await row.getAttribute("data-job-id") };
  }

  async function onChain(jobId: string) {
    const { publicClient } = clients(network.rpcUrl, network.deployment.deployer.privateKey);
    return publicClient.readContract({ address: network.coordinator, abi: pohCoordinatorAbi, functionName: "getJob", args: [BigInt(jobId)] });
  }

  it("verifies a person who moves and types like one as human, final on chain", async (t) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${network.demoUrl}/`);
    const human = new HumanDriver(page, 11);
    await human.wander(1_500);
    await human.click("#name");
    await human.type("Ada Lovelace");
    await human.click("#email");
    await human.type("ada@example.org");
    await human.click("#password");
    await human.type("correct horse 42");
    await human.wander(800);
    await human.click("#terms");
    await human.click("#submit");

    const { verdict, jobId } = await submission(page, 1);
    shown.set(jobId!, verdict!);
    t.diagnostic(`human: score ${await page.locator(`#history tr[data-submission="1"] td:nth-child(4)`).textContent()} bps, verdict ${verdict}, job ${jobId}`);
    assert.equal(verdict, "human", `page verdict (status: ${await page.locator("#status").textContent()})`);
    assert.equal(await page.locator("#verdict").textContent(), "human");
    assert.match(await page.locator("#tx-request").textContent() ?? "", /^0x[0-9a-f]{64}$/);
    const job = await onChain(jobId!);
    assert.equal(job.status, 2, "Final on chain");
    assert.equal(job.verdict, true);
    await page.close();
  });

  const form = [
    { selector: "#name", text: "Ada Lovelace" },
    { selector: "#email", text: "ada@example.org" },
    { selector: "#password", text: "correct horse 42" },
    { selector: "#terms" },
    { selector: "#submit" },
  ];
  const botStyles = [
    { name: "teleporting pointer (page.click-style single move), keyboard.type with no delay", steps: 1, keyDelayMs: 0 },
    { name: "3 equal straight steps per move, keyboard.type with no delay", steps: 3, keyDelayMs: 0 },
    { name: "5 equal straight steps per move, keyboard.type with a 2 ms delay", steps: 5, keyDelayMs: 2 },
  ];
  for (const style of botStyles) {
    it(`verifies a straight-line instant bot as bot, final on chain: ${style.name}`, async (t) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${network.demoUrl}/`);
      const activeMs = await new BotDriver(page, style).run(form);
      assert.ok(activeMs < 3_000, `the bot is instant: ${activeMs} ms from first to last action`);

      const { verdict, jobId } = await submission(page, 1);
      shown.set(jobId!, verdict!);
      const score = await page.locator(`#history tr[data-submission="1"] td:nth-child(4)`).textContent();
      t.diagnostic(`instant bot (${style.name}): ${activeMs} ms of activity, score ${score} bps, verdict ${verdict}, job ${jobId}`);
      assert.equal(verdict, "bot", `page verdict (status: ${await page.locator("#status").textContent()}, score ${score} bps)`);
      assert.equal(await page.locator("#verdict").textContent(), "bot");
      const job = await onChain(jobId!);
      assert.equal(job.status, 2, "Final on chain");
      assert.equal(job.verdict, false);
      assert.ok(job.result < 5000, `on-chain result ${job.result} bps`);
      await page.close();
    });
  }

  it("shows every job and the miners on the explorer, from the indexer", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${network.demoUrl}/explorer`);
    await page.locator('#explorer-status[data-state="ok"]').waitFor({ timeout: 60_000 });
    // The indexer follows the chain within a few blocks; wait until the demo's jobs are indexed as final.
    assert.equal(shown.size, 1 + botStyles.length, "every submission produced a job");
    const ids = [...shown.keys()];
    await page.waitForFunction(
      (jobIds) => jobIds.every((id) => document.querySelector(`#jobs tbody tr[data-id="${id}"] td:nth-child(2)`)?.textContent === "final"),
      ids,
      { timeout: 60_000 },
    );
    for (const [id, verdict] of shown) {
      assert.equal(await page.locator(`#jobs tbody tr[data-id="${id}"] td:nth-child(3)`).textContent(), verdict, `job ${id} verdict on the explorer`);
    }
    const miners = await page.locator("#miners tbody tr").count();
    assert.equal(miners, network.minerAddresses.length);
    assert.ok((await page.locator("#chart rect").count()) > 0, "the chart draws bars");
    await page.close();
  });
});
