import { loadAll, DEFAULT_DATA_DIR } from "./oracle/model/data/index.ts";
import { realSamples, syntheticSamples, DEFAULT_BUILD, fit, predictAll, type Sample } from "./oracle/model/pipeline.ts";
const sessions = loadAll(DEFAULT_DATA_DIR);
const all = [...realSamples(sessions, DEFAULT_BUILD), ...syntheticSamples(DEFAULT_BUILD.synthetic, 1000, { seed: 1, modalityDrop: true })];
const m = fit(all.filter(s => s.dataset !== "desktop")).model;
for (const kind of ["human", "simple", "advanced"]) for (const v of ["orig", "pointer-only", "keys-only", "moves-only", "resampled"]) {
  const t = all.filter(s => s.dataset === "desktop" && s.kind === kind && s.variant === v);
  if (!t.length) continue;
  const p = predictAll(m, t);
  console.log(kind, v, t.length, "called human", p.filter(x => x >= 0.5).length);
}
const m2 = fit(all.filter(s => s.dataset === "desktop" || s.dataset === "synthetic")).model;
for (const kind of ["human", "moderate_bot"]) { const t = all.filter(s => s.dataset === "web" && s.kind === kind && s.variant === "orig"); const p = predictAll(m2, t); console.log("web", kind, "called human", p.filter(x => x >= 0.5).length, "/", t.length); }
