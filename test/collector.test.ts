/** The HTTP collector end to end on the real embedded engine. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import type { Engine } from "../src/store/engine.js";
import { basic, get, post, startTestServer, type TestServer, testEngine, uid } from "../testing/helpers.js";

let engine: Engine;
let server: TestServer;

before(async () => {
  engine = await testEngine();
  server = await startTestServer(engine, { maxBatchBytes: 500 * 1024 });
});
after(async () => {
  await server.close();
});

async function count(sql: string, params: Record<string, unknown>): Promise<number> {
  const [row] = await engine.query<{ n: string }>(sql, params);
  return Number(row?.n ?? 0);
}

const eventsWith = (id: string) =>
  count("SELECT count() AS n FROM events FINAL WHERE event_id = {id:String}", { id });
const failuresWith = (text: string) =>
  count("SELECT count() AS n FROM failed_events WHERE position(payload, {t:String}) > 0", { t: text });

test("Segment track is stored with channel and touchpoint, acknowledged after commit", async () => {
  const id = uid("m");
  const response = await post(`${server.url}/v1/track`, {
    userId: "u-track",
    event: "Call Started",
    messageId: id,
    properties: { channel: "phone", touchpoint: "support call" },
  });
  assert.equal(response.status, 200);
  assert.equal(response.body.success, true);
  // Acknowledged means committed: readable at once.
  const [row] = await engine.query<{ channel: string; touchpoint: string; type: string }>(
    "SELECT channel, touchpoint, type FROM events WHERE event_id = {id:String}",
    { id },
  );
  assert.deepEqual(row, { channel: "phone", touchpoint: "support call", type: "track" });
});

test("a batch keeps its good items, reports each bad one, and stores the bad ones in failed_events", async () => {
  const good = uid("good");
  const bad = uid("bad");
  const response = await post(`${server.url}/v1/batch`, {
    batch: [
      { type: "track", userId: "u1", event: "Viewed", messageId: good },
      { type: "track", event: "No identity", messageId: bad },
      { type: "page", anonymousId: "a1", messageId: uid("p"), properties: { channel: "Bad Channel" } },
    ],
  });
  assert.equal(response.status, 200);
  assert.equal(response.body.processed, 1);
  assert.equal(response.body.errors, 2);
  assert.deepEqual(
    response.body.details.map((d: { index: number; field: string }) => [d.index, d.field]),
    [
      [1, "userId"],
      [2, "properties.channel"],
    ],
  );
  assert.equal(await eventsWith(good), 1);
  assert.equal(await failuresWith(bad), 1);
});

test("a single bad event gets 400 naming the field, and is kept", async () => {
  const id = uid("single");
  const response = await post(`${server.url}/v1/track`, { userId: "u", messageId: id });
  assert.equal(response.status, 400);
  assert.match(response.body.error, /^event: a track call needs an event name/);
  assert.equal(await failuresWith(id), 1);
});

test("retries with the same messageId never duplicate", async () => {
  const id = uid("retry");
  const event = {
    type: "track",
    userId: "u-retry",
    event: "Order Completed",
    messageId: id,
    properties: { revenue: 10 },
  };
  for (let i = 0; i < 3; i++)
    assert.equal(
      (await post(`${server.url}/v1/batch`, { batch: [event], sentAt: new Date().toISOString() })).status,
      200,
    );
  assert.equal(await eventsWith(id), 1);
});

test("gzip bodies are accepted; other encodings and content types get 415", async () => {
  const id = uid("gz");
  const body = gzipSync(
    JSON.stringify({ batch: [{ type: "track", userId: "u-gz", event: "Zipped", messageId: id }] }),
  );
  const response = await fetch(`${server.url}/v1/batch`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "content-encoding": "gzip",
      authorization: basic("wk_test"),
    },
    body,
  });
  assert.equal(response.status, 200);
  assert.equal(await eventsWith(id), 1);
  const brotli = await fetch(`${server.url}/v1/batch`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "content-encoding": "br",
      authorization: basic("wk_test"),
    },
    body: "{}",
  });
  assert.equal(brotli.status, 415);
  const xml = await fetch(`${server.url}/v1/track`, {
    method: "POST",
    headers: { "content-type": "application/xml", authorization: basic("wk_test") },
    body: "<event/>",
  });
  assert.equal(xml.status, 415);
});

test("a body that is not JSON gets 400 and is kept as text", async () => {
  const marker = uid("notjson");
  const response = await post(`${server.url}/v1/track`, `{"userId": "${marker}", oops`);
  assert.equal(response.status, 400);
  assert.match(response.body.message, /not valid JSON/);
  assert.equal(await failuresWith(marker), 1);
});

test("limits: 32 KB per event (400 for that item), 500 KB per batch (413)", async () => {
  const id = uid("big");
  const big = await post(`${server.url}/v1/batch`, {
    batch: [
      {
        type: "track",
        userId: "u",
        event: "Big",
        messageId: id,
        properties: { blob: "x".repeat(33 * 1024) },
      },
      { type: "track", userId: "u", event: "Small", messageId: uid("small") },
    ],
  });
  assert.equal(big.status, 200);
  assert.deepEqual([big.body.processed, big.body.errors], [1, 1]);
  assert.match(big.body.details[0].reason, /limit is 32768/);
  const huge = await post(`${server.url}/v1/batch`, { batch: [{ blob: "y".repeat(600 * 1024) }] });
  assert.equal(huge.status, 413);
});

test("keys: none is 401, a read key cannot write, a write key cannot read", async () => {
  const event = { userId: "u", event: "x" };
  assert.equal((await post(`${server.url}/v1/track`, event, { authorization: "" })).status, 401);
  const withReadKey = await post(`${server.url}/v1/track`, event, { authorization: basic("rk_test") });
  assert.equal(withReadKey.status, 403);
  assert.match(withReadKey.body.message, /write key/);
  assert.equal(
    (await post(`${server.url}/v1/track`, event, { authorization: "Bearer wk_test" })).status,
    200,
  );
  const read = await get(`${server.url}/v1/customers/u`, "wk_test");
  assert.equal(read.status, 403);
  assert.match(read.body.message, /read key/);
  assert.equal((await get(`${server.url}/v1/customers/u`, "nope")).status, 401);
});

test("PostHog capture and batch shapes, with api_key in the body", async () => {
  const id = uid("ph");
  const single = await post(
    `${server.url}/capture/`,
    {
      api_key: "wk_test",
      event: "signed up",
      distinct_id: "ph-user",
      uuid: id,
      properties: { channel: "app" },
    },
    { authorization: "" },
  );
  assert.equal(single.status, 200);
  assert.equal(await eventsWith(id), 1);
  const denied = await post(`${server.url}/batch/`, { api_key: "wrong", batch: [] }, { authorization: "" });
  assert.equal(denied.status, 401);
});

test("health and OpenAPI docs are served", async () => {
  assert.equal((await fetch(`${server.url}/health`)).status, 200);
  const spec = (await (await fetch(`${server.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
  for (const path of ["/v1/track", "/v1/batch", "/v1/customers/{id}", "/capture/"])
    assert.ok(spec.paths[path], path);
});
