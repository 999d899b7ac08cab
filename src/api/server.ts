/** Builds the HTTP server: collector, read APIs, OpenAPI docs at /docs, and the home page. */

import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import type { RetrainOutput } from "../behaviour/adapt.js";
import { AutoRetrain } from "../behaviour/auto-retrain.js";
import { registerBrandBehaviourRoutes } from "../behaviour/brand-routes.js";
import { loadModel } from "../behaviour/classifier.js";
import type { BehaviourModel } from "../behaviour/model.js";
import { ModelInUse } from "../behaviour/model-in-use.js";
import { registerBehaviourRoutes } from "../behaviour/routes.js";
import { Collector } from "../collect/collector.js";
import { type GroupCommitOptions, SERVING_GROUP_COMMIT } from "../collect/committer.js";
import { installEventBodies, refusedBody } from "../collect/http-body.js";
import { DEFAULT_LIMITS } from "../collect/normalise.js";
import { registerCollectRoutes } from "../collect/routes.js";
import { EngineSink } from "../collect/sink.js";
import { ContextService } from "../engage/context.js";
import { registerEngageRoutes } from "../engage/routes.js";
import { DEFAULT_PLAYBOOK_PATH, loadPlaybook, type Playbook } from "../engage/rules.js";
import { registerIdentityRoutes } from "../identity/routes.js";
import { registerJourneyRoutes } from "../journeys/routes.js";
import { BackgroundRefresh } from "../journeys/sequences.js";
import { AnalyticLane, LaneError, type LaneOptions } from "../lanes/pool.js";
import { packageRoot } from "../package-root.js";
import { Regulations } from "../privacy/regulations.js";
import { registerPrivacyRoutes } from "../privacy/routes.js";
import { applyPrivacySettings } from "../privacy/settings.js";
import { activeSuppressions, privacySalt } from "../privacy/store.js";
import { Suppressions } from "../privacy/suppressions.js";
import type { QueueLoader } from "../queue/loader.js";
import type { NatsQueue, NatsQueueOptions } from "../queue/nats.js";
import { registerSegmentRoutes } from "../segments/routes.js";
import { type Engine, readConnection } from "../store/engine.js";
import {
  DEFAULT_QUERY_LIMITS,
  isQueryLimitError,
  type QueryLimits,
  withQueryLimits,
} from "../store/query-limits.js";
import { registerValueRoutes } from "../value/routes.js";
import { type ApiKeys, registerAccessControl } from "./auth.js";
import { homePage } from "./home.js";
import { registerInternalRoutes } from "./internal-routes.js";
import { LaneHealth } from "./lane-health.js";
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
  /** When ingest commits (default SERVING_GROUP_COMMIT: commits start at least 100 ms apart unless 1,000 rows wait). */
  commit?: GroupCommitOptions;
  /** The behaviour model labelling event texts (default: the shipped one). */
  model?: BehaviourModel;
  /** Next-best-action rules (default: config/playbook.json), validated before the server starts. */
  playbook?: Playbook;
  /** Load the context index in the background at start (default true; tests may wait on `contexts.load()`). */
  preloadContexts?: boolean;
  /** Compute the dashboard's default views in the background at start, so the first visit is fast. */
  warmDashboard?: boolean;
  /** Limits on every query of the API's reads (default 30 s and 8 GiB each). */
  queryLimits?: QueryLimits;
  /** Store emails, phones and social handles as salted hashes from now on (for good; docs/privacy.md). */
  hashPii?: boolean;
  /** The analytic lane's worker threads, deadline and memory limit (lanes/pool.ts). */
  lane?: LaneOptions;
  /**
   * Load and compile the process map's layout code (elkjs) in the layout worker at start, not when the first
   * map is asked for (`serve` does; about 1.9 s of that worker's CPU and 110-130 MB it keeps).
   */
  warmLayout?: boolean;
  /** Retrain on the brand's labels in the background after this many new ones (0 or absent: off). */
  retrainEvery?: number;
  /** Load events from this queue too (the store node behind stateless collectors, `serve --queue`). */
  queue?: NatsQueueOptions;
}

export interface CustomerFlowServer {
  app: FastifyInstance;
  collector: Collector;
  sink: EngineSink;
  contexts: ContextService;
  /** The analytic routes' answers, kept until the data changes. */
  results: ResultCache;
}

/**
 * The dashboard's policy: its own scripts only (no inline script, no eval), no plugins, no framing. Inline
 * style attributes stay allowed: ECharts and elkjs set element styles.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

/**
 * The requests the dashboard makes first, computed once in the background (one at a time), in the order of
 * its menu: the views met first are ready first.
 */
const DASHBOARD_DEFAULTS = [
  "/v1/overview",
  "/v1/journeys/paths?by=touchpoint&steps=5&fromStep=checkout",
  "/v1/journeys/dfg?by=touchpoint",
  "/v1/journeys/funnel/suggested?brand=false",
  "/v1/journeys/friction?top=30",
  "/v1/journeys/blueprint?part=counts",
  "/v1/journeys/blueprint?part=pains",
  "/v1/behaviour/now?limit=10",
  "/v1/behaviour/themes?top=3",
  "/v1/segments/compare?a=0&b=1",
  "/v1/value/distribution",
  "/v1/value/attribution?by=channel",
  "/v1/value/touchpoints",
];

async function warmDashboard(app: FastifyInstance, adminKey: string): Promise<void> {
  const get = (url: string) =>
    app.inject({ method: "GET", url, headers: { authorization: `Bearer ${adminKey}` } });
  for (const url of DASHBOARD_DEFAULTS) {
    const answer = await get(url);
    // The funnel view opens on the suggested funnel (its default window, 7 days): compute that too.
    if (url.startsWith("/v1/journeys/funnel/suggested") && answer.statusCode === 200) {
      const steps = (JSON.parse(answer.body) as { steps: string[] }).steps;
      if (steps.length >= 2)
        await get(
          `/v1/journeys/funnel?${steps.map((s) => `step=${encodeURIComponent(s)}`).join("&")}&window=7d`,
        );
    }
  }
}

/** The loader's figures and the queue's lag for /health (the lag as unknown while NATS does not answer). */
async function queueHealth(queue: NatsQueue, loader: QueueLoader) {
  const status = await queue.status().catch(() => undefined);
  return {
    connected: queue.connected,
    // Messages after the last one the loader acknowledged (the consumer's pending counts can trail a burst).
    lag: status ? status.lastSequence - status.ackedSequence : null,
    redelivered: status?.redelivered ?? null,
    loaded: loader.stats,
  };
}

/** The layout worker's heap limit: elkjs with its largest map (5,000 edges) fits well within it. */
const LAYOUT_MEMORY_MB = 512;

/** How long a background retrain may run in the lane. */
const RETRAIN_DEADLINE_MS = 10 * 60_000;

/** How often a server re-reads which behaviour model version is in use. */
const MODEL_REFRESH_MS = 5_000;

export async function buildServer(options: ServerOptions): Promise<CustomerFlowServer> {
  const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_LIMITS.maxBatchBytes;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: maxBatchBytes });
  // The behaviour model in use: the store's chosen version (adapted to the brand's labels), else the public
  // one; re-read every few seconds, so a version the CLI trains or chooses is used without a restart.
  const models = await ModelInUse.of(options.engine, options.model ?? loadModel());
  const modelRefresh = setInterval(() => {
    models
      .refresh(options.engine)
      .catch((error) => app.log.error({ err: error }, "reading the model in use"));
  }, MODEL_REFRESH_MS);
  modelRefresh.unref();
  const sink = new EngineSink(options.engine, options.commit ?? SERVING_GROUP_COMMIT, () => models.current);
  const contexts = new ContextService(
    options.engine,
    options.playbook ?? loadPlaybook(DEFAULT_PLAYBOOK_PATH),
  );
  // An embedded folder has no writer but this process, which invalidates on every write it makes: answers
  // then stay until the data changes (a day at most, for the retention TTL). A shared ClickHouse has
  // collectors this server does not see: there an answer lasts a minute.
  const results = new ResultCache(500, options.engine.exclusive ? 24 * 3_600_000 : 60_000);
  (app as unknown as { [RESULT_CACHE]: ResultCache })[RESULT_CACHE] = results;
  sink.onCommitted((rows) => contexts.written(rows));
  // Whatever the sink commits (HTTP ingest, the queue's loader) changes answers.
  sink.onCommitted(() => results.invalidate());
  // On a connection of its own (where the engine has one), so a rebuild never holds up ingest's inserts.
  const sequences = new BackgroundRefresh(readConnection(options.engine), (error) =>
    app.log.error({ err: error }, "refreshing journey sequences failed"),
  );
  sink.onCommitted(() => sequences.written());
  app.addHook("onClose", () => sequences.stop());
  app.addHook("onClose", async () => clearInterval(modelRefresh));
  const laneHealth = new LaneHealth();
  const lane = new AnalyticLane(options.lane);
  // Process-map layouts on a worker of their own: one copy of elkjs whatever the core count, and a map
  // never waits behind a long analysis (lanes/pool.ts gives it the deadline; its cost grows with the map).
  const layoutLane = new AnalyticLane({
    workers: 1,
    deadlineMs: options.lane?.deadlineMs,
    maxMemoryMb: LAYOUT_MEMORY_MB,
    warmUp: options.warmLayout ? ["layout"] : [],
  });
  const autoRetrain = new AutoRetrain(
    options.engine,
    models,
    options.retrainEvery ?? 0,
    // Seconds of CPU: in a worker of the analytic lane, with a deadline of its own (nobody waits on it).
    (input) =>
      lane.run<RetrainOutput>({ kind: "retrain", input, key: "retrain", deadlineMs: RETRAIN_DEADLINE_MS }),
    (message, detail) => app.log.info({ detail }, message),
  );
  app.addHook("onClose", async () => {
    laneHealth.stop();
    await Promise.all([lane.close(), layoutLane.close()]);
  });
  // Counted down when the response closes, sent or not: a client that leaves gets no onResponse.
  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.config?.access !== "read") return;
    laneHealth.readsInFlight++;
    reply.raw.once("close", () => {
      laneHealth.readsInFlight--;
    });
  });
  // The dashboard's files (fastify-static's one wildcard route) need no key; the API docs neither.
  const publicRoutes = new Set(["/*"]);
  const ring = registerAccessControl(app, options.keys, publicRoutes);
  // Any write through this server (ingest, inbox actions, a segmentation run, the CLI bridge) may change
  // answers: an authenticated, successful non-GET request to a route that is not a read. A refused or
  // failed one changes nothing.
  app.addHook("onResponse", async (request, reply) => {
    if (request.method === "GET" || request.method === "HEAD") return;
    // A read route posts what it reads (a map to align or lay out), whoever's key asked: nothing changes.
    if (request.routeOptions.config?.access === "read") return;
    if (request.role && request.role !== "read" && reply.statusCode < 400) results.invalidate();
  });
  app.addHook("onSend", async (request, reply) => {
    // The API docs' page brings its own policy; everything else (the dashboard first) gets a strict one.
    if (!request.url.startsWith("/docs")) {
      reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
      reply.header("x-content-type-options", "nosniff");
      // The dashboard's URL may carry ?key=: never sent on to another site.
      reply.header("referrer-policy", "no-referrer");
    }
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
  // Privacy: the suppression list the collector checks, and regulations answered in the background.
  // With identifiers stored hashed (--hash-pii, or set before), look-ups and the sink hash them too.
  const pii = await applyPrivacySettings(options.engine, { hashPii: options.hashPii });
  const suppressions = new Suppressions(
    await privacySalt(options.engine),
    await activeSuppressions(options.engine),
    pii ? (typed) => pii.identifier(typed) : undefined,
  );
  const collector = new Collector(sink, options.maxEventBytes ?? DEFAULT_LIMITS.maxEventBytes, suppressions);
  // Behind collectors: the loader takes the queue's batches in order and acknowledges them once committed.
  // (The NATS client is loaded only by a server that uses a queue.)
  let queue: NatsQueue | undefined;
  let loader: QueueLoader | undefined;
  if (options.queue) {
    const [{ NatsQueue }, { QueueLoader }] = await Promise.all([
      import("../queue/nats.js"),
      import("../queue/loader.js"),
    ]);
    queue = await NatsQueue.open(options.queue);
    loader = new QueueLoader(await queue.consumer(), sink, suppressions, {
      onError: (message, error) => app.log.error({ err: error }, message),
    });
  }
  app.addHook("onReady", async () => loader?.start());
  const regulations = new Regulations(
    options.engine,
    suppressions,
    {
      forget: (people) => {
        contexts.forget(people);
        sink.forgetKnownLinks();
        results.invalidate();
      },
    },
    (message, error) => app.log.error({ err: error }, message),
  );
  // Interrupted regulations run again (their subjects are stored until they finish).
  app.addHook("onReady", async () => {
    await regulations.resume();
  });
  app.addHook("onClose", () => regulations.idle());

  installEventBodies(app, collector);

  app.setErrorHandler(
    async (error: Error & { statusCode?: number; code?: string; field?: string }, request, reply) => {
      const status = error.statusCode ?? 500;
      const refused = await refusedBody(error, request, reply, collector, maxBatchBytes);
      if (refused) return refused;
      if (error instanceof LaneError) {
        if (error.retryAfterSeconds) reply.header("retry-after", String(error.retryAfterSeconds));
        return reply.code(error.status).send({
          error: error.status === 429 ? "too_many_requests" : "analysis_stopped",
          message: error.message,
        });
      }
      if (isQueryLimitError(error)) {
        request.log.warn({ err: error }, "a query ran past its limit");
        return reply.code(503).send({
          error: "query_limit",
          message:
            "the analysis ran past the server's per-query time or memory limit; narrow the filters or try later",
        });
      }
      // The CLI's bridge (admin key, loopback only) passes the engine's own message on to the CLI user.
      if (status >= 500 && request.routeOptions.config?.access !== "loopback-admin") {
        // The engine's and the code's internals stay in the log; the client gets the request id to quote.
        request.log.error(error);
        return reply.code(status).send({
          error: "internal_error",
          message: `the server could not answer this request (request id ${request.id})`,
        });
      }
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

  const open = { access: "public" } as const;
  app.get("/health", { config: open, schema: { tags: ["meta"], summary: "200 when ready" } }, async () => ({
    status: "ok",
    // The kind of engine only: no folder path or server address.
    engine: options.engine.description.split(":")[0],
    contextIndex: { customers: contexts.size, loaded: contexts.loaded },
    // Merges refused by the identifier cap, and rejections stored without payload (failed_events' cap).
    guards: { refusedMerges: sink.refusedMerges, droppedFailedPayloads: sink.failedBudget.droppedPayloads },
    // Events dropped unstored because they carried a suppressed identifier; regulations not yet finished.
    privacy: {
      suppressedEvents: suppressions.dropped,
      pendingRegulations: regulations.pending,
      identifiersHashed: pii !== undefined,
    },
    ...(queue && loader ? { queue: await queueHealth(queue, loader) } : {}),
    // The process's memory in MB: RSS, and of it V8's heap in use and memory outside it (buffers).
    memory: memoryMb(),
    lane: {
      eventLoopDelay: laneHealth.eventLoopDelay(),
      resultCacheBytes: results.size,
      readsInFlight: laneHealth.readsInFlight,
      analytic: { ...lane.stats, ended: lane.ended },
      layout: { ...layoutLane.stats, ended: layoutLane.ended },
      // The background journey-sequence refreshes: how many ended, and the last one (ms, customers rebuilt).
      journeyRefresh: sequences.stats,
    },
  }));
  // A key check that reads nothing (the dashboard asks it before its first view).
  app.get(
    "/v1/access",
    { config: { access: "read" }, schema: { tags: ["meta"], summary: "200 when the key may read" } },
    async () => ({ read: true }),
  );
  // The dashboard (built by Vite into dist/web) at /, else a plain page saying what runs here.
  const web = join(packageRoot(), "dist", "web");
  if (existsSync(join(web, "index.html"))) {
    await app.register(fastifyStatic, { root: web, prefix: "/", wildcard: true, index: "index.html" });
  } else
    app.get("/", { config: open, schema: { hide: true } }, async (_request, reply) =>
      reply.type("text/html").send(homePage()),
    );

  // The API's reads run with per-query limits; ingest, contexts and the CLI's bridge use the engine as is.
  const reads = withQueryLimits(options.engine, options.queryLimits ?? DEFAULT_QUERY_LIMITS);
  registerCollectRoutes(app, collector, ring);
  registerIdentityRoutes(app, reads);
  registerValueRoutes(app, reads, lane);
  registerJourneyRoutes(app, reads, lane, layoutLane);
  registerSegmentRoutes(app, reads, lane);
  registerOverviewRoutes(app, reads);
  // New labels (an inbox relabel, or posted) may start a background retrain.
  registerEngageRoutes(app, reads, sink, contexts, () => autoRetrain.labelled());
  registerBehaviourRoutes(app, reads, models, lane);
  registerBrandBehaviourRoutes(app, reads, models, autoRetrain);
  registerPrivacyRoutes(app, options.engine, regulations, contexts);
  registerInternalRoutes(app, options.engine, sink);

  app.addHook("onClose", async () => {
    // The loader's batch under way is committed and acknowledged before the sink closes.
    await loader?.stop();
    await queue?.close();
    await sink.close();
  });
  return { app, collector, sink, contexts, results };
}

function memoryMb(): { rss: number; heapUsed: number; external: number } {
  const { rss, heapUsed, external } = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1024 ** 2);
  return { rss: mb(rss), heapUsed: mb(heapUsed), external: mb(external) };
}
