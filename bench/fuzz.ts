/**
 * The collector under hostile traffic: mutated Segment and PostHog payloads (testing/fuzz.ts) against the
 * same number of valid demo events, each through a fresh `serve` with the same concurrency, in one run.
 * Fails loudly on any 5xx, an unhealthy server, or an acknowledged event not stored exactly once.
 * Usage: node dist/bench/fuzz.js [payloads=1000000] [concurrency=32] [seed=1]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChdbEngine } from "../src/store/chdb-engine.js";
import { queryInChunks } from "../src/store/engine.js";
import { runFuzz } from "../testing/fuzz.js";
import { demoEvents, ratio, spawnServer, stopServer, timed } from "./util.js";

const payloads = Number(process.argv[2] ?? 1_000_000);
const concurrency = Number(process.argv[3] ?? 32);
const seed = Number(process.argv[4] ?? 1);

const hostileDir = mkdtempSync(join(tmpdir(), "cf-bench-fuzz-"));
const hostile = await spawnServer(hostileDir);
const run = await runFuzz(hostile.url, { seed, payloads, concurrency, writeKey: "wk" });
const healthy = (await fetch(`${hostile.url}/health`)).status === 200;
await stopServer(hostile.child);
const engine = await ChdbEngine.open(join(hostileDir), "customer_flow");
const counts = await queryInChunks<{ id: string; n: number }>(
  engine,
  "SELECT event_id AS id, count() AS n FROM events WHERE event_id IN {ids:Array(String)} GROUP BY event_id",
  "ids",
  [...run.acknowledged, ...run.rejected],
);
await engine.close();
const stored = new Map(counts.map((c) => [c.id, Number(c.n)]));
const notOnce = run.acknowledged.filter((id) => stored.get(id) !== 1).length;
const leaked = run.rejected.filter((id) => stored.has(id)).length;

// The peer: as many valid events, in batches of 100, through a fresh server with the same concurrency.
const events = demoEvents(payloads);
const bodies: string[] = [];
for (let i = 0; i < events.length; i += 100) bodies.push(JSON.stringify({ batch: events.slice(i, i + 100) }));
const validDir = mkdtempSync(join(tmpdir(), "cf-bench-valid-"));
const valid = await spawnServer(validDir);
let next = 0;
const validRun = await timed(() =>
  Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const response = await fetch(`${valid.url}/v1/batch`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer wk` },
          body: bodies[next++]!,
        });
        await response.arrayBuffer();
      }
    }),
  ),
);
await stopServer(valid.child);
rmSync(hostileDir, { recursive: true, force: true });
rmSync(validDir, { recursive: true, force: true });

const serverErrors = Object.entries(run.statuses).filter(([status]) => Number(status) >= 500);
const hostileRate = run.payloads / (run.ms / 1000);
const validRate = events.length / validRun.seconds;
console.log(
  JSON.stringify(
    {
      bench: "collector-fuzz",
      payloads: run.payloads,
      requests: run.requests,
      concurrency,
      seed,
      statuses: run.statuses,
      acknowledged: run.acknowledged.length,
      rejected: run.rejected.length,
      healthyAfter: healthy,
      acknowledgedNotStoredOnce: notOnce,
      rejectedButStored: leaked,
      hostilePayloadsPerSecond: Math.round(hostileRate),
      validEventsPerSecond: Math.round(validRate),
      ratioHostileToValid: Number(ratio(hostileRate, validRate)),
    },
    null,
    2,
  ),
);
if (serverErrors.length > 0 || !healthy || notOnce > 0 || leaked > 0) process.exit(1);
