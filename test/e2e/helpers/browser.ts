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
    // Two overlapping sigma-lognormal submovements: a curved primary one that lands short of
    // (or past) the target, and a small correction that starts before the first has stopped.
    const reach = dist > 60 ? 0.88 + 0.16 * r() : 1;
    const px1 = sx + (tx - sx) * reach + (r() - 0.5) * dist * 0.04;
    const py1 = sy + (ty - sy) * reach + (r() - 0.5) * dist * 0.04;
    const bend = (0.06 + 0.16 * r()) * dist * (r() < 0.5 ? -1 : 1);
    const nx = -(py1 - sy) / dist, ny = (px1 - sx) / dist;
    const cx = (sx + px1) / 2 + nx * bend, cy = (sy + py1) / 2 + ny * bend;
    const d1 = 220 + 105 * Math.log2(1 + dist / 25) + 90 * r();
    const d2 = reach === 1 ? 0 : 160 + 120 * r();
    const start2 = d1 * (0.65 + 0.2 * r());
    const total = Math.max(d1, start2 + d2);
    const sigma1 = 0.25 + 0.1 * r(), sigma2 = 0.3 + 0.1 * r();
    // Lognormal CDF in [0,1] over a window of length d (peak speed early, long tail).
    const cdf = (t: number, d: number, sigma: number) => {
      if (t <= 0) return 0;
      if (t >= d) return 1;
      const mu = Math.log(d * 0.42);
      const z = (Math.log(t) - mu) / (sigma * Math.SQRT2);
      const erf = (x: number) => {
        const sgn = x < 0 ? -1 : 1, a = Math.abs(x), k = 1 / (1 + 0.3275911 * a);
        return sgn * (1 - ((((1.061405429 * k - 1.453152027) * k + 1.421413741) * k - 0.284496736) * k + 0.254829592) * k * Math.exp(-a * a));
      };
      return Math.min(1, 0.5 * (1 + erf(z)) / 0.985);
    };
    // Positions follow the wall clock, so on a loaded machine the same smooth movement is only
    // sampled less often (as a slower device would), instead of being stretched and distorted.
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < total) {
      const dt = 7 + 12 * r() + (r() < 0.05 ? 25 * r() : 0);
      await sleep(dt);
      elapsed = Math.min(total, performance.now() - start);
      const s1 = cdf(elapsed, d1, sigma1);
      const s2 = d2 ? cdf(elapsed - start2, d2, sigma2) : 0;
      const bx = (1 - s1) ** 2 * sx + 2 * (1 - s1) * s1 * cx + s1 ** 2 * px1;
      const by = (1 - s1) ** 2 * sy + 2 * (1 - s1) * s1 * cy + s1 ** 2 * py1;
      await this.page.mouse.move(bx + (tx - px1) * s2 + (r() - 0.5) * 0.8, by + (ty - py1) * s2 + (r() - 0.5) * 0.8);
    }
    this.x = tx;
    this.y = ty;
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
    // Plan the whole burst first: key-downs separated by log-normal flights, each held for a
    // log-normal dwell, so a fast pair overlaps (the next key goes down before the last is up).
    const plan: { at: number; key: string; down: boolean }[] = [];
    let t = 0;
    for (const ch of text) {
      const key = ch === " " ? "Space" : ch;
      const dwell = lognormal(r, 92, 0.28);
      plan.push({ at: t, key, down: true }, { at: t + dwell, key, down: false });
      t += r() < 0.07 ? lognormal(r, 520, 0.35) : lognormal(r, 150, 0.5);
    }
    plan.sort((a, b) => a.at - b.at || (a.down ? 1 : -1));
    const held = new Set<string>();
    // Keys follow the wall clock too: a late key does not push every later one back.
    const start = performance.now();
    for (const step of plan) {
      const wait = step.at - (performance.now() - start);
      if (wait > 0) await sleep(wait);
      if (step.down) {
        // The same key twice in a row: it must come up before it can go down again.
        if (held.has(step.key)) await this.page.keyboard.up(step.key);
        held.add(step.key);
        await this.page.keyboard.down(step.key);
      } else if (held.delete(step.key)) {
        await this.page.keyboard.up(step.key);
      }
    }
    await sleep(lognormal(r, 200, 0.4));
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

/** One action of a scripted bot: click the element, then type `text` into it if given. */
export type BotStep = { selector: string; text?: string };

/**
 * A straight-line instant bot: a Playwright script with no humanising. Every target's centre is
 * measured first, then the whole form is done back to back: the pointer jumps to each centre
 * (`steps: 1`, what page.click does) or moves there in a few equal straight steps, presses are
 * released at once, text goes in with keyboard.type at a 0-2 ms delay, and nothing pauses. A
 * sign-up form takes about a second.
 */
export class BotDriver {
  constructor(private readonly page: Page, private readonly opts: { steps?: number; keyDelayMs?: number } = {}) {}

  /** Runs the steps; returns the milliseconds from the first action to the last. */
  async run(steps: readonly BotStep[]): Promise<number> {
    const targets: [number, number][] = [];
    for (const s of steps) {
      const box = await this.page.locator(s.selector).boundingBox();
      if (!box) throw new Error(`no box for ${s.selector}`);
      targets.push([box.x + box.width / 2, box.y + box.height / 2]);
    }
    const t0 = Date.now();
    for (const [i, s] of steps.entries()) {
      const [x, y] = targets[i]!;
      await this.page.mouse.move(x, y, { steps: this.opts.steps ?? 1 });
      await this.page.mouse.down();
      await this.page.mouse.up();
      if (s.text) await this.page.keyboard.type(s.text, { delay: this.opts.keyDelayMs ?? 0 });
    }
    return Date.now() - t0;
  }
}
