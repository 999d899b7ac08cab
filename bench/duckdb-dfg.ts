/**
 * The peer of bench/cli-dfg.ts: a fresh process that answers the directly-follows question with DuckDB
 * from the same rows our store holds (the events and the identity map): either straight from Parquet files,
 * the way a user would script it, or from DuckDB's own database file with the two tables loaded (`events`,
 * `idmap`). Prints the edges (count, median and p90 wait in seconds), starts and ends as JSON.
 * Usage: node dist/bench/duckdb-dfg.js EVENTS.parquet IDENTITY_MAP.parquet | node dist/bench/duckdb-dfg.js FILE.duckdb
 */
import { DuckDBInstance } from "@duckdb/node-api";

const args = process.argv.slice(2);
const database = args.length === 1 && args[0]!.endsWith(".duckdb") ? args[0]! : undefined;
if (!database && args.length !== 2) {
  throw new Error("usage: duckdb-dfg.js EVENTS.parquet IDENTITY_MAP.parquet | duckdb-dfg.js FILE.duckdb");
}
const [eventsTable, mapTable] = database
  ? ["events", "idmap"]
  : args.map((file) => `read_parquet('${file}')`);
const duck = await (
  await DuckDBInstance.create(database ?? ":memory:", database ? { access_mode: "READ_ONLY" } : {})
).connect();
const rows = async (sql: string) =>
  (await duck.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
const touches = `WITH e AS (
  SELECT coalesce(m.customer_id, e.identity_key) AS customer, e.ts, e.seq, e.touchpoint
  FROM ${eventsTable} e LEFT JOIN ${mapTable} m ON m.identifier = e.identity_key)`;
const edges = await rows(`${touches}, p AS (
    SELECT touchpoint AS a, lead(touchpoint) OVER w AS b, (lead(ts) OVER w - ts) / 1000.0 AS wait
    FROM e WINDOW w AS (PARTITION BY customer ORDER BY ts, seq))
  SELECT a, b, count(*) AS count, quantile_cont(wait, 0.5) AS median, quantile_cont(wait, 0.9) AS p90
  FROM p WHERE b IS NOT NULL GROUP BY a, b`);
const ends = await rows(`${touches}, f AS (
    SELECT customer, arg_min(touchpoint, (ts, seq)) AS first, arg_max(touchpoint, (ts, seq)) AS last FROM e GROUP BY customer)
  SELECT first, last, count(*) AS n FROM f GROUP BY first, last`);
const start: Record<string, number> = {};
const end: Record<string, number> = {};
for (const { first, last, n } of ends) {
  start[String(first)] = (start[String(first)] ?? 0) + Number(n);
  end[String(last)] = (end[String(last)] ?? 0) + Number(n);
}
process.stdout.write(
  JSON.stringify({
    edges: edges.map((r) => ({
      from: r.a,
      to: r.b,
      count: Number(r.count),
      medianSeconds: Number(r.median),
      p90Seconds: Number(r.p90),
    })),
    start,
    end,
  }),
);
