/**
 * What a process map shows at given slider positions, as process-mining tools do it: the most frequent
 * activities (the activities slider), then the most frequent paths among them (the paths slider), with a
 * start and an end node. Every activity shown keeps its strongest way in and out, so the map never shows an
 * island. Pure (no IO, no DOM): the dashboard runs it on every slider move without a new query.
 */

export const START_NODE = "▶ start";
export const END_NODE = "■ end";

/** The directly-follows graph as the API gives it (`/v1/journeys/dfg`, journeys/views.ts processMap). */
export interface MapData {
  cases: number;
  /** Occurrences of each step. */
  activities: Record<string, number>;
  /** Cases with each step at least once. */
  activityCases: Record<string, number>;
  start: Record<string, number>;
  end: Record<string, number>;
  /** Directly-follows pairs: occurrences, cases with the pair at least once, waits between the two steps. */
  edges: {
    from: string;
    to: string;
    count: number;
    cases: number;
    medianSeconds: number;
    p90Seconds: number;
  }[];
}

export interface MapNode {
  id: string;
  kind: "start" | "end" | "activity";
  /** Occurrences (start and end: cases). */
  count: number;
  /** Cases that pass through it. */
  cases: number;
}

export interface MapEdge {
  from: string;
  to: string;
  kind: "start" | "end" | "flow";
  count: number;
  cases: number;
  /** Waits between the two steps (null for the start and end edges, which have none). */
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface MapSelection {
  nodes: MapNode[];
  edges: MapEdge[];
  /** Activities and paths (start and end edges included) left out at these positions. */
  hidden: { activities: number; edges: number };
}

/** How many of `total` a slider position in [0, 1] keeps (at least one when there is any). */
export function kept(total: number, share: number): number {
  if (total === 0) return 0;
  return Math.min(total, Math.max(1, Math.round(Math.min(1, Math.max(0, share)) * total)));
}

const byCount =
  <T extends { count: number }>(key: (x: T) => string) =>
  (a: T, b: T) =>
    b.count - a.count || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

export function selectMap(map: MapData, activityShare: number, pathShare: number): MapSelection {
  const allActivities = Object.entries(map.activities)
    .map(([id, count]) => ({ id, count }))
    .sort(byCount((a) => a.id));
  const shown = new Set(allActivities.slice(0, kept(allActivities.length, activityShare)).map((a) => a.id));

  const candidates: MapEdge[] = [
    ...Object.entries(map.start)
      .filter(([id]) => shown.has(id))
      .map(([to, n]) => ({ from: START_NODE, to, kind: "start" as const, count: n, cases: n })),
    ...map.edges
      .filter((e) => shown.has(e.from) && shown.has(e.to))
      .map((e) => ({ ...e, kind: "flow" as const })),
    ...Object.entries(map.end)
      .filter(([id]) => shown.has(id))
      .map(([from, n]) => ({ from, to: END_NODE, kind: "end" as const, count: n, cases: n })),
  ]
    .map((e) => ({
      medianSeconds: null,
      p90Seconds: null,
      ...e,
    }))
    .sort(byCount((e) => `${e.from}\u0000${e.to}`));

  const chosen = new Set(candidates.slice(0, kept(candidates.length, pathShare)));
  // Every activity shown keeps its strongest edge in and out (candidates are sorted by count).
  for (const id of shown) {
    const incoming = candidates.filter((e) => e.to === id && e.from !== id);
    const outgoing = candidates.filter((e) => e.from === id && e.to !== id);
    if (incoming.length > 0 && !incoming.some((e) => chosen.has(e))) chosen.add(incoming[0]!);
    if (outgoing.length > 0 && !outgoing.some((e) => chosen.has(e))) chosen.add(outgoing[0]!);
  }
  const edges = candidates.filter((e) => chosen.has(e));

  const nodes: MapNode[] = [];
  if (edges.some((e) => e.kind === "start"))
    nodes.push({ id: START_NODE, kind: "start", count: map.cases, cases: map.cases });
  for (const { id, count } of allActivities)
    if (shown.has(id)) nodes.push({ id, kind: "activity", count, cases: map.activityCases[id] ?? 0 });
  if (edges.some((e) => e.kind === "end"))
    nodes.push({ id: END_NODE, kind: "end", count: map.cases, cases: map.cases });

  return {
    nodes,
    edges,
    hidden: { activities: allActivities.length - shown.size, edges: candidates.length - edges.length },
  };
}

/**
 * An order of the nodes that follows the flow: few and light edges point backwards (a weighted greedy
 * feedback arc set, Eades, Lin and Smyth 1993: sinks go last, sources first, else the node whose outgoing
 * weight most exceeds its incoming). A layered layout that keeps this order (ELK's MODEL_ORDER cycle
 * breaking) reads left to right as most customers move; at most half the edge weight points backwards.
 */
export function flowOrder(nodes: string[], edges: { from: string; to: string; count: number }[]): string[] {
  const remaining = new Set(nodes);
  const outOf = new Map<string, Map<string, number>>();
  const intoOf = new Map<string, Map<string, number>>();
  for (const id of nodes) {
    outOf.set(id, new Map());
    intoOf.set(id, new Map());
  }
  for (const e of edges) {
    if (e.from === e.to || !remaining.has(e.from) || !remaining.has(e.to)) continue;
    const out = outOf.get(e.from)!;
    out.set(e.to, (out.get(e.to) ?? 0) + e.count);
    const into = intoOf.get(e.to)!;
    into.set(e.from, (into.get(e.from) ?? 0) + e.count);
  }
  const weight = (links: Map<string, number>) => {
    let sum = 0;
    for (const [other, w] of links) if (remaining.has(other)) sum += w;
    return sum;
  };
  const degree = (links: Map<string, number>) => [...links.keys()].filter((o) => remaining.has(o)).length;
  const head: string[] = [];
  const tail: string[] = [];
  // Ties keep the given order, so the result is deterministic.
  while (remaining.size > 0) {
    let changed = true;
    while (changed) {
      changed = false;
      for (const id of [...remaining]) {
        if (degree(outOf.get(id)!) === 0) {
          remaining.delete(id);
          tail.unshift(id);
          changed = true;
        } else if (degree(intoOf.get(id)!) === 0) {
          remaining.delete(id);
          head.push(id);
          changed = true;
        }
      }
    }
    if (remaining.size === 0) break;
    let best: string | undefined;
    let bestDelta = -Infinity;
    for (const id of remaining) {
      const delta = weight(outOf.get(id)!) - weight(intoOf.get(id)!);
      if (delta > bestDelta) {
        best = id;
        bestDelta = delta;
      }
    }
    remaining.delete(best!);
    head.push(best!);
  }
  return [...head, ...tail];
}

/** How an edge of the drawn map stands against a designed journey map. */
export type EdgeStatus = "designed" | "off-map" | "reference";

/** A designed journey map as the process map compares with it: steps by label, flows, starts and ends. */
export interface DesignedMap {
  steps: { id: string; label: string }[];
  flows: { from: string; to: string }[];
  start: string[];
  end: string[];
}

/**
 * The process map against a designed journey map: each drawn edge is designed (the map has that flow,
 * start or end) or off the map; designed flows between shown steps that were not drawn (never taken, or
 * below the paths slider) are added as reference edges with no count.
 */
export function compareWithDesign(
  selection: MapSelection,
  design: DesignedMap,
): { edges: Array<MapEdge & { status: EdgeStatus }> } {
  const labelOf = new Map(design.steps.map((s) => [s.id, s.label]));
  const designed = new Set<string>();
  const key = (from: string, to: string) => `${from}\u0000${to}`;
  for (const f of design.flows) designed.add(key(labelOf.get(f.from) ?? f.from, labelOf.get(f.to) ?? f.to));
  for (const s of design.start) designed.add(key(START_NODE, labelOf.get(s) ?? s));
  for (const s of design.end) designed.add(key(labelOf.get(s) ?? s, END_NODE));
  const shown = new Set(selection.nodes.map((n) => n.id));
  const drawn = new Set(selection.edges.map((e) => key(e.from, e.to)));
  const edges: Array<MapEdge & { status: EdgeStatus }> = selection.edges.map((e) => ({
    ...e,
    status: designed.has(key(e.from, e.to)) ? "designed" : "off-map",
  }));
  for (const pair of designed) {
    if (drawn.has(pair)) continue;
    const [from, to] = pair.split("\u0000") as [string, string];
    if (!shown.has(from) || !shown.has(to)) continue;
    const kind = from === START_NODE ? "start" : to === END_NODE ? "end" : "flow";
    edges.push({
      from,
      to,
      kind,
      count: 0,
      cases: 0,
      medianSeconds: null,
      p90Seconds: null,
      status: "reference",
    });
  }
  return { edges };
}
