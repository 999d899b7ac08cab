/**
 * Per-query limits for the API's reads: every SELECT an analytic route runs carries `max_execution_time`
 * and `max_memory_usage`, so one request cannot hold the engine for minutes or take the machine's memory.
 * Ingest, the CLI and background work use the engine as it is.
 */
import { type Engine, type QueryParams, readConnection } from "./engine.js";

export interface QueryLimits {
  /** Seconds a query may run before the engine stops it (TIMEOUT_EXCEEDED). */
  maxExecutionSeconds: number;
  /** Bytes of memory a query may use before the engine stops it (MEMORY_LIMIT_EXCEEDED). */
  maxMemoryBytes: number;
  /**
   * Linux nice value of the engine's threads for the query (`os_thread_priority`): above 0, analytic reads
   * yield the cores to ingest's inserts and the serving thread, which run at 0.
   */
  threadNice: number;
}

/** The nice value of work that may wait (analytic reads, the lane's workers, background refreshes). */
export const ANALYTIC_NICE = 10;

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxExecutionSeconds: 30,
  maxMemoryBytes: 8 * 1024 ** 3,
  threadNice: ANALYTIC_NICE,
};

const READING = /^\s*(select|with)\b/i;
/** A SETTINGS clause that ends the statement (our own SQL: simple name = value pairs). */
const TRAILING_SETTINGS = /\bSETTINGS\s+\w+\s*=\s*[\w.']+(\s*,\s*\w+\s*=\s*[\w.']+)*\s*$/i;

/** The statement with the limits added to its SETTINGS (only reading statements; others are returned as they are). */
export function limitQuery(sql: string, limits: QueryLimits): string {
  if (!READING.test(sql)) return sql;
  const settings = `max_execution_time = ${limits.maxExecutionSeconds}, max_memory_usage = ${Math.floor(limits.maxMemoryBytes)}, os_thread_priority = ${limits.threadNice}`;
  const text = sql.trimEnd();
  return TRAILING_SETTINGS.test(text) ? `${text}, ${settings}` : `${text}\nSETTINGS ${settings}`;
}

/**
 * The engine as the API's analytic routes see it: the same, with limits on every query and stream. Their
 * statements run on the engine's separate read connection where it has one, so ingest's inserts never
 * queue behind them; their inserts stay on the engine's own, in order with ingest's.
 */
export function withQueryLimits(engine: Engine, limits: QueryLimits = DEFAULT_QUERY_LIMITS): Engine {
  const reads = readConnection(engine);
  return {
    description: engine.description,
    base: engine.base ?? engine,
    query: <T>(sql: string, params?: QueryParams) => reads.query<T>(limitQuery(sql, limits), params),
    stream: <T>(sql: string, params?: QueryParams) => reads.stream<T>(limitQuery(sql, limits), params),
    streamChunks: (sql, params) => reads.streamChunks(limitQuery(sql, limits), params),
    command: (sql, params) => reads.command(sql, params),
    insert: (table, rows) => engine.insert(table, rows),
    close: () => engine.close(),
  };
}

/** Whether an engine error is one of these limits stopping a query. */
export function isQueryLimitError(error: unknown): boolean {
  return /TIMEOUT_EXCEEDED|MEMORY_LIMIT_EXCEEDED|Timeout exceeded|Memory limit .*exceeded/i.test(
    String((error as Error)?.message ?? ""),
  );
}
