import { chmodSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { isMainThread } from "node:worker_threads";
import type { Engine, QueryParams } from "./engine.js";
import { parseJsonEachRowText, toCompactRows } from "./engine.js";

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
  queryBindAsync(sql: string, params: object, opts?: { format?: string }): Promise<ChdbResult>;
  queryStream(sql: string, opts?: { format?: string }): ChdbStream;
  queryStreamBind(sql: string, params: object, opts?: { format?: string }): ChdbStream;
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
  private readonly session: ChdbSession;
  private closed = false;
  private reads: ChdbEngine | undefined;

  private constructor(
    session: ChdbSession,
    readonly dataDir: string,
    private readonly database: string,
    private readonly newSession: () => ChdbSession,
    /** Set on the engine separateReads gives: the engine whose folder it shares. */
    readonly base?: ChdbEngine,
    /** Resolves once the session is in the database (the separate session's USE). */
    private readonly ready: Promise<unknown> = Promise.resolve(),
  ) {
    this.session = session;
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
    const newSession = () => new Session(dir, { connectionArgs: [...ENGINE_OUTPUT_ARGS] });
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
   * A second session on the same folder, made once. Sessions of one process see the same committed parts,
   * and an insert on this engine's session does not wait for a statement on the other (measured: 3,200-row
   * inserts took 3 ms alone, 107 ms while a 135 ms read ran on the same session, 3 ms while it ran on
   * another). Bound statements still run one at a time across the process (the binding's own lock).
   */
  separateReads(): Engine {
    if (this.base) return this;
    if (!this.reads) {
      const session = this.newSession();
      const ready = session.queryAsync(`USE ${this.database}`);
      ready.catch(() => undefined); // reported by the first statement that waits for it
      this.reads = new ChdbEngine(session, this.dataDir, this.database, this.newSession, this, ready);
    }
    return this.reads;
  }

  async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
    await this.ready;
    const result = params
      ? await this.session.queryBindAsync(sql, params, { format: "JSONEachRow" })
      : await this.session.queryAsync(sql, { format: "JSONEachRow" });
    return parseJsonEachRowText<T>(result.text());
  }

  async command(sql: string, params?: QueryParams): Promise<void> {
    await this.ready;
    if (params) await this.session.queryBindAsync(sql, params);
    else await this.session.queryAsync(sql);
  }

  async insert(table: string, rows: readonly object[] | Buffer): Promise<void> {
    await this.ready;
    if (Buffer.isBuffer(rows)) {
      if (rows.length > 0) await this.session.insert({ table, values: rows, format: "JSONEachRow" });
      return;
    }
    if (rows.length === 0) return;
    const { columns, values } = toCompactRows(rows);
    await this.session.insert({ table, values, format: "JSONCompactEachRow", columns });
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
      const chunks = params
        ? session.queryStreamBind(sql, params, { format: "JSONEachRow" })
        : session.queryStream(sql, { format: "JSONEachRow" });
      yield* chunks;
    } finally {
      session.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reads?.close();
    await this.ready.catch(() => undefined);
    this.session.close();
  }
}
