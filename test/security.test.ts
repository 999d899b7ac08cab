/**
 * Security hardening on the real engine and a real server: keys before work, scopes, hostile items,
 * bounded parameters, time, identity poisoning, local hygiene and the query guard (docs/security.md).
 */
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { refuseDemoKeysBeyondLoopback } from "../src/api/auth.js";
import { buildServer, type CustomerFlowServer } from "../src/api/server.js";
import { FailedEventsBudget, setFailedRetention } from "../src/collect/failed-budget.js";
import { applyLinks, linksOfCustomer, resolveIdentifier } from "../src/identity/identity-store.js";
import type { ChdbEngine } from "../src/store/chdb-engine.js";
import type { Engine } from "../src/store/engine.js";
import { DEFAULT_QUERY_LIMITS } from "../src/store/query-limits.js";
import { guardReadOnly, ReadOnlyError } from "../src/store/read-only.js";
import { basic, TEST_KEYS, testEngine, uid } from "../testing/helpers.js";

let engine: Engine;
let built: CustomerFlowServer;
let app: FastifyInstance;
let url: string;

before(async () => {
  engine = await testEngine();
  built = await buildServer({ engine, keys: TEST_KEYS, commit: { maxRows: 5000, maxDelayMs: 2 } });
  app = built.app;
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
after(async () => {
  await app.close();
});

async function call(
  method: string,
  path: string,
  options: { key?: string; body?: unknown; raw?: BodyInit; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = basic(options.key);
  if (options.body !== undefined || options.raw !== undefined) headers["content-type"] ??= "application/json";
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, headers: response.headers };
}

const failedCount = async (marker: string) =>
  Number(
    (
      await engine.query<{ n: number }>(
        "SELECT count() AS n FROM failed_events WHERE position(payload, {m:String}) > 0",
        {
          m: marker,
        },
      )
    )[0]!.n,
  );

/** JSON text of a value nested `levels` arrays deep (JSON.stringify itself overflows on such depth). */
const deepJson = (levels: number) => `${"[".repeat(levels)}"bottom"${"]".repeat(levels)}`;

test("keys first: no key or an unknown key writes nothing, not even a failed event", async () => {
  const marker = uid("nokey");
  assert.equal((await call("POST", "/v1/batch", { raw: `{"batch": [${marker}` })).status, 401);
  assert.equal((await call("POST", "/v1/track", { key: "wk_nope", raw: `{${marker}` })).status, 401);
  // PostHog's key is in the body: an unparsable body has none, and a wrong one is refused before storing.
  assert.equal((await call("POST", "/batch/", { raw: `{"api_key": "wk_test", ${marker}` })).status, 400);
  const wrong = await call("POST", "/batch/", {
    body: { api_key: "wk_nope", batch: [{ event: "x", distinct_id: marker }] },
  });
  assert.equal(wrong.status, 401);
  assert.equal(await failedCount(marker), 0);
  // With the write key, the same bad body is kept with its reason.
  assert.equal(
    (await call("POST", "/v1/batch", { key: "wk_test", raw: `{"batch": [${marker}` })).status,
    400,
  );
  assert.equal(await failedCount(marker), 1);
});

test("scopes: write keys send, read keys read, agent keys act on the inbox, admin does all", async () => {
  const cases: Array<[string, string, string, number]> = [
    ["GET", "/v1/journeys/dfg", "wk_test", 403],
    ["GET", "/v1/journeys/dfg", "rk_test", 200],
    ["GET", "/v1/journeys/dfg", "ak_test", 200],
    // The dashboard's key check: a read key passes, the public write key does not.
    ["GET", "/v1/access", "rk_test", 200],
    ["GET", "/v1/access", "wk_test", 403],
    ["GET", "/v1/access", "nope", 401],
    ["POST", "/v1/batch", "rk_test", 403],
    ["POST", "/v1/batch", "ak_test", 403],
    ["POST", "/v1/inbox/nope", "rk_test", 403],
    ["POST", "/v1/inbox/nope", "ak_test", 404],
    ["POST", "/v1/segments/discover", "rk_test", 403],
    ["POST", "/v1/identity/split/nope", "ak_test", 403],
    ["POST", "/v1/identity/split/nope", "admin_test", 404],
    ["POST", "/internal/engine/query", "rk_test", 403],
  ];
  for (const [method, path, key, status] of cases) {
    const body = method === "POST" ? (path.includes("inbox") ? { action: "resolve" } : {}) : undefined;
    const answer = await call(method, path, { key, body });
    assert.equal(answer.status, status, `${method} ${path} with ${key}: ${JSON.stringify(answer.body)}`);
  }
});

test("every route declares its access level: one without it cannot be added", async () => {
  const server = await buildServer({ engine, keys: TEST_KEYS, preloadContexts: false });
  assert.throws(() => server.app.get("/v1/forgot", async () => "open"), /declares no access level/);
  await server.app.close();
});

test("the CLI's bridge answers only on loopback; 5xx bodies and /health show no internals", async () => {
  const admin = { authorization: basic("admin_test"), "content-type": "application/json" };
  const payload = JSON.stringify({ sql: "SELECT 1 AS one" });
  const far = await app.inject({
    method: "POST",
    url: "/internal/engine/query",
    headers: admin,
    payload,
    remoteAddress: "10.1.2.3",
  });
  assert.equal(far.statusCode, 404);
  const near = await app.inject({
    method: "POST",
    url: "/internal/engine/query",
    headers: admin,
    payload,
    remoteAddress: "127.0.0.1",
  });
  assert.equal(near.statusCode, 200);

  const health = await call("GET", "/health");
  assert.equal(health.body.engine, "chdb");
  // The serving lane: event-loop delay over the last minute, reads in flight (none now).
  assert.equal(typeof health.body.lane.eventLoopDelay.p99Ms, "number");
  assert.equal(health.body.lane.readsInFlight, 0);
  // The process's memory: V8's heap in use is part of the RSS.
  assert.ok(health.body.memory.heapUsed > 0 && health.body.memory.heapUsed < health.body.memory.rss);
  assert.doesNotMatch(JSON.stringify(health.body), /\/tmp|cf-test/);

  const server = await buildServer({ engine, keys: TEST_KEYS, preloadContexts: false });
  server.app.get("/boom", { config: { access: "public" } }, async () => {
    throw new Error("Code: 60. DB::Exception: Table customer_flow.secret does not exist at /var/data");
  });
  const boom = await server.app.inject({ method: "GET", url: "/boom" });
  assert.equal(boom.statusCode, 500);
  assert.doesNotMatch(boom.body, /secret|DB::Exception|\/var/);
  assert.match(boom.body, /request id/);
  await server.app.close();
});

test("only authenticated, successful writes invalidate the cached answers", async () => {
  const before = built.results.generation;
  await call("POST", "/v1/batch", { raw: "{bad" });
  await call("POST", "/v1/track", { key: "rk_test", body: {} });
  await call("POST", "/v1/nowhere", { key: "wk_test", body: {} });
  await call("POST", "/v1/track", { key: "wk_test", body: { event: "x" } });
  // A read route that takes its input as a body (a map to lay out) changes nothing, whoever's key posts.
  const laid = await call("POST", "/v1/journeys/layout", {
    key: "admin_test",
    body: { nodes: [{ id: "a step", kind: "activity" }], edges: [] },
  });
  assert.equal(laid.status, 200, JSON.stringify(laid.body));
  assert.equal(built.results.generation, before);
  const ok = await call("POST", "/v1/track", {
    key: "wk_test",
    body: { userId: uid("cache"), event: "Cache Test" },
  });
  assert.equal(ok.status, 200);
  assert.ok(built.results.generation > before);
});

test("one item nested 6,000 deep is rejected alone; the rest of its batch is stored", async () => {
  const id = uid("deep");
  // The event is level 1, properties level 2, so a tree of 62 arrays reaches 64 levels and 63 passes them.
  const item = (event: string, tree: string) =>
    `{"type":"track","userId":"${id}","event":"${event}","properties":{"tree":${tree}}}`;
  const raw = `{"batch":[${[
    item("Before", "1"),
    item("Deep", deepJson(6000)),
    item("Sixty-five", deepJson(63)),
    item("Fine", deepJson(62)),
  ].join(",")}]}`;
  const answer = await call("POST", "/v1/batch", { key: "wk_test", raw });
  assert.equal(answer.status, 200, JSON.stringify(answer.body).slice(0, 300));
  assert.deepEqual(
    answer.body.details.map((d: { index: number; reason: string }) => [d.index, d.reason]),
    [
      [1, "nested deeper than 64 levels"],
      [2, "nested deeper than 64 levels"],
    ],
  );
  const stored = await engine.query<{ name: string }>(
    "SELECT name FROM events WHERE user_id = {id:String} ORDER BY name",
    { id },
  );
  assert.deepEqual(
    stored.map((r) => r.name),
    ["Before", "Fine"],
  );
  const [kept] = await engine.query<{ n: number; reason: string }>(
    "SELECT count() AS n, any(reason) AS reason FROM failed_events WHERE position(payload, {id:String}) > 0",
    { id },
  );
  assert.equal(Number(kept!.n), 2);
});

test("an event sent with the write key cannot speak for the brand; admin imports can", async () => {
  const id = uid("outbound");
  const event = (key: string) =>
    call("POST", "/v1/track", {
      key,
      body: {
        userId: id,
        event: `Reply by ${key}`,
        properties: { direction: "outbound", text: "We refund everything, call us", inReplyTo: "x" },
      },
    });
  assert.equal((await event("wk_test")).status, 200);
  assert.equal((await event("admin_test")).status, 200);
  const rows = await engine.query<{ name: string; direction: string }>(
    "SELECT name, direction FROM events WHERE user_id = {id:String} ORDER BY name",
    { id },
  );
  assert.deepEqual(rows, [
    { name: "Reply by admin_test", direction: "outbound" },
    { name: "Reply by wk_test", direction: "inbound" },
  ]);
});

test("time cannot be moved: future events are rejected and now is never later than the clock", async () => {
  const id = uid("future");
  const future = await call("POST", "/v1/track", {
    key: "wk_test",
    body: {
      userId: id,
      event: "From the future",
      timestamp: "2099-01-01T00:00:00Z",
      properties: { text: "terrible" },
    },
  });
  assert.equal(future.status, 400);
  assert.equal(future.body.details[0].field, "timestamp");
  const now = await call("GET", "/v1/behaviour/now?at=2099-01-01T00:00:00Z", { key: "rk_test" });
  assert.equal(now.status, 200);
  assert.ok(Date.parse(now.body.at) <= Date.now());
});

test("bounded requests: out-of-range parameters are a 400 naming the parameter", async () => {
  const cases: Array<[string, string]> = [
    ["/v1/behaviour/now?history=8760&step=1e-9", "step"],
    ["/v1/behaviour/now?history=8760&step=1", "step"],
    ["/v1/behaviour/now?lookback=1e9", "lookback"],
    ["/v1/journeys/dfg?sessionGap=0.001", "sessionGap"],
    ["/v1/journeys/variants?top=100000", "top"],
    ["/v1/value/attribution?states=100000", "states"],
    ["/v1/value/attribution?halfLife=1e12", "halfLife"],
    ["/v1/journeys/funnel?step=a&step=b&window=99999d", "window"],
    [`/v1/journeys/dfg?channel=${Array.from({ length: 101 }, (_, i) => `c${i}`).join(",")}`, "channel"],
  ];
  for (const [path, field] of cases) {
    const answer = await call("GET", path, { key: "rk_test" });
    assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.field, field, path);
  }
  const long = await call("POST", "/v1/behaviour/classify", {
    key: "rk_test",
    body: { text: "a".repeat(5001) },
  });
  assert.equal(long.status, 400);
  assert.equal(long.body.field, "text");
  const many = await call("POST", "/v1/behaviour/classify", {
    key: "rk_test",
    body: { texts: Array.from({ length: 1001 }, () => "hi") },
  });
  assert.equal(many.status, 400);
});

test("the touchpoint table and attribution fold thousands of touchpoints into (other)", async () => {
  const tag = uid("pages");
  const batch = [];
  for (let c = 0; c < 300; c++) {
    const userId = `${tag}-${c}`;
    for (let p = 0; p < 10; p++)
      batch.push({
        type: "page",
        userId,
        name: `/${tag}/page-${c}-${p}`,
        timestamp: new Date(Date.UTC(2024, 0, 1) + c * 60_000 + p * 1000).toISOString(),
      });
    if (c % 3 === 0)
      batch.push({
        type: "track",
        userId,
        event: "Order Completed",
        timestamp: new Date(Date.UTC(2024, 0, 1) + c * 60_000 + 20_000).toISOString(),
        properties: { revenue: 5 },
      });
  }
  for (let i = 0; i < batch.length; i += 500) {
    const sent = await call("POST", "/v1/batch", {
      key: "wk_test",
      body: { batch: batch.slice(i, i + 500) },
    });
    assert.equal(sent.status, 200);
  }
  const table = await call("GET", "/v1/value/touchpoints?states=20", { key: "rk_test" });
  assert.equal(table.status, 200, JSON.stringify(table.body).slice(0, 300));
  assert.ok(table.body.touchpoints.length <= 21, `${table.body.touchpoints.length} rows`);
  assert.ok(table.body.touchpoints.some((t: { step: string }) => t.step === "(other)"));
  const attribution = await call("GET", "/v1/value/attribution?by=touchpoint&order=2", { key: "rk_test" });
  assert.equal(attribution.status, 200);
  assert.ok(Object.keys(attribution.body.markov.removalEffects).length <= 51);
  assert.ok(attribution.body.states.folded > 3000 - 60);
});

test("placeholder identifiers never merge, and a customer past the identifier cap stops merging on traits", async () => {
  const a = uid("ph-a");
  const b = uid("ph-b");
  for (const userId of [a, b]) {
    const sent = await call("POST", "/v1/identify", {
      key: "wk_test",
      body: { userId, traits: { email: "test@test.com", phone: "000 000 0000" } },
    });
    assert.equal(sent.status, 200);
  }
  assert.equal(await resolveIdentifier(engine, `user:${a}`), `user:${a}`);
  assert.equal(await resolveIdentifier(engine, `user:${b}`), `user:${b}`);

  const shared = `email:${uid("shared")}@corp.example`;
  const users = Array.from({ length: 8 }, (_, i) => `user:${uid(`cap${i}`)}`);
  let refused = 0;
  for (const user of users)
    await applyLinks(engine, [{ left: user, right: shared, reason: "trait:email", eventId: "e" }], {
      maxIdentifiers: 5,
      onRefused: () => refused++,
    });
  assert.equal(refused, 4);
  const customer = await resolveIdentifier(engine, shared);
  const merges = await linksOfCustomer(engine, customer);
  assert.equal(merges.filter((m) => Number(m.active) === 1).length, 4);
  assert.equal(merges.filter((m) => /refused: the customer would have over 5/.test(m.reason)).length, 4);
});

test("merges run one at a time: concurrent links to one hub end in one customer", async () => {
  const hub = `user:zz-${uid("hub")}`;
  const spokes = Array.from({ length: 16 }, (_, i) => `user:a${i}-${uid("spoke")}`);
  await Promise.all(
    spokes.map((spoke) => applyLinks(engine, [{ left: hub, right: spoke, reason: "alias", eventId: "e" }])),
  );
  const customers = new Set(await Promise.all([hub, ...spokes].map((id) => resolveIdentifier(engine, id))));
  assert.equal(customers.size, 1, [...customers].join(", "));
});

test("failed_events expire after 30 days and keep no payload past their size cap", async () => {
  const [table] = await engine.query<{ ddl: string }>(
    "SELECT create_table_query AS ddl FROM system.tables WHERE database = currentDatabase() AND name = 'failed_events'",
  );
  assert.match(table!.ddl, /TTL toDateTime\(received_at\) \+ toIntervalDay\(30\)/);
  // serve --failed-retention-days N changes it.
  await setFailedRetention(engine, 7);
  const [changed] = await engine.query<{ ddl: string }>(
    "SELECT create_table_query AS ddl FROM system.tables WHERE database = currentDatabase() AND name = 'failed_events'",
  );
  assert.match(changed!.ddl, /toIntervalDay\(7\)/);
  await assert.rejects(setFailedRetention(engine, 0), /whole number of days/);
  await setFailedRetention(engine, 30);
  // A 1-byte cap: once anything is stored (by earlier tests, or the first row here), payloads are dropped.
  const budget = new FailedEventsBudget(engine, 1);
  const failed = {
    received_at: "2024-01-01 00:00:00.000",
    source: "t",
    field: "f",
    reason: "r",
    payload: "x".repeat(100),
  };
  await budget.admit([failed]);
  const [row] = await budget.admit([failed]);
  assert.equal(row!.payload, "");
  assert.match(row!.reason, /over its size cap/);
});

test("a gzip bomb is refused at the size limit, unread past it", async () => {
  const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
  const answer = await call("POST", "/v1/batch", {
    key: "wk_test",
    raw: new Uint8Array(bomb),
    headers: { "content-encoding": "gzip" },
  });
  assert.equal(answer.status, 413);
  assert.equal((await call("GET", "/health")).status, 200);
});

test("local hygiene: the data folder is private, and the demo keys stay on loopback", () => {
  const folder = (engine as ChdbEngine).dataDir;
  assert.equal(statSync(folder).mode & 0o777, 0o700);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk(folder);
  assert.ok(files.length > 0);
  for (const file of files) assert.equal(statSync(file).mode & 0o077, 0, `${file} is readable by others`);
  const demo = { write: new Set(["wk_demo"]), read: new Set(["rk_demo"]), admin: "a" };
  assert.throws(() => refuseDemoKeysBeyondLoopback(demo, "0.0.0.0"), /demo keys/);
  refuseDemoKeysBeyondLoopback(demo, "127.0.0.1");
  refuseDemoKeysBeyondLoopback(
    { ...demo, write: new Set(["wk_mine"]), read: new Set(["rk_mine"]) },
    "0.0.0.0",
  );
});

test("customer-flow query reads the store only: no file, URL or server functions, no INTO OUTFILE", async () => {
  const refused = [
    "SELECT file('/etc/hostname')",
    "SELECT `file`('/etc/hostname') AS x",
    "SELECT * FROM file('/etc/hostname', 'LineAsString')",
    "SELECT count() FROM events WHERE 1 IN (SELECT 1 FROM url('http://127.0.0.1:9/x', 'LineAsString'))",
    "DESCRIBE TABLE file('/etc/hostname', 'LineAsString')",
    "EXPLAIN SELECT * FROM s3('http://x/y')",
    "SELECT 1 INTO/**/OUTFILE '/tmp/cf-out'",
    "SHOW TABLES INTO OUTFILE '/tmp/cf-out'",
    "SELECT * FROM executable('x.sh', 'TSV', 'a String')",
    "SELECT * FROM remote('127.0.0.1', system.one)",
  ];
  for (const sql of refused)
    await assert.rejects(
      guardReadOnly(engine, sql),
      (error) => error instanceof ReadOnlyError || /Syntax error/i.test(String(error)),
      sql,
    );
  const fine = await engine.query<{ n: number }>(
    await guardReadOnly(engine, "SELECT count() AS n FROM events WHERE 0 IN (SELECT number FROM numbers(3))"),
  );
  assert.equal(fine.length, 1);
  await assert.rejects(guardReadOnly(engine, "SELECT * FROM events SETTINGS readonly = 0"), /readonly/);
  // The statement runs with readonly = 1: a table function that slipped past the checks is refused too.
  const guarded = await guardReadOnly(engine, "SELECT 1");
  const slipped = guarded.replace("SELECT 1", "SELECT 1 FROM url('http://127.0.0.1:9/x', 'LineAsString')");
  await assert.rejects(engine.query(slipped), /READONLY/);
});

test("an analytic read past the per-query limits is a 503, and the server keeps serving", async () => {
  const limited = await buildServer({
    engine,
    keys: TEST_KEYS,
    preloadContexts: false,
    queryLimits: { ...DEFAULT_QUERY_LIMITS, maxMemoryBytes: 1024 },
  });
  const headers = { authorization: basic("rk_test") };
  const answer = await limited.app.inject({ method: "GET", url: "/v1/journeys/variants", headers });
  assert.equal(answer.statusCode, 503, answer.body);
  assert.equal(JSON.parse(answer.body).error, "query_limit");
  assert.equal((await limited.app.inject({ method: "GET", url: "/health" })).statusCode, 200);
  await limited.app.close();
});
