/** Bulk import of CSV, NDJSON and XES (plain and gzip) into the real embedded engine. */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { loadModel } from "../src/behaviour/classifier.js";
import { candidateEvent, detectDelimiter, importFile } from "../src/collect/import.js";
import { normaliseEvent, Sequence } from "../src/collect/normalise.js";
import { EngineSink, labelBehaviour } from "../src/collect/sink.js";
import { generateDemo } from "../src/demo/generator.js";
import type { Engine } from "../src/store/engine.js";
import { parseStoredTime } from "../src/store/time.js";
import { SHARED_DATA, tempDir, testEngine } from "../testing/helpers.js";

let engine: Engine;
let sink: EngineSink;
const dir = tempDir("cf-import-");

before(async () => {
  engine = await testEngine();
  sink = new EngineSink(engine);
});
after(async () => {
  await sink.close();
});

async function stats(source: string) {
  const [row] = await engine.query<{ events: string; cases: string; activities: string }>(
    `SELECT count() AS events, uniqExact(identity_key) AS cases, uniqExact(touchpoint) AS activities
     FROM events FINAL WHERE source = {source:String}`,
    { source },
  );
  return { events: Number(row!.events), cases: Number(row!.cases), activities: Number(row!.activities) };
}

const journeys = join(SHARED_DATA, "journeys");
const noSharedData = existsSync(journeys)
  ? false
  : `SKIPPED: ${journeys} is absent (the shared reference data)`;
if (noSharedData) console.log(`# ${noSharedData}`);

test("XES: the running example has 6 cases and 42 events, attributes kept", {
  skip: noSharedData,
}, async () => {
  const summary = await importFile(sink, { file: join(journeys, "running-example.xes") });
  assert.deepEqual(
    [summary.imported, summary.rejected, summary.customers, summary.format],
    [42, 0, 6, "xes"],
  );
  assert.deepEqual(await stats("import:running-example.xes"), { events: 42, cases: 6, activities: 8 });
  const [first] = await engine.query<{ touchpoint: string; properties: string; timestamp: string }>(
    `SELECT touchpoint, properties, timestamp FROM events FINAL
     WHERE source = 'import:running-example.xes' AND identity_key = 'user:1' ORDER BY timestamp, seq LIMIT 1`,
  );
  assert.equal(first!.touchpoint, "register request");
  assert.equal(first!.timestamp, "2010-12-30 10:02:00.000");
  assert.equal(JSON.parse(first!.properties)["org:resource"], "Pete");
});

test("XES gzip: the receipt log keeps every event and takes the case channel", {
  skip: noSharedData,
}, async () => {
  const summary = await importFile(sink, { file: join(journeys, "08_receipt.xes.gz") });
  assert.deepEqual([summary.imported, summary.rejected, summary.customers], [8577, 0, 1434]);
  assert.deepEqual(await stats("import:08_receipt.xes.gz"), { events: 8577, cases: 1434, activities: 27 });
  const channels = await engine.query<{ channel: string }>(
    "SELECT DISTINCT channel FROM events FINAL WHERE source = 'import:08_receipt.xes.gz' ORDER BY channel",
  );
  assert.deepEqual(
    channels.map((c) => c.channel),
    ["desk", "email", "intern", "post", "web"],
  );
});

test("CSV: the receipt export gives the same events as the XES log; re-import adds nothing", {
  skip: noSharedData,
}, async () => {
  const file = join(journeys, "receipt.csv");
  const first = await importFile(sink, { file });
  assert.deepEqual([first.imported, first.rejected, first.customers, first.format], [8577, 0, 1434, "csv"]);
  await importFile(sink, { file });
  assert.deepEqual(await stats("import:receipt.csv"), { events: 8577, cases: 1434, activities: 27 });
  const [xes] = await engine.query<{ t: string }>(
    "SELECT min(timestamp) AS t FROM events FINAL WHERE source = 'import:08_receipt.xes.gz'",
  );
  const [csv] = await engine.query<{ t: string }>(
    "SELECT min(timestamp) AS t FROM events FINAL WHERE source = 'import:receipt.csv'",
  );
  assert.equal(csv!.t, xes!.t);
});

test("CSV with options, ; delimiter, slash timestamps, gzip, and rejected rows with line numbers", async () => {
  const csv = [
    "client;when;step;how;amount",
    "c1;2014/10/22 11:15:41.000;visit;Store;",
    "c1;2014/10/22 11:20:00.000;buy;Store;19.90",
    ";2014/10/22 11:25:00.000;buy;store;5",
    "c2;not a time;visit;web;",
  ].join("\n");
  const file = join(dir, "shop.csv.gz");
  writeFileSync(file, gzipSync(csv));
  assert.equal(detectDelimiter(csv), ";");
  const summary = await importFile(sink, {
    file,
    columns: { customer: "client", timestamp: "when", touchpoint: "step", channel: "how", value: "amount" },
  });
  assert.deepEqual([summary.imported, summary.rejected, summary.customers], [2, 2, 1]);
  assert.deepEqual(
    summary.rejections.map((r) => [r.line, r.field]),
    [
      [4, "userId"],
      [5, "timestamp"],
    ],
  );
  const rows = await engine.query<{ channel: string; value: number | null; timestamp: string }>(
    "SELECT channel, value, timestamp FROM events FINAL WHERE source = 'import:shop.csv.gz' ORDER BY timestamp",
  );
  assert.deepEqual(rows, [
    { channel: "store", value: null, timestamp: "2014-10-22 11:15:41.000" },
    { channel: "store", value: 19.9, timestamp: "2014-10-22 11:20:00.000" },
  ]);
  const [failed] = await engine.query<{ n: string }>(
    "SELECT count() AS n FROM failed_events WHERE source = 'import:shop.csv.gz'",
  );
  assert.equal(Number(failed!.n), 2);
});

test("NDJSON: Segment-shaped lines go in as they are, flat lines are mapped, bad JSON is rejected", async () => {
  const file = join(dir, "mixed.ndjson");
  writeFileSync(
    file,
    [
      JSON.stringify({
        type: "identify",
        userId: "n1",
        anonymousId: "na1",
        traits: { email: "n1@example.com" },
      }),
      JSON.stringify({ customer: "n1", timestamp: 1700000000, touchpoint: "call", channel: "Telephone" }),
      "{broken",
      "",
      JSON.stringify({ type: "page", anonymousId: "na1", name: "home", timestamp: "2023-11-14T00:00:00Z" }),
    ].join("\n"),
  );
  const summary = await importFile(sink, { file });
  assert.deepEqual([summary.imported, summary.rejected], [3, 1]);
  assert.deepEqual(summary.rejections[0], {
    line: 3,
    field: "(line)",
    reason: summary.rejections[0]!.reason,
  });
  assert.match(summary.rejections[0]!.reason, /not valid JSON/);
  const [call] = await engine.query<{ channel: string; timestamp: string }>(
    "SELECT channel, timestamp FROM events FINAL WHERE source = 'import:mixed.ndjson' AND touchpoint = 'call'",
  );
  assert.deepEqual(call, { channel: "phone", timestamp: "2023-11-14 22:13:20.000" });
});

// Files up to the memory staging limit are staged in a Memory table, larger ones on disk: both must agree.
for (const [staging, memoryStagingMaxBytes] of [
  ["in memory", undefined],
  ["on disk", 0],
] as const)
  test(`NDJSON read by the engine (staged ${staging}) stores exactly what the JavaScript path computes, line for line`, async () => {
    const name = `same-${memoryStagingMaxBytes ?? "memory"}.ndjson`;
    const lines = [
      ...demoLines(),
      JSON.stringify({ type: "track", userId: 42, event: "Numeric id" }),
      JSON.stringify({ type: "track", userId: "u-null", event: "Null id", messageId: null }),
      JSON.stringify({ type: "track", userId: "u-epoch", event: "Epoch", timestamp: 1700000000 }),
      JSON.stringify({
        type: "track",
        userId: "u-slash",
        event: "Slash",
        timestamp: "2014/10/22 11:15:41.000",
      }),
      JSON.stringify({
        type: "track",
        userId: "u-skew",
        event: "Skew",
        timestamp: "2024-01-10T13:00:00Z",
        sentAt: "2024-01-10T13:00:05.250+01:00",
      }),
      JSON.stringify({
        type: "track",
        userId: "u-ctx",
        event: "Ctx",
        context: { channel: "Chat", touchpoint: "bot", traits: { email: "CTX@example.com" } },
      }),
      JSON.stringify({
        type: "track",
        userId: "u-up",
        event: "Up",
        properties: { channel: "Phone", revenue: 12.5, currency: "eur", text: "Ça va? 🙂" },
      }),
      JSON.stringify({ type: "track", userId: "u-bad", event: "Bad", properties: { channel: "Web Site!" } }),
      JSON.stringify({
        type: "track",
        userId: "u-str",
        event: "Str",
        properties: { value: "12.5", total: 3 },
      }),
      JSON.stringify({
        type: "track",
        userId: "u-total",
        event: "Total",
        properties: { total: 7, message: "hi", direction: "outbound" },
      }),
      JSON.stringify({ type: "alias", userId: "u-new", previousId: "u-old" }),
      JSON.stringify({ type: "group", userId: "u-g", groupId: "g1" }),
      JSON.stringify({
        customer: "flat-1",
        timestamp: "2024-02-02T00:00:00Z",
        touchpoint: "visit",
        channel: "store",
      }),
      "{not json",
      "",
      `${JSON.stringify({ type: "page", anonymousId: "a-cr", name: "cr" })}\r`,
      JSON.stringify({
        type: "track",
        userId: "u-big",
        event: "Big",
        properties: { blob: "z".repeat(33_000) },
      }),
      JSON.stringify({ type: "page", anonymousId: "a-path", properties: { path: "/pricing" } }),
      JSON.stringify({ type: "screen", userId: "u-s", name: "Home", timestamp: "2024-03-01T10:00:00.5Z" }),
      JSON.stringify({
        type: "identify",
        userId: "u-id",
        anonymousId: "a-id",
        traits: { email: "ID@example.com", phone: "+1 555 0100 99" },
      }),
      JSON.stringify({ type: "track", userId: "u-noevent" }),
      JSON.stringify({ userId: "u-notype", event: "x" }),
      JSON.stringify({ type: "track", userId: "", anonymousId: "a-empty", event: "Empty user" }),
      JSON.stringify({
        type: "track",
        userId: "u-old-time",
        event: "Old",
        timestamp: "1960-01-01T00:00:00Z",
      }),
    ];
    const file = join(dir, name);
    writeFileSync(file, lines.join("\n"));
    const summary = await importFile(sink, { file, engine, memoryStagingMaxBytes });

    const expected = new Map<string, Record<string, unknown>>();
    const expectedRejections: [number, string][] = [];
    const receivedTime = new Set<string>();
    const sequence = new Sequence();
    // Received now: times more than 24 h after receipt are rejected on both paths.
    const receivedAt = Date.now();
    lines.forEach((text, index) => {
      const raw = text.endsWith("\r") ? text.slice(0, -1) : text;
      if (raw.trim() === "") return;
      let result: ReturnType<typeof normaliseEvent>;
      try {
        const candidate = candidateEvent(JSON.parse(raw), `${name}:${index + 1}:${raw}`, {});
        result = normaliseEvent(candidate, {
          source: `import:${name}`,
          receivedAt,
          sequence,
          sizeBytes: Buffer.byteLength(raw),
        });
      } catch {
        expectedRejections.push([index + 1, "(line)"]);
        return;
      }
      if ("ok" in result) {
        // The sink labels texts on the JavaScript path; the engine path joins the same labels in.
        expected.set(result.ok.event_id, comparable(labelBehaviour([result.ok], loadModel())[0]));
        // Without a client time an event is stamped when received, which differs between the two runs.
        if (!/"(timestamp|originalTimestamp)"/.test(raw) && !/^\{"customer"/.test(raw))
          receivedTime.add(result.ok.event_id);
        // Corrected by sentAt: the time is an offset from the time received.
        if (/"sentAt"/.test(raw)) receivedTime.add(result.ok.event_id);
      } else expectedRejections.push([index + 1, result.rejected.field]);
    });

    assert.equal(summary.imported, expected.size);
    assert.deepEqual(
      summary.rejections.map((r) => [r.line, r.field]),
      expectedRejections,
    );
    const stored = await engine.query<Record<string, unknown>>(
      "SELECT * EXCEPT (seq), toUnixTimestamp64Milli(timestamp) - toUnixTimestamp64Milli(received_at) AS offset FROM events FINAL WHERE source = {source:String}",
      { source: `import:${name}` },
    );
    assert.equal(stored.length, expected.size);
    for (const row of stored) {
      const id = row.event_id as string;
      const [actual, wanted] = [comparable(row), { ...expected.get(id) }];
      if (receivedTime.has(id)) {
        assert.equal(
          actual.offset,
          parseStoredTime(wanted.timestamp as string) - receivedAt,
          `offset from the time received of ${id}`,
        );
        delete actual.timestamp;
        delete wanted.timestamp;
      }
      delete actual.offset;
      assert.deepEqual(actual, wanted, `line of ${id}`);
    }
    // File order survives for rows of both paths.
    const order = await engine.query<{ name: string }>(
      "SELECT name FROM events FINAL WHERE source = {source:String} AND identity_key = 'user:u-s' ORDER BY seq",
      { source: `import:${name}` },
    );
    assert.deepEqual(
      order.map((o) => o.name),
      ["Home"],
    );
  });

function comparable(row: object): Record<string, unknown> {
  const { received_at: _r, seq: _s, ...rest } = row as Record<string, unknown>;
  for (const key of ["properties", "traits", "context"]) rest[key] = JSON.parse(rest[key] as string);
  return rest;
}

function demoLines(): string[] {
  const out: string[] = [];
  for (const { events } of generateDemo({ customers: 40, seed: 5 }))
    for (const e of events) out.push(JSON.stringify(e));
  return out;
}
