/** Engage on the demo data: the ranked inbox, actions with history, replies as touchpoints, the context API. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { EngineSink } from "../src/collect/sink.js";
import { loadDemo } from "../src/demo/load.js";
import { processMap } from "../src/journeys/views.js";
import type { Engine } from "../src/store/engine.js";
import { runClv } from "../src/value/store.js";
import { basic, get, post, startTestServer, type TestServer, testEngine, uid } from "../testing/helpers.js";

let engine: Engine;
let server: TestServer;
const asAgent = { authorization: basic("ak_test") };

before(async () => {
  engine = await testEngine();
  const sink = new EngineSink(engine);
  await loadDemo(sink, { customers: 1500, seed: 7 });
  await sink.close();
  await runClv(engine);
  server = await startTestServer(engine);
});
after(() => server.close());

test("the top of the inbox holds complaints and questions from high-value customers, each explained", async () => {
  const inbox = await get(`${server.url}/v1/inbox?status=open&limit=20`);
  assert.equal(inbox.status, 200, JSON.stringify(inbox.body));
  assert.equal(inbox.body.items.length, 20);
  const [{ median }] = await engine.query<{ median: number }>(
    "SELECT quantileExact(0.5)(clv) AS median FROM customer_value FINAL WHERE clv > 0",
  );
  for (const item of inbox.body.items) {
    assert.ok(
      item.labels.includes("complaint") || item.labels.includes("question"),
      `${item.behaviour} ${item.labels} "${item.text}"`,
    );
    for (const field of [
      "id",
      "customerId",
      "behaviour",
      "labels",
      "priority",
      "reasons",
      "text",
      "channel",
      "touchpoint",
      "receivedAt",
      "status",
    ]) {
      assert.ok(field in item, field);
    }
    assert.equal(item.status, "open");
  }
  const clvs = await engine.query<{ clv: number }>(
    "SELECT clv FROM customer_value FINAL WHERE customer_id IN {ids:Array(String)}",
    { ids: inbox.body.items.map((i: { customerId: string }) => i.customerId) },
  );
  const meanClv = clvs.reduce((s, r) => s + Number(r.clv), 0) / clvs.length;
  assert.ok(meanClv > 2 * median, `top items' mean CLV ${meanClv} vs median ${median}`);
  assert.match(inbox.body.items[0].reasons.join(" "), /urgency .* CLV .* waiting/);
  for (let i = 1; i < inbox.body.items.length; i++) {
    assert.ok(inbox.body.items[i - 1].priority >= inbox.body.items[i].priority);
  }
  const praise = await get(`${server.url}/v1/inbox?behaviour=praise&limit=5`);
  for (const item of praise.body.items) assert.ok(item.labels.includes("praise"));
  assert.equal((await get(`${server.url}/v1/inbox?status=closed`)).body.field, "status");
});

test("assign, note, status changes keep a history; bad changes get clear errors", async () => {
  const [item] = (await get(`${server.url}/v1/inbox?status=open&limit=1`)).body.items;
  const url = `${server.url}/v1/inbox/${item.id}`;
  // Acting on the inbox (a reply writes the brand's events) needs an agent key; a read key only reads.
  const byReader = await post(url, { action: "note", note: "x" }, { authorization: basic("rk_test") });
  assert.equal(byReader.status, 403);
  assert.equal(
    (await post(url, { action: "assign", assignee: "care-team", actor: "ann" }, asAgent)).status,
    200,
  );
  assert.equal((await post(url, { action: "note", note: "called twice already" }, asAgent)).status, 200);
  const pending = await post(url, { action: "status", status: "pending" }, asAgent);
  assert.equal(pending.body.item.status, "pending");
  assert.equal(pending.body.item.assignee, "care-team");
  const resolved = await post(url, { action: "resolve" }, asAgent);
  assert.equal(resolved.body.item.status, "resolved");
  assert.deepEqual(
    resolved.body.history.map((h: { action: string }) => h.action),
    ["assign", "note", "status", "status"],
  );
  const again = await post(url, { action: "resolve" }, asAgent);
  assert.equal(again.status, 409);
  assert.equal(again.body.field, "status");
  assert.match(again.body.message, /already resolved/);
  const toPending = await post(url, { action: "status", status: "pending" }, asAgent);
  assert.equal(toPending.status, 409);
  assert.match(toPending.body.message, /cannot go from resolved to pending/);
  const bad = await post(url, { action: "status", status: "closed" }, asAgent);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, "status");
  assert.equal((await post(`${server.url}/v1/inbox/nope`, { action: "resolve" }, asAgent)).status, 404);
  assert.equal((await post(url, { action: "dance" }, asAgent)).status, 400);
  const assigned = await get(`${server.url}/v1/inbox?assignee=care-team&status=resolved`);
  assert.deepEqual(
    assigned.body.items.map((i: { id: string }) => i.id),
    [item.id],
  );
});

test("a reply is the brand's touchpoint: in the timeline, in journeys, in the context, and in closed-loop outcomes", async () => {
  // Computed (and cached) before the reply: the reply must still show up below.
  await get(`${server.url}/v1/journeys/dfg?by=touchpoint`);
  const inbox = await get(`${server.url}/v1/inbox?status=open&behaviour=complaint&limit=1`);
  const [item] = inbox.body.items;
  const context = await get(
    `${server.url}/v1/context/${encodeURIComponent(item.customerId)}?touchpoint=${encodeURIComponent(item.touchpoint)}`,
  );
  assert.equal(context.status, 200, JSON.stringify(context.body));
  for (const field of [
    "customer",
    "recentJourney",
    "openItems",
    "value",
    "segment",
    "behaviour",
    "actions",
  ]) {
    assert.ok(field in context.body, field);
  }
  assert.ok(context.body.openItems.some((o: { id: string }) => o.id === item.id));
  assert.ok(context.body.actions.length > 0);
  assert.ok(context.body.actions.every((a: { rule: string; reason: string }) => a.rule && a.reason));

  const replied = await post(
    `${server.url}/v1/inbox/${item.id}`,
    { action: "reply", text: "Sorry about this - we are sending a new one today.", responder: "sam" },
    asAgent,
  );
  assert.equal(replied.status, 200, JSON.stringify(replied.body));
  assert.equal(replied.body.item.status, "pending");
  assert.ok(replied.body.reply.firstResponseSeconds > 0);

  const customer = await get(`${server.url}/v1/customers/${encodeURIComponent(item.customerId)}?limit=1000`);
  const reply = customer.body.timeline.find((e: { name: string }) => e.name === "Brand Replied");
  assert.ok(reply, "the reply is in the customer's timeline");
  assert.equal(reply.direction, "outbound");
  assert.equal(reply.properties.inReplyTo, item.id);
  assert.equal(reply.touchpoint, item.touchpoint);

  const viaApi = await get(`${server.url}/v1/journeys/dfg?by=touchpoint`);
  assert.ok(
    viaApi.body.edges.some((e: { to: string }) => e.to === `brand: ${item.touchpoint}`),
    "the cached process map was recomputed after the reply",
  );
  const map = await processMap(engine, { by: "touchpoint" });
  assert.ok(
    map.edges.some((e) => e.to === `brand: ${item.touchpoint}`),
    "journeys carry the brand's reply",
  );
  const own = await processMap(engine, { by: "touchpoint", brand: false });
  assert.ok(!own.edges.some((e) => e.to.startsWith("brand: ")));
  const ownViaApi = await get(`${server.url}/v1/journeys/dfg?by=touchpoint&brand=false`);
  assert.ok(!ownViaApi.body.edges.some((e: { to: string }) => e.to.startsWith("brand: ")));

  // The context index saw the new event: the reply is in the recent journey, the item no longer open.
  const after = await get(`${server.url}/v1/context/${encodeURIComponent(item.customerId)}`);
  assert.equal(after.body.recentJourney.at(-1).event, "Brand Replied");
  assert.equal(after.body.openItems.find((o: { id: string }) => o.id === item.id)?.status, "pending");

  const outcomes = await get(`${server.url}/v1/engage/outcomes?window=1`);
  assert.equal(outcomes.status, 200);
  const complaints = outcomes.body.spaces.find((s: { behaviour: string }) => s.behaviour === "complaint");
  assert.ok(complaints.responded.items >= 1, JSON.stringify(complaints));
  assert.ok(complaints.notResponded.items > 100);
  assert.ok("pValue" in complaints.churn);
  assert.equal((await get(`${server.url}/v1/context/nobody-at-all`)).status, 404);
});

test("the context index applies committed events in memory: no store read because a customer just had an event", async () => {
  const { ContextService } = await import("../src/engage/context.js");
  const { DEFAULT_PLAYBOOK_PATH, loadPlaybook } = await import("../src/engage/rules.js");
  const { normaliseEvent, Sequence } = await import("../src/collect/normalise.js");
  const { labelBehaviour } = await import("../src/collect/sink.js");
  const { loadModel } = await import("../src/behaviour/classifier.js");
  let reads = 0;
  const counting: Engine = {
    ...engine,
    description: engine.description,
    query: (sql, params) => {
      reads++;
      return engine.query(sql, params);
    },
    stream: (sql, params) => engine.stream(sql, params),
    streamChunks: (sql, params) => engine.streamChunks(sql, params),
    command: (sql, params) => engine.command(sql, params),
    insert: (table, rows) => engine.insert(table, rows),
    close: async () => {},
  };
  const contexts = new ContextService(counting, loadPlaybook(DEFAULT_PLAYBOOK_PATH));
  await contexts.load();
  const [someone] = await engine.query<{ key: string }>(
    "SELECT identity_key AS key FROM events WHERE startsWith(identity_key, 'user:') LIMIT 1",
  );
  const before = await contexts.context(someone!.key);
  assert.ok(before);
  const event = (text: string) => {
    const result = normaliseEvent(
      {
        type: "track",
        userId: someone!.key.slice("user:".length),
        event: "Message Sent",
        properties: { channel: "chat", touchpoint: "live chat", text },
      },
      { source: "test", receivedAt: Date.now(), sequence: new Sequence() },
    );
    assert.ok("ok" in result);
    return labelBehaviour([result.ok], loadModel())[0]!;
  };
  const message = event("my parcel never arrived and nobody answers, this is terrible");
  const readsBefore = reads;
  await contexts.written([message]);
  const after = await contexts.context(someone!.key);
  assert.equal(reads, readsBefore, "the context was answered from memory");
  assert.equal(after!.recentJourney.at(-1)!.text, message.text);
  assert.equal(after!.behaviour.last?.text, message.text);
  assert.equal(after!.behaviour.complaint, before!.behaviour.complaint + 1);
  assert.ok(after!.openItems.some((item) => item.id === message.event_id));
  // An event that may merge identities makes the customer stale: read again.
  const merging = { ...event("hello"), traits: JSON.stringify({ email: "someone-new@example.org" }) };
  await contexts.written([merging]);
  await contexts.context(someone!.key);
  assert.ok(reads > readsBefore);
});

test("customers known only by a user id (no traits, never linked) each have their own context after a load", async () => {
  const { ContextService } = await import("../src/engage/context.js");
  const { DEFAULT_PLAYBOOK_PATH, loadPlaybook } = await import("../src/engage/rules.js");
  const { Collector } = await import("../src/collect/collector.js");
  const sink = new EngineSink(engine);
  const people = [uid("unlinked"), uid("unlinked")];
  const result = await new Collector(sink).collect(
    people.map((userId, i) => ({
      type: "track",
      userId,
      event: "Message Sent",
      properties: {
        channel: "email",
        touchpoint: "support email",
        text: `question number ${i}: where is my order?`,
      },
    })),
    "test",
  );
  await sink.close();
  assert.equal(result.processed, 2);
  // A customer without identity map rows: the store has no link for them.
  const [mapped] = await engine.query<{ n: number }>(
    "SELECT count() AS n FROM identity_map FINAL WHERE identifier IN {ids:Array(String)}",
    { ids: people.map((p) => `user:${p}`) },
  );
  assert.equal(Number(mapped!.n), 0);
  const contexts = new ContextService(engine, loadPlaybook(DEFAULT_PLAYBOOK_PATH));
  await contexts.load();
  for (const [i, person] of people.entries()) {
    const context = await contexts.context(person);
    assert.ok(context, `${person} is known`);
    assert.equal(context.customer.id, `user:${person}`);
    assert.deepEqual(
      context.recentJourney.map((t) => t.text),
      [`question number ${i}: where is my order?`],
    );
  }
});
