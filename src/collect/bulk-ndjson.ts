/**
 * Engine-side NDJSON import: the engine reads the file itself (chDB in this process, or the server that
 * holds the folder) and normalises the common case in SQL, which is several times faster than parsing and
 * validating every line in JavaScript. A line is taken here only when the SQL result is certain to equal
 * what `normaliseEvent` would produce ("fast" lines: Segment-shaped track/page/screen/identify with string
 * ids, ISO-8601 times and object properties). Every other line, including every line to be rejected, goes
 * through `normaliseEvent` itself, so there is one definition of a valid event and of each error message.
 * test/import.test.ts checks that both paths store the same rows.
 */
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { basename } from "node:path";
import { loadModel } from "../behaviour/classifier.js";
import type { BehaviourColumns } from "../behaviour/columns.js";
import type { BehaviourModel } from "../behaviour/model.js";
import { type IdentityLink, linksOf } from "../identity/identifiers.js";
import { applyLinks, KnownLinks } from "../identity/identity-store.js";
import type { ClassifiedTexts } from "../lanes/consumers.js";
import { AnalyticLane } from "../lanes/pool.js";
import { type Engine, queryInChunks } from "../store/engine.js";
import { formatTime } from "../store/time.js";
import { type FailedEvent, MAX_ID_LENGTH, type StoredEvent } from "./event-schema.js";
import { DEFAULT_LIMITS, MAX_EVENT_DEPTH, MAX_FUTURE_MS, normaliseEvent, Sequence } from "./normalise.js";
import { type ImportRejection, ImportTally } from "./tally.js";

const ISO_WITH_ZONE =
  "^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}(\\\\.\\\\d{1,3})?(Z|[+-]\\\\d{2}:\\\\d{2})$";

// Each line is parsed once into maps of raw JSON values (t: the event, p: properties, c: context); a raw
// value's first character tells its type. A key absent from a map reads as ''.
const isString = (raw: string) => `startsWith(${raw}, '"')`;
const isObject = (raw: string) => `startsWith(${raw}, '{')`;
const isNullish = (raw: string) => `(${raw} IN ('', 'null'))`;
const text = (raw: string) => `JSONExtractString(${raw})`;
/** A string field: absent, or a string of the given lengths. */
const stringField = (key: string, min: number, max: number) =>
  `(NOT mapContains(t, '${key}') OR (${isString(`t['${key}']`)} AND lengthUTF8(${text(`t['${key}']`)}) BETWEEN ${min} AND ${max}))`;
const idField = (key: string) =>
  `(${isNullish(`t['${key}']`)} OR (${isString(`t['${key}']`)} AND lengthUTF8(${text(`t['${key}']`)}) BETWEEN 1 AND ${MAX_ID_LENGTH}))`;
const timeField = (key: string) =>
  `(NOT mapContains(t, '${key}') OR (${isString(`t['${key}']`)} AND match(${text(`t['${key}']`)}, '${ISO_WITH_ZONE}')))`;
const objectField = (map: string, key: string) =>
  `(NOT mapContains(${map}, '${key}') OR ${isObject(`${map}['${key}']`)})`;
const stringProp = (map: string, key: string) =>
  `if(${isString(`${map}['${key}']`)}, ${text(`${map}['${key}']`)}, '')`;
/**
 * A string that JavaScript's Number() and the engine's precise parser read as the same number: plain decimal
 * digits, at most 15 of them (CSV columns hold values as strings; normaliseEvent reads them with Number()).
 */
const plainNumberString = (raw: string) =>
  `(match(${raw}, '^"-?[0-9]+(\\\\.[0-9]+)?"$') AND length(${raw}) <= 18)`;
/** A value property: a JSON number, or a plain number written as a string. */
const numberProp = (key: string) =>
  `multiIf(match(p['${key}'], '^-?[0-9]'), JSONExtractFloat(p['${key}']), ${plainNumberString(`p['${key}']`)}, toFloat64OrNull(JSONExtractString(p['${key}'])), NULL)`;
/** A value property the fast lane reads as normaliseEvent does: absent, not a string, or a plain number string. */
const valueField = (key: string) => `(NOT ${isString(`p['${key}']`)} OR ${plainNumberString(`p['${key}']`)})`;
const asMap = (json: string) =>
  `mapFromArrays(arrayMap(x -> x.1, JSONExtractKeysAndValuesRaw(${json})), arrayMap(x -> x.2, JSONExtractKeysAndValuesRaw(${json})))`;

/** An NDJSON file's lines, numbered from 1 (parameter: path); `original` is what the slow path reads. */
export const NDJSON_LINES =
  "SELECT toUInt64(ifNull(_row_number, 0)) + 1 AS line_no, line, line AS original FROM file({path:String}, 'LineAsString')";

/**
 * Every line of `lines` (line_no, line: a Segment-shaped JSON text, original) with its stored-row columns and
 * `fast` (1 when the row may be taken as computed). Parameters: file (the file's name, for message ids),
 * source, received (ms), received_text, seq_base, and those of `lines`.
 * A line with at most MAX_EVENT_DEPTH opening brackets cannot nest deeper than that; others take the slow path.
 */
export const normalisedLines = (lines: string) => `
SELECT *,
  valid AND unique_keys AND length(line) <= ${DEFAULT_LIMITS.maxEventBytes}
  AND ${isString("t['type']")} AND type IN ('track', 'page', 'screen', 'identify')
  AND ${idField("userId")} AND ${idField("anonymousId")} AND (user_id != '' OR anonymous_id != '')
  AND ${stringField("messageId", 1, 256)} AND ${stringField("event", 1, 512)} AND ${stringField("name", 0, 512)}
  AND (type != 'track' OR name_event != '')
  AND ${timeField("timestamp")} AND ${timeField("originalTimestamp")} AND ${timeField("sentAt")}
  AND ${objectField("t", "properties")} AND ${objectField("t", "traits")} AND ${objectField("t", "context")}
  AND (mapContains(t, 'traits') OR ${objectField("c", "traits")})
  AND ${valueField("value")} AND ${valueField("revenue")} AND ${valueField("total")}
  AND match(channel, '^[a-z][a-z0-9_]{0,31}$') AND lengthUTF8(touchpoint) <= 256
  AND position(line, '\\r') = 0
  AND countSubstrings(line, '{') + countSubstrings(line, '[') <= ${MAX_EVENT_DEPTH}
  AND time_ms BETWEEN 0 AND least(10413791999000, {received:Int64} + ${MAX_FUTURE_MS}) AS fast
FROM (
  SELECT *,
    multiIf(NOT has_client, {received:Int64}, has_sent, {received:Int64} - (sent_ms - client_ms), client_ms) AS time_ms,
    lowerUTF8(multiIf(${stringProp("p", "channel")} != '', ${stringProp("p", "channel")},
                      ${stringProp("c", "channel")} != '', ${stringProp("c", "channel")},
                      type = 'page', 'web', type = 'screen', 'app', 'other')) AS channel,
    multiIf(${stringProp("p", "touchpoint")} != '', ${stringProp("p", "touchpoint")},
            ${stringProp("c", "touchpoint")} != '', ${stringProp("c", "touchpoint")},
            type = 'track', name_event,
            type IN ('page', 'screen'), multiIf(name_only != '', name_only, ${stringProp("p", "path")} != '', ${stringProp("p", "path")}, type),
            type) AS touchpoint
  FROM (
    SELECT *,
      ${text("t['type']")} AS type,
      ${stringProp("t", "userId")} AS user_id,
      ${stringProp("t", "anonymousId")} AS anonymous_id,
      ${stringProp("t", "event")} AS name_event,
      ${stringProp("t", "name")} AS name_only,
      if(${isObject("t['properties']")}, t['properties'], '{}') AS props,
      if(${isObject("t['context']")}, t['context'], '{}') AS ctx,
      ${asMap("props")} AS p,
      ${asMap("ctx")} AS c,
      mapContains(t, 'originalTimestamp') OR mapContains(t, 'timestamp') AS has_client,
      mapContains(t, 'sentAt') AS has_sent,
      toUnixTimestamp64Milli(parseDateTime64BestEffortOrZero(
        ${text("if(mapContains(t, 'originalTimestamp'), t['originalTimestamp'], t['timestamp'])")}, 3, 'UTC')) AS client_ms,
      toUnixTimestamp64Milli(parseDateTime64BestEffortOrZero(${text("t['sentAt']")}, 3, 'UTC')) AS sent_ms
    FROM (
      SELECT
        line_no,
        line,
        original,
        isValidJSON(line) AS valid,
        JSONExtractKeysAndValuesRaw(line) AS kv,
        mapFromArrays(arrayMap(x -> x.1, kv), arrayMap(x -> x.2, kv)) AS t,
        length(arrayDistinct(arrayMap(x -> x.1, kv))) = length(kv) AS unique_keys
      FROM (${lines})
    )
  )
)`;

/** The stored-row columns of a fast line, in the events table's terms. */
export const STORED_COLUMNS = `
  if(${isString("t['messageId']")}, ${text("t['messageId']")},
     lower(hex(SHA1(concat({file:String}, ':', toString(line_no), ':', line))))) AS event_id,
  type,
  if(name_event != '', name_event, name_only) AS name,
  if(user_id != '', concat('user:', user_id), concat('anon:', anonymous_id)) AS identity_key,
  user_id,
  anonymous_id,
  fromUnixTimestamp64Milli(if(fast, time_ms, 0), 'UTC') AS timestamp,
  toDateTime64({received_text:String}, 3, 'UTC') AS received_at,
  {seq_base:UInt64} + line_no AS seq,
  channel,
  touchpoint,
  if(${stringProp("p", "direction")} = 'outbound', 'outbound', 'inbound') AS direction,
  multiIf(${stringProp("p", "text")} != '', ${stringProp("p", "text")}, ${stringProp("p", "message")}) AS text,
  coalesce(${numberProp("value")}, ${numberProp("revenue")}, ${numberProp("total")}) AS value,
  substringUTF8(upperUTF8(${stringProp("p", "currency")}), 1, 8) AS currency,
  props AS properties,
  multiIf(${isObject("t['traits']")}, t['traits'], ${isObject("c['traits']")}, c['traits'], '{}') AS traits,
  ctx AS context,
  {source:String} AS source`;

export const EVENT_COLUMNS =
  "event_id, type, name, identity_key, user_id, anonymous_id, timestamp, received_at, seq, channel, touchpoint, direction, text, value, currency, properties, traits, context, source";

export interface BulkResult {
  imported: number;
  rejected: number;
  customers: number;
  rejections: ImportRejection[];
}

type LinkRow = Pick<
  StoredEvent,
  "event_id" | "type" | "identity_key" | "user_id" | "anonymous_id" | "traits" | "properties"
> & { seq: number };

/**
 * The normalising statements evaluate every condition on every line instead of short-circuiting: their
 * functions cannot fail on any input, and the engine's short-circuit masks over these nested conditions cost
 * it ten times as much (5,000 lines of 15 columns: 1.3-1.5 s short-circuited, 0.13-0.15 s without). Numbers
 * written as strings are parsed exactly, as JavaScript's Number() does.
 */
export const WHOLE_EVALUATION = "short_circuit_function_evaluation = 'disable', precise_float_parsing = 1";

/** Files up to this size are staged in memory; larger ones in a MergeTree table on disk. */
export const MEMORY_STAGING_MAX_BYTES = 1 << 30;
/** Names of files the engine decompresses as it reads them. */
const COMPRESSED = /\.(gz|gzip|zst|zstd|xz|bz2|br|lz4)$/i;

/** Applies the identity links of the staged fast lines, earliest first; returns how many there were. */
async function stitchIdentities(engine: Engine, staging: string): Promise<number> {
  const pairRows = await engine.query<Omit<LinkRow, "seq"> & { first_seq: number }>(
    `SELECT argMin(s.event_id, s.seq) AS event_id, argMin(s.type, s.seq) AS type, any(s.identity_key) AS identity_key,
            s.user_id AS user_id, s.anonymous_id AS anonymous_id, '{}' AS traits, '{}' AS properties, min(s.seq) AS first_seq
     FROM ${staging} AS s WHERE s.fast AND s.user_id != '' AND s.anonymous_id != '' GROUP BY s.user_id, s.anonymous_id`,
  );
  const traitRows = await engine.query<LinkRow>(
    // Properties only matter to alias calls, which never take the fast path.
    `SELECT event_id, type, identity_key, user_id, anonymous_id, traits, '{}' AS properties, seq
     FROM ${staging} WHERE fast AND traits != '{}'`,
  );
  const links: (IdentityLink & { seq: number })[] = [];
  for (const row of [
    ...pairRows.map(({ first_seq, ...rest }) => ({ ...rest, seq: first_seq })),
    ...traitRows,
  ]) {
    for (const link of linksOf(row as unknown as StoredEvent)) links.push({ ...link, seq: Number(row.seq) });
  }
  links.sort((a, b) => a.seq - b.seq);
  const known = new KnownLinks();
  for (let i = 0; i < links.length; i += 200_000)
    await applyLinks(engine, links.slice(i, i + 200_000), { known });
  return links.length;
}

/** An import may take hours: its classification task's deadline (under setTimeout's 24.8-day limit). */
const CLASSIFY_DEADLINE_MS = 24 * 3_600_000;

/**
 * The engine cannot run the classifier: the staged texts go to a worker thread of a one-worker lane (so
 * classifying runs beside identity stitching on this thread), and their labels come back into a table that
 * the insert joins on line number.
 */
async function classifyTexts(engine: Engine, staging: string, labels: string, model: BehaviourModel) {
  await engine.command(
    `CREATE TABLE ${labels} (line_no UInt64, behaviour String, behaviour_labels Array(String), behaviour_scores Array(Float32)) ENGINE = Memory`,
  );
  const lane = new AnalyticLane({ workers: 1, deadlineMs: CLASSIFY_DEADLINE_MS, maxMemoryMb: 4096 });
  let labelled: ClassifiedTexts;
  try {
    labelled = await lane.run<ClassifiedTexts>({
      kind: "classify",
      input: model.parts(),
      chunks: engine.streamChunks(`SELECT line_no, text FROM ${staging} WHERE fast AND text != ''`),
      key: "import",
    });
  } finally {
    await lane.close();
  }
  for (let start = 0; start < labelled.line_no.length; start += 50_000) {
    const rows: Array<{ line_no: number } & BehaviourColumns> = [];
    for (let i = start; i < Math.min(start + 50_000, labelled.line_no.length); i++)
      rows.push({
        line_no: labelled.line_no[i]!,
        behaviour: labelled.behaviour[i]!,
        behaviour_labels: labelled.behaviour_labels[i]!,
        behaviour_scores: labelled.behaviour_scores[i]!,
      });
    await engine.insert(labels, rows);
  }
}

/**
 * Inserts the staged fast rows that match `where`, with their behaviour labels when a labels table is given.
 * The ReplacingMergeTree's dedup by event_id happens in its merges (reads use FINAL where it matters, as for
 * any two inserts); doing it again on insert cost 1-2 s per million rows (docs/benchmarks.md).
 */
async function insertFastRows(engine: Engine, staging: string, where: string, labels?: string) {
  const columns = EVENT_COLUMNS.split(", ").map((c) => `s.${c}`);
  const behaviour = ["behaviour", "behaviour_labels", "behaviour_scores"];
  // Rows without a labels table take the columns' defaults: no behaviour.
  const target = labels ? [EVENT_COLUMNS, ...behaviour] : [EVENT_COLUMNS];
  const selected = labels ? [...columns, ...behaviour.map((c) => `b.${c}`)] : columns;
  await engine.command(
    `INSERT INTO events (${target.join(", ")})
     SETTINGS optimize_on_insert = 0, max_insert_threads = 2
     SELECT ${selected.join(", ")}
     FROM ${staging} AS s ${labels ? `LEFT JOIN ${labels} AS b ON s.line_no = b.line_no` : ""}
     WHERE s.fast AND s.${where}`,
  );
}

/** With CF_TRACE set, prints each step of an import as it starts, with the time. */
export function traceStep(step: string): void {
  if (process.env.CF_TRACE) process.stderr.write(`${new Date().toISOString()} ${step}\n`);
}

/** Writes the rows of the lines that did not take the fast path (normalised here) and the rejected ones. */
export type SlowWriter = (rows: { events: StoredEvent[]; failures: FailedEvent[] }) => Promise<void>;

/** A line (or record) that did not take the fast path: parsed, or why it could not be. */
export interface SlowLine {
  line: number;
  /** The line's place in the staged lines where it differs from `line` (its sequence follows it). */
  order?: number;
  raw: string;
  value: unknown;
  /** Set when the line could not be parsed: it is rejected with this reason. */
  unreadable?: string;
}

export interface LinesImportOptions {
  /** The file's name (message ids of lines without one) and the events' default source. */
  fileName: string;
  /** SQL giving line_no, line (a Segment-shaped JSON text) and original (what `slowLines` reads back). */
  lines: string;
  /** Parameters of `lines`. */
  params: Record<string, string | number>;
  /** The staged lines' expected size in bytes: up to memoryStagingMaxBytes they are staged in memory. */
  stagedBytes: number;
  /** The staged lines that did not take the fast path, in line order (`staging` holds line_no, fast, slow_line). */
  slowLines: (staging: string) => AsyncIterable<SlowLine>;
  toEvent: (value: unknown, key: string) => unknown;
  /** Each step as it starts, with the share of the import's time done before it (measured on 1M events). */
  onProgress?: (step: string, done: number) => void;
  model?: BehaviourModel;
  memoryStagingMaxBytes?: number;
  /** The events' source column (default `import:` and the file's name). */
  source?: string;
  /**
   * Asked, before anything is written, with how many lines the fast lane takes: false leaves the file to the
   * caller (undefined is returned).
   */
  proceed?: (fastRows: number) => boolean;
}

/**
 * Imports lines of Segment-shaped JSON that the engine computes (read from a file by the engine). Fast lines
 * go lines -> staging table -> events inside the engine; the rest come back through `slowLines` and are
 * normalised here. Identity links of the whole file are applied, earliest first, before any of its events is
 * inserted.
 */
export async function importLinesInEngine(
  engine: Engine,
  writeSlow: SlowWriter,
  options: LinesImportOptions & { proceed: (fastRows: number) => boolean },
): Promise<BulkResult | undefined>;
/** Without `proceed` it always imports. */
export async function importLinesInEngine(
  engine: Engine,
  writeSlow: SlowWriter,
  options: Omit<LinesImportOptions, "proceed">,
): Promise<BulkResult>;
export async function importLinesInEngine(
  engine: Engine,
  writeSlow: SlowWriter,
  options: LinesImportOptions,
): Promise<BulkResult | undefined> {
  const { fileName } = options;
  const source = options.source ?? `import:${fileName}`;
  const received = Date.now();
  const receivedText = formatTime(received);
  const seqBase = new Sequence().next();
  const staging = `import_staging_${randomBytes(6).toString("hex")}`;
  const labels = `${staging}_behaviour`;
  const params = {
    ...options.params,
    file: fileName,
    source,
    received,
    received_text: receivedText,
    seq_base: seqBase,
  };

  const trace = (step: string, done: number) => {
    traceStep(step);
    options.onProgress?.(step, done);
  };
  trace("reading in the engine", 0);
  await engine.command(
    `CREATE TABLE ${staging} ENGINE = ${stagingEngine(options.stagedBytes, options.memoryStagingMaxBytes)} AS
     SELECT ${STORED_COLUMNS}, line_no, toUInt8(ifNull(fast, 0)) AS fast, if(fast, '', original) AS slow_line
     FROM (${normalisedLines(options.lines)})
     SETTINGS ${WHOLE_EVALUATION}`,
    params,
  );
  try {
    const [counts] = await engine.query<{ fast_rows: number; customers: number; texts: number }>(
      `SELECT countIf(s.fast = 1) AS fast_rows, uniqExactIf(s.identity_key, s.fast = 1) AS customers,
              countIf(s.fast = 1 AND s.text != '') AS texts
       FROM ${staging} AS s`,
    );
    if (options.proceed && !options.proceed(Number(counts?.fast_rows ?? 0))) return undefined;
    // Without texts to label, no classifier worker is started (it takes about half a second to start).
    const texts = Number(counts?.texts ?? 0) > 0;
    trace(texts ? "stitching identities and classifying texts" : "stitching identities", 0.35);
    // Stitching and the insert of rows without text are engine work, classifying is JavaScript: they run
    // together, each filling the other's waits (the embedded engine runs statements off this thread).
    // Links are applied before any event is inserted, as on the ingest path.
    const [linkCount] = await Promise.all([
      stitchIdentities(engine, staging).then(async (links) => {
        trace(`applied ${links} links; inserting events without text`, 0.65);
        await insertFastRows(engine, staging, "text = ''");
        return links;
      }),
      texts ? classifyTexts(engine, staging, labels, options.model ?? loadModel()) : undefined,
    ]);
    if (texts) {
      trace(`inserting events with text (${linkCount} links applied)`, 0.9);
      await insertFastRows(engine, staging, "text != ''", labels);
    }
    const tally = new ImportTally(source, receivedText);
    trace("checking the remaining lines", 0.95);
    const sequence = new Sequence();
    const writes: Promise<void>[] = [];
    for await (const { line, order, raw, value, unreadable } of options.slowLines(staging)) {
      const result: ReturnType<typeof normaliseEvent> =
        unreadable !== undefined
          ? { rejected: { field: "(line)", reason: unreadable } }
          : normaliseEvent(options.toEvent(value, `${fileName}:${line}:${raw}`), {
              source,
              receivedAt: received,
              receivedText,
              sequence,
              seq: seqBase + (order ?? line),
              sizeBytes: Buffer.byteLength(raw),
            });
      tally.add(line, raw, result);
      if (tally.pending >= 20_000) {
        // Two batches in flight: normalising the next one overlaps the engine's write of the last.
        writes.push(writeSlow(tally.take()));
        if (writes.length >= 2) await writes.shift();
      }
    }
    trace("writing the remaining lines", 0.97);
    writes.push(writeSlow(tally.take()));
    await Promise.all(writes);
    trace("counting customers", 0.99);
    const { rejected, rejections, customers } = tally;
    const imported = Number(counts?.fast_rows ?? 0) + tally.imported;
    // Customers seen on both paths count once.
    const overlaps = await queryInChunks<{ n: number }>(
      engine,
      `SELECT uniqExact(identity_key) AS n FROM ${staging} WHERE fast AND identity_key IN {keys:Array(String)}`,
      "keys",
      [...customers],
    );
    const overlap = overlaps.reduce((sum, row) => sum + Number(row.n), 0);
    return {
      imported,
      rejected,
      rejections,
      customers: Number(counts?.customers ?? 0) + customers.size - overlap,
    };
  } finally {
    await engine.command(`DROP TABLE IF EXISTS ${staging}`);
    await engine.command(`DROP TABLE IF EXISTS ${labels}`);
  }
}

/**
 * A Memory table skips compressing and merging parts that live for seconds; it holds about the staged size
 * in memory, so above MEMORY_STAGING_MAX_BYTES the rows are staged on disk instead.
 */
export function stagingEngine(bytes: number, memoryStagingMaxBytes = MEMORY_STAGING_MAX_BYTES): string {
  return bytes <= memoryStagingMaxBytes ? "Memory" : "MergeTree ORDER BY tuple()";
}

/** The bytes a file expands to when read (a compressed file's counted as ten times its size). */
export function expandedSize(path: string): number {
  return statSync(path).size * (COMPRESSED.test(path) ? 10 : 1);
}

/** Imports an NDJSON file the engine can read (an absolute path on this machine). */
export async function importNdjsonInEngine(
  engine: Engine,
  writeSlow: SlowWriter,
  options: Omit<LinesImportOptions, "fileName" | "lines" | "params" | "stagedBytes" | "slowLines"> & {
    path: string;
  },
): Promise<BulkResult> {
  return importLinesInEngine(engine, writeSlow, {
    ...options,
    fileName: basename(options.path),
    lines: NDJSON_LINES,
    params: { path: options.path },
    stagedBytes: expandedSize(options.path),
    slowLines: (staging) => slowNdjsonLines(engine, staging),
  });
}

async function* slowNdjsonLines(engine: Engine, staging: string): AsyncIterable<SlowLine> {
  for await (const { line_no, line } of engine.stream<{ line_no: number; line: string }>(
    `SELECT line_no, slow_line AS line FROM ${staging} WHERE NOT fast AND trimBoth(slow_line) != '' ORDER BY line_no`,
  )) {
    const raw = line.endsWith("\r") ? line.slice(0, -1) : line;
    try {
      yield { line: Number(line_no), raw, value: JSON.parse(raw) };
    } catch (error) {
      yield {
        line: Number(line_no),
        raw,
        value: undefined,
        unreadable: `not valid JSON: ${(error as Error).message}`,
      };
    }
  }
}
