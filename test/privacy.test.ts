/**
 * Privacy on the real engine: a person with merged identities on four channels, messages, an inbox note, a
 * segment run, a CLV run and a rejected event carrying their email is erased everywhere (every column of
 * every table is searched afterwards) while another person stays whole; suppressed people's events are
 * acknowledged and kept nowhere; an interrupted regulation resumes at the next start.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Analytics as SegmentAnalytics } from "@segment/analytics-node";
import { buildServer } from "../src/api/server.js";
import { EngineSink } from "../src/collect/sink.js";
import { loadDemo } from "../src/demo/load.js";
import { refreshJourneySequences } from "../src/journeys/sequences.js";
import { processMap } from "../src/journeys/views.js";
import { ERASURE_PLAN, HOLDS_NO_PERSONAL_DATA, saveRegulation, saveSubjects } from "../src/privacy/store.js";
import { discoverSegments } from "../src/segments/store.js";
import type { Engine } from "../src/store/engine.js";
import { formatTime } from "../src/store/time.js";
import { runClv } from "../src/value/store.js";
import { basic, startTestServer, TEST_KEYS, type TestServer, testEngine, uid } from "../testing/helpers.js";
import { callServer, eventsOf, type Person, person, rowsContaining } from "../testing/people.js";

let engine: Engine;
let server: TestServer;
let url: string;

before(async () => {
  engine = await testEngine();
  const sink = new EngineSink(engine);
  await loadDemo(sink, { customers: 300, seed: 3 });
  await sink.close();
  server = await startTestServer(engine, { commit: { maxRows: 5000, maxDelayMs: 2 } });
  url = server.url;
});
after(() => server.close());

const call = (method: string, path: string, key: string, body?: unknown) =>
  callServer(url, method, path, key, body);
const findAnywhere = (needles: string[]) => rowsContaining(engine, needles);

async function finished(id: string) {
  for (let i = 0; i < 600; i++) {
    const { body } = await call("GET", `/v1/regulations/${id}`, adminKey());
    if (body.status === "finished" || body.status === "failed") return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`regulation ${id} did not finish`);
}

const adminKey = () => TEST_KEYS.admin;

test("every table of the database is either erased person by person or holds no personal data", async () => {
  const tables = await engine.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = currentDatabase()",
  );
  const planned = new Set(ERASURE_PLAN.map((p) => p.table));
  for (const { name } of tables)
    assert.ok(planned.has(name) || HOLDS_NO_PERSONAL_DATA.has(name), `${name} is in neither list`);
});

test("delete erases a person from every table (every column searched); another person, journeys and segments stay", async () => {
  const ann = person("ann");
  const bob = person("bob");
  for (const p of [ann, bob]) {
    const sent = await call("POST", "/v1/batch", "wk_test", { batch: eventsOf(p) });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    // A rejected event carrying their email (its timestamp is no time), kept in failed_events.
    const bad = await call("POST", "/v1/batch", "wk_test", {
      batch: [{ type: "identify", userId: p.user, traits: { email: p.email }, timestamp: "yesterday-ish" }],
    });
    assert.equal(bad.body.errors, 1);
    const note = await call("POST", `/v1/inbox/${p.user}-call`, "ak_test", { action: "note", note: p.note });
    assert.equal(note.status, 200, JSON.stringify(note.body));
  }
  await refreshJourneySequences(engine);
  await runClv(engine);
  const segments = await discoverSegments(engine, { seed: 1, k: 3 });
  const annId = `user:${ann.user}`;
  assert.ok(segments.members?.[annId] !== undefined, "Ann is in the segment run");

  // Before: her export holds everything, found by email in the body (not the URL) too.
  const lookup = await call("POST", "/v1/customers/lookup", "rk_test", { id: ann.email });
  assert.equal(lookup.status, 200);
  assert.equal(lookup.body.id, annId);
  const exported = await call("GET", `/v1/customers/${encodeURIComponent(ann.phone)}/export`, adminKey());
  assert.equal(exported.status, 200, JSON.stringify(exported.body));
  const doc = exported.body;
  assert.equal(doc.customerId, annId);
  for (const id of [
    `anon:${ann.anon}`,
    `anon:${ann.socialAnon}`,
    `email:${ann.email}`,
    `social:twitter:${ann.handle}`,
  ])
    assert.ok(doc.identifiers.includes(id), `${id} in ${doc.identifiers}`);
  assert.equal(doc.events.length, eventsOf(ann).length);
  assert.ok(
    doc.events.some((e: { text: string; behaviour: string }) => e.text === ann.complaint && e.behaviour),
  );
  assert.equal(doc.inbox[0].actions[0].note, ann.note);
  assert.equal(doc.segments.length, 1);
  assert.equal(doc.value.length, 1);
  assert.equal(doc.failedEvents.length, 1);
  assert.ok(doc.merges.length >= 3);
  assert.equal(doc.context.customer.id, annId);
  const needles = (p: Person) => [
    p.user,
    p.anon,
    p.socialAnon,
    p.email,
    p.phoneDigits,
    p.handle,
    p.complaint,
    p.note,
  ];
  assert.ok((await findAnywhere(needles(ann))).length >= 8, "her data is in many tables before");

  // The server holds her context in memory now.
  assert.equal((await call("GET", `/v1/context/${encodeURIComponent(annId)}`, "rk_test")).status, 200);
  const sent = await call("POST", "/v1/regulations", adminKey(), { type: "delete", subjects: [ann.email] });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  assert.equal(sent.body.status, "initialized");
  const done = await finished(sent.body.id);
  assert.equal(done.status, "finished", JSON.stringify(done));
  assert.equal(done.subjects, 1);
  assert.equal(done.customers, 1);
  assert.equal(done.rows.events, eventsOf(ann).length);
  assert.ok(done.rows.failed_events >= 1 && done.rows.inbox_actions === 1 && done.rows.customer_value >= 1);

  assert.deepEqual(await findAnywhere(needles(ann)), [], "nothing of hers anywhere");
  // The erasure's own record holds no subject (covered by the search above) and says what it did.
  const listed = await call("GET", "/v1/regulations", adminKey());
  assert.equal(listed.body.regulations[0].id, sent.body.id);
  // Unknown now, to the store and to the server's memory.
  assert.equal((await call("GET", `/v1/customers/${encodeURIComponent(ann.email)}`, "rk_test")).status, 404);
  assert.equal((await call("GET", `/v1/context/${encodeURIComponent(ann.email)}`, "rk_test")).status, 404);
  assert.equal((await call("GET", `/v1/context/${encodeURIComponent(annId)}`, "rk_test")).status, 404);
  assert.equal(
    (await call("GET", `/v1/customers/${encodeURIComponent(ann.email)}/export`, adminKey())).status,
    404,
  );

  // Bob is whole: his events, his rejected event, his note, his value.
  const bobsExport = await call("GET", `/v1/customers/${encodeURIComponent(bob.email)}/export`, adminKey());
  assert.equal(bobsExport.body.events.length, eventsOf(bob).length);
  assert.equal(bobsExport.body.failedEvents.length, 1);
  assert.equal(bobsExport.body.inbox[0].actions[0].note, bob.note);
  assert.equal(bobsExport.body.value.length, 1);
  // Journeys and segments still compute, without her.
  const map = await processMap(engine, {});
  assert.ok(map.edges.length > 0);
  const again = await discoverSegments(engine, { seed: 1, k: 3, save: false });
  assert.equal(again.members?.[annId], undefined);
  assert.ok(again.members?.[`user:${bob.user}`] !== undefined);
});

test("suppressed people's events are acknowledged and stored nowhere (Segment SDK); unsuppress lets them in again", async () => {
  const carol = person("carol");
  assert.equal(
    (await call("POST", "/v1/batch", "wk_test", { batch: eventsOf(carol).slice(0, 2) })).status,
    200,
  );
  const suppressed = await call("POST", "/v1/regulations", adminKey(), {
    type: "suppress",
    subjects: [carol.email],
  });
  assert.equal((await finished(suppressed.body.id)).status, "finished");
  const storedEvents = async () =>
    Number(
      (
        await engine.query<{ n: number }>(
          "SELECT count() AS n FROM events WHERE identity_key IN {keys:Array(String)}",
          { keys: [`user:${carol.user}`, `anon:${carol.anon}`, `anon:${carol.socialAnon}`] },
        )
      )[0]?.n,
    );
  const before = await storedEvents();
  assert.equal(before, 2, "suppress alone erases nothing");
  const analytics = new SegmentAnalytics({ writeKey: "wk_test", host: url, flushAt: 10, maxRetries: 1 });
  const errors: unknown[] = [];
  analytics.on("error", (error) => errors.push(error));
  // By user id, by a new anonymous id with her email, and a rejected one with her email: none stored.
  analytics.track({ userId: carol.user, event: "Order Completed", properties: { revenue: 10 } });
  analytics.identify({ anonymousId: `${carol.anon}-new`, traits: { email: carol.email.toUpperCase() } });
  await analytics.closeAndFlush();
  assert.deepEqual(errors, []);
  const rejected = await call("POST", "/v1/batch", "wk_test", {
    batch: [
      { type: "identify", userId: carol.user, traits: { email: carol.email }, timestamp: "not a time" },
    ],
  });
  assert.equal(rejected.status, 200);
  assert.equal(rejected.body.errors, 0, "a suppressed item is acknowledged, not reported or kept");
  assert.equal(await storedEvents(), before);
  assert.deepEqual(await findAnywhere([`${carol.anon}-new`]), []);
  const failed = await engine.query<{ n: number }>(
    "SELECT count() AS n FROM failed_events WHERE positionCaseInsensitive(payload, {e:String}) > 0",
    { e: carol.email },
  );
  assert.equal(Number(failed[0]?.n), 0);
  const health = await call("GET", "/health", "rk_test");
  assert.ok(health.body.privacy.suppressedEvents >= 3, JSON.stringify(health.body.privacy));
  // The list holds salted hashes, not her identifiers.
  assert.deepEqual(
    await findAnywhere([carol.email, carol.user]).then((t) => t.filter((x) => x.startsWith("supp"))),
    [],
  );

  const lifted = await call("POST", "/v1/regulations", adminKey(), {
    type: "unsuppress",
    subjects: [carol.user],
  });
  assert.equal((await finished(lifted.body.id)).status, "finished");
  assert.equal(
    (
      await call("POST", "/v1/batch", "wk_test", {
        batch: [{ type: "track", userId: carol.user, event: "Back" }],
      })
    ).status,
    200,
  );
  assert.equal(await storedEvents(), before + 1);
});

test("a regulation interrupted by a restart runs at the next start, from its stored subjects", async () => {
  const dan = person("dan");
  assert.equal((await call("POST", "/v1/batch", "wk_test", { batch: eventsOf(dan) })).status, 200);
  const id = `resumed-${uid("r")}`;
  // As a server that stopped right after acknowledging the request leaves it.
  await saveSubjects(engine, id, [dan.email]);
  await saveRegulation(engine, {
    id,
    type: "suppress_and_delete",
    status: "initialized",
    subjectHashes: [],
    subjects: 1,
    customers: 0,
    rows: {},
    error: "",
    createdAt: formatTime(Date.now()),
    finishedAt: null,
  });
  const restarted = await buildServer({ engine, keys: TEST_KEYS, preloadContexts: false });
  await restarted.app.ready();
  let status = "";
  for (let i = 0; i < 600 && status !== "finished"; i++) {
    const answer = await restarted.app.inject({
      method: "GET",
      url: `/v1/regulations/${id}`,
      headers: { authorization: basic(adminKey()) },
    });
    status = JSON.parse(answer.body).status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(status, "finished");
  await restarted.app.close();
  assert.deepEqual(await findAnywhere([dan.user, dan.email, dan.complaint]), []);
});

test("the privacy scope: a privacy key answers people's requests and nothing else; read and agent keys cannot", async () => {
  const erin = person("erin");
  assert.equal((await call("POST", "/v1/batch", "wk_test", { batch: eventsOf(erin) })).status, 200);
  const exported = await call("GET", `/v1/customers/${encodeURIComponent(erin.email)}/export`, "pk_test");
  assert.equal(exported.status, 200);
  assert.equal((await call("GET", "/v1/regulations", "pk_test")).status, 200);
  // The list is bounded: ?limit=1..1000.
  assert.equal((await call("GET", "/v1/regulations?limit=1", "pk_test")).body.regulations.length, 1);
  for (const limit of ["0", "1001"]) {
    const refused = await call("GET", `/v1/regulations?limit=${limit}`, "pk_test");
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.body), /limit/);
  }
  for (const key of ["rk_test", "ak_test", "wk_test"]) {
    const refused = await call("POST", "/v1/regulations", key, { type: "delete", subjects: [erin.email] });
    assert.equal(refused.status, 403, key);
    assert.match(refused.body.message, /privacy key/);
    assert.equal(
      (await call("GET", `/v1/customers/${encodeURIComponent(erin.email)}/export`, key)).status,
      403,
    );
  }
  // Nothing else: analytics and the 360 need a read key.
  assert.equal((await call("GET", "/v1/journeys/variants", "pk_test")).status, 403);
  assert.equal((await call("GET", `/v1/customers/${encodeURIComponent(erin.email)}`, "pk_test")).status, 403);
  // A bad request names the field.
  const bad = await call("POST", "/v1/regulations", "pk_test", { type: "erase", subjects: [] });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.body), /type|subjects/);
});
