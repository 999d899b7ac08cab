/**
 * `customer-flow collect`: a stateless collector. The same collection surface as `serve` (Segment /v1/*,
 * PostHog /capture/ and /batch/, gzip, limits, per-item errors, rejected payloads kept), but what it takes
 * goes to the queue: a request is answered only after JetStream acknowledged every event of it, and with
 * 503 (nothing acknowledged) when the queue cannot take them.
 */
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { type ApiKeys, registerAccessControl } from "../api/auth.js";
import { Collector } from "../collect/collector.js";
import { installEventBodies, refusedBody } from "../collect/http-body.js";
import { DEFAULT_LIMITS } from "../collect/normalise.js";
import { registerCollectRoutes } from "../collect/routes.js";
import type { NatsQueue } from "./nats.js";
import { QueueUnavailableError } from "./queue.js";
import { QueueSink } from "./queue-sink.js";

export interface CollectorServerOptions {
  queue: NatsQueue;
  writeKeys: Set<string>;
  maxBatchBytes?: number;
  maxEventBytes?: number;
  logger?: boolean | object;
}

export async function buildCollectorServer(options: CollectorServerOptions): Promise<FastifyInstance> {
  const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_LIMITS.maxBatchBytes;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: maxBatchBytes });
  const collector = new Collector(
    new QueueSink(options.queue),
    options.maxEventBytes ?? DEFAULT_LIMITS.maxEventBytes,
  );
  // A collector holds write keys only (the admin key is random and never shown: nothing here needs it).
  const keys: ApiKeys = { write: options.writeKeys, read: new Set(), admin: randomUUID() };
  const ring = registerAccessControl(app, keys, new Set());
  installEventBodies(app, collector);
  app.setErrorHandler(async (error: Error & { statusCode?: number; field?: string }, request, reply) => {
    const refused = await refusedBody(error, request, reply, collector, maxBatchBytes);
    if (refused) return refused;
    if (error instanceof QueueUnavailableError) {
      request.log.warn({ err: error }, "the queue is unavailable");
      return reply.code(503).header("retry-after", "5").send({
        error: "queue_unavailable",
        message: "the queue cannot take events now; nothing of this request was acknowledged, send it again",
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error(error);
      return reply.code(status).send({
        error: "internal_error",
        message: `the collector could not answer (request id ${request.id})`,
      });
    }
    return reply.code(status).send({ error: "bad_request", field: error.field, message: error.message });
  });
  registerCollectRoutes(app, collector, ring);
  app.get("/health", { config: { access: "public" } }, async (_request, reply) => {
    const connected = options.queue.connected;
    return reply
      .code(connected ? 200 : 503)
      .send({ status: connected ? "ok" : "queue_unavailable", role: "collector" });
  });
  return app;
}
