/**
 * HTTP ingest through the collector (Segment /v1/batch, 100 events a request, each acknowledged after
 * commit) against the raw engine insert of the same rows, in the same run.
 * Usage: node dist/bench/ingest.js [events=300000] [concurrency=32]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoEvents, ratio, rawInsertRate, spawnServer, stopServer, timed } from "./util.js";

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
const raw = await rawInsertRate(events);
rmSync(serverDir, { recursive: true, force: true });

const httpRate = events.length / http.seconds;
const rawRate = raw.eventsPerSecond;
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
      rawRowsStored: raw.stored,
    },
    null,
    2,
  ),
);
