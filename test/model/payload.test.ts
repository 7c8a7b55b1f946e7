import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError } from "../../oracle/src/errors.ts";
import { MAX_EVENTS, MAX_PAYLOAD_BYTES, parseTelemetry } from "../../oracle/src/payload/index.ts";

const ok = {
  v: 1,
  screen: { w: 1920, h: 1080 },
  events: [
    { t: 0, k: "move", x: 412, y: 300 },
    { t: 16.7, k: "down", x: 415, y: 302, b: 0 },
    { t: 95.2, k: "up", x: 415, y: 302, b: 0 },
    { t: 120, k: "wheel", dx: 0, dy: 120 },
    { t: 300, k: "keydown", key: 7 },
    { t: 371, k: "keyup", key: 7 },
  ],
};

function rejects(payload: unknown, message: string): void {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  assert.throws(() => parseTelemetry(text), (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  });
}

function withEvent(i: number, ev: unknown): unknown {
  const events: unknown[] = [...ok.events];
  events[i] = ev;
  return { ...ok, events };
}

describe("parseTelemetry (format v1)", () => {
  it("accepts the example payload from a string and from bytes, unchanged", () => {
    const fromString = parseTelemetry(JSON.stringify(ok));
    assert.deepEqual(fromString, ok);
    assert.deepEqual(parseTelemetry(new TextEncoder().encode(JSON.stringify(ok))), ok);
  });

  it("accepts a payload without screen and with no events", () => {
    assert.deepEqual(parseTelemetry('{"v":1,"events":[]}'), { v: 1, events: [] });
  });

  it("accepts equal consecutive timestamps", () => {
    const t = parseTelemetry(JSON.stringify({ v: 1, events: [{ t: 5, k: "keydown", key: 1 }, { t: 5, k: "keyup", key: 1 }] }));
    assert.equal(t.events.length, 2);
  });

  it("rejects a decreasing t naming the event and the previous t", () => {
    rejects({ v: 1, events: [{ t: 0, k: "move", x: 1, y: 2 }, { t: 40, k: "move", x: 1, y: 2 }, { t: 30, k: "move", x: 1, y: 2 }] },
      "events[2].t: must be >= previous t (40)");
  });

  it("rejects a character as key", () => rejects(withEvent(4, { t: 300, k: "keydown", key: "a" }), "events[4].key: must be an integer (an opaque key id, never a character)"));
  it("rejects a fractional key", () => rejects(withEvent(4, { t: 300, k: "keydown", key: 1.5 }), "events[4].key: must be an integer (an opaque key id, never a character)"));
  it("rejects a missing coordinate", () => rejects(withEvent(0, { t: 0, k: "move", x: 1 }), "events[0].y: required"));
  it("rejects an unknown field on an event", () => rejects(withEvent(0, { t: 0, k: "move", x: 1, y: 2, char: "a" }), "events[0].char: unknown field"));
  it("rejects an unknown event kind", () => rejects(withEvent(1, { t: 16.7, k: "click", x: 1, y: 2 }), "events[1].k: must be one of move, down, up, wheel, keydown, keyup"));
  it("rejects an event without k", () => rejects(withEvent(1, { t: 16.7, x: 1, y: 2 }), "events[1].k: required"));
  it("rejects an event that is not an object", () => rejects(withEvent(2, 5), "events[2]: must be an object"));
  it("rejects a negative t", () => rejects(withEvent(0, { t: -1, k: "move", x: 1, y: 2 }), "events[0].t: must be >= 0"));
  it("rejects a string t", () => rejects(withEvent(0, { t: "0", k: "move", x: 1, y: 2 }), "events[0].t: must be a number"));
  it("rejects a bad button", () => rejects(withEvent(1, { t: 16.7, k: "down", x: 1, y: 2, b: 9 }), "events[1].b: must be an integer 0..4"));
  it("rejects a wheel without dy", () => rejects(withEvent(3, { t: 120, k: "wheel", dx: 0 }), "events[3].dy: required"));
  it("rejects another version", () => rejects({ ...ok, v: 2 }, "v: must be 1 (format version)"));
  it("rejects a missing events array", () => rejects({ v: 1 }, "events: required"));
  it("rejects events that are not an array", () => rejects({ v: 1, events: {} }, "events: must be an array"));
  it("rejects an unknown top-level field", () => rejects({ ...ok, text: "hello" }, "text: unknown field"));
  it("rejects a bad screen", () => rejects({ ...ok, screen: { w: 0, h: 10 } }, "screen.w: must be >= 1"));
  it("rejects JSON that is not an object", () => rejects("[1,2]", "payload: must be a JSON object"));
  it("rejects text that is not JSON", () => assert.throws(() => parseTelemetry("{nope"), (e: unknown) => e instanceof InputError && e.message.startsWith("payload: not valid JSON")));
  it("rejects bytes that are not UTF-8", () => assert.throws(() => parseTelemetry(new Uint8Array([0x7b, 0xff, 0x7d])), (e: unknown) => e instanceof InputError && e.message === "payload: not valid UTF-8"));

  it(`rejects more than ${MAX_EVENTS} events`, () => {
    const events = Array.from({ length: MAX_EVENTS + 1 }, (_, i) => ({ t: i, k: "keydown", key: 1 }));
    rejects({ v: 1, events }, `events: must hold at most ${MAX_EVENTS} events`);
  });

  it(`accepts exactly ${MAX_EVENTS} events`, () => {
    const events = Array.from({ length: MAX_EVENTS }, (_, i) => ({ t: i, k: "move", x: i % 100, y: 1 }));
    assert.equal(parseTelemetry(JSON.stringify({ v: 1, events })).events.length, MAX_EVENTS);
  });

  it("rejects a payload over 1 MiB before parsing it", () => {
    const big = JSON.stringify({ v: 1, events: [], pad: "x".repeat(MAX_PAYLOAD_BYTES) });
    rejects(big, `payload: ${Buffer.byteLength(big)} bytes exceeds the limit of ${MAX_PAYLOAD_BYTES} bytes`);
  });
});
