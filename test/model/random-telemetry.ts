/** Test helper: arbitrary valid telemetry payloads for fuzz-style checks. */
import type { Rng } from "../../oracle/model/generators/rng.ts";
import { EVENT_KINDS, type Telemetry, type TelemetryEvent } from "../../oracle/src/payload/index.ts";

/** Arbitrary valid payloads: any event mix, repeated timestamps, extreme coordinates, unpaired ups and keyups. */
export function randomTelemetry(rng: Rng): Telemetry {
  const n = rng.int(0, 400);
  const events: TelemetryEvent[] = [];
  let t = rng.chance(0.5) ? 0 : rng.uniform(0, 1e6);
  const big = rng.chance(0.3) ? 1e6 : 2000;
  for (let i = 0; i < n; i++) {
    t += rng.chance(0.2) ? 0 : rng.chance(0.05) ? rng.uniform(0, 5000) : rng.uniform(0, 40);
    const k = rng.pick(EVENT_KINDS);
    const x = Math.round(rng.uniform(-big, big));
    const y = Math.round(rng.uniform(-big, big));
    if (k === "move") events.push({ t, k, x, y });
    else if (k === "down" || k === "up") events.push({ t, k, x, y, b: rng.int(0, 4) });
    else if (k === "wheel") events.push({ t, k, dx: rng.uniform(-big, big), dy: rng.uniform(-big, big) });
    else events.push({ t, k, key: rng.int(0, 5) });
  }
  return { v: 1, events };
}
