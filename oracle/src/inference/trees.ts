/**
 * The model as a plain data structure (a sum of regression trees plus a bias, then a sigmoid),
 * its ONNX encoding/decoding (ai.onnx.ml TreeEnsembleRegressor + Sigmoid) and a pure-TypeScript
 * evaluator that reproduces onnxruntime's float32 arithmetic (BRANCH_LEQ on float32 values,
 * float32 accumulation in tree order), used for the parity check and as a fast path.
 */
import onnxProto from "onnx-proto";
import { FatalError } from "../errors.ts";

const { onnx } = onnxProto;

/** One tree in flat arrays; node i is a leaf when feature[i] < 0. Node 0 is the root. */
export type Tree = {
  feature: Int32Array;
  threshold: Float32Array;
  left: Int32Array; // taken when x[feature] <= threshold
  right: Int32Array;
  value: Float32Array; // leaf value (margin contribution)
};

export type TreeEnsemble = { nFeatures: number; base: number; trees: Tree[] };

export const INPUT_NAME = "features";
export const OUTPUT_NAME = "p_human";

/** Margin (log-odds of human) for row `r` of a row-major feature matrix, float32 like onnxruntime. */
export function margin(model: TreeEnsemble, x: Float32Array, r = 0): number {
  const off = r * model.nFeatures;
  let acc = 0;
  for (const tr of model.trees) {
    let i = 0;
    const f = tr.feature;
    while (f[i]! >= 0) i = x[off + f[i]!]! <= tr.threshold[i]! ? tr.left[i]! : tr.right[i]!;
    acc = Math.fround(acc + tr.value[i]!);
  }
  return Math.fround(acc + Math.fround(model.base));
}

/** P(human) for row `r`, as onnxruntime computes it. */
export function predict(model: TreeEnsemble, x: Float32Array, r = 0): number {
  return Math.fround(1 / (1 + Math.exp(-margin(model, x, r))));
}

/** Maps P(human) to the on-chain score in basis points. */
export function toBps(p: number): number {
  if (!(p >= 0)) return 0;
  return Math.min(10_000, Math.max(0, Math.round(p * 10_000)));
}

function attr(name: string, v: { ints?: number[]; floats?: number[]; strings?: string[]; i?: number; s?: string }): onnxProto.onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (v.ints) return { name, type: A.INTS, ints: v.ints };
  if (v.floats) return { name, type: A.FLOATS, floats: v.floats };
  if (v.strings) return { name, type: A.STRINGS, strings: v.strings.map((s) => new TextEncoder().encode(s)) };
  if (v.i !== undefined) return { name, type: A.INT, i: v.i };
  return { name, type: A.STRING, s: new TextEncoder().encode(v.s ?? "") };
}

/** Encodes the ensemble as an ONNX model: features[N,F] -> TreeEnsembleRegressor -> Sigmoid -> p_human[N,1]. */
export function encodeOnnx(model: TreeEnsemble, docString: string): Uint8Array {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const values: number[] = [];
  const modes: string[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const tTree: number[] = [];
  const tNode: number[] = [];
  const tId: number[] = [];
  const tW: number[] = [];
  model.trees.forEach((tr, ti) => {
    for (let i = 0; i < tr.feature.length; i++) {
      treeIds.push(ti);
      nodeIds.push(i);
      const leaf = tr.feature[i]! < 0;
      featureIds.push(leaf ? 0 : tr.feature[i]!);
      values.push(leaf ? 0 : tr.threshold[i]!);
      modes.push(leaf ? "LEAF" : "BRANCH_LEQ");
      trueIds.push(leaf ? 0 : tr.left[i]!);
      falseIds.push(leaf ? 0 : tr.right[i]!);
      if (leaf) {
        tTree.push(ti);
        tNode.push(i);
        tId.push(0);
        tW.push(tr.value[i]!);
      }
    }
  });
  const F = onnx.TensorProto.DataType.FLOAT;
  const valueInfo = (name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: F, shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) } } },
  });
  const graph: onnxProto.onnx.IGraphProto = {
    name: "poh_human_verification",
    input: [valueInfo(INPUT_NAME, ["N", model.nFeatures])],
    output: [valueInfo(OUTPUT_NAME, ["N", 1])],
    node: [
      {
        name: "trees", opType: "TreeEnsembleRegressor", domain: "ai.onnx.ml", input: [INPUT_NAME], output: ["margin"],
        attribute: [
          attr("aggregate_function", { s: "SUM" }),
          attr("base_values", { floats: [model.base] }),
          attr("n_targets", { i: 1 }),
          attr("nodes_falsenodeids", { ints: falseIds }),
          attr("nodes_featureids", { ints: featureIds }),
          attr("nodes_modes", { strings: modes }),
          attr("nodes_nodeids", { ints: nodeIds }),
          attr("nodes_treeids", { ints: treeIds }),
          attr("nodes_truenodeids", { ints: trueIds }),
          attr("nodes_values", { floats: values }),
          attr("post_transform", { s: "NONE" }),
          attr("target_ids", { ints: tId }),
          attr("target_nodeids", { ints: tNode }),
          attr("target_treeids", { ints: tTree }),
          attr("target_weights", { floats: tW }),
        ],
      },
      { name: "sigmoid", opType: "Sigmoid", domain: "", input: ["margin"], output: [OUTPUT_NAME] },
    ],
  };
  const m = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "poh-network-trainer",
    producerVersion: "1",
    docString,
    opsetImport: [{ domain: "", version: 17 }, { domain: "ai.onnx.ml", version: 3 }],
    graph,
  });
  return onnx.ModelProto.encode(m).finish();
}

/** Decodes a model written by {@link encodeOnnx} back into a TreeEnsemble (for the pure-TS evaluator). */
export function decodeOnnx(bytes: Uint8Array): TreeEnsemble {
  const m = onnx.ModelProto.decode(bytes);
  const node = m.graph?.node?.find((n) => n.opType === "TreeEnsembleRegressor");
  if (!node) throw new FatalError("model: no TreeEnsembleRegressor node in the ONNX graph");
  const get = (name: string): onnxProto.onnx.IAttributeProto => {
    const a = node.attribute?.find((x) => x.name === name);
    if (!a) throw new FatalError(`model: TreeEnsembleRegressor has no ${name} attribute`);
    return a;
  };
  const ints = (name: string): number[] => (get(name).ints ?? []).map((v) => Number(v));
  const floats = (name: string): number[] => get(name).floats ?? [];
  const treeIds = ints("nodes_treeids");
  const nodeIds = ints("nodes_nodeids");
  const featureIds = ints("nodes_featureids");
  const values = floats("nodes_values");
  const modes = (get("nodes_modes").strings ?? []).map((s) => new TextDecoder().decode(s));
  const trueIds = ints("nodes_truenodeids");
  const falseIds = ints("nodes_falsenodeids");
  const tTree = ints("target_treeids");
  const tNode = ints("target_nodeids");
  const tW = floats("target_weights");
  const base = floats("base_values")[0] ?? 0;
  const nTrees = treeIds.length > 0 ? Math.max(...treeIds) + 1 : 0;
  const sizes = new Array<number>(nTrees).fill(0);
  for (let i = 0; i < treeIds.length; i++) sizes[treeIds[i]!] = Math.max(sizes[treeIds[i]!]!, nodeIds[i]! + 1);
  const trees: Tree[] = sizes.map((n) => ({
    feature: new Int32Array(n).fill(-1), threshold: new Float32Array(n), left: new Int32Array(n), right: new Int32Array(n), value: new Float32Array(n),
  }));
  for (let i = 0; i < treeIds.length; i++) {
    const tr = trees[treeIds[i]!]!;
    const id = nodeIds[i]!;
    if (modes[i] === "LEAF") continue;
    if (modes[i] !== "BRANCH_LEQ") throw new FatalError(`model: unsupported node mode ${modes[i]}`);
    tr.feature[id] = featureIds[i]!;
    tr.threshold[id] = values[i]!;
    tr.left[id] = trueIds[i]!;
    tr.right[id] = falseIds[i]!;
  }
  for (let i = 0; i < tTree.length; i++) {
    const tr = trees[tTree[i]!]!;
    tr.value[tNode[i]!] = Math.fround(tr.value[tNode[i]!]! + tW[i]!);
  }
  const dims = m.graph?.input?.[0]?.type?.tensorType?.shape?.dim ?? [];
  const nFeatures = Number(dims[1]?.dimValue ?? 0);
  return { nFeatures, base, trees };
}
