/**
 * Engine-side XES import: the log is read here (the engine does not read XML), each event becomes the same
 * Segment event the JavaScript path makes of it (`candidateEvent`, message id included), and the events go
 * to a temporary file (mode 0600, removed afterwards) that the NDJSON path's fast lane reads; events it does
 * not take are normalised here from their original row, with the log's line numbers, as the JavaScript path
 * does. test/import-xes.test.ts checks that both paths store the same rows.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { BehaviourModel } from "../behaviour/model.js";
import type { Engine } from "../store/engine.js";
import {
  type BulkResult,
  importLinesInEngine,
  type SlowLine,
  type SlowWriter,
  traceStep,
} from "./bulk-ndjson.js";
import { DEFAULT_LIMITS } from "./normalise.js";
import type { XesRow } from "./xes.js";

export async function importXesInEngine(
  engine: Engine,
  writeSlow: SlowWriter,
  options: {
    /** The log's path (its name goes into message ids and the source). */
    path: string;
    rows: AsyncIterable<XesRow>;
    /** A row as the Segment event it stands for, given its message id's key (candidateEvent). */
    toEvent: (value: unknown, key: string) => unknown;
    onRows?: (rows: number) => void;
    onProgress?: (step: string, done: number) => void;
    model?: BehaviourModel;
    memoryStagingMaxBytes?: number;
    source?: string;
  },
): Promise<BulkResult> {
  const fileName = basename(options.path);
  const folder = mkdtempSync(join(tmpdir(), "customer-flow-xes-"));
  try {
    const events = join(folder, "events.tsv");
    traceStep("converting the log's events");
    await writeEvents(events, fileName, options);
    return await importLinesInEngine(engine, writeSlow, {
      fileName,
      // Each line: the event's line in the log, its row as JSON, the event as JSON (JSON holds no raw tab).
      // A row too large for the JavaScript path's size check is left to it.
      lines: `SELECT toUInt64(ifNull(n, 0)) + 1 AS line_no,
                     if(length(parts[2]) <= ${DEFAULT_LIMITS.maxEventBytes}, parts[3], '') AS line,
                     concat(parts[1], '\t', parts[2]) AS original
              FROM (SELECT _row_number AS n, splitByChar('\t', line) AS parts FROM file({path:String}, 'LineAsString'))`,
      params: { path: events },
      stagedBytes: statSync(events).size,
      slowLines: (staging) => slowXesLines(engine, staging),
      toEvent: options.toEvent,
      onProgress: options.onProgress,
      model: options.model,
      memoryStagingMaxBytes: options.memoryStagingMaxBytes,
      source: options.source,
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function writeEvents(
  file: string,
  fileName: string,
  options: {
    rows: AsyncIterable<XesRow>;
    /** A row as the Segment event it stands for, given its message id's key (candidateEvent). */
    toEvent: (value: unknown, key: string) => unknown;
    onRows?: (rows: number) => void;
  },
): Promise<void> {
  const out = createWriteStream(file, { mode: 0o600 });
  const closed = new Promise<void>((resolve, reject) => {
    out.on("close", resolve);
    out.on("error", reject);
  });
  let text = "";
  let rows = 0;
  for await (const { row, line } of options.rows) {
    const raw = JSON.stringify(row);
    const event = options.toEvent(row, `${fileName}:${line}:${raw}`);
    text += `${line}\t${raw}\t${JSON.stringify(event)}\n`;
    if (++rows % 10_000 === 0) {
      if (!out.write(text)) await new Promise<void>((resolve) => out.once("drain", resolve));
      text = "";
      options.onRows?.(rows);
    }
  }
  out.end(text);
  await closed;
}

/** The events the fast lane left, as their rows with the log's line numbers, in order. */
async function* slowXesLines(engine: Engine, staging: string): AsyncIterable<SlowLine> {
  for await (const { line_no, line } of engine.stream<{ line_no: number; line: string }>(
    `SELECT line_no, slow_line AS line FROM ${staging} WHERE NOT fast ORDER BY line_no`,
  )) {
    const tab = line.indexOf("\t");
    const raw = line.slice(tab + 1);
    yield { line: Number(line.slice(0, tab)), order: Number(line_no), raw, value: JSON.parse(raw) };
  }
}
