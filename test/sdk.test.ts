/** Unmodified vendor SDKs pointed at the collector; events are read back from the store. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import RudderAnalytics from "@rudderstack/rudder-sdk-node";
import { Analytics as SegmentAnalytics } from "@segment/analytics-node";
import { PostHog } from "posthog-node";
import { findCustomer } from "../src/identity/customer360.js";
import type { Engine } from "../src/store/engine.js";
import { startTestServer, type TestServer, testEngine, uid } from "../testing/helpers.js";

let engine: Engine;
let server: TestServer;

before(async () => {
  engine = await testEngine();
  server = await startTestServer(engine);
});
after(async () => {
  await server.close();
});

async function eventsOf(identityKeys: string[]) {
  return engine.query<{ type: string; name: string; channel: string; touchpoint: string; source: string }>(
    "SELECT type, name, channel, touchpoint, source FROM events FINAL WHERE identity_key IN {keys:Array(String)} ORDER BY timestamp, seq",
    { keys: identityKeys },
  );
}

test("@segment/analytics-node: track, page and identify arrive, and identify stitches", async () => {
  const analytics = new SegmentAnalytics({
    writeKey: "wk_test",
    host: server.url,
    flushAt: 10,
    maxRetries: 1,
  });
  const errors: unknown[] = [];
  analytics.on("error", (error) => errors.push(error));
  const user = uid("seg");
  const anon = uid("anon");
  analytics.page({ anonymousId: anon, name: "pricing" });
  analytics.identify({ userId: user, anonymousId: anon, traits: { email: `${user}@example.com` } });
  analytics.track({
    userId: user,
    event: "Order Completed",
    properties: { revenue: 30, channel: "web", touchpoint: "checkout" },
  });
  await analytics.closeAndFlush();
  assert.deepEqual(errors, []);
  const rows = await eventsOf([`user:${user}`, `anon:${anon}`]);
  assert.deepEqual(
    rows.map((r) => [r.type, r.channel, r.touchpoint]),
    [
      ["page", "web", "pricing"],
      ["identify", "other", "identify"],
      ["track", "web", "checkout"],
    ],
  );
  assert.equal(await findCustomer(engine, `${user}@example.com`), `user:${user}`);
  assert.equal(await findCustomer(engine, anon), `user:${user}`);
});

test("@rudderstack/rudder-sdk-node (gzip by default): track and identify arrive", async () => {
  const client = new RudderAnalytics("wk_test", { dataPlaneUrl: server.url, flushAt: 5, logLevel: "error" });
  const user = uid("rudder");
  client.identify({ userId: user, traits: { phone: "+1 555 010 9999" } });
  client.track({
    userId: user,
    event: "Support Ticket",
    properties: { channel: "contact_center", text: "my parcel is late" },
  });
  await client.flush();
  const rows = await eventsOf([`user:${user}`]);
  assert.deepEqual(rows.map((r) => [r.type, r.channel]).sort(), [
    ["identify", "other"],
    ["track", "contact_center"],
  ]);
  assert.equal(await findCustomer(engine, "+1 555 010 9999"), `user:${user}`);
});

test("posthog-node: capture and identify arrive through /batch/", async () => {
  const client = new PostHog("wk_test", { host: server.url, flushAt: 1, flushInterval: 0 });
  const user = uid("ph");
  client.capture({
    distinctId: user,
    event: "viewed plan",
    properties: { channel: "app", touchpoint: "plans" },
  });
  client.identify({ distinctId: user, properties: { email: `${user}@example.org` } });
  await client.shutdown();
  const rows = await eventsOf([`user:${user}`]);
  assert.deepEqual(rows.map((r) => [r.type, r.source]).sort(), [
    ["identify", "http:posthog"],
    ["track", "http:posthog"],
  ]);
  assert.ok(rows.some((r) => r.channel === "app" && r.touchpoint === "plans"));
  assert.equal(await findCustomer(engine, `${user}@example.org`), `user:${user}`);
});
