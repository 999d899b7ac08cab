/** The stored journey sequences follow new events, merges and splits, and equal a full rebuild. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { normaliseEvent, Sequence } from "../src/collect/normalise.js";
import { EngineSink } from "../src/collect/sink.js";
import { generateDemo } from "../src/demo/generator.js";
import { findCustomer } from "../src/identity/customer360.js";
import { linksOfCustomer, splitLink } from "../src/identity/identity-store.js";
import { journeyCases, type Touch } from "../src/journeys/query.js";
import { refreshJourneySequences, withRefreshesHeld } from "../src/journeys/sequences.js";
import { get, sendAccepted, serverForFile, testDatabase, uid } from "../testing/helpers.js";

const fx = serverForFile();
const send = (batch: object[]) => sendAccepted(fx.server, batch);

/** The steps of each case that holds one of these identifiers, by case id. */
async function journeysOf(...customers: string[]): Promise<Record<string, string[]>> {
  const { sql, params } = await journeyCases(fx.engine, {});
  const rows = await fx.engine.query<{ case_id: string; journey: Touch[] }>(
    `SELECT case_id, journey FROM (${sql}) WHERE case_id IN {wanted:Array(String)} ORDER BY case_id`,
    { ...params, wanted: customers },
  );
  return Object.fromEntries(rows.map((r) => [r.case_id, r.journey.map((t) => t[2])]));
}

const snapshot = (engine = fx.engine) =>
  engine.query(
    `SELECT customer_id, ts, seq, touchpoint, channel, outbound, behaviour_mask, arraySort(identity_keys) AS keys
     FROM customer_journeys FINAL ORDER BY customer_id`,
  );

test("new events, a merge and its split move touches between customers' sequences", async () => {
  const user = uid("dana");
  const anon = uid("visitor");
  await send([
    { type: "page", anonymousId: anon, name: "home", timestamp: "2024-03-01T10:00:00Z" },
    { type: "page", anonymousId: anon, name: "pricing", timestamp: "2024-03-01T10:05:00Z" },
    {
      type: "track",
      userId: user,
      event: "Call Started",
      timestamp: "2024-03-02T09:00:00Z",
      properties: { channel: "phone", touchpoint: "support call" },
    },
  ]);
  assert.deepEqual(await journeysOf(`anon:${anon}`, `user:${user}`), {
    [`anon:${anon}`]: ["home", "pricing"],
    [`user:${user}`]: ["support call"],
  });

  // An identify links the visitor to the user: one customer, touches in time order, the visitor's row gone.
  await send([{ type: "identify", userId: user, anonymousId: anon, timestamp: "2024-03-01T11:00:00Z" }]);
  assert.equal(await findCustomer(fx.engine, anon), `user:${user}`);
  assert.deepEqual(await journeysOf(`anon:${anon}`, `user:${user}`), {
    [`user:${user}`]: ["home", "pricing", "identify", "support call"],
  });

  // A later event on the old anonymous id lands in the merged customer's journey.
  await send([{ type: "page", anonymousId: anon, name: "checkout", timestamp: "2024-03-03T10:00:00Z" }]);
  assert.deepEqual((await journeysOf(`user:${user}`))[`user:${user}`], [
    "home",
    "pricing",
    "identify",
    "support call",
    "checkout",
  ]);

  // Splitting the merge gives the visitor its own journey back.
  const link = (await linksOfCustomer(fx.engine, `user:${user}`)).find((l) => l.reason === "identify");
  assert.ok(link, "the identify merge is recorded");
  await splitLink(fx.engine, link.link_id);
  const split = await journeysOf(`anon:${anon}`, `user:${user}`);
  assert.deepEqual(split[`anon:${anon}`], ["home", "pricing", "checkout"]);
  assert.deepEqual(split[`user:${user}`], ["identify", "support call"]);
});

test("refreshes after many small writes leave the same sequences as one full rebuild", async () => {
  const people = Array.from({ length: 6 }, (_, i) => uid(`p${i}`));
  for (let round = 0; round < 3; round++) {
    await send(
      people.map((person, i) => ({
        type: "track",
        userId: person,
        event: `Step ${round}`,
        timestamp: new Date(Date.UTC(2024, 4, 1 + round, i)).toISOString(),
        properties: {
          channel: i % 2 ? "email" : "web",
          text: round === 1 ? "why is my order late?" : undefined,
        },
      })),
    );
    await refreshJourneySequences(fx.engine);
  }
  await send([{ type: "alias", userId: people[0], previousId: people[1] }]);
  await refreshJourneySequences(fx.engine);
  const incremental = await snapshot();
  assert.equal((await refreshJourneySequences(fx.engine)).mode, "none", "nothing new: nothing rebuilt");
  const full = await refreshJourneySequences(fx.engine, { full: true });
  assert.equal(full.mode, "full");
  assert.deepEqual(await snapshot(), incremental);
  const merged = incremental.find((r) => r.customer_id === `user:${people[0]}`) as { touchpoint: string[] };
  assert.equal(merged.touchpoint.length, 7, "both people's three steps and the alias");
  assert.equal(
    incremental.find((r) => r.customer_id === `user:${people[1]}`),
    undefined,
    "the merged-away customer has no row",
  );
});

test("the server refreshes the sequences by itself shortly after a write", async () => {
  const person = uid("eve");
  const refreshes = async () =>
    Number((await fx.engine.query<{ n: number }>("SELECT count() AS n FROM journey_refreshes"))[0]!.n);
  const before = await refreshes();
  await send([{ type: "track", userId: person, event: "Store Visited", properties: { channel: "store" } }]);
  // No journey query runs here: only the server's background refresh can add a refresh row.
  const deadline = Date.now() + 10_000;
  while ((await refreshes()) === before && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok((await refreshes()) > before, "a refresh ran within 10 s of the write");
  const health = await get(`${fx.server.url}/health`);
  assert.ok(health.body.lane.journeyRefresh.runs >= 1, "/health counts the background refreshes");
  assert.equal(typeof health.body.lane.journeyRefresh.last.ms, "number");
  const [row] = await fx.engine.query<{ touchpoint: string[] }>(
    "SELECT touchpoint FROM customer_journeys FINAL WHERE customer_id = {id:String}",
    { id: `user:${person}` },
  );
  assert.deepEqual(row?.touchpoint, ["Store Visited"]);
});

test("work that holds refreshes (an erasure) never overlaps one: it waits for the refresh under way, and later ones wait for it", async () => {
  const log: string[] = [];
  const write = () =>
    send([{ type: "track", userId: uid("hal"), event: "Store Visited", properties: { channel: "store" } }]);
  // A refresh is under way (new events to rebuild): the held work starts only once it has ended.
  await write();
  const running = refreshJourneySequences(fx.engine).then(() => log.push("refresh ended"));
  await withRefreshesHeld(fx.engine, async () => log.push("held work started"));
  await running;
  assert.deepEqual(log, ["refresh ended", "held work started"]);
  // While held work runs, a refresh asked for (with new events to rebuild) starts only after it.
  log.length = 0;
  await write();
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const held = withRefreshesHeld(fx.engine, async () => {
    await gate;
    log.push("held work ended");
  });
  const later = refreshJourneySequences(fx.engine).then((r) => log.push(`refresh ended: ${r.mode}`));
  await new Promise((r) => setTimeout(r, 500)); // time for an unheld refresh to end
  release();
  await Promise.all([held, later]);
  assert.deepEqual(log, ["held work ended", "refresh ended: incremental"]);
});

test("bounded refreshes take the oldest changes first, leave the rest for the next, and end equal to a full rebuild", async () => {
  // A store of its own: the server's background refresh must not run between these refreshes.
  const engine = await testDatabase("bounded_refresh_test");
  const sink = new EngineSink(engine);
  const sequence = new Sequence();
  const customers = [...generateDemo({ customers: 40, seed: 5 })];
  const write = async (events: object[]) => {
    const stored = events.flatMap((event) => {
      const result = normaliseEvent(event, { source: "test", receivedAt: Date.now(), sequence });
      return "ok" in result ? [result.ok] : [];
    });
    await sink.writeEvents(stored);
  };
  const refreshUntilDone = async (maxKeys: number) => {
    const runs = [];
    for (let more = true; more; ) {
      const run = await refreshJourneySequences(engine, { maxKeys });
      runs.push(run);
      more = run.pending === true;
      assert.ok(runs.length < 200, "bounded refreshes end");
    }
    return runs;
  };
  const maxKeys = 12;
  for (const { events } of customers.slice(0, 20)) await write(events); // one insert per customer
  const first = await refreshUntilDone(maxKeys);
  assert.ok(first.length >= 3, `the changes took several bounded runs (${first.length})`);
  for (const run of first) {
    assert.notEqual(run.mode, "full", "a bounded run never rebuilds everyone");
    // Each run's keys are within the bound per table (events, identity map): its customers too.
    assert.ok(run.customers <= 2 * maxKeys, `${run.customers} customers in one run`);
  }
  assert.equal(first.at(-1)?.pending, false);
  assert.equal((await refreshJourneySequences(engine, { maxKeys })).mode, "none", "nothing left");

  // More customers, and the first ones back (new events, merges), then bounded refreshes again.
  for (const { events } of customers.slice(10)) await write(events);
  await write([
    { type: "alias", userId: "bounded-a", previousId: "bounded-b", timestamp: "2024-06-01T10:00:00Z" },
    { type: "page", anonymousId: "bounded-b", name: "pricing", timestamp: "2024-06-01T09:00:00Z" },
  ]);
  await sink.close();
  assert.ok((await refreshUntilDone(maxKeys)).length >= 3);
  const bounded = await snapshot(engine);
  assert.equal((await refreshJourneySequences(engine, { full: true })).mode, "full");
  assert.deepEqual(await snapshot(engine), bounded);
  assert.ok(bounded.length >= 40, `every customer has a sequence (${bounded.length})`);
});
