/**
 * `npm start` (scripts/start.ts) as a user runs it: options, clear errors, a short replay of
 * generated sessions with a summary, and no process left behind.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";

const ROOT = new URL("../..", import.meta.url).pathname;
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const env = { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}` };

function start(args: string[]) {
  return spawnSync(TSX, ["scripts/start.ts", ...args], { cwd: ROOT, env, encoding: "utf8", timeout: 60_000 });
}

/** Processes whose command line mentions `needle` (our run's ports are unique to this test). */
function processesWith(needle: string): string[] {
  const ps = spawnSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return ps.stdout.split("\n").filter((l) => l.includes(needle) && !l.includes("ps -eo"));
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

describe("npm start", { timeout: 400_000 }, () => {
  it("--help lists the options and exits 0", () => {
    const r = start(["--help"]);
    assert.equal(r.status, 0);
    for (const option of ["--miners", "--committee", "--block-time", "--sessions", "--keep-running", "--no-demo", "--no-indexer", "--data"]) {
      assert.ok(r.stdout.includes(option), `--help mentions ${option}`);
    }
  });

  it("refuses bad options with a message naming the option, without a stack trace", () => {
    const committee = start(["--committee", "9"]);
    assert.notEqual(committee.status, 0);
    assert.match(committee.stderr, /--committee: must be an integer 1\.\.5/);
    assert.doesNotMatch(committee.stderr, /\n\s+at /, "no stack trace");

    const data = start(["--data", "/nonexistent/poh-data"]);
    assert.equal(data.status, 2);
    assert.match(data.stderr, /--data: \/nonexistent\/poh-data does not exist/);

    const unknown = start(["--frobnicate"]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown option '--frobnicate'/);
  });

  it("replays generated sessions through five miners, prints the summary and stops every process", async () => {
    // --no-build: `npm test` has just built the contracts (and a build racing other work can take minutes).
    const child = spawn(TSX, ["scripts/start.ts", "--sessions", "4", "--concurrency", "2", "--no-indexer", "--no-demo", "--no-build", "--port-base", "24500"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    assert.equal(code, 0, out);
    assert.match(out, /5 miner nodes \(oracle\/bin\/poh\.js node\)/);
    assert.match(out, /Replaying 4 sessions/);
    assert.equal((out.match(/job +\d+ .*final: /g) ?? []).length, 4, "four jobs reach final");
    assert.match(out, /jobs +4 requested, 4 final, 0 failed/);
    assert.match(out, /accuracy +\d+\.\d%/);
    assert.match(out, /latency \(blocks\) +p50 \d+/);
    assert.match(out, /gas per job +[\d,]+/);
    assert.match(out, /fees paid +0\.0004 ETH/);
    assert.match(out, /stopped\./);
    assert.deepEqual(processesWith("--port 24500"), [], "the chain process is gone");
    for (const port of [24500, 24501, 24510, 24511, 24512, 24513, 24514]) {
      assert.equal(await answers(`http://127.0.0.1:${port}/healthz`), false, `nothing listens on ${port} any more`);
    }
  });
});
