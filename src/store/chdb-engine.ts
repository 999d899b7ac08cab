import { chmodSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { isMainThread } from "node:worker_threads";
import type { Engine, QueryParams } from "./engine.js";
import { parseJsonEachRowText, toCompactRows } from "./engine.js";
import { inlineParameters } from "./literals.js";

const require = createRequire(import.meta.url);

interface ChdbResult {
  text(): string;
}
interface ChdbChunk {
  text(): string;
  raw(): Uint8Array;
}
interface ChdbStream extends AsyncIterable<ChdbChunk> {}
interface ChdbSession {
  queryAsync(sql: string, opts?: { format?: string }): Promise<ChdbResult>;
  queryStream(sql: string, opts?: { format?: string }): ChdbStream;
  insert(p: {
    table: string;
    values: Buffer;
    format: "JSONEachRow" | "JSONCompactEachRow";
    columns?: string[];
  }): Promise<unknown>;
  close(): void;
}

/** Both engines print 64-bit integers as JSON numbers, so results read the same whichever answers. */
export const ENGINE_OUTPUT_ARGS = ["--output_format_json_quote_64bit_integers=0"];

/**
 * Longest statement text the embedded engine parses: parameters are written into the text (literals.ts),
 * and a list of MAX_BOUND_IDS identifiers is longer than ClickHouse's default 256 KiB.
 */
const MAX_QUERY_BYTES = 64 * 1024 * 1024;

/**
 * Connections the separate reads spread over, one per core (at least two): statements of one connection run
 * one at a time, so a short read (the segment list, 0.4 s behind a process map) waited for a long one; more
 * reads at once than cores only share the cores worse (two long funnels at once: 4.1-4.5 s against 3.2-3.7 s
 * one after the other; docs/benchmarks.md, session 20).
 */
export const READ_CONNECTIONS = Math.max(2, availableParallelism());

/** A connection of the read pool: its session, its `USE`, and how many statements it is running. */
interface PooledSession {
  session: ChdbSession;
  ready: Promise<unknown>;
  running: number;
}

/** Raised when another process holds the data folder (chDB allows one process per folder). */
export class DataFolderLockedError extends Error {
  constructor(readonly dataDir: string) {
    super(`the data folder ${dataDir} is held by another process`);
  }
}

/** Embedded ClickHouse (chDB): a persistent session in a data folder. */
export class ChdbEngine implements Engine {
  readonly description: string;
  readonly exclusive = true;
  private closed = false;
  private reads: ChdbEngine | undefined;
  /** The connections statements go to: the engine's own (one), or the separate reads' pool (grown on demand). */
  private readonly sessions: PooledSession[] = [];

  private constructor(
    session: ChdbSession | undefined,
    readonly dataDir: string,
    private readonly database: string,
    private readonly newSession: () => ChdbSession,
    /** Set on the engine separateReads gives: the engine whose folder it shares. */
    readonly base?: ChdbEngine,
  ) {
    if (session) this.sessions.push({ session, ready: Promise.resolve(), running: 0 });
    this.description = `chdb:${dataDir}`;
  }

  static async open(dataDir: string, database: string): Promise<ChdbEngine> {
    const dir = resolve(dataDir);
    // The folder holds personal data: only this user may enter it, and what the engine writes in it is
    // readable by this user only (the process that holds a folder runs with umask 077).
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    // (A worker thread cannot set it; the process's main thread opened the folder first.)
    if (isMainThread) process.umask(0o077);
    const { Session } = require("chdb") as {
      Session: new (path: string, options?: { connectionArgs?: string[] }) => ChdbSession;
    };
    const newSession = () =>
      new Session(dir, { connectionArgs: [...ENGINE_OUTPUT_ARGS, `--max_query_size=${MAX_QUERY_BYTES}`] });
    let session: ChdbSession;
    try {
      session = newSession();
    } catch (error) {
      // chDB reports a held folder as a failed connection (the lock detail goes to stderr).
      if (
        /Cannot lock file|already running|Failed to create connection/i.test(String((error as Error).message))
      ) {
        throw new DataFolderLockedError(dir);
      }
      throw error;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`invalid database name: ${database}`);
    await session.queryAsync(`CREATE DATABASE IF NOT EXISTS ${database}`);
    await session.queryAsync(`USE ${database}`);
    return new ChdbEngine(session, dir, database, newSession);
  }

  /**
   * Separate sessions on the same folder, up to READ_CONNECTIONS, opened as statements need them. Sessions
   * of one process see the same committed parts, and an insert on this engine's session does not wait for a
   * statement on another (measured: 3,200-row inserts took 3 ms alone, 107 ms while a 135 ms read ran on the
   * same session, 3 ms while it ran on another).
   */
  separateReads(): Engine {
    if (this.base) return this;
    this.reads ??= new ChdbEngine(undefined, this.dataDir, this.database, this.newSession, this);
    return this.reads;
  }

  /** The connection for the next statement: the engine's own, or the pool's least busy (a new one while all are busy). */
  private connection(): PooledSession {
    if (this.closed) throw new Error(`the engine on ${this.dataDir} is closed`);
    const idle = this.sessions.reduce<PooledSession | undefined>(
      (best, s) => (!best || s.running < best.running ? s : best),
      undefined,
    );
    if (idle && (idle.running === 0 || !this.base || this.sessions.length >= READ_CONNECTIONS)) return idle;
    const session = this.newSession();
    const ready = session.queryAsync(`USE ${this.database}`);
    ready.catch(() => undefined); // reported by the first statement that waits for it
    const pooled = { session, ready, running: 0 };
    this.sessions.push(pooled);
    return pooled;
  }

  /** Runs one statement on a connection, the parameters written into it as literals (literals.ts says why). */
  private async run(sql: string, params: QueryParams | undefined, format?: string): Promise<ChdbResult> {
    const text = params ? inlineParameters(sql, params) : sql;
    const pooled = this.connection();
    pooled.running++;
    try {
      await pooled.ready;
      return await pooled.session.queryAsync(text, format ? { format } : undefined);
    } finally {
      pooled.running--;
    }
  }

  async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
    return parseJsonEachRowText<T>((await this.run(sql, params, "JSONEachRow")).text());
  }

  async command(sql: string, params?: QueryParams): Promise<void> {
    await this.run(sql, params);
  }

  async insert(table: string, rows: readonly object[] | Buffer): Promise<void> {
    const { session, ready } = this.connection();
    await ready;
    if (Buffer.isBuffer(rows)) {
      if (rows.length > 0) await session.insert({ table, values: rows, format: "JSONEachRow" });
      return;
    }
    if (rows.length === 0) return;
    const { columns, values } = toCompactRows(rows);
    await session.insert({ table, values, format: "JSONCompactEachRow", columns });
  }

  /**
   * Each stream runs in a session of its own on the same folder: in one chDB session any other query ends
   * the active stream ("No active streaming query"), and a server streams while it answers other requests.
   */
  async *stream<T>(sql: string, params?: QueryParams): AsyncIterable<T> {
    for await (const chunk of this.chunks(sql, params)) yield* parseJsonEachRowText<T>(chunk.text());
  }

  async *streamChunks(sql: string, params?: QueryParams): AsyncIterable<Uint8Array> {
    for await (const chunk of this.chunks(sql, params)) yield chunk.raw();
  }

  private async *chunks(sql: string, params?: QueryParams): AsyncIterable<ChdbChunk> {
    const session = this.newSession();
    try {
      await session.queryAsync(`USE ${this.database}`);
      yield* session.queryStream(params ? inlineParameters(sql, params) : sql, { format: "JSONEachRow" });
    } finally {
      session.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reads?.close();
    for (const { session, ready } of this.sessions) {
      await ready.catch(() => undefined);
      session.close();
    }
  }
}
