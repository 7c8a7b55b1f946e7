/**
 * The demo sign-up page in a real browser against the whole network (chain, contracts, five
 * miner nodes running the shipped ONNX model, payload store, indexer, demo server): a human-like
 * session is verified human, a straight-line instant bot is verified bot, both final on chain.
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
    network = await startNetwork({ portBase: 44200, runDir: new URL("../../.data/e2e-demo", import.meta.url).pathname, log: (l) => lines.push(l) });
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

  it("verifies a person who moves and types like one as human, final on chain", async () => {
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
    assert.equal(verdict, "human", `page verdict (status: ${await page.locator("#status").textContent()})`);
    assert.equal(await page.locator("#verdict").textContent(), "human");
    assert.match(await page.locator("#tx-request").textContent() ?? "", /^0x[0-9a-f]{64}$/);
    const job = await onChain(jobId!);
    assert.equal(job.status, 2, "Final on chain");
    assert.equal(job.verdict, true);
    await page.close();
  });

  it("verifies a straight-line scripted bot (constant speed, no pauses, fixed key interval) as bot, final on chain", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${network.demoUrl}/`);
    const bot = new BotDriver(page);
    await bot.click("#name");
    await bot.type("Ada Lovelace");
    await bot.click("#email");
    await bot.type("ada@example.org");
    await bot.click("#password");
    await bot.type("correct horse 42");
    await bot.click("#terms");
    await bot.click("#submit");

    const { verdict, jobId } = await submission(page, 1);
    shown.set(jobId!, verdict!);
    assert.equal(verdict, "bot", `page verdict (status: ${await page.locator("#status").textContent()})`);
    assert.equal(await page.locator("#verdict").textContent(), "bot");
    const job = await onChain(jobId!);
    assert.equal(job.status, 2, "Final on chain");
    assert.equal(job.verdict, false);
    await page.close();
  });

  it("shows both jobs and the miners on the explorer, from the indexer", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${network.demoUrl}/explorer`);
    await page.locator('#explorer-status[data-state="ok"]').waitFor({ timeout: 60_000 });
    // The indexer follows the chain within a few blocks; wait until the demo's jobs are indexed as final.
    assert.equal(shown.size, 2, "both submissions produced a job");
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
