/**
 * Bulk NDJSON import (Segment-shaped events: parse, validate, stitch, insert; the engine-side path of
 * src/collect/bulk-ndjson.ts) against the engine reading
 * the same rows, already in stored shape, straight from a file (`INSERT ... SELECT FROM file()`), same run.
 * Usage: node dist/bench/import.js [events=1000000]
 */
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importFile } from "../src/collect/import.js";
import { normaliseEvent, Sequence } from "../src/collect/normalise.js";
import { EngineSink } from "../src/collect/sink.js";
import { generateDemo } from "../src/demo/generator.js";
import { ChdbEngine } from "../src/store/chdb-engine.js";
import { migrate } from "../src/store/migrate.js";
import { ratio, timed } from "./util.js";

const total = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), "cf-bench-import-"));
const eventsFile = join(dir, "events.ndjson");
const storedFile = join(dir, "stored.ndjson");

// Write both files: the Segment-shaped events, and the same events as stored rows (for the peer).
const events = createWriteStream(eventsFile);
const stored = createWriteStream(storedFile);
const sequence = new Sequence();
let written = 0;
outer: for (const { events: batch } of generateDemo({ customers: Number.MAX_SAFE_INTEGER, seed: 3 })) {
  let a = "";
  let b = "";
  for (const event of batch) {
    a += `${JSON.stringify(event)}\n`;
    const row = normaliseEvent(event, { source: "import:events.ndjson", receivedAt: Date.now(), sequence });
    if ("ok" in row) b += `${JSON.stringify(row.ok)}\n`;
    if (++written >= total) {
      events.write(a);
      stored.write(b);
      break outer;
    }
  }
  if (!events.write(a)) await new Promise<void>((r) => events.once("drain", () => r()));
  if (!stored.write(b)) await new Promise<void>((r) => stored.once("drain", () => r()));
}
await Promise.all([new Promise((r) => events.end(r)), new Promise((r) => stored.end(r))]);

const engine = await ChdbEngine.open(join(dir, "data"), "customer_flow");
await migrate(engine);
await engine.command("CREATE TABLE events_peer AS events");

const ours = await timed(async () => {
  const sink = new EngineSink(engine);
  const summary = await importFile(sink, { file: eventsFile, engine });
  await sink.close();
  return summary;
});
const peer = await timed(() =>
  engine.command("INSERT INTO events_peer SELECT * FROM file({path:String}, 'JSONEachRow')", {
    path: storedFile,
  }),
);
const [counts] = await engine.query<{ ours: number; peer: number }>(
  "SELECT (SELECT count() FROM events) AS ours, (SELECT count() FROM events_peer) AS peer",
);
await engine.close();
rmSync(dir, { recursive: true, force: true });

const ourRate = written / ours.seconds;
const peerRate = written / peer.seconds;
console.log(
  JSON.stringify(
    {
      bench: "ndjson-import",
      events: written,
      imported: ours.result.imported,
      rejected: ours.result.rejected,
      importEventsPerSecond: Math.round(ourRate),
      engineFileInsertEventsPerSecond: Math.round(peerRate),
      ratioImportToEngine: Number(ratio(ourRate, peerRate)),
      rowsStored: counts,
    },
    null,
    2,
  ),
);
