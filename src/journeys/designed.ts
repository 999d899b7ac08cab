/**
 * Designed journeys against the journey store: the conformance of every case (customer or session, with the
 * journey views' filters) to a journey map, as one stream of rows that the accumulator consumes (here, or
 * in the analytic lane's workers). Without service levels the cases come as variants (one row per distinct
 * journey, with its count), so the work grows with variants, not customers; with service levels every case
 * comes with its times. The first `cases` cases follow as examples.
 */
import type { Engine, QueryParams } from "../store/engine.js";
import {
  addConformanceRow,
  ConformanceAccumulator,
  type ConformanceResult,
  type ConformanceRow,
} from "./conformance.js";
import type { JourneyModel } from "./journey-model.js";
import { type JourneyFilter, journeyCases } from "./query.js";

export async function conformanceQuery(
  engine: Engine,
  filter: JourneyFilter,
  model: JourneyModel,
  cases = 0,
): Promise<{ sql: string; params: QueryParams }> {
  // Steps are read in the map's dimension.
  const { sql, params } = await journeyCases(engine, { ...filter, by: model.by });
  // The month each case started, for fitness over time.
  const period = "toString(toStartOfMonth(fromUnixTimestamp64Milli(toInt64(times[1]))))";
  const counted =
    model.slas.length === 0
      ? `SELECT 'cases' AS kind, '' AS case_id, steps, count() AS n, CAST([], 'Array(Int64)') AS times, period
         FROM (SELECT steps, ${period} AS period FROM (${sql})) GROUP BY steps, period`
      : `SELECT 'cases' AS kind, case_id, steps, toUInt64(1) AS n, CAST(times, 'Array(Int64)') AS times,
                ${period} AS period
         FROM (${sql})`;
  const examples = `SELECT 'example' AS kind, case_id, steps, toUInt64(0) AS n, CAST([], 'Array(Int64)') AS times,
                '' AS period
         FROM (SELECT case_id, steps FROM (${sql}) ORDER BY case_id LIMIT {examples:UInt32})`;
  return {
    sql: cases > 0 ? `${counted} UNION ALL ${examples}` : counted,
    params: { ...params, examples: cases },
  };
}

/** The conformance computed here (the CLI); a server runs the same rows in its analytic lane. */
export async function journeyConformance(
  engine: Engine,
  filter: JourneyFilter,
  model: JourneyModel,
  options: { cases?: number } = {},
): Promise<ConformanceResult> {
  const { sql, params } = await conformanceQuery(engine, filter, model, options.cases ?? 0);
  const conformance = new ConformanceAccumulator(model, options.cases ?? 0);
  for await (const row of engine.stream<ConformanceRow>(sql, params)) addConformanceRow(conformance, row);
  return conformance.result();
}
