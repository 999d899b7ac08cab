/** The dashboard's overview against the same figures counted here from the stored rows, with each filter. */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { overview } from "../src/api/overview.js";
import { normaliseEvent, Sequence } from "../src/collect/normalise.js";
import { EngineSink } from "../src/collect/sink.js";
import { generateDemo } from "../src/demo/generator.js";
import { CUSTOMER_OF_EVENT, IDENTITY_JOIN } from "../src/identity/identity-store.js";
import type { Engine } from "../src/store/engine.js";
import { parseStoredTime } from "../src/store/time.js";
import { testDatabase } from "../testing/helpers.js";

let engine: Engine;

before(async () => {
  // A database of its own, so that other tests' events do not count.
  engine = await testDatabase("overview_test");
  const sink = new EngineSink(engine);
  const sequence = new Sequence();
  for (const { events } of generateDemo({ customers: 120, seed: 8 })) {
    const stored = events.flatMap((event) => {
      const result = normaliseEvent(event, { source: "test", receivedAt: Date.now(), sequence });
      return "ok" in result ? [result.ok] : [];
    });
    await sink.writeEvents(stored);
  }
  await sink.close();
  // Every other customer in segment 3, the rest in 4, as the latest segment run.
  const customers = await storedRows();
  const ids = [...new Set(customers.map((r) => r.customer))].sort();
  for (const [i, id] of ids.entries()) segmentOf.set(id, i % 2 === 0 ? 3 : 4);
  await engine.insert("segment_runs", [
    {
      run_id: "r1",
      created_at: "2026-01-01 00:00:00.000",
      k: 2,
      seed: 1,
      silhouette: 0,
      customers: ids.length,
      summary: "{}",
    },
  ]);
  await engine.insert(
    "segment_members",
    ids.map((id) => ({ run_id: "r1", customer_id: id, segment_id: segmentOf.get(id)!, label: "" })),
  );
});

const segmentOf = new Map<string, number>();

interface Row {
  customer: string;
  channel: string;
  touchpoint: string;
  behaviour: string;
  name: string;
  value: number | null;
  timestamp: string;
  direction: string;
}

async function storedRows(): Promise<Row[]> {
  return engine.query<Row>(
    `SELECT ${CUSTOMER_OF_EVENT} AS customer, toString(e.channel) AS channel,
            e.touchpoint AS touchpoint, toString(e.behaviour) AS behaviour, e.name AS name, e.value AS value,
            toString(e.timestamp) AS timestamp, toString(e.direction) AS direction
     FROM events AS e FINAL ${IDENTITY_JOIN}`,
  );
}

/** Monday of the week of a stored time, as the engine's toMonday prints it. */
function monday(timestamp: string): string {
  const day = new Date(parseStoredTime(timestamp));
  const back = (day.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() - back))
    .toISOString()
    .slice(0, 10);
}

function expected(rows: Row[]) {
  const inbound = rows.filter((r) => r.direction === "inbound");
  const count = <K>(key: (r: Row) => K | undefined) => {
    const counts = new Map<string, number>();
    for (const r of inbound) {
      const k = key(r);
      if (k !== undefined) counts.set(JSON.stringify(k), (counts.get(JSON.stringify(k)) ?? 0) + 1);
    }
    return counts;
  };
  const touchpoints = new Map<string, { events: number; customers: Set<string> }>();
  for (const r of inbound) {
    const t = touchpoints.get(r.touchpoint) ?? { events: 0, customers: new Set() };
    t.events++;
    t.customers.add(r.customer);
    touchpoints.set(r.touchpoint, t);
  }
  return {
    events: inbound.length,
    customers: new Set(inbound.map((r) => r.customer)).size,
    messages: inbound.filter((r) => r.behaviour !== "").length,
    revenue: inbound.filter((r) => r.name === "Order Completed").reduce((s, r) => s + (r.value ?? 0), 0),
    byChannel: count((r) => [monday(r.timestamp), r.channel]),
    behaviour: count((r) => (r.behaviour ? [monday(r.timestamp), r.behaviour] : undefined)),
    touchpoints,
  };
}

test("the overview counts what the stored rows hold, with and without filters", async () => {
  const rows = await storedRows();
  const cases: Array<[Partial<Parameters<typeof overview>[1]>, (r: Row) => boolean]> = [
    [{}, () => true],
    [{ channel: ["store", "web"] }, (r) => r.channel === "store" || r.channel === "web"],
    [{ segment: 3 }, (r) => segmentOf.get(r.customer) === 3],
    [{ segment: 4, channel: ["chat"] }, (r) => segmentOf.get(r.customer) === 4 && r.channel === "chat"],
  ];
  for (const [filter, keep] of cases) {
    const got = await overview(engine, { channel: undefined, ...filter });
    const want = expected(rows.filter(keep));
    assert.equal(got.totals.events, want.events);
    assert.equal(got.totals.customers, want.customers);
    assert.equal(got.totals.messages, want.messages);
    assert.ok(Math.abs(got.totals.revenue - want.revenue) < 1e-6 * Math.max(1, want.revenue));
    assert.deepEqual(
      new Map(got.byChannel.map((r) => [JSON.stringify([r.week, r.channel]), r.events])),
      want.byChannel,
    );
    assert.deepEqual(
      new Map(got.behaviour.map((r) => [JSON.stringify([r.week, r.behaviour]), r.messages])),
      want.behaviour,
    );
    // The 30 busiest touchpoints, busiest first, each with its events and customers.
    const busiest = [...want.touchpoints.entries()]
      .sort(([a, x], [b, y]) => y.events - x.events || (a < b ? -1 : 1))
      .slice(0, 30)
      .map(([touchpoint, t]) => [touchpoint, t.events, t.customers.size]);
    assert.deepEqual(
      got.byTouchpoint.map((t) => [t.touchpoint, t.events, t.customers]),
      busiest,
    );
    // Weeks in order.
    const weeks = got.byChannel.map((r) => r.week);
    assert.deepEqual(weeks, [...weeks].sort());
  }
});
