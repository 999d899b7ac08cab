/** The journey views: process map (directly-follows graph), variants, and flows (Sankey). */
import type { Engine } from "../store/engine.js";
import { casesQuery, type JourneyFilter } from "./query.js";

export interface ProcessMap {
  cases: number;
  events: number;
  activities: Record<string, number>;
  start: Record<string, number>;
  end: Record<string, number>;
  edges: { from: string; to: string; count: number; medianSeconds: number; p90Seconds: number }[];
}

export async function processMap(engine: Engine, filter: JourneyFilter = {}): Promise<ProcessMap> {
  const { sql, params } = casesQuery(filter);
  const [totals] = await engine.query<{ cases: number; events: number }>(
    `SELECT count() AS cases, sum(length(journey)) AS events FROM (${sql}) WHERE length(journey) > 0`,
    params,
  );
  const activities = await engine.query<{ activity: string; n: number }>(
    `SELECT x.3 AS activity, count() AS n FROM (${sql}) ARRAY JOIN journey AS x GROUP BY activity ORDER BY n DESC, activity`,
    params,
  );
  const ends = await engine.query<{ first: string; last: string; n: number }>(
    `SELECT journey[1].3 AS first, journey[-1].3 AS last, count() AS n FROM (${sql}) WHERE length(journey) > 0 GROUP BY first, last`,
    params,
  );
  const edges = await engine.query<{ from: string; to: string; count: number; median: number; p90: number }>(
    `SELECT pair.1.3 AS from, pair.2.3 AS to, count() AS count,
            quantileExactInclusive(0.5)((pair.2.1 - pair.1.1) / 1000) AS median,
            quantileExactInclusive(0.9)((pair.2.1 - pair.1.1) / 1000) AS p90
     FROM (${sql}) ARRAY JOIN arrayZip(arrayPopBack(journey), arrayPopFront(journey)) AS pair
     GROUP BY from, to ORDER BY count DESC, from, to`,
    params,
  );
  const start: Record<string, number> = {};
  const end: Record<string, number> = {};
  for (const row of ends) {
    start[row.first] = (start[row.first] ?? 0) + Number(row.n);
    end[row.last] = (end[row.last] ?? 0) + Number(row.n);
  }
  return {
    cases: Number(totals?.cases ?? 0),
    events: Number(totals?.events ?? 0),
    activities: Object.fromEntries(activities.map((a) => [a.activity, Number(a.n)])),
    start,
    end,
    edges: edges.map((e) => ({
      from: e.from,
      to: e.to,
      count: Number(e.count),
      medianSeconds: Number(e.median),
      p90Seconds: Number(e.p90),
    })),
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
  const { sql, params } = casesQuery(filter);
  const rows = await engine.query<{ activities: string[]; n: number }>(
    `SELECT arrayMap(x -> x.3, journey) AS activities, count() AS n FROM (${sql}) WHERE length(journey) > 0
     GROUP BY activities ORDER BY n DESC, toString(activities)`,
    params,
  );
  const cases = rows.reduce((sum, r) => sum + Number(r.n), 0);
  const shown = rows.slice(0, top);
  const rest = rows.slice(top);
  const restCount = rest.reduce((sum, r) => sum + Number(r.n), 0);
  return {
    cases,
    total: rows.length,
    variants: shown.map((r) => ({
      activities: r.activities,
      count: Number(r.n),
      share: Number(r.n) / cases,
    })),
    other: { variants: rest.length, count: restCount, share: cases > 0 ? restCount / cases : 0 },
  };
}

export interface Flow {
  nodes: { id: string; step: number; activity: string; value: number }[];
  links: { source: string; target: string; value: number }[];
}

/**
 * Flows (Sankey): the N steps after the first `from` (or before the last `to`) in each case. At each step
 * the `width` most frequent activities are kept and the rest are shown as "other", never dropped.
 */
export async function flows(
  engine: Engine,
  filter: JourneyFilter & { from?: string; to?: string },
  options: { anchor: string; direction: "after" | "before"; steps?: number; width?: number },
): Promise<Flow> {
  const steps = options.steps ?? 5;
  const width = options.width ?? 8;
  const { sql, params } = casesQuery(filter);
  const slice =
    options.direction === "after"
      ? "arraySlice(acts, indexOf(acts, {anchor:String}), {n:UInt32})"
      : "arraySlice(acts, greatest(1, length(acts) - indexOf(arrayReverse(acts), {anchor:String}) + 2 - {n:UInt32}), least({n:UInt32}, length(acts) - indexOf(arrayReverse(acts), {anchor:String}) + 1))";
  const rows = await engine.query<{ path: string[]; n: number }>(
    `SELECT ${slice} AS path, count() AS n
     FROM (SELECT arrayMap(x -> x.3, journey) AS acts FROM (${sql}))
     WHERE has(acts, {anchor:String}) GROUP BY path`,
    { ...params, anchor: options.anchor, n: steps + 1 },
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

/** A few cases that take the transition from -> to (for a process map's "example customers"). */
export async function edgeExamples(
  engine: Engine,
  filter: JourneyFilter,
  from: string,
  to: string,
  limit = 5,
): Promise<{ from: string; to: string; cases: string[] }> {
  const { sql, params } = casesQuery(filter);
  const rows = await engine.query<{ case_id: string }>(
    `SELECT case_id FROM (${sql})
     WHERE arrayExists((x, i) -> i > 1 AND journey[i - 1].3 = {edgeFrom:String} AND x.3 = {edgeTo:String}, journey, arrayEnumerate(journey))
     ORDER BY case_id LIMIT {limit:UInt32}`,
    { ...params, edgeFrom: from, edgeTo: to, limit },
  );
  return { from, to, cases: rows.map((r) => r.case_id) };
}
