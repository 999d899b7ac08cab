/**
 * Outcomes: for an outcome step (e.g. "Order Completed" by event, or "checkout error"), which steps and which
 * transitions are over- or under-represented among the cases that reach it: odds ratios with their counts,
 * 95% interval and chi-square p-value. Only what happens before the case first reaches the outcome counts.
 */
import type { Engine } from "../store/engine.js";
import { type JourneyFilter, journeyCases } from "./query.js";
import { type OddsRatio, oddsRatio } from "./stats.js";

export interface OutcomeItem extends OddsRatio {
  kind: "step" | "transition";
  item: string;
  withOutcome: number;
  withoutOutcome: number;
  /** Share of the cases with this item that reach the outcome. */
  outcomeRate: number;
}

export interface OutcomeResult {
  outcome: string;
  cases: number;
  reached: number;
  items: OutcomeItem[];
}

export async function outcomes(
  engine: Engine,
  filter: JourneyFilter,
  outcome: string,
  options: { minCases?: number; top?: number } = {},
): Promise<OutcomeResult> {
  const { sql, params } = await journeyCases(engine, filter);
  // Per case: whether it reaches the outcome, and the distinct steps and transitions before it does.
  const rows = await engine.query<{ item: string; kind: string; yes: number; no: number }>(
    `WITH prefix AS (
       SELECT has(acts, {outcome:String}) AS reached,
              if(reached, arraySlice(acts, 1, indexOf(acts, {outcome:String}) - 1), acts) AS before
       FROM (SELECT steps AS acts FROM (${sql}))
     )
     SELECT item, kind, countIf(reached) AS yes, countIf(NOT reached) AS no FROM (
       SELECT reached, arrayJoin(arrayConcat(
                arrayMap(s -> ('step', s), arrayDistinct(before)),
                arrayMap(p -> ('transition', concat(p.1, ' -> ', p.2)), arrayDistinct(arrayZip(arrayPopBack(before), arrayPopFront(before))))
              )) AS entry,
              entry.2 AS item, entry.1 AS kind
       FROM prefix
     )
     GROUP BY item, kind`,
    { ...params, outcome },
  );
  const [totals] = await engine.query<{ cases: number; reached: number }>(
    `SELECT count() AS cases, countIf(has(steps, {outcome:String})) AS reached FROM (${sql})`,
    { ...params, outcome },
  );
  const cases = Number(totals?.cases ?? 0);
  const reached = Number(totals?.reached ?? 0);
  const minCases = options.minCases ?? Math.max(10, Math.round(cases * 0.005));
  const items = rows
    .filter((r) => Number(r.yes) + Number(r.no) >= minCases)
    .map((r) => {
      const a = Number(r.yes);
      const b = Number(r.no);
      const stats = oddsRatio({ a, b, c: reached - a, d: cases - reached - b });
      return {
        kind: r.kind as OutcomeItem["kind"],
        item: r.item,
        withOutcome: a,
        withoutOutcome: b,
        outcomeRate: a / (a + b),
        ...stats,
      };
    })
    .sort((x, y) => Math.abs(Math.log(y.oddsRatio)) - Math.abs(Math.log(x.oddsRatio)));
  return { outcome, cases, reached, items: items.slice(0, options.top ?? 50) };
}
