/** The demo data set: deterministic, loaded through the collector, and carrying its documented patterns. */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { EngineSink } from "../src/collect/sink.js";
import {
  CALL_AFTER_FAILURE_RATE,
  customerEvents,
  generateDemo,
  KNOWN_DEMO_CHANNELS,
} from "../src/demo/generator.js";
import { loadDemo, loadDemoInEngine } from "../src/demo/load.js";
import { CUSTOMER_OF_EVENT, IDENTITY_JOIN } from "../src/identity/identity-store.js";
import type { Touch } from "../src/journeys/query.js";
import { ChdbEngine } from "../src/store/chdb-engine.js";
import type { Engine } from "../src/store/engine.js";
import { migrate } from "../src/store/migrate.js";
import { testEngine } from "../testing/helpers.js";

const CUSTOMERS = 1500;
let engine: Engine;

before(async () => {
  engine = await testEngine();
  const sink = new EngineSink(engine);
  const summary = await loadDemo(sink, { customers: CUSTOMERS, seed: 7 });
  await sink.close();
  assert.equal(summary.rejected, 0);
});

test("the same seed gives the same events; another seed differs", () => {
  assert.deepEqual(customerEvents(7, 11), customerEvents(7, 11));
  assert.notDeepEqual(customerEvents(7, 11).events, customerEvents(8, 11).events);
});

test("every channel is used, purchases carry values, and messages carry text", async () => {
  const channels = await engine.query<{ channel: string }>(
    "SELECT DISTINCT channel FROM events WHERE source = 'demo' ORDER BY channel",
  );
  assert.deepEqual(
    channels.map((c) => c.channel),
    [...KNOWN_DEMO_CHANNELS].sort(),
  );
  const [orders] = await engine.query<{ n: number; valued: number }>(
    "SELECT count() AS n, countIf(value > 0) AS valued FROM events WHERE source = 'demo' AND name = 'Order Completed'",
  );
  assert.ok(orders!.n > CUSTOMERS);
  assert.equal(orders!.valued, orders!.n);
  const [texts] = await engine.query<{ n: number }>(
    "SELECT count() AS n FROM events WHERE source = 'demo' AND text != ''",
  );
  assert.ok(texts!.n > CUSTOMERS / 3);
});

test("anonymous web visits are stitched to the customer who later signs up", async () => {
  const [row] = await engine.query<{ anonymous: number; stitched: number }>(
    `SELECT countIf(e.user_id = '') AS anonymous, countIf(e.user_id = '' AND startsWith(${CUSTOMER_OF_EVENT}, 'user:')) AS stitched
     FROM events AS e ${IDENTITY_JOIN} WHERE e.source = 'demo' AND e.channel = 'web'`,
  );
  assert.ok(row!.anonymous > CUSTOMERS);
  assert.ok(row!.stitched / row!.anonymous > 0.9, `stitched ${row!.stitched} of ${row!.anonymous}`);
});

test("planted: a checkout failure pushes most people to the phone next", async () => {
  const [row] = await engine.query<{ failures: number; phone_next: number }>(
    `SELECT count() AS failures, countIf(next_channel = 'phone') AS phone_next FROM (
       SELECT touchpoint, leadInFrame(channel) OVER w AS next_channel
       FROM events AS e ${IDENTITY_JOIN}
       WHERE e.source = 'demo'
       WINDOW w AS (PARTITION BY ${CUSTOMER_OF_EVENT} ORDER BY e.timestamp, e.seq ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING)
     ) WHERE touchpoint = 'checkout error'`,
  );
  const share = row!.phone_next / row!.failures;
  assert.ok(row!.failures > 100);
  assert.ok(Math.abs(share - CALL_AFTER_FAILURE_RATE) < 0.08, `share calling next: ${share.toFixed(2)}`);
});

test("planted: churners go quiet while everyone else stays active to the end", () => {
  const lastSeen: Record<string, number[]> = {};
  for (const { customer, events } of generateDemo({ customers: 600, seed: 7 })) {
    const last = Math.max(...events.map((e) => Date.parse(e.timestamp as string)));
    lastSeen[customer.segment] = [...(lastSeen[customer.segment] ?? []), last];
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const day = 86_400_000;
  const churners = median(lastSeen.churning!);
  for (const segment of ["web_shopper", "store_loyal", "channel_hopper", "phone_first"]) {
    assert.ok(median(lastSeen[segment]!) - churners > 90 * day, `${segment} stays active well past churners`);
  }
});

test("planted: the funnel checkout -> order shows the hop to the phone in what people did instead", async () => {
  const { funnel, parseStep } = await import("../src/journeys/funnel.js");
  const result = await funnel(engine, { source: ["demo"] }, [parseStep("checkout"), parseStep("order")], {
    windowMs: 86_400_000,
  });
  const checkout = result.steps[0]!;
  assert.ok(checkout.droppedAfter > 10);
  assert.equal(checkout.nextInstead[0]!.step, "checkout error");
  assert.equal(checkout.nextChannelsInstead[0]!.channel, "phone");
  assert.ok(
    result.medianSecondsToConvert! > 0 && result.p90SecondsToConvert! >= result.medianSecondsToConvert!,
  );
});

test("a funnel holding the cart constant: each cart's own journey, computed from the generated events", async () => {
  const { funnel, parseStep, walk } = await import("../src/journeys/funnel.js");
  const steps = ["cart", "checkout", "order|phone order"].map(parseStep);
  const windowMs = 30 * 86_400_000;
  const held = await funnel(engine, { source: ["demo"], hold: "cart_id" }, steps, { windowMs });
  const person = await funnel(engine, { source: ["demo"] }, steps, { windowMs });
  // Directly from the generator: each cart's events (those carrying its cart_id), in time order, walked.
  const carts = new Map<string, Touch[]>();
  for (const { events } of generateDemo({ customers: CUSTOMERS, seed: 7 })) {
    for (const event of events) {
      const properties = event.properties as Record<string, unknown>;
      if (typeof properties.cart_id !== "string") continue;
      const touches = carts.get(properties.cart_id) ?? [];
      const ms = Date.parse(event.timestamp as string);
      touches.push([ms, touches.length, String(properties.touchpoint), String(properties.channel), "", ""]);
      carts.set(properties.cart_id, touches);
    }
  }
  const entered = steps.map(() => 0);
  for (const touches of carts.values()) {
    touches.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const hits = walk(touches, steps, windowMs);
    for (let s = 0; s < hits.length; s++) entered[s]!++;
  }
  assert.equal(held.cases, carts.size);
  assert.deepEqual(
    held.steps.map((s) => s.entered),
    entered,
  );
  // A person whose checkout failed and who bought later on another cart converts; that cart does not.
  assert.ok(held.conversion < person.conversion, `${held.conversion} vs ${person.conversion}`);
  assert.ok(held.steps[0]!.entered > person.steps[0]!.entered, "carts outnumber the people who fill them");
});

test("flows from a step filtered by a property, and steps grouped by one, as the generated events say", async () => {
  const { flows } = await import("../src/journeys/views.js");
  const filter = { source: ["demo"], brand: false };
  // Calls about a failed checkout, against calls about a ticket: each customer's first of each kind.
  const checkout = await flows(engine, filter, {
    anchor: "support call",
    direction: "after",
    steps: 1,
    where: { property: "reason", value: "checkout" },
  });
  const ticket = await flows(engine, filter, {
    anchor: "support call",
    direction: "after",
    steps: 1,
    where: { property: "reason", value: "ticket" },
  });
  const callers = { checkout: new Set<string>(), ticket: new Set<string>() };
  for (const { customer, events } of generateDemo({ customers: CUSTOMERS, seed: 7 }))
    for (const event of events) {
      const reason = (event.properties as Record<string, unknown>).reason;
      if (reason === "checkout" || reason === "ticket") callers[reason].add(customer.userId);
    }
  const anchorValue = (flow: typeof checkout) => flow.nodes.find((n) => n.step === 0)!.value;
  assert.equal(anchorValue(checkout), callers.checkout.size);
  assert.equal(anchorValue(ticket), callers.ticket.size);
  const topNext = (flow: typeof checkout) =>
    flow.nodes.filter((n) => n.step === 1).sort((a, b) => b.value - a.value)[0]!.activity;
  assert.equal(topNext(checkout), "phone order", "a checkout call ends in a phone order");
  assert.notEqual(topNext(ticket), "phone order");
  // Grouped by the reason: the step after a checkout error is told apart by why people called.
  const grouped = await flows(engine, filter, {
    anchor: "checkout error",
    direction: "after",
    steps: 1,
    groupBy: "reason",
  });
  const next = grouped.nodes.filter((n) => n.step === 1).map((n) => n.activity);
  assert.ok(next.includes("support call · checkout"), next.join(", "));
  assert.ok(!next.includes("support call"), "every call after a checkout error has its reason");
});

test("the suggested first funnel is the most common path to the first order, counted in code", async () => {
  const { suggestedFunnel } = await import("../src/journeys/funnel.js");
  const { journeyCases } = await import("../src/journeys/query.js");
  const filter = { source: ["demo"], brand: false };
  const suggested = await suggestedFunnel(engine, filter, ["Order Completed"], 4);
  const { sql, params } = await journeyCases(engine, filter);
  const journeys = await engine.query<{ journey: Touch[] }>(`SELECT journey FROM (${sql})`, params);
  const paths = new Map<string, number>();
  let converted = 0;
  for (const { journey } of journeys) {
    const at = journey.findIndex((t) => t[4] === "Order Completed");
    if (at < 0) continue;
    converted++;
    // The last occurrence of each step up to the conversion, in order; the last four.
    const steps = journey.slice(0, at + 1).map((t) => t[2]);
    const lastOfEach = steps.filter((step, i) => steps.lastIndexOf(step) === i);
    const key = JSON.stringify(lastOfEach.slice(-4));
    paths.set(key, (paths.get(key) ?? 0) + 1);
  }
  const [best] = [...paths.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  assert.deepEqual(suggested.steps, JSON.parse(best![0]));
  assert.equal(suggested.cases, best![1]);
  assert.equal(suggested.converted, converted);
  assert.equal(suggested.conversion, "order");
  assert.ok(suggested.steps.length === 4 && converted > suggested.cases);
  const none = await suggestedFunnel(engine, filter, ["No Such Event"]);
  assert.deepEqual(none, { conversion: null, steps: [], cases: 0, converted: 0 });
});

test("the engine's funnel equals walking each journey in code (walk), steps, windows and drop-offs", async () => {
  await funnelAgreesWithWalk(["home|product page", "cart", "checkout@2h", "order"]);
  // Step windows that bind (each step within minutes of the one before): still the walk, and fewer convert.
  const tight = await funnelAgreesWithWalk(["product page", "cart@3m", "checkout@3m", "order@3m"]);
  const loose = await funnelAgreesWithWalk(["product page", "cart", "checkout", "order"]);
  assert.ok(tight.converted < loose.converted, `${tight.converted} vs ${loose.converted}`);
});

test("exclusions: no chat or store finder between product page and cart, no checkout error before the order: equals the walk, converts fewer", async () => {
  const excluding = await funnelAgreesWithWalk([
    "home",
    "product page",
    "cart!chat|store finder",
    "order!checkout error",
  ]);
  const plain = await funnelAgreesWithWalk(["home", "product page", "cart", "order"]);
  assert.ok(excluding.converted < plain.converted, `${excluding.converted} vs ${plain.converted}`);
  assert.equal(excluding.steps[2]!.step, "cart (not after chat | store finder)");
});

test("optional steps: the engine's funnel equals the walk, and skipping one stops no one", async () => {
  const withOptional = await funnelAgreesWithWalk([
    "cart",
    "checkout",
    "checkout error?",
    "order|phone order",
  ]);
  const without = await funnelAgreesWithWalk(["cart", "checkout", "order|phone order"]);
  assert.equal(withOptional.converted, without.converted);
  assert.ok(withOptional.steps[2]!.optional && withOptional.steps[2]!.entered > 0);
  assert.ok(withOptional.steps[2]!.entered < withOptional.steps[1]!.entered);
  // Two optional steps in a row, on the channel hoppers' way to the store.
  const hoppers = await funnelAgreesWithWalk(["product page", "chat?", "catalogue?", "store visit", "till"]);
  assert.ok(hoppers.steps[1]!.entered > 0 && hoppers.steps[2]!.entered > 0);
});

test("a funnel broken down by segment: each customer's segment of the latest run, as the walk counts it", async () => {
  const { discoverSegments } = await import("../src/segments/store.js");
  await discoverSegments(engine, { k: 3, seed: 7 });
  const result = await funnelAgreesWithWalk(["product page", "cart", "order"]);
  const { funnel, parseStep } = await import("../src/journeys/funnel.js");
  const bySegment = await funnel(
    engine,
    { source: ["demo"] },
    ["product page", "cart", "order"].map(parseStep),
    {
      windowMs: 7 * 86_400_000,
      breakdown: "segment",
    },
  );
  const values = bySegment.breakdown!.groups.map((g) => g.value);
  // The segments that browse the web shop (one of the three may never see a product page).
  assert.ok(values.filter((v) => /^\d+$/.test(v)).length >= 2, values.join(", "));
  assert.equal(
    bySegment.breakdown!.groups.reduce((sum, g) => sum + g.entered[0]!, 0),
    result.steps[0]!.entered,
  );
});

/** The engine's funnel against walking every journey in code, tallied the way the funnel documents. */
async function funnelAgreesWithWalk(texts: string[]) {
  const { funnel, parseStep, walk } = await import("../src/journeys/funnel.js");
  const { journeyCases } = await import("../src/journeys/query.js");
  const steps = texts.map(parseStep);
  const windowMs = 7 * 86_400_000;
  const filter = { source: ["demo"] };
  const result = await funnel(engine, filter, steps, { windowMs });
  // Reference: every journey walked in code, tallied the way the funnel documents.
  const { sql, params } = await journeyCases(engine, filter);
  const journeys = await engine.query<{ case_id: string; journey: Touch[] }>(
    `SELECT case_id, journey FROM (${sql})`,
    params,
  );
  const entered = steps.map(() => 0);
  const next = steps.map(() => new Map<string, number>());
  const hops = steps.map(() => new Map<string, number>());
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const requiredSteps = steps.filter((step) => !step.optional).length;
  for (const { journey } of journeys) {
    const hits = walk(journey, steps, windowMs);
    for (let s = 0; s < hits.length; s++) if (hits[s]! >= 0) entered[s]!++;
    // Drop-off is where the last required step reached was (optional steps never stop anyone).
    const required = hits.flatMap((h, s) => (h >= 0 && !steps[s]!.optional ? [s] : []));
    if (required.length > 0 && required.length < requiredSteps) {
      const stoppedAt = required.at(-1)!;
      const last = hits[stoppedAt]!;
      const at = journey[last]!;
      const hop = journey.slice(last + 1).find((t) => t[3] !== at[3] && t[0] - at[0] <= windowMs);
      bump(next[stoppedAt]!, journey[last + 1]?.[2] ?? "(end)");
      bump(hops[stoppedAt]!, hop ? hop[3] : "(stayed)");
    }
  }
  assert.equal(result.cases, journeys.length);
  assert.deepEqual(
    result.steps.map((s) => s.entered),
    entered,
  );
  assert.ok(entered.at(-1)! > 0 && entered[0]! > entered.at(-1)!, "the funnel converts some and loses some");
  // Each step's conversion is from the required step before it (optional steps are not in that chain).
  result.steps.forEach((step, s) => {
    const before = steps
      .map((earlier, i) => (i < s && !earlier.optional ? i : -1))
      .reduce((a, b) => Math.max(a, b), -1);
    const expected = s === 0 ? 1 : entered[s]! / entered[before]!;
    assert.ok(
      Math.abs(step.conversionFromPrevious - expected) < 1e-12,
      `${step.step}: ${step.conversionFromPrevious}`,
    );
  });
  result.steps.slice(0, -1).forEach((step, s) => {
    for (const { step: name, count } of step.nextInstead) assert.equal(count, next[s]!.get(name), name);
    for (const { channel, count } of step.nextChannelsInstead)
      assert.equal(count, hops[s]!.get(channel), channel);
  });
  // Broken down by the channel of the first step's touch, and by the week it happened (Monday, UTC).
  const monday = (ms: number) => {
    const d = new Date(ms);
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7)))
      .toISOString()
      .slice(0, 10);
  };
  // And by segment: each customer's segment in the latest run ("(none)" when it placed them nowhere).
  const members = new Map(
    (
      await engine.query<{ customer_id: string; segment_id: number }>(
        "SELECT customer_id, segment_id FROM segment_members WHERE run_id = (SELECT argMax(run_id, created_at) FROM segment_runs)",
      )
    ).map((m) => [m.customer_id, String(m.segment_id)]),
  );
  for (const [by, keyOf] of [
    ["channel", (t: Touch) => t[3]],
    ["week", (t: Touch) => monday(t[0])],
    ["segment", (_: Touch, caseId: string) => members.get(caseId) ?? "(none)"],
  ] as const) {
    const expected = new Map<string, number[]>();
    for (const { journey, case_id } of journeys) {
      const hits = walk(journey, steps, windowMs);
      if (hits.length === 0) continue;
      const key = keyOf(journey[hits[0]!]!, case_id);
      const counts = expected.get(key) ?? steps.map(() => 0);
      for (let s = 0; s < hits.length; s++) if (hits[s]! >= 0) counts[s]!++;
      expected.set(key, counts);
    }
    const broken = await funnel(engine, filter, steps, { windowMs, breakdown: by });
    assert.deepEqual(
      Object.fromEntries(broken.breakdown!.groups.map((g) => [g.value, g.entered])),
      Object.fromEntries(expected),
      by,
    );
    assert.deepEqual(
      broken.steps.map((s) => s.entered),
      entered,
      `${by}: the totals do not change`,
    );
  }
  return result;
}

test("planted: a checkout error is over-represented among journeys ending in a phone order", async () => {
  const { outcomes } = await import("../src/journeys/outcomes.js");
  const result = await outcomes(engine, { source: ["demo"], by: "touchpoint" }, "phone order");
  const error = result.items.find((i) => i.kind === "step" && i.item === "checkout error")!;
  assert.ok(error.oddsRatio > 2, `odds ratio ${error.oddsRatio}`);
  assert.ok(error.pValue < 0.001);
  assert.ok(error.ci95[0] > 1);
});

test("planted: the checkout failure tops the friction list, a reported failure with a hop to the phone", async () => {
  const { friction } = await import("../src/journeys/friction.js");
  const { items } = await friction(engine, { source: ["demo"] }, { top: 500 });
  const steps = items.filter((i) => i.kind === "step");
  const error = steps.find((i) => i.item === "checkout error")!;
  assert.ok(error.components.hop > 0.6, error.explanation);
  assert.equal(error.components.fail, 1, error.explanation);
  assert.match(error.explanation, /^fail 100%, hop/);
  for (const normal of ["home", "product page", "cart", "checkout", "order"]) {
    const step = steps.find((i) => i.item === normal)!;
    assert.ok(
      error.friction > step.friction,
      `${normal} ${step.friction} vs checkout error ${error.friction}`,
    );
  }
  // Top of the whole list (steps and transitions): the step itself, or the transition into it.
  assert.match(items[0].item, /checkout error$/, JSON.stringify(items.slice(0, 3)));
  assert.equal(steps[0], error);
});

test("friction, attribution, the touchpoint table, segment discovery, who matters now and themes run in the analytic lane and answer as the direct calls; past its deadline, a 503", async () => {
  const { friction } = await import("../src/journeys/friction.js");
  const { buildServer } = await import("../src/api/server.js");
  const { TEST_KEYS, basic } = await import("../testing/helpers.js");
  const direct = await friction(engine, { source: ["demo"] }, { top: 500 });
  const headers = { authorization: basic("rk_test") };
  const url = "/v1/journeys/friction?source=demo&top=500";
  const { app } = await buildServer({ engine, keys: TEST_KEYS, preloadContexts: false });
  const laned = await app.inject({ method: "GET", url, headers });
  assert.equal(laned.statusCode, 200, laned.body);
  assert.deepEqual(JSON.parse(laned.body), JSON.parse(JSON.stringify(direct)));
  // Attribution and the touchpoint table walk every journey in the lane too, with the same answers (to
  // rounding: the engine returns the journeys in no fixed order, and sums follow it).
  const same = (actual: unknown, expected: unknown, at: string): void => {
    if (typeof expected === "number" && typeof actual === "number") {
      assert.ok(
        Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
        `${at}: ${actual} vs ${expected}`,
      );
    } else if (expected && typeof expected === "object") {
      assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), at);
      for (const [key, value] of Object.entries(expected))
        same((actual as Record<string, unknown>)[key], value, `${at}.${key}`);
    } else assert.equal(actual, expected, at);
  };
  const { attributionFromStore, touchpointTable } = await import("../src/value/store.js");
  const { inlineCompute } = await import("../src/lanes/compute.js");
  const attribution = await app.inject({
    method: "GET",
    url: "/v1/value/attribution?by=touchpoint",
    headers,
  });
  assert.equal(attribution.statusCode, 200, attribution.body);
  const attributed = await attributionFromStore(engine, { by: "touchpoint" });
  same(
    JSON.parse(attribution.body),
    JSON.parse(JSON.stringify({ by: "touchpoint", ...attributed })),
    "attribution",
  );
  const table = await app.inject({ method: "GET", url: "/v1/value/touchpoints", headers });
  assert.equal(table.statusCode, 200, table.body);
  same(
    JSON.parse(table.body).touchpoints,
    JSON.parse(JSON.stringify(await touchpointTable(engine, { by: "touchpoint" }, inlineCompute(engine)))),
    "touchpoints",
  );
  // Segment discovery clusters in the lane too: the same segments as a direct run with the same seed.
  const { discoverSegments } = await import("../src/segments/store.js");
  const discovered = await app.inject({
    method: "POST",
    url: "/v1/segments/discover",
    headers: { authorization: basic("ak_test"), "content-type": "application/json" },
    payload: JSON.stringify({ k: 4, seed: 7 }),
  });
  assert.equal(discovered.statusCode, 200, discovered.body);
  const direct4 = await discoverSegments(engine, { k: 4, seed: 7, save: false });
  const laned4 = JSON.parse(discovered.body);
  assert.equal(laned4.silhouette, direct4.silhouette);
  same(laned4.segments, JSON.parse(JSON.stringify(direct4.segments)), "segments");
  // Who matters now and the voice of the customer are computed in the lane: the same as direct calls.
  const { voiceOfCustomer, whoMattersNowFromStore } = await import("../src/behaviour/store.js");
  const now = await app.inject({ method: "GET", url: "/v1/behaviour/now?limit=20", headers });
  assert.equal(now.statusCode, 200, now.body);
  const directNow = await whoMattersNowFromStore(engine, { config: { limit: 20 } });
  assert.ok(directNow.entries.length > 0, "the demo has people who matter now");
  same(JSON.parse(now.body), JSON.parse(JSON.stringify(directNow)), "now");
  const voice = await app.inject({ method: "GET", url: "/v1/behaviour/themes", headers });
  assert.equal(voice.statusCode, 200, voice.body);
  const directVoice = await voiceOfCustomer(engine, {});
  assert.ok(directVoice.touchpoints.some((t) => t.spaces.some((v) => v.themes.length > 0)));
  same(JSON.parse(voice.body), JSON.parse(JSON.stringify(directVoice)), "themes");
  await app.close();

  const hurried = await buildServer({
    engine,
    keys: TEST_KEYS,
    preloadContexts: false,
    lane: { deadlineMs: 1 },
  });
  const late = await hurried.app.inject({ method: "GET", url, headers });
  assert.equal(late.statusCode, 503, late.body);
  assert.match(JSON.parse(late.body).message, /deadline/);
  const health = JSON.parse((await hurried.app.inject({ method: "GET", url: "/health" })).body);
  assert.equal(health.lane.analytic.ended.deadline, 1);
  await hurried.app.close();
});

test("the service blueprint's columns, reach, channels, replies, drop-off and outcomes equal a count over every journey", async () => {
  const { readFileSync } = await import("node:fs");
  const { serviceBlueprint } = await import("../src/journeys/blueprint.js");
  const { journeyModelFromText } = await import("../src/journeys/bpmn.js");
  const { inlineCompute } = await import("../src/lanes/compute.js");
  const { journeyCases } = await import("../src/journeys/query.js");
  const model = journeyModelFromText(readFileSync("config/journey-maps/order-and-service.json", "utf8"));
  const filter = { source: ["demo"] };
  const blueprint = await serviceBlueprint(engine, inlineCompute(engine), filter, { model });
  assert.deepEqual(
    blueprint.stages.map((s) => s.stage),
    ["Discover", "Consider", "Buy", "Get help", "Tell others"],
  );
  const { sql, params } = await journeyCases(engine, { ...filter, brand: true });
  const journeys = await engine.query<{ journey: Touch[] }>(`SELECT journey FROM (${sql})`, params);
  const week = 7 * 86_400_000;
  for (const stage of blueprint.stages) {
    const inStage = (t: Touch) => stage.steps.includes(t[2]);
    let reach = 0;
    let ended = 0;
    let purchased = 0;
    let responded = 0;
    const channels = new Map<string, number>();
    for (const { journey } of journeys) {
      const first = journey.findIndex(inStage);
      if (first < 0) continue;
      reach++;
      const own = journey.filter((t) => !t[2].startsWith("brand: "));
      if (inStage(own.at(-1)!)) ended++;
      if (journey.slice(first).some((t) => t[4] === "Order Completed")) purchased++;
      journey.forEach((t, i) => {
        if (!inStage(t)) return;
        channels.set(t[3], (channels.get(t[3]) ?? 0) + 1);
        const reply = journey.slice(i + 1).find((u) => u[2].startsWith("brand: ") && u[0] - t[0] <= week);
        if (reply) responded++;
      });
    }
    assert.equal(stage.customerActions.reach, reach, stage.stage);
    assert.ok(Math.abs(stage.dropOff - ended / reach) < 1e-12, stage.stage);
    assert.ok(Math.abs(stage.outcomeRate - purchased / reach) < 1e-12, stage.stage);
    assert.equal(stage.frontStage.responded, responded, stage.stage);
    assert.deepEqual(
      Object.fromEntries(stage.customerActions.channels.map((c) => [c.channel, c.touches])),
      Object.fromEntries(channels),
      stage.stage,
    );
  }
  const help = blueprint.stages.find((s) => s.stage === "Get help")!;
  assert.ok(
    help.frontStage.responded > 0 && help.frontStage.actions[0]!.action === "chat",
    "the brand answers chats",
  );
  assert.ok(
    help.needs.length > 0 && help.painPoints.complaints.length > 0,
    "questions and complaints at the service touchpoints",
  );
  assert.ok(help.examples.length === 5);
  // Each cell's example customers are customers of that cell.
  const { sql: idSql, params: idParams } = await journeyCases(engine, { ...filter, brand: true });
  const withIds = await engine.query<{ case_id: string; journey: Touch[] }>(
    `SELECT case_id, journey FROM (${idSql})`,
    idParams,
  );
  const journeyOf = new Map(withIds.map((r) => [r.case_id, r.journey]));
  for (const stage of blueprint.stages) {
    const inStage = (t: Touch) => stage.steps.includes(t[2]);
    for (const id of stage.endedExamples) {
      const own = journeyOf.get(id)!.filter((t) => !t[2].startsWith("brand: "));
      assert.ok(inStage(own.at(-1)!), `${stage.stage}: ${id} does not end here`);
    }
    for (const id of stage.purchasedExamples)
      assert.ok(
        journeyOf.get(id)!.some((t) => t[4] === "Order Completed"),
        `${stage.stage}: ${id} never bought`,
      );
    for (const id of stage.frontStage.examples)
      assert.ok(
        journeyOf.get(id)!.some((t) => t[2].startsWith("brand: ")),
        `${stage.stage}: ${id} got no reply`,
      );
  }
  assert.ok(help.frontStage.examples.length > 0 && help.endedExamples.length > 0);
  assert.ok(blueprint.stages.find((s) => s.stage === "Buy")!.painPoints.slaBreaches["checkout->order"]! > 0);
  // Without a map: the most common steps, in flow order.
  const common = await serviceBlueprint(engine, inlineCompute(engine), filter, { columns: 4 });
  assert.equal(common.stages.length, 4);
  assert.ok(common.stages.every((s) => s.steps.length === 1));
});

test("loaded as a file by the engine (the demo command's path), the demo stores what the collector stores", async () => {
  // A second database in the same folder (chDB binds one folder per process).
  const engineSide = await ChdbEngine.open((engine as ChdbEngine).dataDir, "demo_engine_side");
  await migrate(engineSide);
  const sink = new EngineSink(engineSide);
  const summary = await loadDemoInEngine(engineSide, sink, { customers: CUSTOMERS, seed: 7 });
  await sink.close();
  const eventsOf = (e: Engine) =>
    e.query<Record<string, unknown>>(
      `SELECT event_id, type, name, identity_key, user_id, anonymous_id, timestamp, channel, touchpoint, direction,
              text, value, currency, properties, traits, context, source, behaviour, behaviour_labels, behaviour_scores
       FROM events FINAL ORDER BY event_id`,
    );
  const [collected, imported] = await Promise.all([eventsOf(engine), eventsOf(engineSide)]);
  assert.equal(summary.rejected, 0);
  assert.equal(summary.events, collected.length);
  assert.equal(imported.length, collected.length);
  const parsed = (row: Record<string, unknown>) => {
    for (const key of ["properties", "traits", "context"]) row[key] = JSON.parse(row[key] as string);
    return row;
  };
  for (let i = 0; i < collected.length; i++)
    assert.deepEqual(parsed(imported[i]!), parsed(collected[i]!), `event ${collected[i]!.event_id}`);
  // The same people: each customer's identifiers, as sets.
  const customersOf = async (e: Engine) =>
    (
      await e.query<{ identifiers: string[] }>(
        "SELECT arraySort(groupArray(identifier)) AS identifiers FROM identity_map FINAL GROUP BY customer_id",
      )
    )
      .map((c) => c.identifiers.join(" "))
      .sort();
  assert.deepEqual(await customersOf(engineSide), await customersOf(engine));
  await engineSide.close();
});
