/**
 * Converters from the three shared training sets to telemetry format v1, and the window cutter.
 * Data is read at run time from a directory (default ../shared/data relative to the repo root);
 * nothing is copied into the repo. See oracle/model/README.md for the sets and their citations.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../../oracle/src/errors.ts";
import type { Telemetry, TelemetryEvent } from "../../../oracle/src/payload/index.ts";
import { Rng } from "../generators/rng.ts";

export type DatasetName = "desktop" | "web" | "sapimouse";
/** Class of the session in its source: human, or the source's bot family. */
export type SourceKind = "human" | "simple" | "advanced" | "moderate_bot";

export type Session = {
  dataset: DatasetName;
  id: string;
  /** Grouping key for cross-validation: a person where known (sapimouse user), else the session. */
  group: string;
  label: 0 | 1; // 1 = human
  kind: SourceKind;
  telemetry: Telemetry;
};

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const DEFAULT_DATA_DIR = resolve(REPO_ROOT, "../shared/data");

export const DATASET_CITATIONS: Record<DatasetName, string> = {
  desktop: "bot-detection: A. Barkworth et al., biometric-bot-detection (University of New Brunswick capstone), github.com/ashleybarkworth/biometric-bot-detection, data/events (no licence file; read at run time, not redistributed)",
  web: "web-bots: C. Iliou et al., 'Detection of advanced web bots by combining web logs with mouse behavioural biometrics', Digital Threats: Research and Practice (DTRAP) 2021, phase 1 humans and moderate bots, as mirrored in github.com/knurlybekov/mousedynamics (no licence stated; not redistributed)",
  sapimouse: "SapiMouse: M. Antal, N. Fejer, K. Buza, 'SapiMouse: Mouse Dynamics-based User Authentication Using Deep Feature Learning', SACI 2021; users 1-60 via github.com/jjmatthiesen/trajectoryAnimation_SapiMouse (MIT)",
};

const EXPECTED: Record<DatasetName, string> = {
  desktop: "bot-detection/events/<class>-<date>/mouse.csv and key.csv",
  web: "web-bots/sessions/<id>/mouse_movements.json and web-bots/annotations/{train,test}",
  sapimouse: "sapimouse/userN/session_1min.csv and session_3min.csv",
};

/** Throws a ConfigError saying which directory and files were expected. */
export function checkDataDir(dir: string, sets: readonly DatasetName[] = ["desktop", "web", "sapimouse"]): void {
  const missing: string[] = [];
  if (!existsSync(dir)) missing.push(...sets.map((s) => EXPECTED[s]));
  else {
    if (sets.includes("desktop") && !existsSync(join(dir, "bot-detection/events"))) missing.push(EXPECTED.desktop);
    if (sets.includes("web") && (!existsSync(join(dir, "web-bots/sessions")) || !existsSync(join(dir, "web-bots/annotations/train")))) missing.push(EXPECTED.web);
    if (sets.includes("sapimouse") && !existsSync(join(dir, "sapimouse"))) missing.push(EXPECTED.sapimouse);
  }
  if (missing.length > 0) {
    throw new ConfigError(`--data: training data not found in ${dir}; expected:\n  ${missing.join("\n  ")}\n` +
      "(pass --data DIR pointing at the shared data directory; see oracle/model/README.md)");
  }
}

function sortEvents(evs: TelemetryEvent[]): Telemetry {
  const idx = evs.map((e, i) => [e.t, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const sorted = idx.map(([, i]) => evs[i] as TelemetryEvent);
  const t0 = sorted.length > 0 ? sorted[0]!.t : 0;
  return { v: 1, events: sorted.map((e) => ({ ...e, t: Math.round((e.t - t0) * 1000) / 1000 })) };
}

const BUTTONS: Record<string, number> = { "Button.left": 0, Left: 0, "Button.middle": 1, Middle: 1, "Button.right": 2, Right: 2 };

const SHIFTED: Record<string, string> = { "!": "1", "@": "2", "#": "3", $: "4", "%": "5", "^": "6", "&": "7", "*": "8", "(": "9", ")": "0", _: "-", "+": "=", "{": "[", "}": "]", "|": "\\", ":": ";", '"': "'", "<": ",", ">": ".", "?": "/", "~": "`" };

/** Folds a recorded key name to its physical key (case and shift-symbol insensitive). */
export function physicalKey(raw: string): string {
  const name = raw.length === 1 ? (SHIFTED[raw] ?? raw.toLowerCase()) : raw;
  return name;
}

/** Converts one desktop (bot-detection) session directory. Times are seconds; keys become opaque ids. */
export function convertDesktopSession(mouseCsv: string, keyCsv: string): Telemetry {
  const evs: TelemetryEvent[] = [];
  for (const line of mouseCsv.split("\n").slice(1)) {
    const c = line.trim().split(",");
    if (c.length < 5) continue;
    const t = Number(c[0]) * 1000;
    const x = Math.round(Number(c[1]));
    const y = Math.round(Number(c[2]));
    if (!Number.isFinite(t) || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    const state = c[4];
    if (state === "Move" || state === "Drag") evs.push({ t, k: "move", x, y });
    else if (state === "Pressed" || state === "Released") {
      evs.push({ t, k: state === "Pressed" ? "down" : "up", x, y, b: BUTTONS[c[3] ?? ""] ?? 0 });
    }
  }
  const ids = new Map<string, number>();
  const keyId = (raw: string): number => {
    // The recorder logs the character, so one physical key appears as "C" on press and "c" on
    // release, "!" and "1": fold to the physical key, as a browser's KeyboardEvent.code would.
    const name = physicalKey(raw);
    let id = ids.get(name);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(name, id);
    }
    return id;
  };
  for (const line of keyCsv.split("\n").slice(1)) {
    const c = line.trim().split(",");
    if (c.length < 3) continue;
    const t = Number(c[0]) * 1000;
    if (!Number.isFinite(t)) continue;
    // The key name is used only to pair press and release; only an opaque number leaves here.
    if (c[1] !== "None") evs.push({ t, k: "keydown", key: keyId(c.slice(1, c.length - 1).join(",")) });
    else evs.push({ t, k: "keyup", key: keyId(c.slice(2).join(",")) });
  }
  return sortEvents(evs);
}

/** Converts one web-bots mouse_movements.json. Clicks are dropped: the recorder gives them no time or release. */
export function convertWebSession(json: string): Telemetry {
  const j = JSON.parse(json) as { mousemove_times?: string; mousemove_total_behaviour?: string };
  const times = (j.mousemove_times ?? "").split(",").filter((s) => s.length > 0).map(Number);
  const pts = [...(j.mousemove_total_behaviour ?? "").matchAll(/\[(-?[\d.]+),(-?[\d.]+)\]/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
  const n = Math.min(times.length, pts.length);
  const evs: TelemetryEvent[] = [];
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = Math.max(last, times[i]!);
    last = t;
    const p = pts[i]!;
    evs.push({ t, k: "move", x: Math.round(p[0]), y: Math.round(p[1]) });
  }
  return sortEvents(evs);
}

/** Converts one SapiMouse session CSV (integer ms from page load). */
export function convertSapimouseSession(csv: string): Telemetry {
  const evs: TelemetryEvent[] = [];
  let last = -Infinity;
  for (const line of csv.split("\n").slice(1)) {
    const c = line.trim().split(",");
    if (c.length < 5) continue;
    const t = Math.max(last, Number(c[0]));
    const x = Number(c[3]);
    const y = Number(c[4]);
    if (!Number.isFinite(t) || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    last = t;
    const state = c[2];
    if (state === "Move" || state === "Drag") evs.push({ t, k: "move", x, y });
    else if (state === "Pressed" || state === "Released") evs.push({ t, k: state === "Pressed" ? "down" : "up", x, y, b: BUTTONS[c[1] ?? ""] ?? 0 });
  }
  return sortEvents(evs);
}

function subdirs(dir: string): string[] {
  return readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory()).sort();
}

export function loadDesktop(dataDir: string): Session[] {
  const root = join(dataDir, "bot-detection/events");
  const out: Session[] = [];
  for (const d of subdirs(root)) {
    const cls = d.split("-")[0] as SourceKind;
    if (cls !== "human" && cls !== "simple" && cls !== "advanced") continue;
    const mouse = existsSync(join(root, d, "mouse.csv")) ? readFileSync(join(root, d, "mouse.csv"), "utf8") : "";
    const key = existsSync(join(root, d, "key.csv")) ? readFileSync(join(root, d, "key.csv"), "utf8") : "";
    out.push({ dataset: "desktop", id: d, group: `desktop:${d}`, label: cls === "human" ? 1 : 0, kind: cls, telemetry: convertDesktopSession(mouse, key) });
  }
  return out;
}

export function loadWeb(dataDir: string): Session[] {
  const root = join(dataDir, "web-bots");
  const labels = new Map<string, string>();
  for (const f of ["annotations/train", "annotations/test"]) {
    for (const line of readFileSync(join(root, f), "utf8").split("\n")) {
      const [id, lab] = line.trim().split(/\s+/);
      if (id && lab) labels.set(id, lab);
    }
  }
  const out: Session[] = [];
  for (const [id, lab] of [...labels].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const p = join(root, "sessions", id, "mouse_movements.json");
    if (!existsSync(p)) continue;
    const human = lab === "human";
    out.push({ dataset: "web", id, group: `web:${id}`, label: human ? 1 : 0, kind: human ? "human" : "moderate_bot", telemetry: convertWebSession(readFileSync(p, "utf8")) });
  }
  return out;
}

export function loadSapimouse(dataDir: string): Session[] {
  const root = join(dataDir, "sapimouse");
  const out: Session[] = [];
  const users = subdirs(root).sort((a, b) => Number(a.replace(/\D/g, "")) - Number(b.replace(/\D/g, "")));
  for (const u of users) {
    for (const f of ["session_1min.csv", "session_3min.csv"]) {
      const p = join(root, u, f);
      if (!existsSync(p)) continue;
      out.push({ dataset: "sapimouse", id: `${u}/${f}`, group: `sapimouse:${u}`, label: 1, kind: "human", telemetry: convertSapimouseSession(readFileSync(p, "utf8")) });
    }
  }
  return out;
}

/** Loads all three sets (after checking the directory). */
export function loadAll(dataDir: string): Session[] {
  checkDataDir(dataDir);
  return [...loadDesktop(dataDir), ...loadWeb(dataDir), ...loadSapimouse(dataDir)];
}

export type WindowOptions = { minMs: number; maxMs: number; maxWindows: number; minEvents: number };
export const DEFAULT_WINDOWS: WindowOptions = { minMs: 10_000, maxMs: 60_000, maxWindows: 6, minEvents: 20 };

/**
 * Cuts a session into consecutive non-overlapping windows of random length in [minMs, maxMs]
 * (rebased so the first event is at t=0), as integrators send them. A session shorter than minMs is one window. When
 * there are more than maxWindows, an evenly spaced subset is kept.
 */
export function cutWindows(tel: Telemetry, rng: Rng, opts: WindowOptions = DEFAULT_WINDOWS): Telemetry[] {
  const ev = tel.events;
  if (ev.length === 0) return [];
  const end = ev[ev.length - 1]!.t;
  const bounds: [number, number][] = [];
  let start = ev[0]!.t;
  if (end - start < opts.minMs) bounds.push([start, end + 1]);
  while (end - start >= opts.minMs) {
    const len = rng.uniform(opts.minMs, opts.maxMs);
    bounds.push([start, start + len]);
    start += len;
  }
  let chosen = bounds;
  if (bounds.length > opts.maxWindows) {
    chosen = [];
    for (let i = 0; i < opts.maxWindows; i++) chosen.push(bounds[Math.floor((i * bounds.length) / opts.maxWindows)]!);
  }
  const out: Telemetry[] = [];
  let j = 0;
  for (const [a, b] of chosen) {
    while (j < ev.length && ev[j]!.t < a) j++;
    const w: TelemetryEvent[] = [];
    let k = j;
    const first = k < ev.length ? ev[k]!.t : a;
    while (k < ev.length && ev[k]!.t < b) {
      const e = ev[k]!;
      w.push({ ...e, t: Math.round((e.t - first) * 1000) / 1000 });
      k++;
    }
    if (w.length >= opts.minEvents) out.push({ v: 1, events: w });
  }
  return out;
}

/**
 * Re-records a session as a different device would: pointer moves are re-sampled by linear
 * interpolation at a new interval with jitter (augmentation against learning the recorder).
 */
export function resampleMoves(tel: Telemetry, rng: Rng, intervalMs: number, jitter: number): Telemetry {
  const moves = tel.events.filter((e) => e.k === "move");
  const other = tel.events.filter((e) => e.k !== "move");
  const out: TelemetryEvent[] = [...other];
  let i = 0;
  while (i < moves.length) {
    // Keep segment structure: resample within runs separated by > 250 ms pauses.
    let j = i;
    while (j + 1 < moves.length && moves[j + 1]!.t - moves[j]!.t <= 250) j++;
    const a = moves[i]!;
    out.push({ ...a });
    let t = a.t;
    let p = i;
    let lastX = a.x;
    let lastY = a.y;
    for (;;) {
      t += Math.max(1, intervalMs * (1 + jitter * rng.normal()));
      if (t >= moves[j]!.t) break;
      while (p < j && moves[p + 1]!.t < t) p++;
      const m0 = moves[p]!;
      const m1 = moves[Math.min(p + 1, j)]!;
      const u = m1.t > m0.t ? (t - m0.t) / (m1.t - m0.t) : 0;
      const x = Math.round(m0.x + (m1.x - m0.x) * u);
      const y = Math.round(m0.y + (m1.y - m0.y) * u);
      if (x === lastX && y === lastY) continue;
      lastX = x;
      lastY = y;
      out.push({ t: Math.round(t * 1000) / 1000, k: "move", x, y });
    }
    if (j > i) out.push({ ...moves[j]! });
    i = j + 1;
  }
  const idx = out.map((e, k) => [e.t, k] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return { v: 1, events: idx.map(([, k]) => out[k]!) };
}
