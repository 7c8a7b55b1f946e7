// The npm registry reachable from our machines omits some platform builds (darwin/win/arm
// variants of native packages). `npm install` then writes a lock whose parents name optional
// dependencies that have no entry, and `npm ci` rejects the lock as out of sync. This drops
// those dangling optional references. Run it after every `npm install` that changes the lock.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const present = new Set(Object.keys(lock.packages).map((k) => k.replace(/^.*node_modules\//, "")));
let dropped = 0;
for (const entry of Object.values(lock.packages)) {
  if (!entry.optionalDependencies) continue;
  for (const name of Object.keys(entry.optionalDependencies)) {
    if (!present.has(name)) {
      delete entry.optionalDependencies[name];
      dropped++;
    }
  }
  if (Object.keys(entry.optionalDependencies).length === 0) delete entry.optionalDependencies;
}
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log(`fix-lockfile: dropped ${dropped} optional dependencies the registry does not serve`);
