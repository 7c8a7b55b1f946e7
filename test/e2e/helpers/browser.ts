/**
 * Debian's Chromium driven by playwright-core (no browser download). `.ci/run` must install the
 * Debian package `chromium`. The flags keep Chromium off the (closed) network.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.POH_CHROMIUM ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set POH_CHROMIUM`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A small deterministic generator so runs are comparable. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal sample with the given median (ms) and shape. */
function lognormal(rand: () => number, median: number, sigma: number): number {
  const u = Math.max(1e-9, rand());
  const v = rand();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * z);
}

/**
 * A person: curved paths (a Bezier bend to one side), a minimum-jerk speed profile (slow start,
 * fast middle, slow landing), hand tremor, the odd overshoot and correction, irregular sampling,
 * pauses before clicks, and key dwell/flight times drawn from log-normal distributions.
 */
export class HumanDriver {
  private x = 40;
  private y = 40;
  private readonly rand: () => number;

  constructor(private readonly page: Page, seed = 7) {
    this.rand = rng(seed);
  }

  async moveTo(tx: number, ty: number): Promise<void> {
    const r = this.rand;
    const sx = this.x, sy = this.y;
    const dist = Math.hypot(tx - sx, ty - sy);
    if (dist < 1) return;
    const overshoot = dist > 150 && r() < 0.5;
    const ex = overshoot ? tx + (tx - sx) * (0.04 + 0.05 * r()) : tx;
    const ey = overshoot ? ty + (ty - sy) * (0.04 + 0.05 * r()) : ty;
    // Control point off the straight line by 8-25% of the distance, to a random side.
    const bend = (0.08 + 0.17 * r()) * dist * (r() < 0.5 ? -1 : 1);
    const nx = -(ey - sy) / dist, ny = (ex - sx) / dist;
    const cx = (sx + ex) / 2 + nx * bend, cy = (sy + ey) / 2 + ny * bend;
    const duration = 250 + 110 * Math.log2(1 + dist / 20) + 120 * r();
    let elapsed = 0;
    while (elapsed < duration) {
      const dt = 9 + 14 * r();
      await sleep(dt);
      elapsed = Math.min(duration, elapsed + dt);
      const tau = elapsed / duration;
      const s = 10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5;
      const px = (1 - s) ** 2 * sx + 2 * (1 - s) * s * cx + s ** 2 * ex + (r() - 0.5) * 1.4;
      const py = (1 - s) ** 2 * sy + 2 * (1 - s) * s * cy + s ** 2 * ey + (r() - 0.5) * 1.4;
      await this.page.mouse.move(px, py);
    }
    this.x = ex;
    this.y = ey;
    if (overshoot) {
      await sleep(60 + 80 * r());
      await this.moveTo(tx + (r() - 0.5) * 3, ty + (r() - 0.5) * 3);
    }
  }

  async click(selector: string): Promise<void> {
    const box = await this.page.locator(selector).boundingBox();
    if (!box) throw new Error(`no box for ${selector}`);
    const r = this.rand;
    await this.moveTo(box.x + box.width * (0.3 + 0.4 * r()), box.y + box.height * (0.3 + 0.4 * r()));
    await sleep(lognormal(r, 180, 0.4));
    await this.page.mouse.down();
    await sleep(lognormal(r, 95, 0.25));
    await this.page.mouse.up();
    await sleep(lognormal(r, 150, 0.4));
  }

  async type(text: string): Promise<void> {
    const r = this.rand;
    for (const ch of text) {
      const key = ch === " " ? "Space" : ch;
      await this.page.keyboard.down(key);
      await sleep(lognormal(r, 95, 0.3));
      await this.page.keyboard.up(key);
      await sleep(r() < 0.08 ? lognormal(r, 450, 0.3) : lognormal(r, 120, 0.45));
    }
  }

  /** Idle hand drift while reading. */
  async wander(ms: number): Promise<void> {
    const r = this.rand;
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await this.moveTo(this.x + (r() - 0.5) * 60, this.y + (r() - 0.5) * 40);
      await sleep(lognormal(r, 200, 0.5));
    }
  }
}

/** A script: straight lines at once, instant clicks, keys with no delay. */
export class BotDriver {
  constructor(private readonly page: Page) {}

  async click(selector: string): Promise<void> {
    const box = await this.page.locator(selector).boundingBox();
    if (!box) throw new Error(`no box for ${selector}`);
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 8 });
    await this.page.mouse.down();
    await this.page.mouse.up();
  }

  async type(text: string): Promise<void> {
    await this.page.keyboard.type(text);
  }
}
