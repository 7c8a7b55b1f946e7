/** PoH Network SDK for integrators' servers. See sdk/README.md. */
export * from "./client.ts";
export * from "./errors.ts";
export * from "./store.ts";
export type { Telemetry, TelemetryEvent } from "../../oracle/src/payload/index.ts";
export { parseTelemetry, MAX_EVENTS, MAX_PAYLOAD_BYTES } from "../../oracle/src/payload/index.ts";
