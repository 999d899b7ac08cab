/**
 * Bulk import from CSV, NDJSON or XES files (optionally .gz), streamed in constant memory. Flat rows are
 * mapped to track events with the column options; NDJSON lines that are Segment-shaped events go in as
 * they are. Rows are validated by the same contract as the HTTP collector; rejected rows are stored in
 * failed_events with their line number and reason.
 */

import { createHash } from "node:crypto";
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
import { importNdjsonInEngine } from "./bulk-ndjson.js";
import type { FailedEvent, StoredEvent } from "./event-schema.js";
import { normaliseEvent, Sequence } from "./normalise.js";
import type { EventSink } from "./sink.js";
import { type ImportRejection, ImportTally } from "./tally.js";
import { readXes } from "./xes.js";

export type ImportFormat = "csv" | "ndjson" | "xes";

export interface ColumnMap {
  customer?: string;
  timestamp?: string;
  touchpoint?: string;
  channel?: string;
  text?: string;
  value?: string;
  event?: string;
}

export interface ImportOptions {
  file: string;
  format?: ImportFormat;
  delimiter?: string;
  columns?: ColumnMap;
  /**
   * An engine that can read the file itself (embedded, or the server holding the folder): NDJSON goes
   * through it, unless the store keeps identifiers hashed.
   */
  engine?: Engine;
  /** Default channel for rows that name none. */
  channel?: string;
  batchSize?: number;
  onProgress?: (progress: { rows: number; bytes: number; totalBytes: number }) => void;
  /** Labels texts on the engine-side NDJSON path (other paths are labelled by the sink). */
  model?: BehaviourModel;
  /** NDJSON files up to this size are staged in memory by the engine-side path (MEMORY_STAGING_MAX_BYTES). */
  memoryStagingMaxBytes?: number;
  /** The events' source column (default `import:` and the file's name; the demo's are `demo`). */
  source?: string;
}

export interface ImportSummary {
  imported: number;
  rejected: number;
  customers: number;
  format: ImportFormat;
  rejections: ImportRejection[];
}

export class ImportError extends Error {}

const GUESSES: Required<ColumnMap> = {
  customer:
    "customer,customer_id,customerid,case,case_id,caseid,case:concept:name,user_id,userid,user,client,id",
  timestamp: "timestamp,time,time:timestamp,datetime,date,ts,start_timestamp,invoicedate",
  touchpoint: "touchpoint,activity,concept:name,event,action,step,event_name",
  channel: "channel,case:channel,medium",
  text: "text,message,body,content",
  value: "value,amount,revenue,price,total",
  event: "",
};

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

function pick(
  row: Record<string, unknown>,
  explicit: string | undefined,
  guesses: string,
): [string | undefined, unknown] {
  if (explicit) return [explicit, row[explicit]];
  const lowered = new Map(Object.keys(row).map((k) => [k.toLowerCase(), k]));
  for (const guess of guesses.split(",")) {
    const key = guess && lowered.get(guess);
    if (key !== undefined && key !== "" && row[key] !== undefined && row[key] !== "") return [key, row[key]];
  }
  return [undefined, undefined];
}

/** Common spellings of the known channels in exported logs; anything else is kept as a lowercase slug. */
const CHANNEL_SYNONYMS: Record<string, string> = {
  "e-mail": "email",
  e_mail: "email",
  telephone: "phone",
  tel: "phone",
  internet: "web",
  website: "web",
  online: "web",
  "contact center": "contact_center",
  "call center": "contact_center",
  callcenter: "contact_center",
};

export function channelSlug(value: string): string {
  const lowered = value.trim().toLowerCase();
  return CHANNEL_SYNONYMS[lowered] ?? lowered.replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
}

/** Maps a flat row (CSV, XES or plain NDJSON) to a Segment-shaped track event. */
export function rowToEvent(
  row: Record<string, unknown>,
  columns: ColumnMap,
  defaults: { channel?: string; messageId: string },
): unknown {
  const used = new Set<string>();
  const take = (field: keyof ColumnMap) => {
    const [key, value] = pick(row, columns[field], GUESSES[field]);
    if (key) used.add(key);
    return value;
  };
  const customer = take("customer");
  const timestamp = take("timestamp");
  const touchpoint = take("touchpoint");
  const channel = take("channel") ?? defaults.channel;
  const text = take("text");
  const value = take("value");
  const properties: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(row)) if (!used.has(key) && v !== "") properties[key] = v;
  if (channel !== undefined && channel !== "") properties.channel = channelSlug(String(channel));
  if (touchpoint !== undefined) properties.touchpoint = String(touchpoint);
  if (text !== undefined && text !== "") properties.text = String(text);
  if (value !== undefined && value !== "") properties.value = value;
  return {
    type: "track",
    messageId: defaults.messageId,
    userId: customer === undefined || customer === "" ? undefined : String(customer),
    event: touchpoint === undefined || touchpoint === "" ? undefined : String(touchpoint),
    timestamp: timestamp === "" ? undefined : timestamp,
    properties,
  };
}

/**
 * A parsed line as an incoming event: Segment-shaped lines as they are, flat rows mapped with the column
 * options. Lines without a messageId get one from `key` (file, line number, text) so a re-import dedupes.
 */
export function candidateEvent(value: unknown, key: string, columns: ColumnMap, channel?: string): unknown {
  const messageId = createHash("sha1").update(key).digest("hex");
  return isSegmentShaped(value)
    ? { messageId, ...(value as object) }
    : rowToEvent(value as Record<string, unknown>, columns, { channel, messageId });
}

function isSegmentShaped(value: unknown): boolean {
  const v = value as Record<string, unknown>;
  return typeof v?.type === "string" && ("userId" in v || "anonymousId" in v);
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
  // engine-side path stores and links traits as they come.
  if (format === "ndjson" && options.engine && !(await hashesPii(options.engine))) {
    const result = await importNdjsonInEngine(options.engine, write, {
      path: resolve(options.file),
      toEvent: (value, key) => candidateEvent(value, key, columns, options.channel),
      // The engine reads the file in one statement: progress goes by step, as a share of the bytes.
      onProgress: (_step, done) =>
        options.onProgress?.({ rows: 0, bytes: Math.round(done * totalBytes), totalBytes }),
      model: options.model,
      memoryStagingMaxBytes: options.memoryStagingMaxBytes,
      source: options.source,
    });
    options.onProgress?.({ rows: result.imported + result.rejected, bytes: totalBytes, totalBytes });
    return { ...result, format };
  }

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
  if (format === "csv") {
    const delimiter = options.delimiter ?? detectDelimiter(await readSample(options.file));
    source$ = csvRows(options.file, delimiter, counter);
  } else if (format === "ndjson") source$ = ndjsonRows(options.file, counter);
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
