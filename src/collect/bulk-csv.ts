/**
 * Engine-side CSV import: the engine reads the file's lines and, for each plain line (no quote, no control
 * character, valid UTF-8, as many fields as the header, outside any quoted field), builds in SQL the same
 * Segment-shaped event `rowToEvent` would, message id included; those lines then take the NDJSON path's
 * fast lane (`importLinesInEngine`). Every other line, and every plain line that lane does not take, is read
 * back and parsed here by csv-parse, as the JavaScript path reads the whole file, so there is one definition
 * of a record, of a valid event and of each line number. A file whose layout the engine cannot follow
 * exactly (a quoted or duplicated header, mixed line endings, a stray carriage return, malformed quotes)
 * returns undefined and takes the JavaScript path. test/import-csv.test.ts checks that both paths store the
 * same rows.
 */
import { basename } from "node:path";
import { parse as parseCsvText } from "csv-parse/sync";
import type { BehaviourModel } from "../behaviour/model.js";
import type { Engine } from "../store/engine.js";
import { formatTime } from "../store/time.js";
import {
  type BulkResult,
  expandedSize,
  importLinesInEngine,
  normalisedLines,
  type SlowLine,
  type SlowWriter,
  stagingEngine,
  traceStep,
  WHOLE_EVALUATION,
} from "./bulk-ndjson.js";
import { DEFAULT_LIMITS } from "./normalise.js";
import { CHANNEL_SYNONYMS, type ColumnMap, columnGuesses } from "./row-mapping.js";

/** What the engine path needs to know of a CSV file, read from its first lines. */
export interface CsvLayout {
  header: string[];
  delimiter: string;
  /** Lines end with CRLF (else LF). */
  crlf: boolean;
}

/** Names JavaScript would not keep as plain keys in insertion order (array indices, the prototype). */
const UNORDERED_KEY = /^(0|[1-9]\d{0,9})$/;

/**
 * The header and line ending of a CSV file from its first bytes, or undefined when the engine path cannot
 * reproduce csv-parse on it. csv-parse (columns, relax_column_count, skip_empty_lines, bom) takes the first
 * line as the header and the first line ending as the record delimiter.
 */
export function csvLayout(sample: string, delimiter: string, columns: ColumnMap): CsvLayout | undefined {
  const text = sample.startsWith("\uFEFF") ? sample.slice(1) : sample;
  const end = text.indexOf("\n");
  if (end <= 0) return undefined;
  const crlf = text[end - 1] === "\r";
  const headerLine = text.slice(0, crlf ? end - 1 : end);
  if (headerLine === "" || /["\r]/.test(headerLine)) return undefined;
  const header = headerLine.split(delimiter);
  if (new Set(header).size !== header.length) return undefined;
  // Keys with no plain order in a JavaScript object, control characters (JSON escapes them), or a header that
  // makes a row look like a Segment event (candidateEvent would take it as one).
  if (header.some((h) => h === "" || h === "__proto__" || UNORDERED_KEY.test(h) || hasControlCharacter(h)))
    return undefined;
  if (header.includes("type") && (header.includes("userId") || header.includes("anonymousId")))
    return undefined;
  // A column named explicitly must exist (rowToEvent would read undefined from every row).
  if (Object.values(columns).some((name) => name !== undefined && name !== "" && !header.includes(name)))
    return undefined;
  return { header, delimiter, crlf };
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

/** A string literal for SQL (the engine's escaping: backslash and quote). */
const literal = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
/** A plain field as a JSON string's content: it holds no quote or control character, so only backslashes. */
const escaped = (field: string) => `replaceAll(${field}, '\\\\', '\\\\\\\\')`;

/**
 * The SQL index (1-based; 0: none) of the column a row's field comes from, as rowToEvent's `pick` chooses it:
 * the named column, or the first guessed column whose value in this row is not empty.
 */
function chosenColumn(header: string[], explicit: string | undefined, guesses: string[]): string {
  if (explicit) return String(header.indexOf(explicit) + 1);
  const lowered = new Map(header.map((name, i) => [name.toLowerCase(), i + 1]));
  const candidates = guesses.map((g) => (g ? lowered.get(g) : undefined)).filter((i) => i !== undefined);
  if (candidates.length === 0) return "0";
  return `multiIf(${candidates.map((i) => `fields[${i}] != '', ${i}`).join(", ")}, 0)`;
}

/**
 * Every line of the file with `simple` and, for simple lines, `line`: the event rowToEvent and candidateEvent
 * make of its record; `is_record`: csv-parse reads the line as (part of) a record; `ending_ok`: it ends as the
 * header does. Parameters: path, delimiter, file.
 */
export function csvLinesSql(
  layout: CsvLayout,
  columns: ColumnMap,
  defaultChannel?: string,
  limit?: number,
): string {
  const { header } = layout;
  const guesses = columnGuesses();
  const pick = (field: keyof ColumnMap) => chosenColumn(header, columns[field], guesses[field]);
  const width = header.length;
  // JSON.stringify of each header name, with its colon.
  const keys = `[${header.map((h) => literal(`${JSON.stringify(h)}:`)).join(", ")}]`;
  const pair = (key: string, value: string) => `concat(${key}, '"', ${escaped(value)}, '"')`;
  // Columns that rowToEvent would also set as properties; a row keeping one of them unused is left to it.
  const reserved = header.flatMap((h, i) =>
    ["channel", "touchpoint", "text", "value"].includes(h) ? [i + 1] : [],
  );
  const synonyms = Object.entries(CHANNEL_SYNONYMS);
  const channelValue =
    defaultChannel === undefined
      ? "if(i_channel = 0, NULL, v_channel)"
      : `if(i_channel = 0, ${literal(defaultChannel)}, v_channel)`;
  const slug = `transform(lower(trimBoth(channel_value)), [${synonyms.map(([k]) => literal(k)).join(", ")}], [${synonyms
    .map(([, v]) => literal(v))
    .join(
      ", ",
    )}], replaceRegexpAll(replaceRegexpAll(lower(trimBoth(channel_value)), '[^a-z0-9_]+', '_'), '^_+|_+$', ''))`;
  const controls = layout.delimiter === "\t" ? "[\\\\x00-\\\\x08\\\\x0a-\\\\x1f]" : "[\\\\x00-\\\\x1f]";
  return `
SELECT line_no, original, is_record, ending_ok, simple, if(simple, json, '') AS line FROM (
  SELECT *,
    -- Part of a record: not the header, and not an empty line outside quoted fields (csv-parse skips those).
    line_no > 1 AND NOT (original = '' AND NOT in_quotes) AS is_record,
    is_record AND NOT in_quotes AND position(original, '"') = 0 AND NOT match(original, '${controls}') AND isValidUTF8(original)
    AND length(fields) = ${width} AND length(record) <= ${DEFAULT_LIMITS.maxEventBytes}
    AND (channel_value IS NULL OR match(channel_value, '^[\\\\x20-\\\\x7e]*$'))
    AND NOT arrayExists(i -> fields[i] != '' AND NOT has(used, i), [${reserved.join(", ")}]::Array(UInt64)) AS simple,
    concat('{"type":"track","messageId":"', lower(hex(SHA1(concat({file:String}, ':', toString(line_no), ':', record)))), '"',
      if(v_customer != '', concat(',"userId":"', ${escaped("v_customer")}, '"'), ''),
      if(v_touchpoint != '', concat(',"event":"', ${escaped("v_touchpoint")}, '"'), ''),
      if(i_timestamp != 0 AND v_timestamp != '', concat(',"timestamp":"', ${escaped("v_timestamp")}, '"'), ''),
      ',"properties":{',
      arrayStringConcat(arrayConcat(
        arrayMap(i -> ${pair("keys[i]", "fields[i]")}, arrayFilter(i -> fields[i] != '' AND NOT has(used, i), range(1, ${width + 1}))),
        if(ifNull(channel_value, '') != '', [concat('"channel":"', ${slug}, '"')], []),
        if(i_touchpoint != 0, [${pair(`'"touchpoint":'`, "v_touchpoint")}], []),
        if(v_text != '', [${pair(`'"text":'`, "v_text")}], []),
        if(v_value != '', [${pair(`'"value":'`, "v_value")}], [])), ','),
      '}}') AS json
  FROM (
    SELECT *, ${channelValue} AS channel_value,
      ${["customer", "timestamp", "touchpoint", "channel", "text", "value"]
        // Index 0 (no column) reads as empty; arrays are 1-based.
        .map((f) => `if(i_${f} = 0, '', fields[greatest(i_${f}, 1)]) AS v_${f}`)
        .join(", ")},
      arrayFilter(i -> i != 0, [i_customer, i_timestamp, i_touchpoint, i_channel, i_text, i_value]) AS used
    FROM (
      SELECT *, ${keys} AS keys,
        concat('{', arrayStringConcat(arrayMap((k, f) -> ${pair("k", "f")}, arrayResize(keys, length(fields)), fields), ','), '}') AS record,
        toUInt64(${pick("customer")}) AS i_customer, toUInt64(${pick("timestamp")}) AS i_timestamp,
        toUInt64(${pick("touchpoint")}) AS i_touchpoint, toUInt64(${pick("channel")}) AS i_channel,
        toUInt64(${pick("text")}) AS i_text, toUInt64(${pick("value")}) AS i_value
      FROM (
        SELECT line_no, original, splitByChar({delimiter:String}, original) AS fields,
          ifNull(sum(countSubstrings(original, '"')) OVER (ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) % 2 = 1 AS in_quotes,
          ending_ok
        FROM (
          SELECT toUInt64(ifNull(_row_number, 0)) + 1 AS line_no,
            ${layout.crlf ? "if(endsWith(line, '\\r'), substring(line, 1, length(line) - 1), line)" : "line"} AS original,
            ${layout.crlf ? "endsWith(line, '\\r') AND position(original, '\\r') = 0" : "position(line, '\\r') = 0"} AS ending_ok
          FROM file({path:String}, 'LineAsString') ${limit === undefined ? "" : `LIMIT ${Math.trunc(limit)}`}
        )
      )
    )
  )
)`;
}

/**
 * Imports a CSV file the engine can read (an absolute path on this machine), or returns undefined when its
 * layout needs the JavaScript path; nothing has been written then.
 */
export async function importCsvInEngine(
  engine: Engine,
  writeSlow: SlowWriter,
  options: {
    path: string;
    sample: string;
    delimiter: string;
    columns: ColumnMap;
    channel?: string;
    toEvent: (value: unknown, key: string) => unknown;
    onProgress?: (step: string, done: number) => void;
    model?: BehaviourModel;
    memoryStagingMaxBytes?: number;
    source?: string;
  },
): Promise<BulkResult | undefined> {
  const layout = csvLayout(options.sample, options.delimiter, options.columns);
  if (!layout) return undefined;
  const lines = `csv_lines_${Math.random().toString(16).slice(2, 14)}`;
  const params = { path: options.path, delimiter: layout.delimiter, file: basename(options.path) };
  const stagedBytes = expandedSize(options.path);
  traceStep("reading the first lines in the engine");
  options.onProgress?.("reading in the engine", 0);
  // The file's first lines tell whether the fast lane would take most of it, before the whole file is staged.
  const [probe] = await engine.query<{ records: number; fast: number }>(
    `SELECT count() AS records, countIf(fast) AS fast
     FROM (${normalisedLines(
       `SELECT line_no, if(simple, line, '') AS line, original FROM (${csvLinesSql(layout, options.columns, options.channel, PROBE_LINES)})
        WHERE is_record`,
     )})
     SETTINGS ${WHOLE_EVALUATION}`,
    { ...params, source: "", received: Date.now(), received_text: formatTime(Date.now()), seq_base: 0 },
  );
  if (Number(probe?.fast ?? 0) < FAST_SHARE_TO_PROCEED * Number(probe?.records ?? 0)) return undefined;
  traceStep("reading the lines in the engine");
  await engine.command(
    `CREATE TABLE ${lines} ENGINE = ${stagingEngine(stagedBytes, options.memoryStagingMaxBytes)} AS
     SELECT line_no, original, is_record, simple, line, ending_ok FROM (${csvLinesSql(layout, options.columns, options.channel)})
     SETTINGS ${WHOLE_EVALUATION}`,
    params,
  );
  try {
    traceStep("checking the line ends and quoted fields");
    const records = await followableRecords(engine, lines, layout);
    if (records === undefined) return undefined;
    return await importLinesInEngine(engine, writeSlow, {
      fileName: basename(options.path),
      lines: `SELECT line_no, line, original FROM ${lines} WHERE simple`,
      params,
      stagedBytes,
      slowLines: (staging) => slowCsvLines(engine, staging, lines, layout),
      toEvent: options.toEvent,
      onProgress: options.onProgress,
      model: options.model,
      memoryStagingMaxBytes: options.memoryStagingMaxBytes,
      source: options.source,
      // Lines the fast lane does not take cost more here than on the JavaScript path (read back from the
      // engine after it staged them): under half of them, the JavaScript path reads the file.
      proceed: (fastRows) => fastRows >= FAST_SHARE_TO_PROCEED * records,
    });
  } finally {
    await engine.command(`DROP TABLE IF EXISTS ${lines}`);
  }
}

/**
 * How many records the staged lines hold, or undefined where csv-parse would read them otherwise than this
 * path: line endings it counts differently (a lone CR, a line without the header's CR) or quotes it rejects.
 * The JavaScript path then reads the file and reports what it finds.
 */
async function followableRecords(
  engine: Engine,
  lines: string,
  layout: CsvLayout,
): Promise<number | undefined> {
  const [check] = await engine.query<{ bad: number; records: number }>(
    `SELECT countIf(NOT ending_ok AND line_no < (SELECT max(line_no) FROM ${lines})) + countIf(position(original, '\\r') > 0) AS bad,
            countIf(is_record) AS records
     FROM ${lines}`,
  );
  if (Number(check?.bad ?? 0) > 0) return undefined;
  try {
    // Reading them all is the check: csv-parse throws on malformed quotes.
    for await (const _ of quotedRecords(engine, lines, layout));
  } catch (error) {
    if (error instanceof CsvParseFailed) return undefined;
    throw error;
  }
  return Number(check?.records ?? 0);
}

class CsvParseFailed extends Error {}

/** The share of a file's records the fast lane must take for the engine path to go on. */
export const FAST_SHARE_TO_PROCEED = 0.5;
/** Lines read first to tell whether the fast lane takes most of a file. */
const PROBE_LINES = 5_000;

/**
 * The records of the lines that are not simple, read by csv-parse with the file's line numbers. Lines between
 * them are given to it as empty lines (which it skips), so that nearby runs of such lines are read in one
 * call; each run starts outside any quoted field.
 */
async function* quotedRecords(engine: Engine, lines: string, layout: CsvLayout): AsyncIterable<SlowLine> {
  let block: string[] = [];
  let first = 0;
  let next = 0;
  const flush = function* (): Iterable<SlowLine> {
    if (block.length === 0) return;
    yield* parseRun(block.join(layout.crlf ? "\r\n" : "\n"), first - 1, layout);
    block = [];
  };
  for await (const { line_no, original } of engine.stream<{ line_no: number; original: string }>(
    `SELECT line_no, original FROM ${lines} WHERE is_record AND NOT simple ORDER BY line_no`,
  )) {
    const lineNo = Number(line_no);
    const gap = lineNo - next;
    if (block.length === 0 || gap > MAX_GAP_LINES || block.length >= MAX_BLOCK_LINES) {
      yield* flush();
      first = lineNo;
    } else for (let i = 0; i < gap; i++) block.push("");
    block.push(original);
    next = lineNo + 1;
  }
  yield* flush();
}

/** Lines between two runs given as empty lines rather than parsing the runs apart, and lines per call. */
const MAX_GAP_LINES = 1_000;
const MAX_BLOCK_LINES = 50_000;

function* parseRun(text: string, offset: number, layout: CsvLayout): Iterable<SlowLine> {
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parseCsvText(text, {
      columns: layout.header,
      delimiter: layout.delimiter,
      record_delimiter: layout.crlf ? "\r\n" : "\n",
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    });
  } catch (error) {
    throw new CsvParseFailed((error as Error).message);
  }
  for (const { record, info } of records)
    yield { line: offset + info.lines, raw: JSON.stringify(record), value: record };
}

/** Simple lines the fast lane did not take and the other lines' records, merged in line order. */
async function* slowCsvLines(
  engine: Engine,
  staging: string,
  lines: string,
  layout: CsvLayout,
): AsyncIterable<SlowLine> {
  const quoted = quotedRecords(engine, lines, layout)[Symbol.asyncIterator]();
  let pending = await quoted.next();
  for await (const { line_no, line } of engine.stream<{ line_no: number; line: string }>(
    `SELECT line_no, slow_line AS line FROM ${staging} WHERE NOT fast ORDER BY line_no`,
  )) {
    const lineNo = Number(line_no);
    while (!pending.done && pending.value.line < lineNo) {
      yield pending.value;
      pending = await quoted.next();
    }
    const fields = line.split(layout.delimiter);
    const record: Record<string, string> = {};
    layout.header.forEach((name, i) => {
      record[name] = fields[i]!;
    });
    yield { line: lineNo, raw: JSON.stringify(record), value: record };
  }
  while (!pending.done) {
    yield pending.value;
    pending = await quoted.next();
  }
}
