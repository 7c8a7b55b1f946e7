import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { generateSession } from "../../oracle/model/generators/index.ts";
import { loadModel } from "../../oracle/src/inference/index.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN_LINK = join(ROOT, "node_modules/.bin/poh");

/** Runs `npx poh ...` when npm has linked the workspace bin, else the same bin script directly. */
function poh(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = existsSync(BIN_LINK)
    ? spawnSync("npx", ["--no-install", "poh", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH ?? ""}` } })
    : spawnSync(process.execPath, [join(ROOT, "oracle/bin/poh.js"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("poh score (CLI, end to end)", () => {
  let dir = "";
  let humanSeed = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "poh-score-"));
    // Pick sessions the library calls human / bot (model accuracy is tested elsewhere; here the CLI must agree with the library).
    const m = await loadModel();
    humanSeed = 41;
    while ((await m.score(generateSession("human", humanSeed))) < m.thresholdBps) humanSeed++;
    let botSeed = 41;
    while ((await m.score(generateSession("linear", botSeed))) >= m.thresholdBps) botSeed++;
    await m.close();
    writeFileSync(join(dir, "human.json"), JSON.stringify(generateSession("human", humanSeed)));
    writeFileSync(join(dir, "bot.json"), JSON.stringify(generateSession("linear", botSeed)));
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ v: 1, events: [{ t: 0, k: "move", x: 1, y: 2 }, { t: 40, k: "move", x: 1, y: 2 }, { t: 30, k: "move", x: 1, y: 2 }] }));
    writeFileSync(join(dir, "notjson.json"), "{oops");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("scores good files, reports bad ones in place, and exits 1", async (t) => {
    if (!existsSync(BIN_LINK)) t.diagnostic("node_modules/.bin/poh is not linked (run npm ci); ran oracle/bin/poh.js, the script npx poh runs");
    const files = ["human.json", "bad.json", "missing.json", "notjson.json", "bot.json"].map((f) => join(dir, f));
    const r = poh(["score", ...files]);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 5);
    const m = await loadModel();
    const sha = m.sha256;
    await m.close();
    assert.deepEqual(Object.keys(lines[0]!), ["file", "scoreBps", "verdict", "model"]);
    assert.equal(lines[0]!.file, files[0]);
    assert.equal(lines[0]!.verdict, "human");
    assert.equal(lines[0]!.model, sha);
    assert.deepEqual(lines[1], { file: files[1], error: "events[2].t: must be >= previous t (40)" });
    assert.deepEqual(lines[2], { file: files[2], error: "file not found" });
    assert.match(String(lines[3]!.error), /^payload: not valid JSON/);
    assert.equal(lines[4]!.verdict, "bot");
    assert.ok(Number(lines[4]!.scoreBps) < Number(lines[0]!.scoreBps));
  });

  it("exits 0 when every file scores, with the same score as the library", async () => {
    const r = poh(["score", join(dir, "human.json")]);
    assert.equal(r.status, 0, r.stderr);
    const line = JSON.parse(r.stdout) as { scoreBps: number };
    const m = await loadModel();
    assert.equal(line.scoreBps, await m.score(generateSession("human", humanSeed)));
    await m.close();
  });

  it("explains itself with --help and rejects a call without files", () => {
    const h = poh(["score", "--help"]);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /usage: poh score/);
    assert.match(h.stdout, /"error"/);
    const none = poh(["score"]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no files given/);
  });
});
