import { openStore } from "./dist/src/store/open.js";
import { journeyPaths, journeyPathsQuery } from "./dist/src/value/store.js";
import { attribute } from "./dist/src/value/attribution.js";
const { engine } = await openStore({ dataDir: "/tmp/demo" });
const by = process.argv[2] ?? "channel";
const lookback = 30 * 86400000;
const conversions = ["Order Completed"];
for (let r = 0; r < 3; r++) {
  let t0 = performance.now();
  const rows = await journeyPaths(engine, { by, lookbackMs: lookback });
  const t1 = performance.now();
  const step = by === "touchpoint" ? "j.touchpoint" : "j.channel";
  const inb = (a) => `arrayFilter((x, o) -> o = 0, ${a}, j.outbound)`;
  const sql = `
  SELECT path, countIf(converted) AS conversions, countIf(NOT converted) AS nulls, sum(value) AS value
  FROM (
    SELECT piece[-1].3 = 1 AS converted,
           arrayMap(x -> x.2, if(converted, arrayFilter(x -> x.3 = 0 AND piece[-1].1 - x.1 <= {lookback:Int64}, piece), piece)) AS path,
           if(converted, piece[-1].4, 0) AS value
    FROM (
      SELECT arrayFilter(x -> x.5 = 0, arrayZip(j.ts, ${step}, arrayMap(n -> toUInt8(has({conversions:Array(String)}, n)), j.name), j.value, j.outbound)) AS touches
      FROM customer_journeys AS j FINAL
      WHERE has(j.outbound, 0)
    )
    ARRAY JOIN arrayReverseSplit(x -> x.3 = 1, touches) AS piece
  )
  WHERE length(path) > 0
  GROUP BY path`;
  const t2 = performance.now();
  const sqlRows = await engine.query(sql, { lookback, conversions });
  const t3 = performance.now();
  const a1 = attribute(rows, {}); const t4 = performance.now();
  console.log(by, "js", Math.round(t1 - t0), "rows", rows.length, "sql", Math.round(t3 - t2), "rows", sqlRows.length, "attribute", Math.round(t4 - t3));
  if (r === 0) {
    const key = (p) => p.join("|");
    const m = new Map(rows.map((x) => [key(x.path), x]));
    let bad = 0;
    for (const s of sqlRows) { const x = m.get(key(s.path)); if (!x || x.conversions !== Number(s.conversions) || x.nulls !== Number(s.nulls) || Math.abs(x.value - s.value) > 1e-6 * Math.max(1, x.value)) { bad++; if (bad < 4) console.log("diff", s, x); } }
    console.log("mismatches", bad, "of", sqlRows.length, "vs", rows.length);
  }
}
await engine.close();
