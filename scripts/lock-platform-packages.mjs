#!/usr/bin/env node
/**
 * Run after `npm install` changes package-lock.json on this workplace's machines.
 * The npm registry mirror here serves only the linux-x64 builds of packages that ship one optional package
 * per platform (chdb's @chdb/lib-*, msgpackr-extract, ...), so npm leaves the other platforms out of the
 * lock file, and `npm ci` then refuses the lock as out of sync. This adds the missing entries with their
 * os/cpu fields: npm skips them on other platforms and fetches them by version where they apply.
 */
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORM = /-(darwin|linux|win32|android|freebsd)-(arm64|x64|arm|ia32)(?:-(gnu|musl|msvc))?$/;
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    const match = PLATFORM.exec(name);
    if (packages[key] || !match) continue;
    packages[key] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [match[1]],
      cpu: [match[2]],
      ...(match[3] === "gnu" || match[3] === "musl" ? { libc: [match[3] === "gnu" ? "glibc" : "musl"] } : {}),
    };
    added++;
    void path;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
writeFileSync("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform package entries`);
