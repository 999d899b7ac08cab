/** Segments on the demo data: the planted segments come back, membership is stored and filters journeys. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { EngineSink } from "../src/collect/sink.js";
import { demoCustomer } from "../src/demo/generator.js";
import { loadDemo } from "../src/demo/load.js";
import { variants } from "../src/journeys/views.js";
import { adjustedRandIndex } from "../src/segments/cluster.js";
import { discoverSegments, segmentOf, segmentRuns } from "../src/segments/store.js";
import type { Engine } from "../src/store/engine.js";
import { get, post, startTestServer, type TestServer, testEngine } from "../testing/helpers.js";

const CUSTOMERS = 1500;
const SEED = 7;
let engine: Engine;
let server: TestServer;

before(async () => {
  engine = await testEngine();
  const sink = new EngineSink(engine);
  await loadDemo(sink, { customers: CUSTOMERS, seed: SEED });
  await sink.close();
  server = await startTestServer(engine);
});
after(() => server.close());

test("the planted segments are recovered (adjusted Rand index >= 0.8), deterministically, and described", async () => {
  const result = await discoverSegments(engine, { seed: 42 });
  const truth: string[] = [];
  const found: number[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const customer = demoCustomer(SEED, i);
    const segment = result.members?.[`user:${customer.userId}`];
    if (segment === undefined) continue;
    truth.push(customer.segment);
    found.push(segment);
  }
  assert.ok(truth.length > CUSTOMERS * 0.95, `${truth.length} demo customers segmented`);
  const ari = adjustedRandIndex(truth, found);
  assert.ok(ari >= 0.8, `adjusted Rand index ${ari}`);
  const labels = result.segments.map((s) => s.label);
  for (const word of ["store-first", "phone-first", "channel-hopping", "lapsed"]) {
    assert.ok(
      labels.some((l) => l.includes(word)),
      `${word} not in ${labels.join(" | ")}`,
    );
  }
  const again = await discoverSegments(engine, { seed: 42 });
  assert.deepEqual(again.members, result.members);
  assert.deepEqual((await segmentRuns(engine)).length, 2);
});

test("membership is stored, filters journeys, and two segments compare with significance over HTTP", async () => {
  const listed = await get(`${server.url}/v1/segments`);
  assert.equal(listed.status, 200);
  const phone = listed.body.segments.find((s: { label: string }) => s.label.startsWith("phone-first"));
  const store = listed.body.segments.find((s: { label: string }) => s.label.startsWith("store-first"));
  assert.ok(phone && store);
  assert.ok(listed.body.runs.length >= 2);

  const customer = demoCustomer(
    SEED,
    [...Array(CUSTOMERS).keys()].find((i) => demoCustomer(SEED, i).segment === "phone_first")!,
  );
  const own = await segmentOf(engine, `user:${customer.userId}`);
  assert.equal(own?.id, phone.id);

  const phoneJourneys = await variants(
    engine,
    { by: "channel", segment: phone.id, collapseRepeats: true },
    100,
  );
  const everyone = await variants(engine, { by: "channel", collapseRepeats: true }, 100);
  assert.equal(phoneJourneys.cases, phone.size);
  assert.ok(phoneJourneys.cases < everyone.cases);
  const api = await get(`${server.url}/v1/journeys/variants?segment=${phone.id}&by=channel`);
  assert.equal(api.body.cases, phone.size);

  // The same filter on behaviour and value.
  const now = await get(`${server.url}/v1/behaviour/now?segment=${phone.id}&limit=5`);
  assert.equal(now.status, 200);
  for (const entry of now.body.entries) {
    assert.equal((await segmentOf(engine, entry.customerId))?.id, phone.id, entry.customerId);
  }
  const table = await get(`${server.url}/v1/value/touchpoints?segment=${phone.id}`);
  const all = await get(`${server.url}/v1/value/touchpoints`);
  const reach = (body: { touchpoints: Array<{ step: string; customers: number }> }, step: string) =>
    body.touchpoints.find((t) => t.step === step)?.customers ?? 0;
  assert.ok(reach(table.body, "support call") > 0);
  assert.ok(reach(table.body, "support call") < reach(all.body, "support call"));
  assert.ok(reach(table.body, "store visit") < reach(all.body, "store visit") / 3);

  const compared = await get(`${server.url}/v1/segments/compare?a=${phone.id}&b=${store.id}`);
  assert.equal(compared.status, 200, JSON.stringify(compared.body));
  const { a, b, complaints } = compared.body;
  assert.ok(a.behaviour.complaint / a.behaviour.messages > b.behaviour.complaint / b.behaviour.messages);
  assert.ok(complaints.oddsRatio > 1 && complaints.pValue < 0.001, JSON.stringify(complaints));
  assert.ok(a.topJourneys.length > 0);
  const missing = await get(`${server.url}/v1/segments/compare?a=${phone.id}&b=99`);
  assert.equal(missing.status, 404);
  assert.match(missing.body.message, /^segment 99 is not in the latest run \(segments 0\.\./);
  assert.equal((await get(`${server.url}/v1/segments/compare?a=x&b=1`)).status, 400);

  const asAgent = { authorization: `Basic ${Buffer.from("ak_test:").toString("base64")}` };
  // A run becomes every view's segment filter: a read key may not start one.
  const byReader = await post(
    `${server.url}/v1/segments/discover`,
    { k: 5 },
    {
      authorization: `Basic ${Buffer.from("rk_test:").toString("base64")}`,
    },
  );
  assert.equal(byReader.status, 403);
  const discovered = await post(`${server.url}/v1/segments/discover`, { k: 5, members: true }, asAgent);
  assert.equal(discovered.status, 200, JSON.stringify(discovered.body));
  assert.equal(discovered.body.k, 5);
  assert.ok(Object.keys(discovered.body.members).length > CUSTOMERS * 0.95);
  const bad = await post(`${server.url}/v1/segments/discover`, { k: 1 }, asAgent);
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.body), /k/);
});
