/**
 * Scale-out ingestion (issue 21) against a real NATS JetStream server: the one the machine runs on
 * 127.0.0.1:4222 (CUSTOMER_FLOW_TEST_NATS to use another), and private ones started from the nats-server
 * binary where a test stops its server. Each test has its own stream, deleted at the end.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { before, test } from "node:test";
import { Analytics as SegmentAnalytics } from "@segment/analytics-node";
import { TEST_NATS } from "../bench/queue-crash.js";
import { findCustomer } from "../src/identity/customer360.js";
import { buildCollectorServer } from "../src/queue/collector-server.js";
import { NatsQueue, type NatsQueueOptions } from "../src/queue/nats.js";
import type { Engine } from "../src/store/engine.js";
import {
  get,
  startTestServer,
  type TestServer,
  tempDir,
  testEngine,
  uid,
  until,
} from "../testing/helpers.js";

let engine: Engine;
before(async () => {
  // A clear failure when the queue the tests need is not there.
  const probe = await NatsQueue.open({
    url: TEST_NATS,
    stream: `CF_PROBE_${process.pid}`,
    subjectPrefix: `cf-probe-${process.pid}`,
  }).catch((error: Error) => {
    throw new Error(`these tests need NATS with JetStream at ${TEST_NATS}: ${error.message}`);
  });
  await probe.destroy();
  await probe.close();
  engine = await testEngine();
});

let streams = 0;
function queueOptions(url = TEST_NATS): NatsQueueOptions {
  streams++;
  const tag = `${process.pid}_${streams}_${Date.now().toString(36)}`;
  return { url, stream: `CF_TEST_${tag}`, subjectPrefix: `cf-test-${tag}` };
}

async function startCollector(options: NatsQueueOptions) {
  const queue = await NatsQueue.open(options);
  const app = await buildCollectorServer({ queue, writeKeys: new Set(["wk_test"]) });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const close = async () => {
    await app.close();
    await queue.close();
  };
  return { url, queue, close };
}

test("events sent through the Segment SDK to two collectors arrive once in the store, stitched", async () => {
  const options = queueOptions();
  let store: TestServer | undefined;
  const collectors = [await startCollector(options), await startCollector(options)];
  try {
    store = await startTestServer(engine, { queue: options });
    // An analytic answer kept by the server: what the loader stores must replace it, as an HTTP write does.
    const eventsSeen = async () => (await get(`${store!.url}/v1/overview`)).body.totals.events as number;
    const before = await eventsSeen();
    const user = uid("queued");
    const anon = uid("anon");
    const errors: unknown[] = [];
    const sdks = collectors.map((c) => {
      const sdk = new SegmentAnalytics({ writeKey: "wk_test", host: c.url, flushAt: 5, maxRetries: 2 });
      sdk.on("error", (error) => errors.push(error));
      return sdk;
    });
    for (let i = 0; i < 20; i++)
      sdks[i % 2]!.track({ anonymousId: anon, event: "Queued Page", properties: { channel: "web", i } });
    sdks[1]!.identify({ userId: user, anonymousId: anon, traits: { plan: "pro" } });
    await Promise.all(sdks.map((sdk) => sdk.closeAndFlush()));
    assert.deepEqual(errors, []);
    // The same three events sent to both collectors, as a retry after a lost answer would: stored once.
    const repeated = JSON.stringify({
      batch: [1, 2, 3].map((i) => ({
        type: "track",
        messageId: `${anon}-r${i}`,
        anonymousId: anon,
        event: "Retried",
      })),
    });
    for (const c of collectors) {
      const response = await fetch(`${c.url}/v1/batch`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Basic ${Buffer.from("wk_test:").toString("base64")}`,
        },
        body: repeated,
      });
      assert.equal(response.status, 200);
    }
    const count = () =>
      engine
        .query<{ n: number }>(
          "SELECT count() AS n FROM events FINAL WHERE identity_key IN {keys:Array(String)}",
          { keys: [`anon:${anon}`, `user:${user}`] },
        )
        .then((rows) => Number(rows[0]?.n ?? 0));
    await until("all 24 events loaded", count, (n) => n >= 24);
    // Loaded: now the store's count must not grow past them.
    await until(
      "the loader to catch up",
      () => fetch(`${store!.url}/health`).then((r) => r.json()),
      (h) => h.queue.lag === 0,
    );
    assert.equal(await count(), 24);
    assert.equal(await eventsSeen(), before + 24);
    assert.equal(await findCustomer(engine, anon), `user:${user}`);
    const health = await fetch(`${store.url}/health`).then((r) => r.json());
    assert.equal(health.queue.connected, true);
    assert.equal(health.queue.lag, 0);
    assert.ok(health.queue.loaded.events >= 24);
  } finally {
    await store?.close();
    for (const c of collectors) await c.close();
    const cleanup = await NatsQueue.open(options);
    await cleanup.destroy();
    await cleanup.close();
  }
});

/** A private NATS server with JetStream, on a free port, storing in its own folder. */
async function privateNats(port: number, storeDir: string): Promise<ChildProcess> {
  const child = spawn("nats-server", ["-js", "-p", String(port), "-sd", storeDir, "-a", "127.0.0.1"], {
    stdio: "ignore",
  });
  await until(
    "the private NATS server to listen",
    () =>
      new Promise<boolean>((resolve) => {
        const socket = createServer().listen(port, "127.0.0.1");
        socket.once("listening", () => socket.close(() => resolve(false)));
        socket.once("error", () => resolve(true));
      }),
    (busy) => busy,
  );
  return child;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("with NATS stopped a collector answers 503 and acknowledges nothing; it resumes when NATS returns", async () => {
  const port = await freePort();
  const storeDir = tempDir("cf-nats-");
  let nats = await privateNats(port, storeDir);
  const options = { ...queueOptions(`nats://127.0.0.1:${port}`), publishTimeoutMs: 1_000 };
  const collector = await startCollector(options);
  const send = (id: string) =>
    fetch(`${collector.url}/v1/batch`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${Buffer.from("wk_test:").toString("base64")}`,
      },
      body: JSON.stringify({ batch: [{ type: "track", messageId: id, userId: "u1", event: "Outage Test" }] }),
    });
  try {
    assert.equal((await send("before")).status, 200);
    const exited = new Promise((resolve) => nats.once("exit", resolve));
    nats.kill("SIGKILL");
    await exited;
    const during = await send("during");
    assert.equal(during.status, 503);
    assert.equal((await during.json()).error, "queue_unavailable");
    assert.equal((await fetch(`${collector.url}/health`)).status, 503);

    nats = await privateNats(port, storeDir);
    await until(
      "the collector to reconnect",
      () => fetch(`${collector.url}/health`).then((r) => r.status),
      (status) => status === 200,
    );
    assert.equal((await send("after")).status, 200);
    const status = await collector.queue.status();
    // "before" and "after" are stored; "during" was refused (a retry of it would be stored once).
    assert.ok(status.messages >= 2 && status.messages <= 3, JSON.stringify(status));
  } finally {
    await collector.close();
    nats.kill("SIGKILL");
  }
});
