/**
 * The engine of a running Customer Flow server, reached over HTTP. chDB lets one process hold a data folder,
 * so a CLI command started while a server holds the folder sends its SQL through that server instead.
 * Authenticated with the admin key the server writes (mode 0600) into the data folder.
 */
import type { Engine, QueryParams } from "./engine.js";
import { parseJsonEachRow, parseJsonEachRowText, toNdjson } from "./engine.js";

export interface ServerInfo {
  pid: number;
  url: string;
  adminKey: string;
  startedAt: string;
}

export class RemoteEngineError extends Error {}

export class ProxyEngine implements Engine {
  readonly description: string;

  constructor(private readonly server: ServerInfo) {
    this.description = `server:${server.url}`;
  }

  private call(op: string, body: BodyInit, headers: Record<string, string>): Promise<Response> {
    return this.post(`/internal/engine/${op}`, body, headers);
  }

  /** Posts to one of the server's routes with the admin key: for work the server itself must do. */
  post(path: string, body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
    return this.request("POST", path, body, headers);
  }

  /** Reads one of the server's routes with the admin key. */
  get(path: string): Promise<Response> {
    return this.request("GET", path);
  }

  private async request(
    method: "GET" | "POST",
    path: string,
    body?: BodyInit,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const response = await fetch(`${this.server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.server.adminKey}`, ...headers },
      body,
    });
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {}
      throw new RemoteEngineError(message);
    }
    return response;
  }

  private sqlBody(sql: string, params?: QueryParams): [string, Record<string, string>] {
    return [JSON.stringify({ sql, params }), { "content-type": "application/json" }];
  }

  async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
    const response = await this.call("query", ...this.sqlBody(sql, params));
    return parseJsonEachRowText<T>(await response.text());
  }

  async command(sql: string, params?: QueryParams): Promise<void> {
    await this.call("command", ...this.sqlBody(sql, params));
  }

  async insert(table: string, rows: readonly object[] | Buffer): Promise<void> {
    const body = Buffer.isBuffer(rows) ? rows : toNdjson(rows);
    if (body.length === 0) return;
    await this.call(`insert?table=${encodeURIComponent(table)}`, new Uint8Array(body), {
      "content-type": "application/x-ndjson",
    });
  }

  async *stream<T>(sql: string, params?: QueryParams): AsyncIterable<T> {
    yield* parseJsonEachRow<T>(this.streamChunks(sql, params));
  }

  async *streamChunks(sql: string, params?: QueryParams): AsyncIterable<Uint8Array> {
    const response = await this.call("stream", ...this.sqlBody(sql, params));
    if (response.body) yield* response.body as unknown as AsyncIterable<Uint8Array>;
  }

  async close(): Promise<void> {}
}
