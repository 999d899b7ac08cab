/**
 * The admin-only bridge that lets the CLI work on a data folder this server holds (chDB allows one process
 * per folder): raw engine calls and the ingest sink, authenticated with the admin key from server.json and
 * answered only on loopback (elsewhere they do not exist: 404).
 */
import type { FastifyInstance } from "fastify";
import type { EventSink } from "../collect/sink.js";
import type { Engine, QueryParams } from "../store/engine.js";
import { parseJsonEachRowText } from "../store/engine.js";

interface SqlBody {
  sql: string;
  params?: QueryParams;
}

export function registerInternalRoutes(app: FastifyInstance, engine: Engine, sink: EventSink): void {
  app.register(async (scope) => {
    scope.addContentTypeParser(
      "application/x-ndjson",
      { parseAs: "buffer", bodyLimit: 512 * 1024 * 1024 },
      (_r, body, done) => done(null, body),
    );
    const hidden = { schema: { hide: true }, config: { access: "loopback-admin" as const } };
    scope.post("/internal/engine/query", hidden, async (request) => {
      const { sql, params } = request.body as SqlBody;
      return (await engine.query(sql, params)).map((row) => JSON.stringify(row)).join("\n");
    });
    scope.post("/internal/engine/command", hidden, async (request) => {
      const { sql, params } = request.body as SqlBody;
      await engine.command(sql, params);
      return { ok: true };
    });
    scope.post("/internal/engine/stream", hidden, async (request, reply) => {
      const { sql, params } = request.body as SqlBody;
      const { Readable } = await import("node:stream");
      // The engine's JSONEachRow bytes as they come: this thread neither parses nor re-serialises rows.
      return reply.type("application/x-ndjson").send(Readable.from(engine.streamChunks(sql, params)));
    });
    scope.post("/internal/engine/insert", hidden, async (request) => {
      const table = (request.query as { table?: string }).table;
      if (!table || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(table))
        throw new Error("table: a table name is required");
      await engine.insert(table, request.body as Buffer);
      return { ok: true };
    });
    scope.post("/internal/ingest/events", hidden, async (request) => {
      await sink.writeEvents(parseJsonEachRowText((request.body as Buffer).toString("utf8")));
      return { ok: true };
    });
    scope.post("/internal/ingest/failures", hidden, async (request) => {
      await sink.writeFailures(parseJsonEachRowText((request.body as Buffer).toString("utf8")));
      return { ok: true };
    });
  });
}
