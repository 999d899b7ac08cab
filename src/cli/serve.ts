/** `customer-flow serve`: holds the data folder, answers the API, and lets other CLI commands in through it. */

import { type ApiKeys, generateKey, parseKeyList, refuseDemoKeysBeyondLoopback } from "../api/auth.js";
import { buildServer } from "../api/server.js";
import { modelForStore } from "../behaviour/classifier.js";
import { DEFAULT_FAILED_RETENTION_DAYS, setFailedRetention } from "../collect/failed-budget.js";
import { DEFAULT_PLAYBOOK_PATH, loadPlaybook } from "../engage/rules.js";
import { redactUrl } from "../privacy/redact.js";
import { setEventRetention } from "../privacy/store.js";
import type { NatsQueueOptions } from "../queue/nats.js";
import type { Engine } from "../store/engine.js";
import { type OpenedStore, removeServerInfo, resolveStoreOptions, writeServerInfo } from "../store/open.js";
import { DEFAULT_QUERY_LIMITS } from "../store/query-limits.js";

export interface ServeOptions {
  port: number;
  host: string;
  writeKeys: string[];
  readKeys: string[];
  dataDir?: string;
  log?: boolean;
  /** Next-best-action rules file (default config/playbook.json or CUSTOMER_FLOW_PLAYBOOK). */
  playbook?: string;
  /** Seconds an analytic request may take (its engine queries too); 30 by default. */
  queryTimeout?: number;
  /** Worker threads of the analytic lane (default: cores - 1). */
  workers?: number;
  /** Days failed_events keeps rejected payloads (default 30, the table's TTL). */
  failedRetentionDays?: number;
  /** Days events are kept (0: forever); unchanged when absent. */
  retentionDays?: number;
  /** Store emails, phones and handles hashed from now on (also CUSTOMER_FLOW_HASH_PII=1). */
  hashPii?: boolean;
  /** Also load the events stateless collectors put on this queue (NATS JetStream). */
  queue?: NatsQueueOptions;
  /** Retrain on the brand's labels after this many new ones (also CUSTOMER_FLOW_RETRAIN_EVERY; off by default). */
  retrainEvery?: number;
  /** Compute the dashboard's first reads in the background at start (default true). */
  warm?: boolean;
}

export function resolveKeys(options: {
  writeKeys?: string[];
  readKeys?: string[];
  agentKeys?: string[];
  privacyKeys?: string[];
}): ApiKeys & { generated: boolean } {
  const write = [...(options.writeKeys ?? []), ...parseKeyList(process.env.CUSTOMER_FLOW_WRITE_KEYS)];
  const read = [...(options.readKeys ?? []), ...parseKeyList(process.env.CUSTOMER_FLOW_READ_KEYS)];
  const agent = [...(options.agentKeys ?? []), ...parseKeyList(process.env.CUSTOMER_FLOW_AGENT_KEYS)];
  const privacy = [...(options.privacyKeys ?? []), ...parseKeyList(process.env.CUSTOMER_FLOW_PRIVACY_KEYS)];
  const generated = write.length === 0 || read.length === 0;
  if (write.length === 0) write.push(generateKey("wk"));
  if (read.length === 0) read.push(generateKey("rk"));
  return {
    write: new Set(write),
    read: new Set(read),
    agent: new Set(agent),
    privacy: new Set(privacy),
    admin: generateKey("admin"),
    generated,
  };
}

/** The request log: method, URL with emails and phones redacted (privacy/redact.ts), client address. */
export function requestLogger(): object {
  return {
    level: "info",
    serializers: {
      req: (request: { method: string; url: string; ip?: string }) => ({
        method: request.method,
        url: redactUrl(request.url),
        remoteAddress: request.ip,
      }),
    },
  };
}

export interface RunningServer {
  url: string;
  keys: ApiKeys;
  stop(): Promise<void>;
}

export async function startServer(
  engine: Engine,
  keys: ApiKeys,
  options: ServeOptions,
): Promise<RunningServer> {
  refuseDemoKeysBeyondLoopback(keys, options.host);
  if (
    options.failedRetentionDays !== undefined &&
    options.failedRetentionDays !== DEFAULT_FAILED_RETENTION_DAYS
  )
    await setFailedRetention(engine, options.failedRetentionDays);
  if (options.retentionDays !== undefined) await setEventRetention(engine, options.retentionDays);
  const { app } = await buildServer({
    engine,
    keys,
    logger: options.log ? requestLogger() : false,
    model: modelForStore(options.dataDir),
    playbook: loadPlaybook(options.playbook ?? DEFAULT_PLAYBOOK_PATH),
    warmDashboard: options.warm ?? true,
    queue: options.queue,
    retrainEvery: options.retrainEvery ?? (Number(process.env.CUSTOMER_FLOW_RETRAIN_EVERY) || 0),
    hashPii: options.hashPii || process.env.CUSTOMER_FLOW_HASH_PII === "1",
    lane: {
      workers: options.workers,
      deadlineMs: (options.queryTimeout ?? DEFAULT_QUERY_LIMITS.maxExecutionSeconds) * 1000,
    },
    // Code, not answers (so also with --no-warm): the process map's first layout would otherwise compile
    // elkjs while its first viewer waits.
    warmLayout: true,
    queryLimits: {
      ...DEFAULT_QUERY_LIMITS,
      maxExecutionSeconds: options.queryTimeout ?? DEFAULT_QUERY_LIMITS.maxExecutionSeconds,
    },
  });
  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `http://${options.host === "0.0.0.0" ? "127.0.0.1" : options.host}:${port}`;
  if (options.dataDir) {
    writeServerInfo(options.dataDir, {
      pid: process.pid,
      url,
      adminKey: keys.admin,
      startedAt: new Date().toISOString(),
    });
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
    await engine.close();
    if (options.dataDir) removeServerInfo(options.dataDir, process.pid);
  };
  return { url, keys, stop };
}

/** Serves an opened store until SIGINT/SIGTERM; an embedded folder gets its server.json for the CLI. */
export async function serveStore(
  store: OpenedStore,
  keys: ApiKeys,
  options: Pick<
    ServeOptions,
    | "port"
    | "host"
    | "log"
    | "playbook"
    | "queryTimeout"
    | "workers"
    | "failedRetentionDays"
    | "retentionDays"
    | "hashPii"
    | "queue"
    | "retrainEvery"
    | "warm"
  > & {
    data?: string;
  },
): Promise<RunningServer> {
  const dataDir =
    store.via === "embedded" ? resolveStoreOptions({ dataDir: options.data }).dataDir : undefined;
  const server = await startServer(store.engine, keys, {
    port: options.port,
    host: options.host,
    log: options.log,
    playbook: options.playbook,
    queryTimeout: options.queryTimeout,
    workers: options.workers,
    failedRetentionDays: options.failedRetentionDays,
    retentionDays: options.retentionDays,
    hashPii: options.hashPii,
    queue: options.queue,
    retrainEvery: options.retrainEvery,
    warm: options.warm,
    writeKeys: [],
    readKeys: [],
    dataDir,
  });
  stopOnSignals(server);
  return server;
}

/** Stops cleanly on SIGINT/SIGTERM: in-flight batches are committed before the process exits. */
export function stopOnSignals(server: RunningServer): void {
  const handler = () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
}
