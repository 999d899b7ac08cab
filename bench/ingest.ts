/**
 * HTTP ingest through the collector (Segment /v1/batch, 100 events a request, each acknowledged after
 * commit) against the raw engine insert of the same rows, in the same run.
 * Usage: node dist/bench/ingest.js [events=300000] [concurrency=32]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normaliseEvent, Sequence } from "../src/collect/normalise.js";
import { ChdbEngine } from "../src/store/chdb-engine.js";
import { migrate } from "../src/store/migrate.js";
import { demoEvents, ratio, spawnServer, stopServer, timed } from "./util.js";

const total = Number(process.argv[2] ?? 300_000);
const concurrency = Number(process.argv[3] ?? 32);
const events = demoEvents(total);
const bodies: string[] = [];
for (let i = 0; i < events.length; i += 100) bodies.push(JSON.stringify({ batch: events.slice(i, i + 100) }));

const serverDir = mkdtempSync(join(tmpdir(), "cf-bench-http-"));
const { child, url } = await spawnServer(serverDir);
const auth = `Basic ${Buffer.from("wk:").toString("base64")}`;
let failures = 0;
let next = 0;
const http = await timed(async () => {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const response = await fetch(`${url}/v1/batch`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: auth },
          body,
        });
        if (response.status !== 200) failures++;
        await response.arrayBuffer();
      }
    }),
  );
});
await stopServer(child);

// The peer: the same rows, already validated, inserted straight into the engine in large batches.
const sequence = new Sequence();
const rows = events.map((e) => {
  const result = normaliseEvent(e, { source: "bench", receivedAt: Date.now(), sequence });
  if (!("ok" in result)) throw new Error("demo events are valid");
  return result.ok;
});
const rawDir = mkdtempSync(join(tmpdir(), "cf-bench-raw-"));
const engine = await ChdbEngine.open(rawDir, "customer_flow");
await migrate(engine);
const raw = await timed(async () => {
  for (let i = 0; i < rows.length; i += 50_000) await engine.insert("events", rows.slice(i, i + 50_000));
});
const [stored] = await engine.query<{ n: number }>("SELECT count() AS n FROM events");
await engine.close();
rmSync(serverDir, { recursive: true, force: true });
rmSync(rawDir, { recursive: true, force: true });

const httpRate = events.length / http.seconds;
const rawRate = events.length / raw.seconds;
console.log(
  JSON.stringify(
    {
      bench: "http-ingest",
      events: events.length,
      requests: bodies.length,
      concurrency,
      failures,
      httpEventsPerSecond: Math.round(httpRate),
      rawInsertEventsPerSecond: Math.round(rawRate),
      ratioHttpToRaw: Number(ratio(httpRate, rawRate)),
      rawRowsStored: stored?.n,
    },
    null,
    2,
  ),
);
