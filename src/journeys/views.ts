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
  // One pass over the cases (building them is the expensive part): each case emits one row per kind of
  // fact (itself, each activity, its first/last pair, each directly-follows pair), grouped together.
  const rows = await engine.query<{
    kind: string;
    a: string;
    b: string;
    n: number;
    events: number;
    median: number;
    p90: number;
  }>(
    `SELECT item.1 AS kind, item.2 AS a, item.3 AS b, count() AS n, sum(item.5) AS events,
            quantileExactInclusiveIf(0.5)(item.4, item.1 = 'edge') AS median,
            quantileExactInclusiveIf(0.9)(item.4, item.1 = 'edge') AS p90
     FROM (SELECT journey FROM (${sql}) WHERE length(journey) > 0)
     ARRAY JOIN arrayConcat(
       [('case', '', '', 0., toUInt64(length(journey))), ('ends', journey[1].3, journey[-1].3, 0., toUInt64(0))],
       arrayMap(x -> ('activity', x.3, '', 0., toUInt64(0)), journey),
       arrayMap(p -> ('edge', p.1.3, p.2.3, (p.2.1 - p.1.1) / 1000, toUInt64(0)), arrayZip(arrayPopBack(journey), arrayPopFront(journey)))
     ) AS item
     GROUP BY kind, a, b`,
    params,
  );
  const of = (kind: string) => rows.filter((r) => r.kind === kind);
  const totals = { cases: of("case")[0]?.n ?? 0, events: of("case")[0]?.events ?? 0 };
  const activities = of("activity")
    .map((r) => ({ activity: r.a, n: Number(r.n) }))
    .sort((x, y) => y.n - x.n || (x.activity < y.activity ? -1 : 1));
  const ends = of("ends").map((r) => ({ first: r.a, last: r.b, n: r.n }));
  const edges = of("edge")
    .map((r) => ({ from: r.a, to: r.b, count: Number(r.n), median: r.median, p90: r.p90 }))
    .sort((x, y) => y.count - x.count || (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : 1));
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
