/** Segments on the store: all segment SQL (features, runs, membership, comparisons) lives here. */
import { randomUUID } from "node:crypto";
import { BEHAVIOUR_BITS, refreshJourneySequences } from "../journeys/sequences.js";
import { oddsRatio } from "../journeys/stats.js";
import { variants } from "../journeys/views.js";
import type { Engine } from "../store/engine.js";
import { formatTime } from "../store/time.js";
import { DEFAULT_PURCHASE_EVENTS } from "../value/defaults.js";
import type { SegmentSummary } from "./describe.js";
import { type Clustered, clusterCustomers } from "./discover.js";
import { CHANNEL_FEATURES, COUNT_FIELDS, type CustomerCounts, SPACES } from "./features.js";
import { LATEST_SEGMENT_RUN, SEGMENT_CUSTOMERS } from "./sql.js";

/**
 * Each of the COUNT_FIELDS over a customer's stored sequence (inbound touches only: `t` times, `ch` channels;
 * the j_ arrays are every touch, with `j_outbound` to skip the brand's). All integers (spend in cents): the
 * engine writes a million rows of integers far faster than of floats. The array is built in COUNT_FIELDS
 * order, so the two cannot drift apart.
 */
const COUNT_SQL: Record<(typeof COUNT_FIELDS)[number], string> = {
  events: "toUInt64(length(t))",
  ...Object.fromEntries(CHANNEL_FEATURES.map((c) => [`channel:${c}`, `countEqual(ch, '${c}')`])),
  messages: "arrayCount((b, o) -> o = 0 AND b != '', j_behaviour, j_outbound)",
  ...Object.fromEntries(
    SPACES.map((s) => [
      s,
      `arrayCount((m, o) -> o = 0 AND bitAnd(m, ${BEHAVIOUR_BITS[s]}) != 0, j_mask, j_outbound)`,
    ]),
  ),
  active_weeks: "length(arrayDistinct(arrayMap(x -> toStartOfWeek(fromUnixTimestamp64Milli(x, 'UTC')), t)))",
  first_ms: "t[1]",
  last_ms: "t[-1]",
  spend_cents:
    "toUInt64(round(100 * arraySum((v, n, o) -> if(o = 0 AND n IN {purchases:Array(String)}, v, 0), j_value, j_name, j_outbound)))",
  hops: `arrayCount((b, a, cb, ca) -> cb != ca AND b - a <= 86400000,
           arrayPopFront(t), arrayPopBack(t), arrayPopFront(ch), arrayPopBack(ch))`,
  journeys: "1 + arrayCount((b, a) -> b - a > 86400000, arrayPopFront(t), arrayPopBack(t))",
} as Record<(typeof COUNT_FIELDS)[number], string>;
// The channel and space entries come from lists, out of the type checker's sight: check them once here.
for (const field of COUNT_FIELDS) if (!COUNT_SQL[field]) throw new Error(`no SQL for count ${field}`);

const FEATURES_SQL = `
  SELECT f.customer_id AS id, counts, v.clv AS clv
  FROM (
    SELECT customer_id, [${COUNT_FIELDS.map((field) => COUNT_SQL[field]).join(",\n")}] AS counts
    FROM (
      SELECT j.customer_id AS customer_id,
             arrayFilter((x, o) -> o = 0, j.ts, j.outbound) AS t,
             arrayFilter((x, o) -> o = 0, j.channel, j.outbound) AS ch,
             j.behaviour AS j_behaviour, j.behaviour_mask AS j_mask, j.name AS j_name, j.value AS j_value,
             j.outbound AS j_outbound
      FROM customer_journeys AS j FINAL
      WHERE arrayCount(o -> o = 0, j.outbound) >= {minEvents:UInt32}
    )
  ) AS f
  LEFT JOIN (SELECT customer_id, clv FROM customer_value FINAL) AS v ON v.customer_id = f.customer_id
  ORDER BY id`;

export async function customerCounts(engine: Engine, minEvents = 3): Promise<CustomerCounts> {
  await refreshJourneySequences(engine);
  const width = COUNT_FIELDS.length;
  const ids: string[] = [];
  let counts = new Float64Array(width * 1024);
  let clv = new Float64Array(1024);
  for await (const row of engine.stream<{ id: string; counts: number[]; clv: number | null }>(FEATURES_SQL, {
    purchases: DEFAULT_PURCHASE_EVENTS,
    minEvents,
  })) {
    const i = ids.length;
    if (i === clv.length) {
      const grownCounts = new Float64Array(counts.length * 2);
      grownCounts.set(counts);
      counts = grownCounts;
      const grownClv = new Float64Array(clv.length * 2);
      grownClv.set(clv);
      clv = grownClv;
    }
    ids.push(row.id);
    counts.set(row.counts, i * width);
    clv[i] = row.clv === null ? Number.NaN : Number(row.clv);
  }
  return { ids, counts: counts.subarray(0, ids.length * width), clv: clv.subarray(0, ids.length) };
}

export interface DiscoverOptions {
  k?: number;
  seed?: number;
  minEvents?: number;
  /** Store the run and its members (default true). */
  save?: boolean;
  onProgress?: (step: string) => void;
}

export interface RunInfo {
  runId: string;
  createdAt: string;
  k: number;
  seed: number;
  silhouette: number;
  customers: number;
}

export interface DiscoverResult extends RunInfo {
  tried: Array<{ k: number; silhouette: number }>;
  segments: SegmentSummary[];
  members?: Record<string, number>;
}

export async function discoverSegments(
  engine: Engine,
  options: DiscoverOptions = {},
  /** Where the clustering runs (a server's analytic lane); here by default. */
  cluster: (counts: CustomerCounts, options: { k?: number; seed: number }) => Promise<Clustered> = async (
    c,
    o,
  ) => clusterCustomers(c, o),
): Promise<DiscoverResult> {
  const seed = options.seed ?? 42;
  options.onProgress?.("reading features");
  const counts = await customerCounts(engine, options.minEvents ?? 3);
  const ids = counts.ids;
  if (ids.length < 2) throw new Error(`only ${ids.length} customers with enough events to segment`);
  options.onProgress?.(options.k ? `clustering into ${options.k}` : "choosing k by silhouette (2..10)");
  const chosen = await cluster(counts, { k: options.k, seed });
  const segments = chosen.segments;
  const runId = randomUUID();
  const createdAt = formatTime(Date.now());
  const members = Object.fromEntries(ids.map((id, i) => [id, chosen.assignments[i]]));
  if (options.save !== false) {
    options.onProgress?.("storing membership");
    const result = { k: chosen.k, seed, silhouette: chosen.silhouette, segments };
    await engine.insert("segment_runs", [
      {
        run_id: runId,
        created_at: createdAt,
        k: chosen.k,
        seed,
        silhouette: chosen.silhouette,
        customers: ids.length,
        summary: JSON.stringify(result),
      },
    ]);
    const labels = segments.map((s) => s.label);
    for (let i = 0; i < ids.length; i += 50_000) {
      await engine.insert(
        "segment_members",
        ids.slice(i, i + 50_000).map((id, j) => {
          const segment = chosen.assignments[i + j]!;
          return { run_id: runId, customer_id: id, segment_id: segment, label: labels[segment] };
        }),
      );
    }
  }
  return {
    runId,
    createdAt,
    k: chosen.k,
    seed,
    silhouette: Math.round(chosen.silhouette * 1e4) / 1e4,
    customers: ids.length,
    tried: chosen.tried.map((t) => ({ k: t.k, silhouette: Math.round(t.silhouette * 1e4) / 1e4 })),
    segments,
    members,
  };
}

interface RunRow {
  run_id: string;
  created_at: string;
  k: number;
  seed: number;
  silhouette: number;
  customers: number;
}

const RUN_COLUMNS = "run_id, created_at, k, seed, silhouette, customers";

const toRunInfo = (r: RunRow): RunInfo => ({
  runId: r.run_id,
  createdAt: r.created_at,
  k: Number(r.k),
  seed: Number(r.seed),
  silhouette: Number(r.silhouette),
  customers: Number(r.customers),
});

/** Every run, newest first: a re-run keeps the history. */
export async function segmentRuns(engine: Engine): Promise<RunInfo[]> {
  const rows = await engine.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM segment_runs ORDER BY created_at DESC`);
  return rows.map(toRunInfo);
}

/** The latest run's segments (or a given run's), as discovered. */
export async function latestSegments(engine: Engine, runId?: string): Promise<SegmentRun | null> {
  const [row] = await engine.query<RunRow & { summary: string }>(
    `SELECT ${RUN_COLUMNS}, summary FROM segment_runs
     WHERE {run:String} = '' OR run_id = {run:String} ORDER BY created_at DESC LIMIT 1`,
    { run: runId ?? "" },
  );
  return row ? { ...toRunInfo(row), segments: JSON.parse(row.summary).segments } : null;
}

/** A customer's segment in the latest run. */
export async function segmentOf(
  engine: Engine,
  customerId: string,
): Promise<{ id: number; label: string } | null> {
  const [row] = await engine.query<{ segment_id: number; label: string }>(
    `SELECT segment_id, label FROM segment_members
     WHERE run_id = ${LATEST_SEGMENT_RUN} AND customer_id = {id:String} LIMIT 1`,
    { id: customerId },
  );
  return row ? { id: Number(row.segment_id), label: row.label } : null;
}

export interface SegmentProfile {
  id: number;
  label: string;
  customers: number;
  converted: number;
  conversion: number;
  meanClv: number;
  clvSd: number;
  behaviour: Record<(typeof SPACES)[number] | "messages", number>;
  topJourneys: Array<{ activities: string[]; count: number; share: number }>;
}

async function profile(engine: Engine, segment: number, label: string): Promise<SegmentProfile> {
  await refreshJourneySequences(engine);
  // One read of the segment's stored sequences: purchases and spend over every touch, the behaviour mix over
  // the customer's own messages (the same expressions as the features).
  const [row] = await engine.query<Record<string, number>>(
    `SELECT count() AS customers, countIf(c.purchases > 0) AS converted,
            avg(ifNull(v.clv, c.spend)) AS mean_clv, stddevPop(ifNull(v.clv, c.spend)) AS sd_clv,
            sum(c.messages) AS messages, ${SPACES.map((s) => `sum(c.${s}) AS ${s}`).join(", ")}
     FROM (
       SELECT customer_id, arrayCount(n -> n IN {purchases:Array(String)}, j_name) AS purchases,
              arraySum((x, n) -> if(n IN {purchases:Array(String)}, x, 0), j_value, j_name) AS spend,
              ${COUNT_SQL.messages} AS messages, ${SPACES.map((s) => `${COUNT_SQL[s]} AS ${s}`).join(", ")}
       FROM (
         SELECT j.customer_id AS customer_id, j.name AS j_name, j.value AS j_value, j.behaviour AS j_behaviour,
                j.behaviour_mask AS j_mask, j.outbound AS j_outbound
         FROM customer_journeys AS j FINAL WHERE j.customer_id IN ${SEGMENT_CUSTOMERS}
       )
     ) AS c LEFT JOIN (SELECT customer_id, clv FROM customer_value FINAL) AS v ON v.customer_id = c.customer_id`,
    { segment, purchases: DEFAULT_PURCHASE_EVENTS },
  );
  const journeys = await variants(engine, { segment }, 3);
  const customers = Number(row?.customers ?? 0);
  const converted = Number(row?.converted ?? 0);
  return {
    id: segment,
    label,
    customers,
    converted,
    conversion: customers > 0 ? converted / customers : 0,
    meanClv: Number(row?.mean_clv ?? 0),
    clvSd: Number(row?.sd_clv ?? 0),
    behaviour: {
      messages: Number(row?.messages ?? 0),
      praise: Number(row?.praise ?? 0),
      complaint: Number(row?.complaint ?? 0),
      question: Number(row?.question ?? 0),
      suggestion: Number(row?.suggestion ?? 0),
    },
    topJourneys: journeys.variants,
  };
}

export interface Comparison {
  a: SegmentProfile;
  b: SegmentProfile;
  /** Conversion A vs B: odds ratio, 95% interval, chi-square p-value. */
  conversion: { oddsRatio: number; ci95: [number, number]; pValue: number };
  /** Mean CLV difference, Welch's z (normal approximation; segments are large). */
  clv: { difference: number; z: number; pValue: number };
  /** Complaint share of messages, A vs B. */
  complaints: { oddsRatio: number; ci95: [number, number]; pValue: number };
}

function normalTwoSided(z: number): number {
  // Abramowitz-Stegun 7.1.26 erfc approximation (|error| < 1.5e-7): enough for a p-value.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-x * x);
  return Math.min(1, erfc);
}

export type SegmentRun = RunInfo & { segments: SegmentSummary[] };

/** Why segments a and b of this run cannot be compared; undefined when they can. */
export function comparisonProblem(latest: SegmentRun | null, a: number, b: number): string | undefined {
  if (!latest) return "no segments yet: run `customer-flow segments discover` first";
  const missing = [a, b].find((id) => !latest.segments.some((s) => s.id === id));
  return missing === undefined
    ? undefined
    : `segment ${missing} is not in the latest run (segments 0..${latest.k - 1})`;
}

/** Segments a and b of the latest run side by side (`latest`: that run, when the caller has read it). */
export async function compareSegments(
  engine: Engine,
  a: number,
  b: number,
  latest: SegmentRun | null = null,
): Promise<Comparison> {
  latest ??= await latestSegments(engine);
  const problem = comparisonProblem(latest, a, b);
  if (problem || !latest) throw new Error(problem);
  const label = (id: number) => latest.segments.find((s) => s.id === id)?.label ?? "";
  const pa = await profile(engine, a, label(a));
  const pb = await profile(engine, b, label(b));
  const se = Math.sqrt(pa.clvSd ** 2 / Math.max(1, pa.customers) + pb.clvSd ** 2 / Math.max(1, pb.customers));
  const difference = pa.meanClv - pb.meanClv;
  const z = se > 0 ? difference / se : 0;
  return {
    a: pa,
    b: pb,
    conversion: oddsRatio({
      a: pa.converted,
      b: pa.customers - pa.converted,
      c: pb.converted,
      d: pb.customers - pb.converted,
    }),
    clv: { difference, z, pValue: normalTwoSided(z) },
    complaints: oddsRatio({
      a: pa.behaviour.complaint,
      b: pa.behaviour.messages - pa.behaviour.complaint,
      c: pb.behaviour.complaint,
      d: pb.behaviour.messages - pb.behaviour.complaint,
    }),
  };
}
