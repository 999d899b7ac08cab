/**
 * Journeys at scale: the demo generator's customers (each cut to their first `perCustomer` events) imported
 * into the embedded engine; the process map, variants, a 4-step funnel and a 5-step flow timed, against
 * hand-written DuckDB queries computing the same answers on the same rows (exported to Parquet), same run.
 * Usage: node dist/bench/journeys.js [customers=1000000] [perCustomer=10]
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Collector } from "../src/collect/collector.js";
import { EngineSink } from "../src/collect/sink.js";
import { funnel, parseStep } from "../src/journeys/funnel.js";
import { refreshJourneySequences } from "../src/journeys/sequences.js";
import { flows, processMap, variants } from "../src/journeys/views.js";
import { demoStore, ratio, timed } from "./util.js";

const customers = Number(process.argv[2] ?? 1_000_000);
const perCustomer = Number(process.argv[3] ?? 10);
const store = await demoStore("journeys", customers, perCustomer);
const { engine } = store;
// Scratch files of this run (the store itself may be kept for the next run).
const scratch = mkdtempSync(join(tmpdir(), "cf-bench-scratch-"));
const eventsParquet = join(scratch, "events.parquet");
const mapParquet = join(scratch, "identity_map.parquet");
await engine.command(
  `INSERT INTO FUNCTION file('${eventsParquet}', 'Parquet')
   SELECT identity_key, toUnixTimestamp64Milli(timestamp) AS ts, seq, touchpoint, toString(channel) AS channel FROM events FINAL WHERE direction = 'inbound'`,
);
await engine.command(
  `INSERT INTO FUNCTION file('${mapParquet}', 'Parquet') SELECT identifier, customer_id FROM identity_map FINAL`,
);

const duck = await (await DuckDBInstance.create(":memory:", { threads: "2" })).connect();
await duck.run(`CREATE TABLE events AS SELECT * FROM read_parquet('${eventsParquet}')`);
await duck.run(`CREATE TABLE idmap AS SELECT * FROM read_parquet('${mapParquet}')`);
const journeysCte = `WITH e AS (
  SELECT coalesce(m.customer_id, e.identity_key) AS customer, e.ts, e.seq, e.touchpoint, e.channel
  FROM events e LEFT JOIN idmap m ON m.identifier = e.identity_key)`;
const duckRows = async (sql: string) =>
  (await duck.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];

// The DuckDB side reads the customers' own (inbound) touches; ours leaves the brand's replies out too.
const CUSTOMER_TOUCHES = { brand: false };
const results: Record<string, { ours: number; duckdb: number; ratio: number; agree: boolean }> = {};
const steps = ["product page", "cart", "checkout", "order"];
const window = 30 * 86_400_000;

// Process map: edges with counts and waiting times, plus starts and ends.
{
  const ours = await timed(() => processMap(engine, CUSTOMER_TOUCHES));
  const peer = await timed(async () => {
    const edges = await duckRows(`${journeysCte}, p AS (
        SELECT touchpoint AS a, lead(touchpoint) OVER w AS b, (lead(ts) OVER w - ts) / 1000.0 AS wait,
               row_number() OVER w AS position, count(*) OVER (PARTITION BY customer) AS n
        FROM e WINDOW w AS (PARTITION BY customer ORDER BY ts, seq))
      SELECT a, b, count(*) AS count, quantile_cont(wait, 0.5) AS median, quantile_cont(wait, 0.9) AS p90 FROM p WHERE b IS NOT NULL GROUP BY a, b`);
    const ends = await duckRows(`${journeysCte}, f AS (
        SELECT customer, arg_min(touchpoint, (ts, seq)) AS first, arg_max(touchpoint, (ts, seq)) AS last FROM e GROUP BY customer)
      SELECT first, last, count(*) AS n FROM f GROUP BY first, last`);
    return { edges, ends };
  });
  const agree =
    ours.result.edges.length === peer.result.edges.length &&
    peer.result.edges.every((p) => {
      const mine = ours.result.edges.find((e) => e.from === p.a && e.to === p.b);
      return (
        mine !== undefined &&
        mine.count === Number(p.count) &&
        Math.abs(mine.medianSeconds - Number(p.median)) < 1e-3
      );
    });
  results.dfg = {
    ours: ours.seconds,
    duckdb: peer.seconds,
    ratio: Number(ratio(ours.seconds, peer.seconds)),
    agree,
  };
}

// Variants: the top 10 full sequences with counts.
{
  const ours = await timed(() => variants(engine, CUSTOMER_TOUCHES, 10));
  const peer = await timed(() =>
    duckRows(`${journeysCte}, v AS (SELECT list(touchpoint ORDER BY ts, seq) AS variant FROM e GROUP BY customer)
      SELECT variant, count(*) AS n FROM v GROUP BY variant ORDER BY n DESC LIMIT 10`),
  );
  const agree = ours.result.variants.every((v, i) => Number(peer.result[i]?.n) === v.count);
  results.variants = {
    ours: ours.seconds,
    duckdb: peer.seconds,
    ratio: Number(ratio(ours.seconds, peer.seconds)),
    agree,
  };
}

// A 4-step funnel within 30 days, every start of step 1 tried (the furthest attempt counts per customer).
{
  const ours = await timed(() =>
    funnel(engine, CUSTOMER_TOUCHES, steps.map(parseStep), { windowMs: window }),
  );
  const peer = await timed(() =>
    duckRows(`${journeysCte}, c AS (SELECT customer, list(struct_pack(t := ts, s := touchpoint) ORDER BY ts, seq) AS j FROM e GROUP BY customer),
      s1 AS (SELECT customer, j, i AS k1 FROM c, range(1, len(j) + 1) r(i) WHERE j[i].s = '${steps[0]}'),
      s2 AS (SELECT *, list_filter(range(k1 + 1, len(j) + 1), k -> j[k].s = '${steps[1]}' AND j[k].t - j[k1].t <= ${window})[1] AS k2 FROM s1),
      s3 AS (SELECT *, CASE WHEN k2 IS NULL THEN NULL ELSE list_filter(range(k2 + 1, len(j) + 1), k -> j[k].s = '${steps[2]}' AND j[k].t - j[k1].t <= ${window})[1] END AS k3 FROM s2),
      s4 AS (SELECT *, CASE WHEN k3 IS NULL THEN NULL ELSE list_filter(range(k3 + 1, len(j) + 1), k -> j[k].s = '${steps[3]}' AND j[k].t - j[k1].t <= ${window})[1] END AS k4 FROM s3),
      best AS (SELECT customer, max(1 + (k2 IS NOT NULL)::INT + (k3 IS NOT NULL)::INT + (k4 IS NOT NULL)::INT) AS level FROM s4 GROUP BY customer)
      SELECT count(*) FILTER (WHERE level >= 1) AS l1, count(*) FILTER (WHERE level >= 2) AS l2,
             count(*) FILTER (WHERE level >= 3) AS l3, count(*) FILTER (WHERE level >= 4) AS l4 FROM best`),
  );
  const levels = peer.result[0]!;
  const agree = ours.result.steps.every((s, i) => s.entered === Number(levels[`l${i + 1}`]));
  results.funnel4 = {
    ours: ours.seconds,
    duckdb: peer.seconds,
    ratio: Number(ratio(ours.seconds, peer.seconds)),
    agree,
  };
}

// A 5-step flow after the first "home".
{
  const ours = await timed(() =>
    flows(engine, CUSTOMER_TOUCHES, { anchor: "home", direction: "after", steps: 5, width: 1000 }),
  );
  const peer = await timed(() =>
    duckRows(`${journeysCte}, c AS (SELECT list(touchpoint ORDER BY ts, seq) AS j FROM e GROUP BY customer)
      SELECT j[list_position(j, 'home'):list_position(j, 'home') + 5] AS path, count(*) AS n FROM c WHERE list_contains(j, 'home') GROUP BY path`),
  );
  const linkTotal = ours.result.links.reduce((s, l) => s + l.value, 0);
  const peerLinks = peer.result.reduce(
    (s, r) => s + Number(r.n) * Math.max(0, (r.path as string[]).length - 1),
    0,
  );
  results.flow5 = {
    ours: ours.seconds,
    duckdb: peer.seconds,
    ratio: Number(ratio(ours.seconds, peer.seconds)),
    agree: linkTotal === peerLinks,
  };
}

// Freshness: 1,000 events of existing customers arrive through the collector; the next journey query first
// rebuilds those customers' sequences. Fixed message ids, so a kept store deduplicates them on later runs.
const collector = new Collector(new EngineSink(engine));
const late = Array.from({ length: 1000 }, (_, i) => ({
  type: "track",
  messageId: `bench-late-${i}`,
  userId: `cus_${((i * 997) % customers).toString(36).padStart(5, "0")}`,
  event: "Page Viewed",
  timestamp: "2025-01-01T00:00:00Z",
  properties: { channel: "web", touchpoint: "late page" },
}));
await collector.collect(late, "bench");
const refresh = await timed(() => refreshJourneySequences(engine));
const idle = await timed(() => refreshJourneySequences(engine));
// The rebuilt rows sit in a small part of their own until a background merge folds it in; reads pay for it.
const processMapAfterRefresh = await timed(() => processMap(engine, CUSTOMER_TOUCHES));

await store.close();
rmSync(scratch, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      bench: "journeys",
      customers,
      events: store.events,
      importSeconds: store.importSeconds === null ? "reused" : Number(store.importSeconds.toFixed(1)),
      sequencesSeconds: Number(store.sequencesSeconds.toFixed(1)),
      refreshAfter1000NewEvents: { seconds: Number(refresh.seconds.toFixed(3)), ...refresh.result },
      refreshWithNothingNew: { seconds: Number(idle.seconds.toFixed(3)), ...idle.result },
      processMapAfterRefreshSeconds: Number(processMapAfterRefresh.seconds.toFixed(3)),
      rssMB: Math.round(process.memoryUsage().rss / 1e6),
      results,
    },
    null,
    2,
  ),
);
