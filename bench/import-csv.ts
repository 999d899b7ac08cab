/**
 * Bulk CSV import: the engine-side path (src/collect/bulk-csv.ts) against the JavaScript path (csv-parse,
 * normaliseEvent, the sink) on the same file, each into a database of its own in one engine, and against the
 * engine inserting the same events, already in stored shape, from a file (`INSERT ... SELECT FROM file()`).
 * The file: demo events of known customers as flat rows (customer, ISO time, touchpoint, channel, text,
 * value, and a free-text column that needs quotes on every Nth row), as a shop's export would be.
 * Usage: node dist/bench/import-csv.js [events=300000] [quotedEvery=50]
 */
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importFile } from "../src/collect/import.js";
import { EngineSink } from "../src/collect/sink.js";
import { generateDemo } from "../src/demo/generator.js";
import { ChdbEngine } from "../src/store/chdb-engine.js";
import type { Engine } from "../src/store/engine.js";
import { migrate } from "../src/store/migrate.js";
import { ratio, timed } from "./util.js";

const total = Number(process.argv[2] ?? 300_000);
// Rows with a quoted field are read by csv-parse on either path (1% of the Online Retail export's rows are).
const quotedEvery = Number(process.argv[3] ?? 50);
const dir = mkdtempSync(join(tmpdir(), "cf-bench-import-csv-"));
const csvFile = join(dir, "orders.csv");
const storedFile = join(dir, "stored.ndjson");

const HEADER = ["customer_id", "timestamp", "touchpoint", "channel", "text", "value", "note"];
const cell = (value: unknown) => {
  const text = value === undefined || value === null ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

// The CSV file: each demo event of a known customer as a flat row.
const csv = createWriteStream(csvFile);
csv.write(`${HEADER.join(",")}\n`);
let written = 0;
outer: for (const { events } of generateDemo({ customers: Number.MAX_SAFE_INTEGER, seed: 4 })) {
  let text = "";
  for (const event of events) {
    const properties = (event.properties ?? {}) as Record<string, unknown>;
    if (!event.userId) continue;
    const row = [
      event.userId,
      event.timestamp,
      properties.touchpoint ?? event.event ?? event.name,
      properties.channel,
      properties.text,
      properties.value,
      written % quotedEvery === 0 ? `gift, wrapped "${written % 3}"` : "",
    ];
    text += `${row.map(cell).join(",")}\n`;
    if (++written >= total) {
      csv.write(text);
      break outer;
    }
  }
  if (!csv.write(text)) await new Promise<void>((r) => csv.once("drain", () => r()));
}
await new Promise((r) => csv.end(r));

const engineSide = await ChdbEngine.open(join(dir, "data"), "engine_side");
await migrate(engineSide);
const javascript = await ChdbEngine.open(join(dir, "data"), "javascript_side");
await migrate(javascript);

async function importWith(engine: Engine, inEngine: boolean) {
  const sink = new EngineSink(engine);
  const summary = await importFile(sink, { file: csvFile, engine: inEngine ? engine : undefined });
  await sink.close();
  return summary;
}

const viaEngine = await timed(() => importWith(engineSide, true));
const viaJavascript = await timed(() => importWith(javascript, false));
// The peer's file: the events as stored, written by the engine.
await engineSide.command("INSERT INTO FUNCTION file({path:String}, 'JSONEachRow') SELECT * FROM events", {
  path: storedFile,
});
await engineSide.command("CREATE TABLE events_peer AS events");
const peer = await timed(() =>
  engineSide.command("INSERT INTO events_peer SELECT * FROM file({path:String}, 'JSONEachRow')", {
    path: storedFile,
  }),
);
// Both paths must store the same events (the time received and the sequence aside).
const hashSql = `SELECT count() AS n, toString(sum(cityHash64(event_id, identity_key, timestamp, channel, touchpoint, text,
  ifNull(value, -1), properties, behaviour))) AS hash FROM events FINAL`;
const [engineRows] = await engineSide.query<{ n: number; hash: string }>(hashSql);
const [javascriptRows] = await javascript.query<{ n: number; hash: string }>(hashSql);
await engineSide.close();
rmSync(dir, { recursive: true, force: true });

const rate = (seconds: number) => written / seconds;
console.log(
  JSON.stringify(
    {
      bench: "csv-import",
      rows: written,
      quotedEvery,
      imported: viaEngine.result.imported,
      rejected: viaEngine.result.rejected,
      engineSideRowsPerSecond: Math.round(rate(viaEngine.seconds)),
      javascriptPathRowsPerSecond: Math.round(rate(viaJavascript.seconds)),
      engineFileInsertRowsPerSecond: Math.round(rate(peer.seconds)),
      ratioEngineSideToJavascriptPath: Number(ratio(rate(viaEngine.seconds), rate(viaJavascript.seconds))),
      ratioEngineSideToEngineInsert: Number(ratio(rate(viaEngine.seconds), rate(peer.seconds))),
      sameEventsBothPaths: engineRows?.hash === javascriptRows?.hash && engineRows?.n === javascriptRows?.n,
    },
    null,
    2,
  ),
);
