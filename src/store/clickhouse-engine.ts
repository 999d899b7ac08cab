import { type ClickHouseClient, createClient } from "@clickhouse/client";
import type { Engine, QueryParams } from "./engine.js";
import { parseJsonEachRow } from "./engine.js";

/** A ClickHouse server or cluster through the official client; the SQL is the same as on chDB. */
export class ClickHouseEngine implements Engine {
  readonly description: string;
  private readonly client: ClickHouseClient;

  private constructor(client: ClickHouseClient, url: string) {
    this.client = client;
    this.description = `clickhouse:${new URL(url).host}`;
  }

  static async open(url: string, database: string): Promise<ClickHouseEngine> {
    const bootstrap = createClient({ url });
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    await bootstrap.close();
    const client = createClient({
      url,
      database,
      // Same output as the embedded engine (see ENGINE_OUTPUT_ARGS in chdb-engine.ts).
      clickhouse_settings: {
        date_time_input_format: "best_effort",
        wait_end_of_query: 1,
        output_format_json_quote_64bit_integers: 0,
      },
    });
    return new ClickHouseEngine(client, url);
  }

  async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
    const result = await this.client.query({ query: sql, query_params: params, format: "JSONEachRow" });
    return (await result.json()) as T[];
  }

  async command(sql: string, params?: QueryParams): Promise<void> {
    await this.client.command({ query: sql, query_params: params });
  }

  async insert(table: string, rows: readonly object[] | Buffer): Promise<void> {
    if (Buffer.isBuffer(rows)) {
      if (rows.length === 0) return;
      // Raw NDJSON bytes go as the body of an INSERT (insert() would serialise the stream's chunks as rows).
      const { Readable } = await import("node:stream");
      const result = await this.client.exec({
        query: `INSERT INTO ${table} FORMAT JSONEachRow`,
        values: Readable.from([rows]),
      });
      result.stream.resume();
      await new Promise((resolve, reject) => result.stream.on("end", resolve).on("error", reject));
    } else if (rows.length > 0) {
      await this.client.insert({ table, values: rows as Record<string, unknown>[], format: "JSONEachRow" });
    }
  }

  async *stream<T>(sql: string, params?: QueryParams): AsyncIterable<T> {
    yield* parseJsonEachRow<T>(this.streamChunks(sql, params));
  }

  async *streamChunks(sql: string, params?: QueryParams): AsyncIterable<string> {
    const result = await this.client.query({ query: sql, query_params: params, format: "JSONEachRow" });
    for await (const rows of result.stream() as AsyncIterable<{ text: string }[]>) {
      let text = "";
      for (const row of rows) text += `${row.text}\n`;
      yield text;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
