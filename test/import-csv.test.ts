/**
 * The engine-side CSV import (src/collect/bulk-csv.ts) against the JavaScript path, in two databases of the
 * same real engine: the same file must store the same events and the same rejected rows with the same line
 * numbers, whichever path reads it, including files the engine path hands back to the JavaScript path.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { type ImportOptions, importFile } from "../src/collect/import.js";
import { EngineSink } from "../src/collect/sink.js";
import { seededRandom } from "../src/seeded-random.js";
import type { Engine } from "../src/store/engine.js";
import { countingEngine, tempDir, testDatabase, testEngine } from "../testing/helpers.js";

let javascript: Engine;
let engineSide: Engine;
const dir = tempDir("cf-import-csv-");

before(async () => {
  javascript = await testEngine();
  engineSide = await testDatabase("csv_engine_side");
});

const HEADER = [
  "Customer",
  "user_id",
  "when",
  "Activity",
  "medium",
  "message",
  "amount",
  "note",
  "empty",
  "channel",
];

/**
 * Rows that take every branch: guessed columns, channels to slug, values, escapes, and (rarely, so that the
 * fast lane still takes most rows and the engine path goes on) values only the JavaScript path can read.
 */
function rows(count: number, seed: number): string[][] {
  const random = seededRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const field = (usual: string[], rare: string[]) => (random() < 0.04 ? pick(rare) : pick(usual));
  const out: string[][] = [];
  for (let i = 0; i < count; i++) {
    const day = String(1 + (i % 28)).padStart(2, "0");
    out.push([
      field(["c1", "c2", `c${i % 50}`, "back\\slash", "Zoë", ""], ["x".repeat(300)]),
      field(["", "", "u9", "u\\10"], ["u".repeat(300)]),
      field(
        [`2024-03-${day}T10:00:00Z`, `2024-03-${day}T10:00:00.5+02:00`, ""],
        [`2024/03/${day} 10:00:00.000`, "not a time", "1700000000", "2999-01-01T00:00:00Z"],
      ),
      field(["visit", "buy", "Support Call", "ça marche"], ["", "x".repeat(300)]),
      field(["Store", "E-Mail", "call center", "Web Site!", "", "  phone  ", "___", "chat"], ["Téléphone"]),
      field(
        ["", "", "Where is my order?", "Great service \\o/ 🙂", "I'd suggest a faster checkout"],
        ["\u0001control"],
      ),
      field(["", "19.90", "5", "-3.25", "0012"], ["1e3", " 12", "abc", "12345678901234567"]),
      field(["", "gift", "a;b", '{"json":[1]}'], ["tab\there"]),
      "",
      field(["", ""], ["own channel column"]),
    ]);
  }
  return out;
}

const quote = (field: string) => `"${field.replace(/"/g, '""')}"`;

function csvText(body: string[][], options: { crlf?: boolean; extra?: string[] } = {}): string {
  const lines = [
    HEADER.join(","),
    ...body.map((r) => r.map((f) => (/[",\n\r]/.test(f) ? quote(f) : f)).join(",")),
  ];
  lines.push(...(options.extra ?? []));
  return lines.join(options.crlf ? "\r\n" : "\n");
}

/** Lines only the JavaScript reader can place: quoted fields across lines, empty lines, short and long rows. */
const AWKWARD = [
  "",
  'c7,,2024-03-02T10:00:00Z,"multi',
  'line, quoted",Store,"he said ""hi""",1,,,',
  "   ",
  "c8,,2024-03-03T10:00:00Z,short",
  "c9,,2024-03-04T10:00:00Z,long,store,,,,,,extra,fields",
  'c10,,2024-03-05T10:00:00Z,"quoted, comma",web,,2,,,',
  "",
  "c11,,2024-03-06T10:00:00Z,after empty,web,,,,,",
];

async function importBoth(name: string, text: string, options: Partial<ImportOptions> = {}) {
  const file = join(dir, name);
  writeFileSync(file, text);
  const viaJavascript = await importWith(javascript, file, options, false);
  const viaEngine = await importWith(engineSide, file, options, true);
  return { viaJavascript, viaEngine };
}

async function importWith(engine: Engine, file: string, options: Partial<ImportOptions>, inEngine: boolean) {
  const sink = new EngineSink(engine);
  // The engine path reads back the lines its fast lane left: seeing that statement tells that it went on.
  const counting = countingEngine(engine, "slow_line");
  try {
    const summary = await importFile(sink, {
      file,
      ...options,
      engine: inEngine ? counting.engine : undefined,
      engineMinBytes: 0,
    });
    return { summary, tookEnginePath: counting.count() > 0, ...(await stored(engine, file)) };
  } finally {
    await sink.close();
  }
}

async function stored(engine: Engine, file: string) {
  const source = `import:${file.split("/").pop()}`;
  // Events without a time are stamped when received: their times differ between the two imports.
  const events = await engine.query<Record<string, unknown>>(
    `SELECT * EXCEPT (received_at, seq, timestamp),
            if(abs(dateDiff('second', timestamp, received_at)) < 600, 'received', toString(timestamp)) AS time
     FROM events FINAL WHERE source = {source:String} ORDER BY event_id`,
    { source },
  );
  const failed = await engine.query<Record<string, unknown>>(
    "SELECT field, reason, payload FROM failed_events WHERE source = {source:String} ORDER BY reason, payload",
    { source },
  );
  return { events, failed };
}

function assertSame(both: Awaited<ReturnType<typeof importBoth>>, tookEnginePath: boolean) {
  const { viaJavascript: js, viaEngine: engine } = both;
  assert.equal(engine.tookEnginePath, tookEnginePath, "which path read the file");
  assert.ok(js.events.length > 0 || js.failed.length > 0, "the file holds something");
  assert.deepEqual(engine.summary, js.summary);
  assert.equal(engine.events.length, js.events.length);
  engine.events.forEach((row, i) => {
    assert.deepEqual(row, js.events[i], `event ${String(row.event_id)}`);
  });
  assert.deepEqual(engine.failed, js.failed);
}

test("CSV read by the engine stores exactly what the JavaScript path stores, row for row", async () => {
  const both = await importBoth("same.csv", csvText(rows(3_000, 11), { extra: AWKWARD }), {
    columns: { timestamp: "when", channel: "medium" },
    channel: "other_default",
  });
  assertSame(both, true);
  // The awkward lines were read.
  assert.ok(both.viaEngine.events.some((e) => e.touchpoint === "after empty"));
  assert.ok(both.viaEngine.events.some((e) => e.touchpoint === "multi\nline, quoted"));
});

test("CSV with CRLF line ends, guessed columns, a default channel and ; as delimiter", async () => {
  // No field needs quoting but the few below, so that most lines take the fast lane.
  const body = rows(2_000, 12).map((r) => r.map((f) => f.replace(/[;,]/g, " ").replace(/"/g, "'")));
  const awkward = [
    "",
    'c7;;2024-03-02T10:00:00Z;"multi',
    'line; quoted";Store;;1;;;',
    "c8;;2024-03-03T10:00:00Z;short",
  ];
  const text = csvText(body, { crlf: true, extra: awkward }).replace(/,/g, ";");
  assertSame(await importBoth("crlf.csv", text, { channel: "store" }), true);
});

test("CSV the engine path hands back: a stray carriage return, malformed quotes, mostly slow rows", async () => {
  // A lone CR: csv-parse counts it as a line, so the line numbers are the JavaScript path's to give.
  const lone = csvText(rows(500, 13)).replace("\nc1,", "\nc1\r,");
  assertSame(await importBoth("lone-cr.csv", lone, { columns: { timestamp: "when" } }), false);
  // Rows whose times the fast lane does not read (slash dates): the JavaScript path reads the whole file.
  const slash = rows(500, 14).map((r) => [
    r[0] || "c1",
    "",
    "2024/03/01 10:00:00.000",
    "visit",
    ...r.slice(4),
  ]);
  assertSame(await importBoth("slow.csv", csvText(slash), { columns: { timestamp: "when" } }), false);
  // A quote inside an unquoted field: both paths fail with csv-parse's own error, and store nothing.
  const file = join(dir, "malformed.csv");
  writeFileSync(file, csvText(rows(200, 15), { extra: ['c1,,2024-03-01T10:00:00Z,bad "quote,web,,,,,'] }));
  for (const engine of [javascript, engineSide]) {
    const sink = new EngineSink(engine);
    await assert.rejects(
      importFile(sink, { file, engine: engine === engineSide ? engine : undefined, engineMinBytes: 0 }),
      /Invalid Opening Quote/,
    );
    await sink.close();
    assert.deepEqual((await stored(engine, file)).events, []);
  }
});
