#!/usr/bin/env node
// The `poh` command (npx poh ...). Loads the TypeScript sources through tsx.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
