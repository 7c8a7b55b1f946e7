/**
 * Gradient-boosted regression trees for binary logistic loss, written for this project (no npm
 * library fits: we need float32-exact thresholds that match onnxruntime's BRANCH_LEQ and
 * byte-reproducible output). Histogram splits on per-feature quantile thresholds, depth-wise
 * growth, Newton leaf values with L2 regularisation, seeded row and column subsampling.
 */
import type { Tree, TreeEnsemble } from "../src/inference/trees.ts";
import { Rng } from "./generators/rng.ts";

export type GbtOptions = {
  nTrees: number;
  maxDepth: number;
  learningRate: number;
  lambda: number;
  /** Minimum hessian sum in a child. */
  minChildWeight: number;
  subsample: number;
  colsample: number;
  maxBins: number;
  seed: number;
};

export const DEFAULT_GBT: GbtOptions = {
  nTrees: 150, maxDepth: 4, learningRate: 0.1, lambda: 1, minChildWeight: 0.5, subsample: 0.8, colsample: 0.7, maxBins: 48, seed: 1,
};

export type GbtResult = { model: TreeEnsemble; gain: Float64Array };

/** Candidate thresholds per feature: float32 values between quantiles of the distinct training values. */
function thresholds(X: Float32Array, n: number, F: number, f: number, maxBins: number): Float32Array {
  const vals = new Float32Array(n);
  for (let i = 0; i < n; i++) vals[i] = X[i * F + f]!;
  vals.sort();
  const distinct: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || vals[i] !== vals[i - 1]) distinct.push(vals[i]!);
  const out: number[] = [];
  const step = Math.max(1, distinct.length / maxBins);
  for (let q = step; q < distinct.length; q += step) {
    const k = Math.floor(q);
    const a = distinct[k - 1]!;
    const b = distinct[k]!;
    let thr = Math.fround((a + b) / 2);
    if (!(thr >= a && thr < b)) thr = a;
    if (out.length === 0 || thr > out[out.length - 1]!) out.push(thr);
  }
  return Float32Array.from(out);
}

/** Trains on row-major X [n, F] with labels y (1 = human) and sample weights w. */
export function trainGbt(X: Float32Array, y: Uint8Array, w: Float64Array, F: number, opts: GbtOptions = DEFAULT_GBT): GbtResult {
  const n = y.length;
  const rng = new Rng(opts.seed);
  const thr: Float32Array[] = [];
  const bins: Uint8Array[] = [];
  for (let f = 0; f < F; f++) {
    const t = thresholds(X, n, F, f, opts.maxBins);
    thr.push(t);
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const x = X[i * F + f]!;
      let lo = 0;
      let hi = t.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (t[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      b[i] = lo; // number of thresholds < x: x <= t[j] iff b <= j
    }
    bins.push(b);
  }
  let sw = 0;
  let swy = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i]!;
    swy += w[i]! * y[i]!;
  }
  const prior = Math.min(0.999, Math.max(0.001, swy / sw));
  const base = Math.fround(Math.log(prior / (1 - prior)));
  const F0 = new Float64Array(n).fill(base);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const gain = new Float64Array(F);
  const trees: Tree[] = [];
  const maxB = opts.maxBins + 2;
  const hg = new Float64Array(maxB);
  const hh = new Float64Array(maxB);

  for (let m = 0; m < opts.nTrees; m++) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-F0[i]!));
      g[i] = (p - y[i]!) * w[i]!;
      h[i] = Math.max(p * (1 - p), 1e-6) * w[i]!;
    }
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (rng.next() < opts.subsample) rows.push(i);
    const cols: number[] = [];
    for (let f = 0; f < F; f++) if (rng.next() < opts.colsample) cols.push(f);
    if (cols.length === 0) cols.push(rng.int(0, F - 1));

    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    const newNode = (): number => {
      feature.push(-1);
      threshold.push(0);
      left.push(0);
      right.push(0);
      value.push(0);
      return feature.length - 1;
    };
    const grow = (node: number, idx: number[], depth: number): void => {
      let G = 0;
      let H = 0;
      for (const i of idx) {
        G += g[i]!;
        H += h[i]!;
      }
      const leafValue = (): void => {
        value[node] = Math.fround((-G / (H + opts.lambda)) * opts.learningRate);
      };
      if (depth >= opts.maxDepth || H < 2 * opts.minChildWeight) return leafValue();
      const parentScore = (G * G) / (H + opts.lambda);
      let bestGain = 1e-9;
      let bestF = -1;
      let bestJ = -1;
      for (const f of cols) {
        const t = thr[f]!;
        if (t.length === 0) continue;
        const b = bins[f]!;
        hg.fill(0, 0, t.length + 1);
        hh.fill(0, 0, t.length + 1);
        for (const i of idx) {
          hg[b[i]!]! += g[i]!;
          hh[b[i]!]! += h[i]!;
        }
        let GL = 0;
        let HL = 0;
        for (let j = 0; j < t.length; j++) {
          GL += hg[j]!;
          HL += hh[j]!;
          const HR = H - HL;
          if (HL < opts.minChildWeight || HR < opts.minChildWeight) continue;
          const GR = G - GL;
          const gn = (GL * GL) / (HL + opts.lambda) + (GR * GR) / (HR + opts.lambda) - parentScore;
          if (gn > bestGain) {
            bestGain = gn;
            bestF = f;
            bestJ = j;
          }
        }
      }
      if (bestF < 0) return leafValue();
      gain[bestF]! += bestGain;
      feature[node] = bestF;
      threshold[node] = thr[bestF]![bestJ]!;
      const b = bins[bestF]!;
      const li: number[] = [];
      const ri: number[] = [];
      for (const i of idx) (b[i]! <= bestJ ? li : ri).push(i);
      const l = newNode();
      const r = newNode();
      left[node] = l;
      right[node] = r;
      grow(l, li, depth + 1);
      grow(r, ri, depth + 1);
    };
    grow(newNode(), rows, 0);
    const tree: Tree = {
      feature: Int32Array.from(feature), threshold: Float32Array.from(threshold),
      left: Int32Array.from(left), right: Int32Array.from(right), value: Float32Array.from(value),
    };
    trees.push(tree);
    // Update all rows (not only the subsample) with the new tree.
    for (let i = 0; i < n; i++) {
      let k = 0;
      while (tree.feature[k]! >= 0) k = X[i * F + tree.feature[k]!]! <= tree.threshold[k]! ? tree.left[k]! : tree.right[k]!;
      F0[i]! += tree.value[k]!;
    }
  }
  return { model: { nFeatures: F, base, trees }, gain };
}
