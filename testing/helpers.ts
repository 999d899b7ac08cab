/** Test helpers: a real embedded engine in a temporary folder, and a real server listening on loopback. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import type { ApiKeys } from "../src/api/auth.js";
import { buildServer, type ServerOptions } from "../src/api/server.js";
import { ChdbEngine } from "../src/store/chdb-engine.js";
import type { Engine } from "../src/store/engine.js";
import { migrate } from "../src/store/migrate.js";

export const SHARED_DATA = join(process.cwd(), "..", "shared", "data");

export function tempDir(prefix = "cf-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** One chDB folder per test process (chDB binds one data folder per process). */
let shared: Promise<Engine> | undefined;
export function testEngine(): Promise<Engine> {
  shared ??= (async () => {
    const engine = await ChdbEngine.open(tempDir(), "customer_flow");
    await migrate(engine);
    return engine;
  })();
  return shared;
}

/**
 * Another database in the shared test engine's folder (chDB binds one folder per process), migrated: for a
 * test that compares two ways of storing the same data, or needs a store no other test writes to.
 */
export async function testDatabase(name: string): Promise<Engine> {
  const shared = (await testEngine()) as ChdbEngine;
  const engine = await ChdbEngine.open(shared.dataDir, name);
  await migrate(engine);
  return engine;
}

/**
 * The same real engine, counting the statements (queries and streams) whose SQL contains `marker`: to
 * check that a computation ran once, not to replace the engine.
 */
export function countingEngine(engine: Engine, marker: string): { engine: Engine; count: () => number } {
  let count = 0;
  const seen = (sql: string) => {
    if (sql.includes(marker)) count++;
    return sql;
  };
  // The engine's separate read session (the API's reads run there) is counted too.
  const wrap = (inner: Engine): Engine => {
    const counting = Object.create(inner) as Engine;
    counting.query = (sql, params) => inner.query(seen(sql), params);
    counting.stream = (sql, params) => inner.stream(seen(sql), params);
    counting.streamChunks = (sql, params) => inner.streamChunks(seen(sql), params);
    const separate = inner.separateReads?.bind(inner);
    if (separate) counting.separateReads = () => wrap(separate());
    return counting;
  };
  return { engine: wrap(engine), count: () => count };
}

export const TEST_KEYS: ApiKeys = {
  write: new Set(["wk_test"]),
  read: new Set(["rk_test"]),
  agent: new Set(["ak_test"]),
  privacy: new Set(["pk_test"]),
  admin: "admin_test",
};

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export async function startTestServer(
  engine: Engine,
  options: Partial<Omit<ServerOptions, "engine" | "keys">> = {},
): Promise<TestServer> {
  const { app } = await buildServer({
    engine,
    keys: TEST_KEYS,
    commit: { maxRows: 5000, maxDelayMs: 2 },
    ...options,
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/**
 * A real engine and a server on it for the whole test file: registers node:test's before/after hooks. Read
 * `engine` and `server` inside tests (they exist once `before` has run).
 */
export function serverForFile(): { readonly engine: Engine; readonly server: TestServer } {
  const state: { engine?: Engine; server?: TestServer } = {};
  before(async () => {
    state.engine = await testEngine();
    state.server = await startTestServer(state.engine);
  });
  after(async () => {
    await state.server?.close();
  });
  return {
    get engine() {
      return state.engine!;
    },
    get server() {
      return state.server!;
    },
  };
}

/** Sends a batch through the collector and fails the test unless every event was accepted. */
export async function sendAccepted(server: TestServer, batch: object[]): Promise<void> {
  const response = await post(`${server.url}/v1/batch`, { batch });
  if (response.status !== 200 || response.body.errors !== 0)
    throw new Error(`batch not accepted (${response.status}): ${JSON.stringify(response.body)}`);
}

export function basic(key: string): string {
  return `Basic ${Buffer.from(`${key}:`).toString("base64")}`;
}

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basic("wk_test"), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
}

export async function get(url: string, key = "rk_test"): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { headers: { authorization: basic(key) } });
  return { status: response.status, body: await response.json() };
}

/** Unique ids per test so tests in one file never see each other's rows. */
let counter = 0;
export function uid(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** Reads until `done` holds (every 100 ms, at most 60 s): for what happens in the background. */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} never happened`);
}
