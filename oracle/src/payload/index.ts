/**
 * Telemetry payload, format v1: the wire format between browser collector, integrator and miners.
 *
 * UTF-8 JSON, at most {@link MAX_PAYLOAD_BYTES} bytes and {@link MAX_EVENTS} events:
 * `{ "v": 1, "screen"?: {w,h}, "events": [{t,k,...}] }` with k one of move, down, up, wheel,
 * keydown, keyup. `t` is milliseconds since the session started (non-decreasing); `x`,`y` are CSS
 * pixels; `b` the mouse button; `key` an opaque per-session integer for a physical key (never the
 * character typed). Anything else is rejected with an {@link InputError} whose message names the
 * first offending field and event index, e.g. `events[12].t: must be >= previous t (40)`.
 */
import { z } from "zod";
import { InputError } from "../errors.ts";

export const MAX_PAYLOAD_BYTES = 1_048_576;
export const MAX_EVENTS = 20_000;
export const TELEMETRY_VERSION = 1;

/** Largest |coordinate| or |wheel delta| accepted; keeps features finite. */
const MAX_COORD = 1e6;
/** Largest t accepted (24 h in ms). */
const MAX_T = 86_400_000;
/** Opaque key ids are small non-negative integers. */
const MAX_KEY = 1_000_000;

export const EVENT_KINDS = ["move", "down", "up", "wheel", "keydown", "keyup"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

const time = z.number({ error: "must be a number" }).finite("must be a finite number")
  .min(0, "must be >= 0").max(MAX_T, `must be <= ${MAX_T}`);
const coord = z.number({ error: "must be a number" }).finite("must be a finite number")
  .min(-MAX_COORD, `must be >= ${-MAX_COORD}`).max(MAX_COORD, `must be <= ${MAX_COORD}`);
const button = z.number({ error: "must be an integer 0..4" }).int("must be an integer 0..4")
  .min(0, "must be an integer 0..4").max(4, "must be an integer 0..4");
const key = z.number({ error: "must be an integer (an opaque key id, never a character)" })
  .int("must be an integer (an opaque key id, never a character)")
  .min(0, "must be >= 0").max(MAX_KEY, `must be <= ${MAX_KEY}`);

const moveEvent = z.strictObject({ t: time, k: z.literal("move"), x: coord, y: coord });
const downEvent = z.strictObject({ t: time, k: z.literal("down"), x: coord, y: coord, b: button });
const upEvent = z.strictObject({ t: time, k: z.literal("up"), x: coord, y: coord, b: button });
const wheelEvent = z.strictObject({ t: time, k: z.literal("wheel"), dx: coord, dy: coord });
const keydownEvent = z.strictObject({ t: time, k: z.literal("keydown"), key });
const keyupEvent = z.strictObject({ t: time, k: z.literal("keyup"), key });

const eventSchemas = {
  move: moveEvent, down: downEvent, up: upEvent, wheel: wheelEvent, keydown: keydownEvent, keyup: keyupEvent,
} as const;

export type MoveEvent = z.infer<typeof moveEvent>;
export type ButtonEvent = z.infer<typeof downEvent> | z.infer<typeof upEvent>;
export type WheelEvent = z.infer<typeof wheelEvent>;
export type KeyEvent = z.infer<typeof keydownEvent> | z.infer<typeof keyupEvent>;
export type TelemetryEvent = MoveEvent | ButtonEvent | WheelEvent | KeyEvent;

const screenSchema = z.strictObject({
  w: z.number({ error: "must be a number" }).int("must be an integer").min(1, "must be >= 1").max(100_000, "must be <= 100000"),
  h: z.number({ error: "must be a number" }).int("must be an integer").min(1, "must be >= 1").max(100_000, "must be <= 100000"),
});

/** The envelope; events are validated one by one afterwards so the error names the first bad one. */
const envelopeSchema = z.strictObject({
  v: z.literal(1, { error: "must be 1 (format version)" }),
  screen: screenSchema.optional(),
  events: z.array(z.unknown(), { error: "must be an array" }).max(MAX_EVENTS, `must hold at most ${MAX_EVENTS} events`),
});

/** The validated telemetry of one session. */
export type Telemetry = { v: 1; screen?: { w: number; h: number }; events: TelemetryEvent[] };

/** Zod schema for one event (exported for the SDK); {@link parseTelemetry} gives better messages. */
export const telemetryEventSchema = z.discriminatedUnion("k", [moveEvent, downEvent, upEvent, wheelEvent, keydownEvent, keyupEvent]);
/** Zod schema for a whole payload, without the t-order and size checks of {@link parseTelemetry}. */
export const telemetrySchema = z.strictObject({
  v: z.literal(1), screen: screenSchema.optional(), events: z.array(telemetryEventSchema).max(MAX_EVENTS),
});

function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function firstIssue(prefix: string, error: z.ZodError, root: unknown): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${prefix || "payload"}: invalid`;
  if (issue.code === "unrecognized_keys") {
    const where = formatPath(prefix, issue.path);
    return `${where ? `${where}.` : ""}${issue.keys[0]}: unknown field`;
  }
  if (issue.code === "invalid_type" && valueAt(root, issue.path) === undefined) return `${formatPath(prefix, issue.path)}: required`;
  return `${formatPath(prefix, issue.path) || "payload"}: ${issue.message}`;
}

/**
 * Parses and validates a format-v1 payload (raw bytes or a string of JSON).
 * @throws InputError naming the first offending field and event index.
 */
export function parseTelemetry(input: Uint8Array | string): Telemetry {
  const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
  if (size > MAX_PAYLOAD_BYTES) throw new InputError(`payload: ${size} bytes exceeds the limit of ${MAX_PAYLOAD_BYTES} bytes`);
  let text: string;
  try {
    text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: true }).decode(input);
  } catch {
    throw new InputError("payload: not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`payload: not valid JSON (${(err as Error).message})`);
  }
  return validateTelemetry(json);
}

/** Validates an already-decoded JSON value as format v1 (same rules and messages as parseTelemetry). */
export function validateTelemetry(json: unknown): Telemetry {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new InputError("payload: must be a JSON object");
  const env = envelopeSchema.safeParse(json);
  if (!env.success) throw new InputError(firstIssue("", env.error, json));
  const raw = env.data.events;
  const events: TelemetryEvent[] = new Array(raw.length);
  let prevT = 0;
  for (let i = 0; i < raw.length; i++) {
    const ev = raw[i];
    const where = `events[${i}]`;
    if (typeof ev !== "object" || ev === null || Array.isArray(ev)) throw new InputError(`${where}: must be an object`);
    const k = (ev as { k?: unknown }).k;
    if (k === undefined) throw new InputError(`${where}.k: required`);
    if (typeof k !== "string" || !(EVENT_KINDS as readonly string[]).includes(k)) {
      throw new InputError(`${where}.k: must be one of ${EVENT_KINDS.join(", ")}`);
    }
    const parsed = eventSchemas[k as EventKind].safeParse(ev);
    if (!parsed.success) throw new InputError(firstIssue(where, parsed.error, ev));
    const e = parsed.data as TelemetryEvent;
    if (i > 0 && e.t < prevT) throw new InputError(`${where}.t: must be >= previous t (${prevT})`);
    prevT = e.t;
    events[i] = e;
  }
  const out: Telemetry = { v: 1, events };
  if (env.data.screen) out.screen = env.data.screen;
  return out;
}
