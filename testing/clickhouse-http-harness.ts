/**
 * Test harness: the part of ClickHouse's HTTP interface that @clickhouse/client uses (POST a query with
 * `param_*` bindings and a `database`; INSERT with the data in the body; GET /ping), answered by a real
 * ClickHouse engine (chDB) in this process. It lets the ClickHouse-server engine's code run its suite where
 * no ClickHouse server can be installed; set CUSTOMER_FLOW_TEST_CLICKHOUSE_URL to run it on a real server.
 * Usage: node dist/test/clickhouse-http-harness.js DATA_DIR  (prints the URL, serves until killed)
 */
import { createServer } from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Session } = require("chdb") as {
  Session: new (
    path: string,
  ) => {
    queryAsync(sql: string, opts?: { format?: string }): Promise<{ text(): string }>;
    queryBindAsync(sql: string, params: object, opts?: { format?: string }): Promise<{ text(): string }>;
  };
};

const session = new Session(process.argv[2] ?? "/tmp/cf-clickhouse-harness");

const server = createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (request.method === "GET" && url.pathname === "/ping") {
    response.end("Ok.\n");
    return;
  }
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", async () => {
    try {
      const body = Buffer.concat(chunks).toString("utf8");
      const database = url.searchParams.get("database");
      if (database) await session.queryAsync(`USE ${database.replace(/[^A-Za-z0-9_]/g, "")}`);
      const params: Record<string, string> = {};
      for (const [key, value] of url.searchParams) if (key.startsWith("param_")) params[key.slice(6)] = value;
      const inUrl = url.searchParams.get("query");
      const sql = inUrl ? `${inUrl}\n${body}` : body;
      const result =
        Object.keys(params).length > 0
          ? await session.queryBindAsync(sql, params)
          : await session.queryAsync(sql);
      response.writeHead(200, { "content-type": "text/plain; charset=UTF-8", "x-clickhouse-summary": "{}" });
      response.end(result.text());
    } catch (error) {
      const message = (error as Error).message;
      const code = /Code: (\d+)/.exec(message)?.[1] ?? "1";
      response.writeHead(500, { "x-clickhouse-exception-code": code });
      response.end(message.startsWith("Code:") ? message : `Code: ${code}. DB::Exception: ${message}`);
    }
  });
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}\n`);
});
