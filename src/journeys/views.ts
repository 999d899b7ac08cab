/** The journey views: process map (directly-follows graph), variants, and flows (Sankey). */
import type { Engine } from "../store/engine.js";
import type { MapData } from "./map-view.js";
import { type JourneyFilter, journeyCases } from "./query.js";

/** The directly-follows graph (journeys/map-view.ts defines its shape, so the dashboard reads the same). */
export type ProcessMap = MapData & { events: number };

/** The map's counts without the waits between steps (what the blueprint's columns need; the waits' quantiles are most of the pairs' read). */
export type ProcessCounts = Omit<ProcessMap, "edges"> & {
  edges: Array<Omit<ProcessMap["edges"][number], "medianSeconds" | "p90Seconds">>;
};

export function processMap(engine: Engine, filter: JourneyFilter = {}): Promise<ProcessMap> {
  return readProcessMap(engine, filter, true);
}

export function processCounts(engine: Engine, filter: JourneyFilter = {}): Promise<ProcessCounts> {
  return readProcessMap(engine, filter, false);
}

async function readProcessMap(engine: Engine, filter: JourneyFilter, waits: true): Promise<ProcessMap>;
async function readProcessMap(engine: Engine, filter: JourneyFilter, waits: false): Promise<ProcessCounts>;
async function readProcessMap(
  engine: Engine,
  filter: JourneyFilter,
  waits: boolean,
): Promise<ProcessMap | ProcessCounts> {
  const { sql, params } = await journeyCases(engine, filter);
  // Three reads of the cases' arrays (cheap since the sequences are stored): the directly-follows pairs with
  // their waits, the activities, and each case's first and last step with its length.
  // A pair's or step's first occurrence in its case (arrayEnumerateUniq = 1) counts the case once.
  // Steps travel as 64-bit hashes of their names, named again from the activities: grouping and carrying
  // numbers instead of strings halves the pairs' read (docs/benchmarks.md).
  // The three start together: on the embedded engine each goes to a read connection of its own.
  const edgeRowsRead = engine.query<{
    a: string;
    b: string;
    n: number;
    cases: number;
    waits?: [number, number];
  }>(
    `SELECT toString(a_id) AS a, toString(b_id) AS b, count() AS n, countIf(first_in_case = 1) AS cases
            ${waits ? ", quantilesExactInclusive(0.5, 0.9)(wait) AS waits" : ""}
     FROM (SELECT arrayMap(s -> cityHash64(s), steps) AS ids, arrayPopBack(ids) AS froms, arrayPopFront(ids) AS tos,
                  arrayMap((t1, t0) -> (t1 - t0) / 1000, arrayPopFront(times), arrayPopBack(times)) AS gaps,
                  arrayEnumerateUniq(arrayMap((x, y) -> cityHash64(x, y), froms, tos)) AS firsts
           FROM (${sql}))
     ARRAY JOIN froms AS a_id, tos AS b_id, ${waits ? "gaps AS wait, " : ""}firsts AS first_in_case
     GROUP BY a_id, b_id`,
    params,
  );
  const activityRowsRead = engine.query<{ a: string; id: string; n: number; cases: number }>(
    `SELECT any(step) AS a, toString(id) AS id, count() AS n, countIf(first_in_case = 1) AS cases
     FROM (SELECT steps, arrayMap(s -> cityHash64(s), steps) AS ids, arrayEnumerateUniq(ids) AS firsts FROM (${sql}))
     ARRAY JOIN steps AS step, ids AS id, firsts AS first_in_case
     GROUP BY id`,
    params,
  );
  const endsRead = engine.query<{ first: string; last: string; n: number; events: number }>(
    `SELECT steps[1] AS first, steps[-1] AS last, count() AS n, sum(length(steps)) AS events
     FROM (SELECT steps FROM (${sql})) GROUP BY first, last`,
    params,
  );
  const [edgeRows, activityRows, ends] = await Promise.all([edgeRowsRead, activityRowsRead, endsRead]);
  const names = new Map(activityRows.map((r) => [r.id, r.a]));
  const activities = activityRows
    .map((r) => ({ activity: r.a, n: Number(r.n), cases: Number(r.cases) }))
    .sort((x, y) => y.n - x.n || (x.activity < y.activity ? -1 : 1));
  const edges = edgeRows
    .map((r) => ({
      from: names.get(r.a)!,
      to: names.get(r.b)!,
      count: Number(r.n),
      cases: Number(r.cases),
      ...(r.waits ? { medianSeconds: Number(r.waits[0]), p90Seconds: Number(r.waits[1]) } : {}),
    }))
    .sort((x, y) => y.count - x.count || (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : 1));
  const start: Record<string, number> = {};
  const end: Record<string, number> = {};
  let cases = 0;
  let events = 0;
  for (const row of ends) {
    start[row.first] = (start[row.first] ?? 0) + Number(row.n);
    end[row.last] = (end[row.last] ?? 0) + Number(row.n);
    cases += Number(row.n);
    events += Number(row.events);
  }
  return {
    cases,
    events,
    activities: Object.fromEntries(activities.map((a) => [a.activity, a.n])),
    activityCases: Object.fromEntries(activities.map((a) => [a.activity, a.cases])),
    start,
    end,
    edges,
  };
}

export interface Variants {
  cases: number;
  total: number;
  variants: { activities: string[]; count: number; share: number }[];
  other: { variants: number; count: number; share: number };
}

/** Distinct full sequences with counts and share: the top N, and the rest summed in `other`. */
export async function variants(engine: Engine, filter: JourneyFilter = {}, top = 10): Promise<Variants> {
  const { sql, params } = await journeyCases(engine, filter);
  // Only the top N leave the engine; the totals come along on every row.
  const rows = await engine.query<{ activities: string[]; n: number; total: number; cases: number }>(
    `SELECT activities, n, count() OVER () AS total, sum(n) OVER () AS cases
     FROM (SELECT steps AS activities, count() AS n FROM (SELECT steps FROM (${sql})) GROUP BY activities)
     ORDER BY n DESC, activities LIMIT {top:UInt32}`,
    { ...params, top },
  );
  const cases = Number(rows[0]?.cases ?? 0);
  const total = Number(rows[0]?.total ?? 0);
  const shownCount = rows.reduce((sum, r) => sum + Number(r.n), 0);
  return {
    cases,
    total,
    variants: rows.map((r) => ({
      activities: r.activities,
      count: Number(r.n),
      share: Number(r.n) / cases,
    })),
    other: {
      variants: total - rows.length,
      count: cases - shownCount,
      share: cases > 0 ? (cases - shownCount) / cases : 0,
    },
  };
}

/** "reason=checkout" -> the property and the value (the value may hold "="). */
export const propertyEquals = (text: string) => {
  const at = text.indexOf("=");
  return { property: text.slice(0, at).trim(), value: text.slice(at + 1) };
};

export interface Flow {
  nodes: { id: string; step: number; activity: string; value: number }[];
  links: { source: string; target: string; value: number }[];
}

/**
 * Flows (Sankey): the N steps after the first `from` (or before the last `to`) in each case. At each step
 * the `width` most frequent activities are kept and the rest are shown as "other", never dropped.
 * `where`: only an anchor touch whose event carries this property value counts (a support call whose
 * reason is "checkout"); `groupBy`: each step is told apart by that property of its event ("support call ·
 * checkout"; touches without it keep their plain step).
 */
export async function flows(
  engine: Engine,
  filter: JourneyFilter & { from?: string; to?: string },
  options: {
    anchor: string;
    direction: "after" | "before";
    steps?: number;
    width?: number;
    where?: { property: string; value: string };
    groupBy?: string;
  },
): Promise<Flow> {
  const steps = options.steps ?? 5;
  const width = options.width ?? 8;
  const properties = [options.where?.property, options.groupBy].filter((p): p is string => p !== undefined);
  const { sql, params } = await journeyCases(engine, filter, { properties });
  const whereArray = options.where ? "prop_1" : undefined;
  const groupArray = options.groupBy ? `prop_${properties.length}` : undefined;
  const isAnchor = whereArray
    ? `(s, v) -> s = {anchor:String} AND v = {anchorValue:String}, steps, ${whereArray}`
    : "s -> s = {anchor:String}, steps";
  const at = options.direction === "after" ? `arrayFirstIndex(${isAnchor})` : `arrayLastIndex(${isAnchor})`;
  const acts = groupArray
    ? `arrayMap((s, v) -> if(v = '', s, concat(s, ' · ', v)), steps, ${groupArray})`
    : "steps";
  const slice =
    options.direction === "after"
      ? "arraySlice(acts, at, {n:UInt32})"
      : "arraySlice(acts, greatest(1, at + 1 - {n:UInt32}), least({n:UInt32}, at))";
  const rows = await engine.query<{ path: string[]; n: number }>(
    `SELECT ${slice} AS path, count() AS n
     FROM (SELECT ${acts} AS acts, ${at} AS at FROM (${sql}))
     WHERE at > 0 GROUP BY path`,
    { ...params, anchor: options.anchor, anchorValue: options.where?.value ?? "", n: steps + 1 },
  );
  // Align "before" paths so the anchor is the last step.
  const paths = rows.map((r) => ({
    path:
      options.direction === "after" ? r.path : [...Array(steps + 1 - r.path.length).fill(null), ...r.path],
    n: Number(r.n),
  }));
  const keep: Set<string>[] = [];
  for (let step = 0; step <= steps; step++) {
    const counts = new Map<string, number>();
    for (const { path, n } of paths) {
      const activity = path[step];
      if (activity) counts.set(activity, (counts.get(activity) ?? 0) + n);
    }
    keep.push(
      new Set(
        [...counts.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, width)
          .map(([a]) => a),
      ),
    );
  }
  const nodes = new Map<string, Flow["nodes"][number]>();
  const links = new Map<string, Flow["links"][number]>();
  const nodeOf = (step: number, activity: string) => {
    const name = keep[step]!.has(activity) ? activity : "other";
    const id = `${step}:${name}`;
    const node = nodes.get(id) ?? { id, step, activity: name, value: 0 };
    nodes.set(id, node);
    return node;
  };
  for (const { path, n } of paths) {
    let previous: Flow["nodes"][number] | undefined;
    path.forEach((activity, step) => {
      if (!activity) return;
      const node = nodeOf(step, activity);
      node.value += n;
      if (previous) {
        const key = `${previous.id}->${node.id}`;
        const link = links.get(key) ?? { source: previous.id, target: node.id, value: 0 };
        link.value += n;
        links.set(key, link);
      }
      previous = node;
    });
  }
  return {
    nodes: [...nodes.values()].sort((a, b) => a.step - b.step || b.value - a.value),
    links: [...links.values()],
  };
}

/** What example customers are wanted for: a transition, a step anywhere, or a step that starts or ends a case. */
export type ExampleTarget =
  | { edge: [from: string, to: string] }
  | { activity: string }
  | { first: string }
  | { last: string };

/** Example cases (customers, or customer#session) for a part of the process map, in id order. */
export async function mapExamples(
  engine: Engine,
  filter: JourneyFilter,
  target: ExampleTarget,
  limit = 5,
): Promise<{ cases: string[] }> {
  const { sql, params } = await journeyCases(engine, filter);
  const [where, values] =
    "edge" in target
      ? [
          // Consecutive pairs as two shifted arrays: a lambda that indexes `steps` itself copies it per element.
          "arrayExists((a, b) -> a = {edgeFrom:String} AND b = {edgeTo:String}, arrayPopBack(steps), arrayPopFront(steps))",
          { edgeFrom: target.edge[0], edgeTo: target.edge[1] },
        ]
      : "activity" in target
        ? ["has(steps, {step:String})", { step: target.activity }]
        : "first" in target
          ? ["steps[1] = {step:String}", { step: target.first }]
          : ["steps[-1] = {step:String}", { step: target.last }];
  const rows = await engine.query<{ case_id: string }>(
    `SELECT case_id FROM (${sql}) WHERE ${where} ORDER BY case_id LIMIT {limit:UInt32}`,
    { ...params, ...values, limit },
  );
  return { cases: rows.map((r) => r.case_id) };
}
