/**
 * Value on the store: purchases and journeys read with SQL, the models applied, CLV stored per customer in
 * customer_value for every other feature (customer 360, who matters now, segments, inbox). All value SQL
 * lives in this file.
 */

import { CUSTOMER_OF_EVENT, IDENTITY_JOIN } from "../identity/identity-store.js";
import { BEHAVIOUR_BITS, refreshJourneySequences } from "../journeys/sequences.js";
import type { AnalyticCompute } from "../lanes/compute.js";
import { SEGMENT_CUSTOMERS } from "../segments/sql.js";
import type { Engine, QueryParams } from "../store/engine.js";
import { formatTime } from "../store/time.js";
import { type AttributionResult, attribute, OTHER_STATE, type PathRow } from "./attribution.js";
import { MODELS } from "./btyd.js";
import { fitGammaGamma, fitModel, type Period, predict, summarise } from "./clv.js";
import { DEFAULT_MAX_STATES, DEFAULT_PURCHASE_EVENTS } from "./defaults.js";

/** Touches this long before a conversion form its path (30 days). */
export const DEFAULT_LOOKBACK_MS = 30 * 86_400_000;

export interface ClvRunOptions {
  model?: keyof typeof MODELS;
  period?: Period;
  horizon?: number;
  discount?: number;
  purchaseEvents?: string[];
  /** Calibration end (epoch ms); default: the last purchase in the store. */
  calibrationEnd?: number;
}

export interface ClvRunSummary {
  model: string;
  params: Record<string, number>;
  logLikelihood: number;
  spendParams: Record<string, number> | null;
  customers: number;
  repeatBuyers: number;
  calibrationEnd: string;
  horizon: number;
  period: Period;
  totalClv: number;
  meanClv: number;
}

async function purchases(engine: Engine, events: string[]) {
  return engine.query<{ customer: string; t: number; value: number }>(
    `SELECT ${CUSTOMER_OF_EVENT} AS customer, toUnixTimestamp64Milli(e.timestamp) AS t, ifNull(e.value, 0) AS value
     FROM events AS e FINAL ${IDENTITY_JOIN}
     WHERE e.name IN {names:Array(String)} AND e.direction = 'inbound'`,
    { names: events },
  );
}

/** Fits the purchase and spend models on the store's purchases and stores each customer's CLV. */
export async function runClv(engine: Engine, options: ClvRunOptions = {}): Promise<ClvRunSummary> {
  const model = MODELS[options.model ?? "bgnbd"];
  const period = options.period ?? "week";
  const horizon = options.horizon ?? (period === "week" ? 52 : 365);
  const rows = await purchases(engine, options.purchaseEvents ?? DEFAULT_PURCHASE_EVENTS);
  if (rows.length === 0)
    throw new Error("no purchases in the store (events named Order Completed, or --purchase-event)");
  const end = options.calibrationEnd ?? rows.reduce((max, r) => Math.max(max, Number(r.t)), 0);
  const summary = summarise(
    rows.map((r) => ({ customer: r.customer, time: Number(r.t), amount: Number(r.value) })),
    end,
    period,
  );
  const fit = fitModel(model, summary);
  const spend = fitGammaGamma(summary);
  const predictions = predict(model, Object.values(fit.params), summary, {
    horizon,
    discount: options.discount ?? 0,
    spendParams: Object.values(spend.params),
  });
  const computedAt = formatTime(Date.now());
  const version = Date.now();
  const bySummary = new Map(summary.map((s) => [s.customer, s]));
  await engine.insert(
    "customer_value",
    predictions.map((p) => {
      const s = bySummary.get(p.customer)!;
      return {
        customer_id: p.customer,
        model: model.name,
        period,
        horizon,
        frequency: s.x,
        recency: s.tx,
        age: s.T,
        monetary: s.monetary,
        expected_purchases: p.expectedPurchases,
        p_alive: p.pAlive,
        expected_spend: p.expectedSpend,
        clv: p.clv,
        computed_at: computedAt,
        version,
      };
    }),
  );
  const totalClv = predictions.reduce((sum, p) => sum + (p.clv ?? 0), 0);
  return {
    model: model.name,
    params: fit.params,
    logLikelihood: fit.logLikelihood,
    spendParams: spend.params,
    customers: summary.length,
    repeatBuyers: spend.customers,
    calibrationEnd: formatTime(end),
    horizon,
    period,
    totalClv,
    meanClv: totalClv / summary.length,
  };
}

export interface CustomerValue {
  model: string;
  clv: number | null;
  pAlive: number;
  expectedPurchases: number;
  expectedSpend: number | null;
  horizon: number;
  period: string;
  computedAt: string;
}

export async function valueOfCustomer(engine: Engine, customerId: string): Promise<CustomerValue | null> {
  const [row] = await engine.query<{
    model: string;
    clv: number | null;
    p_alive: number;
    expected_purchases: number;
    expected_spend: number | null;
    horizon: number;
    period: string;
    computed_at: string;
  }>(
    `SELECT model, clv, p_alive, expected_purchases, expected_spend, horizon, period, computed_at
     FROM customer_value FINAL WHERE customer_id = {id:String}`,
    { id: customerId },
  );
  if (!row) return null;
  return {
    model: row.model,
    clv: row.clv,
    pAlive: row.p_alive,
    expectedPurchases: row.expected_purchases,
    expectedSpend: row.expected_spend,
    horizon: row.horizon,
    period: row.period,
    computedAt: row.computed_at,
  };
}

export interface JourneyOptions {
  by?: "channel" | "touchpoint";
  conversionEvents?: string[];
  /** Touches older than this before a conversion are not part of its path (ms). */
  lookbackMs?: number;
  /** Only customers of this segment (latest segmentation run). */
  segment?: number;
  /** Steps kept apart (by volume); the rest are folded into "(other)" (default 50). */
  maxStates?: number;
}

/**
 * The SQL whose rows are the attribution paths (PathRow), counted in the engine from the stored journey
 * sequences (brought up to date first): each customer's inbound touches in time order are cut after every
 * conversion; a conversion's path is the touches since the previous one within the lookback before it (the
 * conversion itself is not a touch of it), and the touches after the last conversion form a path that did
 * not convert. Empty paths are left out; identical paths are counted together, in the order of their steps.
 */
export async function journeyPathsQuery(
  engine: Engine,
  options: JourneyOptions = {},
): Promise<{ sql: string; params: QueryParams }> {
  await refreshJourneySequences(engine);
  const step = options.by === "touchpoint" ? "j.touchpoint" : "j.channel";
  // Touches as (time, step, is conversion, value); a piece ends at its conversion, or at the last touch.
  return {
    sql: `SELECT path, countIf(converted) AS conversions, countIf(NOT converted) AS nulls, sum(worth) AS value
     FROM (
       SELECT piece[-1].3 = 1 AS converted,
              arrayMap(x -> x.2,
                       if(converted,
                          arrayFilter(x -> x.3 = 0 AND piece[-1].1 - x.1 <= {lookback:Int64}, piece),
                          piece)) AS path,
              if(converted, piece[-1].4, 0) AS worth
       FROM (
         SELECT arrayFilter(x -> x.5 = 0,
                  arrayZip(j.ts, ${step}, arrayMap(n -> toUInt8(has({conversions:Array(String)}, n)), j.name),
                           j.value, j.outbound)) AS touches
         FROM customer_journeys AS j FINAL
         WHERE has(j.outbound, 0) ${options.segment === undefined ? "" : `AND j.customer_id IN ${SEGMENT_CUSTOMERS}`}
       )
       ARRAY JOIN arrayReverseSplit(x -> x.3 = 1, touches) AS piece
     )
     WHERE length(path) > 0
     GROUP BY path
     ORDER BY path`,
    params: {
      conversions: options.conversionEvents ?? DEFAULT_PURCHASE_EVENTS,
      lookback: Math.floor(options.lookbackMs ?? DEFAULT_LOOKBACK_MS),
      segment: options.segment ?? 0,
    },
  };
}

/** Journeys to conversion as attribution paths, from the store. Outbound (brand) events are not touches. */
export async function journeyPaths(engine: Engine, options: JourneyOptions = {}): Promise<PathRow[]> {
  const { sql, params } = await journeyPathsQuery(engine, options);
  return engine.query<PathRow>(sql, params);
}

/** What attribution from the store takes: which paths, and how the models read them. */
export type AttributionOptions = JourneyOptions & { order?: number; halfLife?: number };

/** Attribution of the store's paths, with how many distinct paths there were. */
export function attributeStorePaths(
  rows: PathRow[],
  options: AttributionOptions,
): AttributionResult & { paths: number } {
  return {
    paths: rows.length,
    ...attribute(rows, { order: options.order, halfLife: options.halfLife, maxStates: options.maxStates }),
  };
}

export async function attributionFromStore(
  engine: Engine,
  options: AttributionOptions = {},
): Promise<AttributionResult & { paths: number }> {
  return attributeStorePaths(await journeyPaths(engine, options), options);
}

export interface TouchpointValue {
  step: string;
  customers: number;
  clvSum: number;
  clvMean: number;
  attributedConversions: number;
  attributedValue: number;
  /** Share of customers reaching the step who do not convert within the lookback after it. */
  dropOff: number;
  /** The journeys friction score of the step (drop, loop, hop, repeat, wait; see journeys/friction.ts). */
  friction: number;
  /** Messages at the step by behaviour space (a message with two labels counts in both). */
  behaviour: { messages: number; praise: number; complaint: number; question: number; suggestion: number };
  /** Summed CLV of the customers reaching the step: what the step touches. */
  valueAtStake: number;
  /** valueAtStake x friction: where fixing the step pays most. */
  priority: number;
}

/**
 * The touchpoint investment table: for each step (touchpoint or channel), who it reaches and what they are
 * worth (CLV from customer_value; run `clv run` first), the conversions and value Markov attribution gives
 * it, its drop-off, its journeys friction score, the behaviour mix of its messages, and
 * priority = value at stake x friction. Sorted by priority.
 */
export async function touchpointTable(
  engine: Engine,
  options: JourneyOptions = {},
  /** Where journeys are walked: `inlineCompute` (lanes/compute.ts) here, or a server's lane. */
  compute: AnalyticCompute,
): Promise<TouchpointValue[]> {
  const by = options.by ?? "touchpoint";
  const lookback = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;
  const conversions = options.conversionEvents ?? DEFAULT_PURCHASE_EVENTS;
  // Every read below is of the stored journey sequences: bring them up to date once, first.
  await refreshJourneySequences(engine);
  const step = by === "channel" ? "j.channel" : "j.touchpoint";
  const inSegmentOnly = options.segment === undefined ? "" : `AND j.customer_id IN ${SEGMENT_CUSTOMERS}`;
  // Four independent reads: run together, so the engine and the lane overlap.
  const [rows, attribution, mix, frictionItems] = await Promise.all([
    // Per customer, from their touches in time order: each step's first inbound non-conversion touch, and
    // whether any conversion (either direction) falls within the lookback after it.
    engine.query<{ step: string; customers: number; converted: number; clv_sum: number }>(
      `SELECT step, count() AS customers, sum(hit) AS converted, sum(clv) AS clv_sum
       FROM (
         SELECT arrayFilter((s, u) -> u = 1, st, arrayEnumerateUniq(st)) AS steps,
                arrayMap(f -> toUInt8(arrayExists(t -> t >= f AND t <= f + {lookback:Int64}, conv)),
                         arrayFilter((t, u) -> u = 1, ts, arrayEnumerateUniq(st))) AS hits,
                ifNull(v.clv, 0) AS clv
         FROM (
           SELECT j.customer_id AS customer,
                  arrayFilter((t, n, o) -> o = 0 AND NOT has({conversions:Array(String)}, n), j.ts, j.name, j.outbound) AS ts,
                  arrayFilter((x, n, o) -> o = 0 AND NOT has({conversions:Array(String)}, n), ${step}, j.name, j.outbound) AS st,
                  arrayFilter((t, n) -> has({conversions:Array(String)}, n), j.ts, j.name) AS conv
           FROM customer_journeys AS j FINAL
           WHERE 1 ${inSegmentOnly}
         ) AS c
         LEFT JOIN (SELECT customer_id, clv FROM customer_value FINAL) AS v ON v.customer_id = c.customer
       )
       ARRAY JOIN steps AS step, hits AS hit
       GROUP BY step`,
      { conversions, lookback, segment: options.segment ?? 0 },
    ),
    compute.attribution({ ...options, by }).then((result) => result.markov),
    engine.query<{
      step: string;
      messages: number;
      praise: number;
      complaint: number;
      question: number;
      suggestion: number;
    }>(
      `SELECT step, count() AS messages,
              countIf(bitAnd(mask, ${BEHAVIOUR_BITS.praise}) != 0) AS praise,
              countIf(bitAnd(mask, ${BEHAVIOUR_BITS.complaint}) != 0) AS complaint,
              countIf(bitAnd(mask, ${BEHAVIOUR_BITS.question}) != 0) AS question,
              countIf(bitAnd(mask, ${BEHAVIOUR_BITS.suggestion}) != 0) AS suggestion
       FROM customer_journeys AS j FINAL
       ARRAY JOIN ${step} AS step, j.behaviour AS behaviour, j.behaviour_mask AS mask, j.outbound AS outbound
       WHERE outbound = 0 AND behaviour != '' ${inSegmentOnly}
       GROUP BY step`,
      { segment: options.segment ?? 0 },
    ),
    compute.friction(
      { by, segment: options.segment },
      { outcomeEvents: conversions, top: Number.MAX_SAFE_INTEGER },
    ),
  ]);
  const mixOf = new Map(mix.map((m) => [m.step, m]));
  const frictionOf = new Map(
    frictionItems.items.filter((item) => item.kind === "step").map((item) => [item.item, item.friction]),
  );
  return foldTable(
    rows.map((row) => {
      const customers = Number(row.customers);
      const clvSum = Number(row.clv_sum);
      const dropOff = customers > 0 ? 1 - Number(row.converted) / customers : 0;
      const stepFriction = frictionOf.get(row.step) ?? 0;
      const m = mixOf.get(row.step);
      return {
        step: row.step,
        customers,
        clvSum,
        clvMean: customers > 0 ? clvSum / customers : 0,
        attributedConversions: attribution.conversions[row.step] ?? 0,
        attributedValue: attribution.value[row.step] ?? 0,
        dropOff,
        friction: stepFriction,
        behaviour: {
          messages: Number(m?.messages ?? 0),
          praise: Number(m?.praise ?? 0),
          complaint: Number(m?.complaint ?? 0),
          question: Number(m?.question ?? 0),
          suggestion: Number(m?.suggestion ?? 0),
        },
        valueAtStake: clvSum,
        priority: clvSum * stepFriction,
      };
    }),
    options.maxStates ?? DEFAULT_MAX_STATES,
    attribution,
  ).sort((a, b) => b.priority - a.priority);
}

/**
 * The `maxStates` steps that reach most customers, and one "(other)" row for the rest: reach, CLV,
 * messages and value at stake summed (a customer reaching two folded steps counts twice), drop-off and
 * friction averaged over reach, attribution as Markov gave it to "(other)".
 */
function foldTable(
  rows: TouchpointValue[],
  maxStates: number,
  attribution: AttributionResult["markov"],
): TouchpointValue[] {
  if (rows.length <= maxStates) return rows;
  const byReach = [...rows].sort((a, b) => b.customers - a.customers || (a.step < b.step ? -1 : 1));
  const kept = byReach.slice(0, maxStates);
  const folded = byReach.slice(maxStates);
  const sum = (pick: (row: TouchpointValue) => number) => folded.reduce((total, row) => total + pick(row), 0);
  const customers = sum((r) => r.customers);
  const clvSum = sum((r) => r.clvSum);
  const friction = customers > 0 ? sum((r) => r.friction * r.customers) / customers : 0;
  return [
    ...kept,
    {
      step: OTHER_STATE,
      customers,
      clvSum,
      clvMean: customers > 0 ? clvSum / customers : 0,
      attributedConversions: attribution.conversions[OTHER_STATE] ?? 0,
      attributedValue: attribution.value[OTHER_STATE] ?? 0,
      dropOff: customers > 0 ? sum((r) => r.dropOff * r.customers) / customers : 0,
      friction,
      behaviour: {
        messages: sum((r) => r.behaviour.messages),
        praise: sum((r) => r.behaviour.praise),
        complaint: sum((r) => r.behaviour.complaint),
        question: sum((r) => r.behaviour.question),
        suggestion: sum((r) => r.behaviour.suggestion),
      },
      valueAtStake: clvSum,
      priority: clvSum * friction,
    },
  ];
}
