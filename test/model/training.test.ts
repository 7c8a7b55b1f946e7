import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_GBT } from "../../oracle/model/gbt.ts";
import { DEFAULT_BUILD, auc, metrics } from "../../oracle/model/pipeline.ts";
import { trainModel, writeModel, type TrainOptions } from "../../oracle/model/train.ts";
import { decodeOnnx } from "../../oracle/src/inference/trees.ts";

const small = (seed: number): TrainOptions => ({
  dataDir: null,
  seed,
  build: { ...DEFAULT_BUILD, synthetic: { human: 12, linear: 3, bezier: 3, minjerk: 3, lognormal: 3, replay: 3, typing: 3 } },
  gbt: { ...DEFAULT_GBT, nTrees: 12 },
  cv: { k: 3, seeds: [1] },
});

describe("training", () => {
  it("is reproducible: the same seed gives the same .onnx bytes and manifest twice", () => {
    const a = trainModel(small(7));
    const b = trainModel(small(7));
    assert.ok(a.onnx.byteLength > 1000);
    assert.deepEqual(Buffer.from(a.onnx), Buffer.from(b.onnx));
    assert.deepEqual(a.manifest, b.manifest);
    assert.equal(a.manifest.sha256, createHash("sha256").update(a.onnx).digest("hex"));
    const dir1 = mkdtempSync(join(tmpdir(), "poh-train-"));
    const dir2 = mkdtempSync(join(tmpdir(), "poh-train-"));
    try {
      writeModel(a, dir1);
      writeModel(b, dir2);
      assert.deepEqual(readFileSync(join(dir1, "poh-model.onnx")), readFileSync(join(dir2, "poh-model.onnx")));
      assert.equal(readFileSync(join(dir1, "manifest.json"), "utf8"), readFileSync(join(dir2, "manifest.json"), "utf8"));
    } finally {
      rmSync(dir1, { recursive: true, force: true });
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it("depends on the seed (so the reproducibility check can fail)", () => {
    assert.notDeepEqual(Buffer.from(trainModel(small(7)).onnx), Buffer.from(trainModel(small(8)).onnx));
  });

  it("writes a manifest with the fields the miner and registry need", () => {
    const { manifest, onnx } = trainModel(small(3));
    assert.equal(typeof manifest.featureSpecVersion, "number");
    assert.equal(manifest.thresholdBps, 5000);
    assert.ok(Array.isArray(manifest.features));
    assert.equal((manifest.features as unknown[]).length, decodeOnnx(onnx).nFeatures);
    assert.ok(manifest.metrics && typeof manifest.metrics === "object");
  });
});

describe("metrics", () => {
  it("computes AUC by ranks, with ties counted half", () => {
    assert.equal(auc([0.9, 0.8], [0.1, 0.2]), 1);
    assert.equal(auc([0.1], [0.9]), 0);
    assert.equal(auc([0.5], [0.5]), 0.5);
    assert.ok(Number.isNaN(auc([], [0.5])));
  });
  it("computes human FPR and bot miss at the threshold", () => {
    const m = metrics([0.9, 0.4, 0.6, 0.1], [1, 1, 0, 0], 0.5);
    assert.equal(m.accuracy, 0.5);
    assert.equal(m.humanFpr, 0.5);
    assert.equal(m.botMiss, 0.5);
  });
});
