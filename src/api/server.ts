/** Builds the HTTP server: collector, read APIs, OpenAPI docs at /docs, and the home page. */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { createGunzip, createInflate } from "node:zlib";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { loadModel } from "../behaviour/classifier.js";
import type { BehaviourModel } from "../behaviour/model.js";
import { registerBehaviourRoutes } from "../behaviour/routes.js";
import { Collector } from "../collect/collector.js";
import { DEFAULT_LIMITS } from "../collect/normalise.js";
import { registerCollectRoutes } from "../collect/routes.js";
import { EngineSink, type EventSink } from "../collect/sink.js";
import { ContextService } from "../engage/context.js";
import { registerEngageRoutes } from "../engage/routes.js";
import { DEFAULT_PLAYBOOK_PATH, loadPlaybook, type Playbook } from "../engage/rules.js";
import { registerIdentityRoutes } from "../identity/routes.js";
import { registerJourneyRoutes } from "../journeys/routes.js";
import { BackgroundRefresh } from "../journeys/sequences.js";
import { packageRoot } from "../package-root.js";
import { registerSegmentRoutes } from "../segments/routes.js";
import type { Engine } from "../store/engine.js";
import { registerValueRoutes } from "../value/routes.js";
import type { ApiKeys } from "./auth.js";
import { homePage } from "./home.js";
import { registerInternalRoutes } from "./internal-routes.js";
import { registerOverviewRoutes } from "./overview.js";
import { RESULT_CACHE } from "./read-route.js";
import { ResultCache } from "./result-cache.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Size of the decompressed JSON body. */
    bodyBytes: number;
  }
}

export interface ServerOptions {
  engine: Engine;
  keys: ApiKeys;
  maxEventBytes?: number;
  maxBatchBytes?: number;
  logger?: boolean | object;
  commit?: { maxRows: number; maxDelayMs: number };
  /** The behaviour model labelling event texts (default: the shipped one). */
  model?: BehaviourModel;
  /** Next-best-action rules (default: config/playbook.json), validated before the server starts. */
  playbook?: Playbook;
  /** Load the context index in the background at start (default true; tests may wait on `contexts.load()`). */
  preloadContexts?: boolean;
  /** Compute the dashboard's default views in the background at start, so the first visit is fast. */
  warmDashboard?: boolean;
}

export interface CustomerFlowServer {
  app: FastifyInstance;
  collector: Collector;
  sink: EventSink;
  contexts: ContextService;
}

/** The requests the dashboard makes first, computed once in the background (one at a time). */
const DASHBOARD_DEFAULTS = [
  "/v1/overview",
  "/v1/journeys/dfg?by=touchpoint",
  "/v1/journeys/friction?top=30",
  "/v1/journeys/paths?by=touchpoint&steps=5&fromStep=checkout",
  "/v1/value/distribution",
  "/v1/value/attribution?by=channel",
  "/v1/value/touchpoints",
  "/v1/behaviour/now?limit=10",
  "/v1/behaviour/themes?top=3",
  "/v1/segments/compare?a=0&b=1",
];

async function warmDashboard(app: FastifyInstance, adminKey: string): Promise<void> {
  for (const url of DASHBOARD_DEFAULTS) {
    await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${adminKey}` } });
  }
}

export async function buildServer(options: ServerOptions): Promise<CustomerFlowServer> {
  const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_LIMITS.maxBatchBytes;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: maxBatchBytes });
  const sink = new EngineSink(options.engine, options.commit, options.model);
  const contexts = new ContextService(
    options.engine,
    options.playbook ?? loadPlaybook(DEFAULT_PLAYBOOK_PATH),
  );
  const results = new ResultCache();
  (app as unknown as { [RESULT_CACHE]: ResultCache })[RESULT_CACHE] = results;
  sink.onCommitted((rows) => contexts.written(rows));
  const sequences = new BackgroundRefresh(options.engine, (error) =>
    app.log.error({ err: error }, "refreshing journey sequences failed"),
  );
  sink.onCommitted(() => sequences.written());
  app.addHook("onClose", () => sequences.stop());
  // Any write through this server (ingest, inbox actions, a segmentation run, the CLI bridge) may change
  // answers; every one is a non-GET request, committed events included.
  app.addHook("onResponse", async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") results.invalidate();
  });
  if (options.preloadContexts !== false) {
    contexts.load().catch((error) => app.log.error({ err: error }, "loading the context index failed"));
  }
  if (options.warmDashboard) {
    app.addHook("onReady", async () => {
      void warmDashboard(app, options.keys.admin).catch((error) =>
        app.log.error({ err: error }, "warming failed"),
      );
    });
  }
  const collector = new Collector(sink, options.maxEventBytes ?? DEFAULT_LIMITS.maxEventBytes);

  // SDKs send gzip; the size limit applies to the decompressed body.
  app.addHook("preParsing", async (request, reply, payload) => {
    const encoding = (request.headers["content-encoding"] ?? "identity").toLowerCase();
    if (encoding === "gzip" || encoding === "deflate") {
      const inflated = payload.pipe(encoding === "gzip" ? createGunzip() : createInflate());
      // Content-Length counts the compressed bytes; tell fastify so its length check compares like with like.
      let received = 0;
      payload.on("data", (chunk: Buffer) => {
        received += chunk.length;
        (inflated as unknown as { receivedEncodedLength: number }).receivedEncodedLength = received;
      });
      return inflated;
    }
    if (encoding !== "identity") {
      reply.code(415).send({
        error: "unsupported_media_type",
        message: `Content-Encoding ${encoding} is not supported; use gzip or none`,
      });
    }
    return payload;
  });

  // Our own JSON parser so a body that is not JSON is still stored (as text) with the reason.
  app.decorateRequest("bodyBytes", 0);
  app.removeContentTypeParser(["application/json", "text/plain"]);
  const parseJsonBody = (
    request: FastifyRequest,
    body: string | Buffer,
    done: (error: Error | null, value?: unknown) => void,
  ) => {
    const text = body as string;
    request.bodyBytes = Buffer.byteLength(text);
    try {
      done(null, text.length === 0 ? {} : JSON.parse(text));
    } catch (error) {
      const reason = `body is not valid JSON: ${(error as Error).message}`;
      void collector
        .reject(text, `http:${request.url}`, { field: "(body)", reason })
        .then(() => done(Object.assign(new Error(reason), { statusCode: 400, field: "(body)" })), done);
    }
  };
  // JSON, and text/plain as browsers' sendBeacon sends it.
  app.addContentTypeParser(["application/json", "text/plain"], { parseAs: "string" }, parseJsonBody);
  // RudderStack's node SDK posts gzip JSON labelled as a form; take those only when gzip-encoded.
  app.addContentTypeParser(
    ["application/x-www-form-urlencoded", "application/octet-stream"],
    { parseAs: "string" },
    (request, body, done) => {
      if (request.headers["content-encoding"] !== "gzip") {
        done(
          Object.assign(new Error("send application/json (optionally gzip-encoded)"), {
            statusCode: 415,
            code: "FST_ERR_CTP_INVALID_MEDIA_TYPE",
          }),
        );
        return;
      }
      parseJsonBody(request, body, done);
    },
  );

  app.setErrorHandler(
    async (error: Error & { statusCode?: number; code?: string; field?: string }, request, reply) => {
      const status = error.statusCode ?? 500;
      if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
        await collector.reject("", `http:${request.url}`, {
          field: "(body)",
          reason: `body larger than ${maxBatchBytes} bytes was refused unread`,
        });
        return reply
          .code(413)
          .send({ error: "payload_too_large", message: `the body is over ${maxBatchBytes} bytes` });
      }
      if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
        return reply.code(415).send({
          error: "unsupported_media_type",
          message: "send application/json (optionally gzip-encoded)",
        });
      }
      if (status >= 500) request.log.error(error);
      return reply.code(status).send({
        error: status >= 500 ? "internal_error" : "bad_request",
        field: error.field,
        message: error.message,
      });
    },
  );

  await app.register(swagger, {
    openapi: {
      info: {
        title: "Customer Flow",
        version: "0.1.0",
        description: "Collect every touchpoint; read journeys, customers and value.",
      },
      components: { securitySchemes: { key: { type: "http", scheme: "bearer" } } },
      security: [{ key: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.get("/health", { schema: { tags: ["meta"], summary: "200 when ready" } }, async () => ({
    status: "ok",
    engine: options.engine.description,
    contextIndex: { customers: contexts.size, loaded: contexts.loaded },
  }));
  // The dashboard (built by Vite into dist/web) at /, else a plain page saying what runs here.
  const web = join(packageRoot(), "dist", "web");
  if (existsSync(join(web, "index.html"))) {
    await app.register(fastifyStatic, { root: web, prefix: "/", wildcard: false, index: "index.html" });
  } else
    app.get("/", { schema: { hide: true } }, async (_request, reply) =>
      reply.type("text/html").send(homePage()),
    );

  registerCollectRoutes(app, collector, options.keys);
  registerIdentityRoutes(app, options.engine, options.keys);
  registerValueRoutes(app, options.engine, options.keys);
  registerJourneyRoutes(app, options.engine, options.keys);
  registerSegmentRoutes(app, options.engine, options.keys);
  registerOverviewRoutes(app, options.engine, options.keys);
  registerEngageRoutes(app, options.engine, options.keys, sink, contexts);
  registerBehaviourRoutes(app, options.engine, options.keys, options.model ?? loadModel());
  registerInternalRoutes(app, options.engine, sink, options.keys);

  app.addHook("onClose", async () => {
    await sink.close();
  });
  return { app, collector, sink, contexts };
}
