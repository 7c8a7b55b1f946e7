import { loadAll, DEFAULT_DATA_DIR } from "./oracle/model/data/index.ts";
import { realSamples, syntheticSamples, DEFAULT_BUILD } from "./oracle/model/pipeline.ts";
import { FEATURE_NAMES } from "./oracle/src/features/index.ts";
const sessions = loadAll(DEFAULT_DATA_DIR).filter(s => s.dataset === "desktop");
const all = [...realSamples(sessions, DEFAULT_BUILD), ...syntheticSamples(DEFAULT_BUILD.synthetic, 1000, { seed: 1, modalityDrop: true })];
const groups = new Map<string, Float32Array[]>();
for (const s of all) if (s.variant === "orig") { const k = s.dataset.slice(0,4) + "/" + s.kind; (groups.get(k) ?? groups.set(k, []).get(k)!).push(s.x); }
const med = (xs: number[]) => { const s = [...xs].sort((a,b)=>a-b); return s[Math.floor(s.length/2)]!; };
const keys = [...groups.keys()];
console.log("feature".padEnd(22) + keys.map(k => k.slice(0, 12).padStart(13)).join(""));
FEATURE_NAMES.forEach((n, i) => { if (n.startsWith("k_")) console.log(n.padEnd(22) + keys.map(k => med(groups.get(k)!.map(x => x[i]!)).toFixed(2).padStart(13)).join("")); });
