/** Value on the store: CLV stored per customer, attribution from journeys, the touchpoint table, the API. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { EngineSink } from "../src/collect/sink.js";
import { loadDemo } from "../src/demo/load.js";
import { customer360, findCustomer } from "../src/identity/customer360.js";
import { CUSTOMER_OF_EVENT, IDENTITY_JOIN } from "../src/identity/identity-store.js";
import { inlineCompute } from "../src/lanes/compute.js";
import type { Engine } from "../src/store/engine.js";
import { DEFAULT_PURCHASE_EVENTS } from "../src/value/defaults.js";
import { DEFAULT_LOOKBACK_MS, journeyPaths, runClv, touchpointTable } from "../src/value/store.js";
import { countingEngine, get, startTestServer, type TestServer, testEngine } from "../testing/helpers.js";

let engine: Engine;
let server: TestServer;

before(async () => {
  engine = await testEngine();
  const sink = new EngineSink(engine);
  await loadDemo(sink, { customers: 1500, seed: 11 });
  await sink.close();
  server = await startTestServer(engine);
});
after(async () => {
  await server.close();
});

test("clv run fits on the store's purchases and stores every buyer's CLV", async () => {
  const summary = await runClv(engine, { horizon: 52 });
  assert.equal(summary.model, "bgnbd");
  assert.ok(summary.customers > 1000);
  assert.ok(summary.meanClv > 0);
  const [stored] = await engine.query<{ n: number; valued: number }>(
    "SELECT count() AS n, countIf(clv > 0) AS valued FROM customer_value FINAL",
  );
  assert.equal(stored!.n, summary.customers);
  assert.equal(stored!.valued, summary.customers);
  // Planted: churners (who stop buying) are worth less and less likely alive than store-loyal customers.
  const [bySegment] = await engine.query<{ churn_alive: number; loyal_alive: number }>(
    `SELECT avgIf(p_alive, customer_id IN {churn:Array(String)}) AS churn_alive, avgIf(p_alive, customer_id IN {loyal:Array(String)}) AS loyal_alive
     FROM customer_value FINAL`,
    { churn: await segmentIds("churning"), loyal: await segmentIds("store_loyal") },
  );
  assert.ok(bySegment!.churn_alive < bySegment!.loyal_alive, JSON.stringify(bySegment));
  const customer = await findCustomer(engine, "customer3@example.com");
  const profile = await customer360(engine, customer!);
  assert.ok(profile.value === null || profile.value.clv! >= 0);
});

async function segmentIds(segment: string): Promise<string[]> {
  const { demoCustomer } = await import("../src/demo/generator.js");
  const ids: string[] = [];
  for (let i = 0; i < 1500; i++)
    if (demoCustomer(11, i).segment === segment) ids.push(`user:${demoCustomer(11, i).userId}`);
  return ids;
}

test("journeys to purchase become attribution paths; the phone gets credit for rescued checkouts", async () => {
  const paths = await journeyPaths(engine, { by: "channel" });
  const conversions = paths.reduce((s, p) => s + p.conversions, 0);
  const [orders] = await engine.query<{ n: number }>(
    "SELECT count() AS n FROM events FINAL WHERE name = 'Order Completed' AND source = 'demo'",
  );
  assert.ok(conversions <= orders!.n && conversions > orders!.n * 0.8, `${conversions} of ${orders!.n}`);
  const response = await get(`${server.url}/v1/value/attribution?by=channel`);
  assert.equal(response.status, 200);
  assert.ok(
    response.body.markov.removalEffects.phone > 0.05,
    JSON.stringify(response.body.markov.removalEffects),
  );
  assert.equal((await get(`${server.url}/v1/value/attribution?order=9`)).body.field, "order");
});

test("the touchpoint table ranks steps by value at stake x friction, with the behaviour mix of each step", async () => {
  const rows = await touchpointTable(engine, { by: "touchpoint" }, inlineCompute(engine));
  const checkoutError = rows.find((r) => r.step === "checkout error")!;
  const checkout = rows.find((r) => r.step === "checkout")!;
  assert.ok(checkoutError.dropOff > checkout.dropOff, `${checkoutError.dropOff} vs ${checkout.dropOff}`);
  assert.ok(checkoutError.friction > checkout.friction, `${checkoutError.friction} vs ${checkout.friction}`);
  for (const row of rows) assert.ok(Math.abs(row.priority - row.valueAtStake * row.friction) < 1e-6);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.priority >= rows[i]!.priority);
  // Messages are labelled at ingest: a step where people write carries its behaviour mix.
  const mention = rows.find((r) => r.step === "mention")!;
  assert.ok(mention.behaviour.messages > 0);
  const { praise, complaint, question, suggestion } = mention.behaviour;
  assert.ok(praise > 0 && complaint > 0 && question > 0 && suggestion > 0, JSON.stringify(mention.behaviour));
  // Every step's reach, drop-off, CLV and behaviour mix agree with a plain reading of the raw events.
  const expected = await touchpointsFromRawEvents(engine, DEFAULT_LOOKBACK_MS);
  assert.equal(rows.length, expected.size);
  for (const row of rows) {
    const want = expected.get(row.step)!;
    assert.ok(want, row.step);
    assert.equal(row.customers, want.customers, `${row.step} customers`);
    assert.ok(Math.abs(row.dropOff - (1 - want.converted / want.customers)) < 1e-12, `${row.step} drop-off`);
    assert.ok(Math.abs(row.clvSum - want.clvSum) < 1e-6 * Math.max(1, want.clvSum), `${row.step} CLV`);
    assert.deepEqual(row.behaviour, want.behaviour, `${row.step} behaviour`);
  }
  const api = await get(`${server.url}/v1/value/touchpoints?by=channel`);
  assert.equal(api.status, 200);
  assert.ok(api.body.touchpoints.some((t: { step: string }) => t.step === "store"));
});

test("the blueprint's pains, the touchpoint table and the friction ranking share one friction walk", async () => {
  // The real engine, with the friction walks it streams counted.
  const walks = countingEngine(engine, "{friction_failure:String}");
  const shared = await startTestServer(walks.engine);
  try {
    assert.equal((await get(`${shared.url}/v1/journeys/blueprint?part=pains`)).status, 200);
    assert.equal((await get(`${shared.url}/v1/value/touchpoints`)).status, 200);
    const ranking = await get(`${shared.url}/v1/journeys/friction?brand=false&top=3`);
    assert.equal(ranking.status, 200);
    assert.equal(walks.count(), 1);
    // Each takes its own top items of the one ranking: the same as a walk of its own.
    const own = await inlineCompute(engine).friction({ by: "touchpoint", brand: false }, { top: 3 });
    assert.deepEqual(ranking.body, JSON.parse(JSON.stringify(own)));
  } finally {
    await shared.close();
  }
});

/**
 * The touchpoint table's per-step figures by brute force over the raw events: each customer's first inbound
 * non-purchase touch of a step, converted when any purchase falls within the lookback after it.
 */
async function touchpointsFromRawEvents(engine: Engine, lookbackMs: number) {
  const events = await engine.query<{
    customer: string;
    step: string;
    name: string;
    direction: string;
    t: number;
    behaviour: string;
    labels: string[];
  }>(
    `SELECT ${CUSTOMER_OF_EVENT} AS customer, e.touchpoint AS step, e.name AS name, e.direction AS direction,
            toUnixTimestamp64Milli(e.timestamp) AS t, e.behaviour AS behaviour, e.behaviour_labels AS labels
     FROM events AS e FINAL ${IDENTITY_JOIN}`,
  );
  const clv = new Map(
    (
      await engine.query<{ customer_id: string; clv: number }>(
        "SELECT customer_id, clv FROM customer_value FINAL",
      )
    ).map((r) => [r.customer_id, Number(r.clv)]),
  );
  const purchases = new Map<string, number[]>();
  const first = new Map<string, Map<string, number>>();
  const steps = new Map<
    string,
    {
      customers: number;
      converted: number;
      clvSum: number;
      behaviour: {
        messages: number;
        praise: number;
        complaint: number;
        question: number;
        suggestion: number;
      };
    }
  >();
  const stepOf = (step: string) => {
    let entry = steps.get(step);
    if (!entry) {
      entry = {
        customers: 0,
        converted: 0,
        clvSum: 0,
        behaviour: { messages: 0, praise: 0, complaint: 0, question: 0, suggestion: 0 },
      };
      steps.set(step, entry);
    }
    return entry;
  };
  for (const e of events) {
    const t = Number(e.t);
    if (DEFAULT_PURCHASE_EVENTS.includes(e.name)) {
      purchases.set(e.customer, [...(purchases.get(e.customer) ?? []), t]);
      continue;
    }
    if (e.direction !== "inbound") continue;
    const firsts = first.get(e.customer) ?? new Map<string, number>();
    first.set(e.customer, firsts);
    firsts.set(e.step, Math.min(firsts.get(e.step) ?? Number.POSITIVE_INFINITY, t));
  }
  for (const e of events) {
    if (e.direction !== "inbound" || e.behaviour === "") continue;
    const mix = stepOf(e.step).behaviour;
    mix.messages++;
    for (const label of ["praise", "complaint", "question", "suggestion"] as const)
      if (e.labels.includes(label)) mix[label]++;
  }
  for (const [customer, firsts] of first) {
    for (const [step, t] of firsts) {
      const entry = stepOf(step);
      entry.customers++;
      entry.clvSum += clv.get(customer) ?? 0;
      if ((purchases.get(customer) ?? []).some((p) => p >= t && p <= t + lookbackMs)) entry.converted++;
    }
  }
  return steps;
}
