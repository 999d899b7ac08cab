/**
 * The engine-side XES import (src/collect/bulk-xes.ts) against the JavaScript path, in two databases of the
 * same real engine: the same log must store the same events, in the same order, and the same rejected
 * events with the same line numbers.
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { importFile } from "../src/collect/import.js";
import { EngineSink } from "../src/collect/sink.js";
import type { Engine } from "../src/store/engine.js";
import { countingEngine, SHARED_DATA, tempDir, testDatabase, testEngine } from "../testing/helpers.js";

let javascript: Engine;
let engineSide: Engine;
const dir = tempDir("cf-import-xes-");

before(async () => {
  javascript = await testEngine();
  engineSide = await testDatabase("xes_engine_side");
});

const attribute = (tag: string, key: string, value: string) =>
  `<${tag} key="${key}" value="${value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;")}"/>`;

/** A log with events the fast lane takes and events only the JavaScript path can judge. */
function log(): string {
  const traces: string[] = [];
  for (let t = 0; t < 60; t++) {
    const events: string[] = [];
    for (let e = 0; e < 8; e++) {
      const odd = (t * 8 + e) % 23;
      const attributes = [
        odd === 1
          ? ""
          : attribute("string", "concept:name", ["visit", "buy", "Support Call", "ça marche"][e % 4]!),
        attribute(
          "date",
          "time:timestamp",
          odd === 2
            ? "not a time"
            : odd === 3
              ? "2024/03/01 10:00:00.000"
              : `2024-03-${String(1 + e).padStart(2, "0")}T10:0${e}:00.000+01:00`,
        ),
        attribute("string", "org:resource", odd === 4 ? "" : `R${e}`),
        attribute("string", "text", e === 5 ? 'Where is my order? "now" \\ please' : ""),
        attribute("int", "amount", String(e * 10)),
        odd === 5 ? attribute("string", "blob", "z".repeat(33_000)) : "",
        // Over the size limit only as a row: the event leaves its empty attributes out.
        t === 0 && e === 6
          ? Array.from({ length: 1_800 }, (_, i) => attribute("string", `empty_attribute_${i}`, "")).join("")
          : "",
        attribute("string", "channel", ["Store", "E-Mail", "Web Site!", "call center"][e % 4]!),
      ];
      events.push(`<event>${attributes.join("")}</event>`);
    }
    const name = t === 7 ? "" : `case ${t}`;
    traces.push(`<trace>${attribute("string", "concept:name", name)}\n${events.join("\n")}\n</trace>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<log>\n${traces.join("\n")}\n</log>\n`;
}

async function importWith(engine: Engine, file: string, inEngine: boolean) {
  const sink = new EngineSink(engine);
  const counting = countingEngine(engine, "slow_line");
  try {
    const summary = await importFile(sink, {
      file,
      engine: inEngine ? counting.engine : undefined,
      engineMinBytes: 0,
    });
    const source = `import:${file.split("/").pop()}`;
    const events = await engine.query<Record<string, unknown>>(
      `SELECT * EXCEPT (received_at, seq, timestamp),
              if(abs(dateDiff('second', timestamp, received_at)) < 600, 'received', toString(timestamp)) AS time,
              row_number() OVER (PARTITION BY identity_key ORDER BY timestamp, seq) AS place
       FROM events FINAL WHERE source = {source:String} ORDER BY event_id`,
      { source },
    );
    const failed = await engine.query<Record<string, unknown>>(
      "SELECT field, reason, payload FROM failed_events WHERE source = {source:String} ORDER BY reason, payload",
      { source },
    );
    return { summary, events, failed, tookEnginePath: counting.count() > 0 };
  } finally {
    await sink.close();
  }
}

async function assertSame(file: string) {
  const js = await importWith(javascript, file, false);
  const engine = await importWith(engineSide, file, true);
  assert.equal(engine.tookEnginePath, true);
  assert.ok(js.events.length > 0);
  assert.deepEqual(engine.summary, js.summary);
  assert.equal(engine.events.length, js.events.length);
  engine.events.forEach((row, i) => {
    assert.deepEqual(row, js.events[i], `event ${String(row.event_id)}`);
  });
  assert.deepEqual(engine.failed, js.failed);
  return js;
}

test("XES read by way of the engine stores exactly what the JavaScript path stores, in the same order", async () => {
  const file = join(dir, "mixed.xes");
  writeFileSync(file, log());
  const js = await assertSame(file);
  // Both kinds were in the log: events taken by the fast lane and events rejected with their lines.
  assert.ok(js.summary.rejected > 10 && js.summary.imported > 300, JSON.stringify(js.summary));
  assert.ok(js.summary.rejections.every((r) => r.line > 2));
});

const receipt = join(SHARED_DATA, "journeys", "08_receipt.xes.gz");
test("the receipt log (gzip) the same both ways", {
  skip: existsSync(receipt) ? false : `${receipt} is absent`,
}, async () => {
  await assertSame(receipt);
});
