/**
 * The one seam between Customer Flow and its SQL engine (ClickHouse dialect everywhere).
 * Implementations: embedded chDB (chdb-engine.ts), a ClickHouse server (clickhouse-engine.ts) and a
 * running Customer Flow server that holds an embedded data folder (proxy-engine.ts).
 * Parameters use ClickHouse's binding syntax `{name:Type}`; user input is never spliced into SQL by hand.
 * A ClickHouse server binds them itself; the embedded engine writes each value into the statement as a
 * typed literal built from the value (literals.ts says why and how).
 */
export type QueryParams = Record<string, unknown>;

export interface Engine {
  /** Human-readable description for logs and `--json` output. */
  readonly description: string;
  /** The engine this one wraps (the same store with other query settings), if it wraps one. */
  readonly base?: Engine;
  /**
   * True when this process is the store's only writer (an embedded folder is locked to one process), so
   * what it keeps in memory about stored rows stays true (the identity index of identity-store.ts).
   */
  readonly exclusive?: boolean;
  /** Runs a statement that returns rows (JSONEachRow) and collects them. */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Runs a statement that returns nothing (DDL, OPTIMIZE, ...). */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** Inserts rows; `rows` may be objects or an NDJSON (JSONEachRow) buffer. Resolves after the engine commits. */
  insert(table: string, rows: readonly object[] | Buffer): Promise<void>;
  /** Streams rows of a query without buffering the whole result. */
  stream<T = Record<string, unknown>>(sql: string, params?: QueryParams): AsyncIterable<T>;
  /**
   * The same rows as JSONEachRow, unparsed: chunks of UTF-8 bytes (or text), which may end inside a line.
   * For work that parses them elsewhere (a worker thread of the analytic lane), so the serving thread
   * neither parses nor decodes large results.
   */
  streamChunks(sql: string, params?: QueryParams): AsyncIterable<Uint8Array | string>;
  /**
   * The same store with its statements on a connection of their own, for long reads and background
   * rebuilds: the embedded engine runs one connection's statements one at a time, so a read there would
   * hold up ingest's inserts until it ends. Absent where connections already run side by side (a
   * ClickHouse server) or only one can exist (the CLI's bridge to a server).
   */
  separateReads?(): Engine;
  close(): Promise<void>;
}

/** Where long reads and background rebuilds go: the engine's separate connection, or the engine itself. */
export function readConnection(engine: Engine): Engine {
  return engine.separateReads?.() ?? engine;
}

/**
 * Rows as JSONCompactEachRow (one JSON array per line) plus their column names: the engine parses this
 * about three times faster than JSONEachRow objects. All rows must have the keys of the first.
 */
export function toCompactRows(rows: readonly object[]): { columns: string[]; values: Buffer } {
  const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
  let out = "";
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    out += `${JSON.stringify(columns.map((c) => record[c]))}\n`;
  }
  return { columns, values: Buffer.from(out) };
}

export function toNdjson(rows: readonly object[]): Buffer {
  let out = "";
  for (const row of rows) out += `${JSON.stringify(row)}\n`;
  return Buffer.from(out);
}

/** Splits a text stream of JSONEachRow chunks into parsed rows. */
export async function* parseJsonEachRow<T>(chunks: AsyncIterable<string | Uint8Array>): AsyncIterable<T> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of chunks) {
    pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.length > 0) yield JSON.parse(line) as T;
      newline = pending.indexOf("\n");
    }
  }
  if (pending.trim().length > 0) yield JSON.parse(pending) as T;
}

export function parseJsonEachRowText<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split("\n")) if (line.length > 0) rows.push(JSON.parse(line) as T);
  return rows;
}

/** Longest array bound to one query: chDB stalled for minutes on one bound array of 100,000 strings (50,000 took 74 ms). */
export const MAX_BOUND_IDS = 10_000;

/**
 * Runs a query whose `{name:Array(String)}` parameter may be long, MAX_BOUND_IDS values at a time, and
 * concatenates the rows. Only for queries whose result is the union of the results for parts of the list.
 */
export async function queryInChunks<T>(
  engine: Engine,
  sql: string,
  name: string,
  values: readonly string[],
  params: QueryParams = {},
): Promise<T[]> {
  const rows: T[] = [];
  for (let i = 0; i < values.length; i += MAX_BOUND_IDS) {
    rows.push(...(await engine.query<T>(sql, { ...params, [name]: values.slice(i, i + MAX_BOUND_IDS) })));
  }
  return rows;
}
