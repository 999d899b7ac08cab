/**
 * Bulk import from CSV, NDJSON or XES files (optionally .gz), streamed in constant memory. Flat rows are
 * mapped to track events with the column options; NDJSON lines that are Segment-shaped events go in as
 * they are. Rows are validated by the same contract as the HTTP collector; rejected rows are stored in
 * failed_events with their line number and reason.
 */

import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { createInterface } from "node:readline";
import { type Readable, Transform } from "node:stream";
import { createGunzip, gunzipSync } from "node:zlib";
import { parse as parseCsv } from "csv-parse";
import type { BehaviourModel } from "../behaviour/model.js";
import { hashesPii } from "../privacy/store.js";
import type { Engine } from "../store/engine.js";
import { formatTime } from "../store/time.js";
import { importCsvInEngine } from "./bulk-csv.js";
import { type BulkResult, expandedSize, importNdjsonInEngine } from "./bulk-ndjson.js";
import { importXesInEngine } from "./bulk-xes.js";
import type { FailedEvent, StoredEvent } from "./event-schema.js";
import { normaliseEvent, Sequence } from "./normalise.js";
import { type ColumnMap, candidateEvent } from "./row-mapping.js";
import type { EventSink } from "./sink.js";
import { type ImportRejection, ImportTally } from "./tally.js";
import { readXes } from "./xes.js";

export type ImportFormat = "csv" | "ndjson" | "xes";
export { type ColumnMap, candidateEvent, channelSlug, rowToEvent } from "./row-mapping.js";

export interface ImportOptions {
  file: string;
  format?: ImportFormat;
  delimiter?: string;
  columns?: ColumnMap;
  /**
   * An engine that can read the file itself (embedded, or the server holding the folder): NDJSON, CSV and
   * XES go through it, unless the store keeps identifiers hashed.
   */
  engine?: Engine;
  /** Default channel for rows that name none. */
  channel?: string;
  batchSize?: number;
  onProgress?: (progress: { rows: number; bytes: number; totalBytes: number }) => void;
  /** Labels texts on the engine-side paths (the JavaScript path is labelled by the sink). */
  model?: BehaviourModel;
  /** NDJSON files up to this size are staged in memory by the engine-side path (MEMORY_STAGING_MAX_BYTES). */
  memoryStagingMaxBytes?: number;
  /** The events' source column (default `import:` and the file's name; the demo's are `demo`). */
  source?: string;
  /** CSV and XES files from this size are read by the engine when it can (ENGINE_MIN_BYTES). */
  engineMinBytes?: number;
}

/**
 * Below this size the engine path's fixed cost (the engine analyses each of its three statements for 0.3-0.4 s) is more than the
 * JavaScript path takes for the whole file (docs/benchmarks.md).
 */
export const ENGINE_MIN_BYTES = 4 << 20;

export interface ImportSummary {
  imported: number;
  rejected: number;
  customers: number;
  format: ImportFormat;
  rejections: ImportRejection[];
}

export class ImportError extends Error {}

export function detectFormat(file: string): ImportFormat {
  const name = file.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".xes")) return "xes";
  if (name.endsWith(".ndjson") || name.endsWith(".jsonl") || name.endsWith(".json")) return "ndjson";
  if (name.endsWith(".csv") || name.endsWith(".tsv") || name.endsWith(".txt")) return "csv";
  throw new ImportError(`cannot tell the format of ${basename(file)}: use --format csv|ndjson|xes`);
}

/** Picks the delimiter that splits the header line into the most fields (consistent in the next lines). */
export function detectDelimiter(sample: string): string {
  const lines = sample
    .split(/\r?\n/)
    .filter((l) => l.length > 0)
    .slice(0, 5);
  let best = ",";
  let bestScore = 0;
  for (const candidate of [",", ";", "\t", "|"]) {
    const counts = lines.map((l) => l.split(candidate).length - 1);
    const first = counts[0] ?? 0;
    const consistent = counts.every((c) => c === first);
    const score = first * (consistent ? 2 : 1);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

interface ByteCounter {
  bytes: number;
}

function openText(file: string, counter: ByteCounter): Readable {
  const counted = createReadStream(file).pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        counter.bytes += chunk.length;
        done(null, chunk);
      },
    }),
  );
  const stream = file.endsWith(".gz") ? counted.pipe(createGunzip()) : counted;
  stream.setEncoding("utf8");
  return stream;
}

async function readSample(file: string): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    let bytes = buffer.subarray(0, bytesRead);
    if (file.endsWith(".gz")) {
      try {
        bytes = gunzipSync(bytes, { finishFlush: 2 });
      } catch {
        return "";
      }
    }
    return bytes.toString("utf8");
  } finally {
    await handle.close();
  }
}

interface SourceRow {
  line: number;
  raw: string;
  value: unknown;
}

async function* csvRows(file: string, delimiter: string, counter: ByteCounter): AsyncIterable<SourceRow> {
  const parser = openText(file, counter).pipe(
    parseCsv({
      columns: true,
      delimiter,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    }),
  );
  for await (const record of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    yield { line: record.info.lines, raw: JSON.stringify(record.record), value: record.record };
  }
}

async function* ndjsonRows(file: string, counter: ByteCounter): AsyncIterable<SourceRow> {
  const lines = createInterface({ input: openText(file, counter), crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      value = new ImportError(`not valid JSON: ${(error as Error).message}`);
    }
    yield { line, raw: text, value };
  }
}

async function* xesRows(file: string, counter: ByteCounter): AsyncIterable<SourceRow> {
  for await (const { row, line } of readXes(openText(file, counter) as AsyncIterable<string>)) {
    yield { line, raw: JSON.stringify(row), value: row };
  }
}

export async function importFile(sink: EventSink, options: ImportOptions): Promise<ImportSummary> {
  const format = options.format ?? detectFormat(options.file);
  const columns = options.columns ?? {};
  const { size: totalBytes } = await stat(options.file);
  const write = (rows: { events: StoredEvent[]; failures: FailedEvent[] }) =>
    Promise.all([sink.writeEvents(rows.events), sink.writeFailures(rows.failures)]).then(() => undefined);

  // A store that keeps identifiers hashed takes every line through the sink, which hashes them; the
  // engine-side paths store and link traits as they come.
  const inEngine = options.engine && !(await hashesPii(options.engine)) ? options.engine : undefined;
  const toEvent = (value: unknown, key: string) => candidateEvent(value, key, columns, options.channel);
  const inEngineOptions = {
    path: resolve(options.file),
    model: options.model,
    memoryStagingMaxBytes: options.memoryStagingMaxBytes,
    source: options.source,
    // The engine reads the file in one statement: progress goes by step, as a share of the bytes.
    onProgress: (_step: string, done: number) =>
      options.onProgress?.({ rows: 0, bytes: Math.round(done * totalBytes), totalBytes }),
  };
  const finished = (result: BulkResult): ImportSummary => {
    options.onProgress?.({ rows: result.imported + result.rejected, bytes: totalBytes, totalBytes });
    return { ...result, format };
  };
  const largeEnough = () => expandedSize(options.file) >= (options.engineMinBytes ?? ENGINE_MIN_BYTES);
  const sample = format === "csv" ? await readSample(options.file) : "";
  const delimiter = options.delimiter ?? detectDelimiter(sample);
  if (format === "csv" && inEngine && largeEnough()) {
    const result = await importCsvInEngine(inEngine, write, {
      ...inEngineOptions,
      sample,
      delimiter,
      columns,
      channel: options.channel,
      toEvent,
    });
    if (result) return finished(result);
  }
  if (format === "xes" && inEngine && largeEnough()) {
    const counter: ByteCounter = { bytes: 0 };
    return finished(
      await importXesInEngine(inEngine, write, {
        ...inEngineOptions,
        rows: readXes(openText(options.file, counter) as AsyncIterable<string>),
        toEvent,
        // Reading the log is most of the work here: progress by its bytes, then by step.
        onRows: (rows) => options.onProgress?.({ rows, bytes: Math.round(counter.bytes / 2), totalBytes }),
        onProgress: (_step, done) =>
          options.onProgress?.({ rows: 0, bytes: Math.round(totalBytes * (0.5 + done / 2)), totalBytes }),
      }),
    );
  }
  if (format === "ndjson" && inEngine)
    return finished(await importNdjsonInEngine(inEngine, write, { ...inEngineOptions, toEvent }));

  const fileName = basename(options.file);
  const source = options.source ?? `import:${fileName}`;
  const receivedAt = Date.now();
  const receivedText = formatTime(receivedAt);
  const tally = new ImportTally(source, receivedText);
  const sequence = new Sequence();
  const batchSize = options.batchSize ?? 20_000;
  const inFlight: Promise<void>[] = [];
  const counter: ByteCounter = { bytes: 0 };
  let source$: AsyncIterable<SourceRow>;
  if (format === "csv") source$ = csvRows(options.file, delimiter, counter);
  else if (format === "ndjson") source$ = ndjsonRows(options.file, counter);
  else source$ = xesRows(options.file, counter);

  let rows = 0;
  for await (const { line, raw, value } of source$) {
    rows++;
    const result =
      value instanceof ImportError
        ? { rejected: { field: "(line)", reason: value.message } }
        : normaliseEvent(candidateEvent(value, `${fileName}:${line}:${raw}`, columns, options.channel), {
            source,
            receivedAt,
            receivedText,
            sequence,
            sizeBytes: Buffer.byteLength(raw),
          });
    tally.add(line, raw, result);
    if (tally.pending >= batchSize) {
      // Two batches in flight: parsing the next one overlaps the engine's write of the last.
      inFlight.push(write(tally.take()));
      if (inFlight.length >= 2) await inFlight.shift();
      options.onProgress?.({ rows, bytes: counter.bytes, totalBytes });
    }
  }
  inFlight.push(write(tally.take()));
  await Promise.all(inFlight);
  options.onProgress?.({ rows, bytes: totalBytes, totalBytes });
  const { imported, rejected, rejections } = tally;
  return { imported, rejected, customers: tally.customers.size, format, rejections };
}
