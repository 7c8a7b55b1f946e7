import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  checkDataDir, convertDesktopSession, convertSapimouseSession, convertWebSession, cutWindows, loadAll, resampleMoves,
} from "../../oracle/model/data/index.ts";
import { Rng } from "../../oracle/model/generators/rng.ts";
import { ConfigError } from "../../oracle/src/errors.ts";
import { parseTelemetry, type Telemetry } from "../../oracle/src/payload/index.ts";

const DESKTOP_MOUSE = `time,mouse_x,mouse_y,button,state
2.0,100.0,200.0,NoButton,Move
2.008,102.0,201.0,NoButton,Move
2.5,102.0,201.0,Button.left,Pressed
2.55,103,201,NoButton,Drag
2.6,103.0,201.0,Button.left,Released
`;
const DESKTOP_KEYS = `Time,Key pressed,Key released
1.5,a,None
1.6,None,a
1.7,Key.shift,None
1.75,",",None
1.8,None,Key.shift
1.85,None,","
`;

describe("converters", () => {
  it("desktop: seconds to ms from the first event, Drag as move, buttons, keys as opaque ids", () => {
    const t = convertDesktopSession(DESKTOP_MOUSE, DESKTOP_KEYS);
    parseTelemetry(JSON.stringify(t));
    assert.deepEqual(t.events.map((e) => e.k), ["keydown", "keyup", "keydown", "keydown", "keyup", "keyup", "move", "move", "down", "move", "up"]);
    assert.equal(t.events[0]!.t, 0);
    const move = t.events[6]!;
    assert.deepEqual(move, { t: 500, k: "move", x: 100, y: 200 });
    assert.deepEqual(t.events[8], { t: 1000, k: "down", x: 102, y: 201, b: 0 });
    const keys = t.events.filter((e) => e.k === "keydown" || e.k === "keyup").map((e) => (e as { key: number }).key);
    assert.deepEqual(keys, [1, 1, 2, 3, 2, 3]);
    assert.ok(!JSON.stringify(t).includes("shift"), "no key names leave the converter");
  });

  it("desktop: a key logged as a character on press and another on release is one physical key", () => {
    const keys = "Time,Key pressed,Key released\n1.0,Key.shift,None\n1.1,C,None\n1.2,None,Key.shift\n1.3,None,c\n1.4,!,None\n1.5,None,1\n";
    const t = convertDesktopSession("time,mouse_x,mouse_y,button,state\n", keys);
    const ids = t.events.map((e) => (e as { key: number }).key);
    assert.deepEqual(ids, [1, 2, 1, 2, 3, 3]);
  });

  it("web-bots: epoch ms moves from parallel arrays, clicks dropped, times made non-decreasing", () => {
    const json = JSON.stringify({
      session_id: "x",
      total_behaviour: "[m(1,2)][c(l)][m(3,4)][m(5,6)]",
      mousemove_times: "1000,1017,1010,1050",
      mousemove_total_behaviour: "[1,2][3,4][5,6][7,8]",
    });
    const t = convertWebSession(json);
    parseTelemetry(JSON.stringify(t));
    assert.deepEqual(t.events, [
      { t: 0, k: "move", x: 1, y: 2 }, { t: 17, k: "move", x: 3, y: 4 }, { t: 17, k: "move", x: 5, y: 6 }, { t: 50, k: "move", x: 7, y: 8 },
    ]);
  });

  it("sapimouse: integer ms, Left/Right buttons", () => {
    const csv = "client timestamp,button,state,x,y\n15585,NoButton,Move,967,706\n15601,NoButton,Move,958,700\n15700,Right,Pressed,958,700\n15780,Right,Released,958,700\n";
    const t = convertSapimouseSession(csv);
    assert.deepEqual(t.events, [
      { t: 0, k: "move", x: 967, y: 706 }, { t: 16, k: "move", x: 958, y: 700 },
      { t: 115, k: "down", x: 958, y: 700, b: 2 }, { t: 195, k: "up", x: 958, y: 700, b: 2 },
    ]);
  });

  it("cuts 10-60 s windows rebased to 0 and keeps sessions shorter than 10 s whole", () => {
    const events = Array.from({ length: 3000 }, (_, i) => ({ t: i * 100, k: "move" as const, x: i % 500, y: (i * 7) % 300 }));
    const ws = cutWindows({ v: 1, events }, new Rng(4), { minMs: 10_000, maxMs: 60_000, maxWindows: 100, minEvents: 20 });
    assert.ok(ws.length >= 5 && ws.length <= 30);
    for (const w of ws) {
      assert.equal(w.events[0]!.t, 0);
      const span = w.events[w.events.length - 1]!.t;
      assert.ok(span >= 9_900 && span < 60_000, `span ${span}`);
    }
    const short = cutWindows({ v: 1, events: events.slice(0, 50) }, new Rng(4));
    assert.equal(short.length, 1);
    assert.equal(short[0]!.events.length, 50);
    const capped = cutWindows({ v: 1, events }, new Rng(4), { minMs: 10_000, maxMs: 20_000, maxWindows: 3, minEvents: 20 });
    assert.equal(capped.length, 3);
  });

  it("re-records moves at another rate and keeps the other events", () => {
    const events: Telemetry["events"] = Array.from({ length: 500 }, (_, i) => ({ t: i * 8, k: "move" as const, x: Math.round(i * 1.3), y: 100 }));
    events.splice(100, 0, { t: 799, k: "keydown", key: 1 });
    const r = resampleMoves({ v: 1, events }, new Rng(1), 33, 0.1);
    parseTelemetry(JSON.stringify(r));
    const moves = r.events.filter((e) => e.k === "move").length;
    assert.ok(moves > 90 && moves < 160, `moves ${moves}`);
    assert.equal(r.events.filter((e) => e.k === "keydown").length, 1);
  });

  describe("loading a data directory", () => {
    let dir = "";
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "poh-data-"));
      for (const cls of ["human-2021-07-09-23-19", "simple-2021-07-21_22-58-47"]) {
        mkdirSync(join(dir, "bot-detection/events", cls), { recursive: true });
        writeFileSync(join(dir, "bot-detection/events", cls, "mouse.csv"), DESKTOP_MOUSE);
        writeFileSync(join(dir, "bot-detection/events", cls, "key.csv"), DESKTOP_KEYS);
      }
      mkdirSync(join(dir, "web-bots/annotations"), { recursive: true });
      writeFileSync(join(dir, "web-bots/annotations/train"), "aaa human\n");
      writeFileSync(join(dir, "web-bots/annotations/test"), "bbb moderate_bot\n");
      for (const id of ["aaa", "bbb"]) {
        mkdirSync(join(dir, "web-bots/sessions", id), { recursive: true });
        writeFileSync(join(dir, "web-bots/sessions", id, "mouse_movements.json"), JSON.stringify({ mousemove_times: "1,2", mousemove_total_behaviour: "[1,1][2,2]" }));
      }
      mkdirSync(join(dir, "sapimouse/user1"), { recursive: true });
      writeFileSync(join(dir, "sapimouse/user1/session_1min.csv"), "client timestamp,button,state,x,y\n1,NoButton,Move,1,1\n");
      writeFileSync(join(dir, "sapimouse/user1/session_3min.csv"), "client timestamp,button,state,x,y\n1,NoButton,Move,1,1\n");
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("loads all three sets with labels and groups (SapiMouse grouped by user)", () => {
      const s = loadAll(dir);
      assert.deepEqual(s.map((x) => [x.dataset, x.kind, x.label, x.group]), [
        ["desktop", "human", 1, "desktop:human-2021-07-09-23-19"], ["desktop", "simple", 0, "desktop:simple-2021-07-21_22-58-47"],
        ["web", "human", 1, "web:aaa"], ["web", "moderate_bot", 0, "web:bbb"],
        ["sapimouse", "human", 1, "sapimouse:user1"], ["sapimouse", "human", 1, "sapimouse:user1"],
      ]);
    });

    it("names the directory and the expected files when data is missing", () => {
      const missing = join(dir, "nope");
      assert.throws(() => checkDataDir(missing), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, new RegExp(`training data not found in ${missing.replace(/[/\\]/g, ".")}`));
        assert.match(e.message, /bot-detection\/events\/<class>-<date>\/mouse\.csv/);
        assert.match(e.message, /web-bots\/sessions/);
        assert.match(e.message, /sapimouse\/userN/);
        return true;
      });
      rmSync(join(dir, "sapimouse"), { recursive: true });
      assert.throws(() => checkDataDir(dir), (e: unknown) => e instanceof ConfigError && /sapimouse/.test(e.message) && !/web-bots/.test(e.message));
    });
  });
});
