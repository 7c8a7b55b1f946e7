import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_GBT } from "../../oracle/model/gbt.ts";
import { generateSession, SESSION_KINDS } from "../../oracle/model/generators/index.ts";
import { DEFAULT_BUILD } from "../../oracle/model/pipeline.ts";
import { trainModel, writeModel } from "../../oracle/model/train.ts";
import { FatalError } from "../../oracle/src/errors.ts";
import { DEFAULT_MODEL_PATH, loadModel } from "../../oracle/src/inference/index.ts";
import { FEATURE_SPEC_VERSION } from "../../oracle/src/features/index.ts";
import { statSync } from "node:fs";
import { Rng } from "../../oracle/model/generators/rng.ts";
import { parseTelemetry } from "../../oracle/src/payload/index.ts";
import { randomTelemetry } from "./random-telemetry.ts";

const sessions = SESSION_KINDS.flatMap((k) => Array.from({ length: 12 }, (_, i) => generateSession(k, 70_000 + i)));

describe("inference (onnxruntime-node) and parity with the TypeScript evaluator", () => {
  it("the shipped model loads, matches its manifest and is small", async () => {
    const m = await loadModel();
    try {
      assert.match(m.sha256, /^[0-9a-f]{64}$/);
      assert.equal(m.featureSpecVersion, FEATURE_SPEC_VERSION);
      assert.ok(m.thresholdBps > 0 && m.thresholdBps < 10_000);
      assert.ok(statSync(DEFAULT_MODEL_PATH).size < 5 * 1024 * 1024);
    } finally {
      await m.close();
    }
  });

  it("ONNX and TypeScript scores agree to 1 bps on every generated session (shipped model)", async () => {
    const m = await loadModel();
    try {
      const batch = await m.scoreBatch(sessions);
      let maxDiff = 0;
      for (let i = 0; i < sessions.length; i++) {
        const one = await m.score(sessions[i]!);
        const ts = m.evaluateTs(sessions[i]!);
        assert.equal(one, batch[i], "single and batched ONNX runs agree");
        assert.ok(Number.isInteger(one) && one >= 0 && one <= 10_000);
        maxDiff = Math.max(maxDiff, Math.abs(one - ts));
      }
      assert.ok(maxDiff <= 1, `max |onnx - ts| = ${maxDiff} bps`);
      assert.deepEqual(await m.scoreBatch([]), []);
    } finally {
      await m.close();
    }
  });

  it("ONNX and TypeScript agree to 1 bps on arbitrary valid payloads", async () => {
    const m = await loadModel();
    try {
      const rng = new Rng(77);
      const ts = Array.from({ length: 200 }, () => parseTelemetry(JSON.stringify(randomTelemetry(rng))));
      const onnx = await m.scoreBatch(ts);
      ts.forEach((t, i) => assert.ok(Math.abs(onnx[i]! - m.evaluateTs(t)) <= 1, `payload ${i}: ${onnx[i]} vs ${m.evaluateTs(t)}`));
    } finally {
      await m.close();
    }
  });

  it("the shipped model separates generated humans from simple bots", async () => {
    const m = await loadModel();
    try {
      const humans = await m.scoreBatch(Array.from({ length: 30 }, (_, i) => generateSession("human", 80_000 + i)));
      const bots = await m.scoreBatch(Array.from({ length: 30 }, (_, i) => generateSession("linear", 80_000 + i)));
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      assert.ok(mean(humans) > 7000, `humans ${mean(humans)}`);
      assert.ok(mean(bots) < 3000, `bots ${mean(bots)}`);
    } finally {
      await m.close();
    }
  });

  it("the shipped model calls instant automation bots bots and short form-filling humans humans (fresh seeds)", async () => {
    const m = await loadModel();
    try {
      const instant = await m.scoreBatch(Array.from({ length: 50 }, (_, i) => generateSession("instant", 81_000 + i)));
      const forms = await m.scoreBatch(Array.from({ length: 50 }, (_, i) => generateSession("human_form", 81_000 + i)));
      const humanShare = (xs: number[]): number => xs.filter((s) => s >= m.thresholdBps).length / xs.length;
      assert.ok(humanShare(instant) <= 0.06, `instant bots called human: ${humanShare(instant)}`);
      assert.ok(humanShare(forms) >= 0.9, `form humans called human: ${humanShare(forms)}`);
    } finally {
      await m.close();
    }
  });

  it("the shipped model calls a session with too little evidence a bot (nothing human was shown)", async () => {
    const m = await loadModel();
    try {
      const sparse = [
        { v: 1 as const, events: [] },
        { v: 1 as const, events: [{ t: 300, k: "keydown" as const, key: 1 }, { t: 390, k: "keyup" as const, key: 1 }] },
        { v: 1 as const, events: [{ t: 0, k: "move" as const, x: 5, y: 5 }, { t: 1200, k: "move" as const, x: 300, y: 200 }, { t: 1205, k: "down" as const, x: 300, y: 200, b: 0 }, { t: 1210, k: "up" as const, x: 300, y: 200, b: 0 }] },
      ];
      for (const [i, s] of (await m.scoreBatch(sparse)).entries()) assert.ok(s < m.thresholdBps, `sparse session ${i}: ${s} bps`);
    } finally {
      await m.close();
    }
  });

  it("the shipped model calls real Chromium sessions from Playwright right (recorded by the browser collector)", async () => {
    // Recorded with sdk/browser/collector.js on the demo form in Debian's Chromium, driven by
    // playwright-core: page.click / mouse.move(x, y, { steps }) / keyboard.type(text, { delay }),
    // and the demo test's HumanDriver. Never used for training.
    const m = await loadModel();
    try {
      const fixture = (name: string) => parseTelemetry(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
      for (const name of ["playwright-click-type.json", "playwright-steps3-type.json", "playwright-steps5-delay2.json", "playwright-steps20-delay5.json"]) {
        const t = fixture(name);
        assert.ok(t.events[t.events.length - 1]!.t < 3_000, `${name} is an instant session`);
        const s = await m.score(t);
        assert.ok(s < m.thresholdBps, `${name}: ${s} bps`);
      }
      const human = await m.score(fixture("playwright-human-driver.json"));
      assert.ok(human >= m.thresholdBps, `human driver: ${human} bps`);
    } finally {
      await m.close();
    }
  });

  it("parity holds for a freshly trained model written and loaded from disk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "poh-model-"));
    try {
      const r = trainModel({ dataDir: null, seed: 5, build: { ...DEFAULT_BUILD, synthetic: { human: 15, linear: 5, bezier: 5, minjerk: 5, lognormal: 5, replay: 5, typing: 5 } }, gbt: { ...DEFAULT_GBT, nTrees: 30 }, cv: null });
      writeModel(r, dir);
      const m = await loadModel(join(dir, "poh-model.onnx"));
      try {
        assert.equal(m.sha256, r.manifest.sha256);
        const onnx = await m.scoreBatch(sessions);
        sessions.forEach((s, i) => assert.ok(Math.abs(onnx[i]! - m.evaluateTs(s)) <= 1));
      } finally {
        await m.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a model whose sha256 differs from the manifest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "poh-model-"));
    try {
      copyFileSync(DEFAULT_MODEL_PATH, join(dir, "poh-model.onnx"));
      const manifest = JSON.parse(readFileSync(join(DEFAULT_MODEL_PATH, "../manifest.json"), "utf8")) as Record<string, unknown>;
      writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...manifest, sha256: "0".repeat(64) }));
      await assert.rejects(loadModel(join(dir, "poh-model.onnx")), (e: unknown) => e instanceof FatalError && /sha256 .* but the manifest says 0{64}/.test(e.message));
      writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...manifest, featureSpecVersion: FEATURE_SPEC_VERSION + 1 }));
      await assert.rejects(loadModel(join(dir, "poh-model.onnx")), (e: unknown) => e instanceof FatalError && /featureSpecVersion/.test(e.message));
      await assert.rejects(loadModel(join(dir, "missing.onnx")), (e: unknown) => e instanceof FatalError && /not found/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
