/**
 * The process map's layout: a layered left-to-right (or top-to-bottom) drawing by elkjs, with routed edges
 * and placed edge labels; the start in the first layer, the end in the last, the strongest edges kept
 * straightest so the main path reads as a line. Pure given an ELK instance: the server runs it in the
 * layout worker (`POST /v1/journeys/layout`), where elkjs is compiled once, instead of every browser tab
 * compiling 1.4 MB of it before its first map (docs/benchmarks.md, "Dashboard, session 21").
 */
import type { ELK, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import { END_NODE, flowOrder, type MapNode, START_NODE } from "./map-view.js";

export type Direction = "right" | "down";

/** What a layout takes: the shown steps and the edges to draw, each edge with its label's text. */
export interface LayoutInput {
  direction: Direction;
  nodes: Array<{ id: string; kind: MapNode["kind"] }>;
  edges: Array<{ from: string; to: string; count: number; label: string }>;
}

/** The map as drawn: node boxes and edge routes (SVG paths) in layout coordinates, edges in input order. */
export interface LaidOut {
  width: number;
  height: number;
  nodes: Array<{ id: string; x: number; y: number; width: number; height: number }>;
  edges: Array<{ path: string; label?: { x: number; y: number; width: number; text: string } }>;
}

const MAX_NAME = 22;
/** A step's name as its box shows it: at most 22 characters. */
export const shortName = (id: string) => (id.length > MAX_NAME ? `${id.slice(0, MAX_NAME - 1)}…` : id);
const boxWidth = (node: LayoutInput["nodes"][number]) =>
  node.kind === "activity" ? Math.max(84, 16 + 6.6 * shortName(node.id).length) : 26;
export const LABEL_HEIGHT = 14;
const labelWidth = (text: string) => 8 + 6 * text.length;
const SIMPLEX_MAX_EDGES = 60;
const LAID_LABELS_MAX_EDGES = 150;

/** An edge's route as an SVG path: ELK's spline control points (cubic), else a polyline. */
function pathOf(points: Array<{ x: number; y: number }>): string {
  const [first, ...rest] = points;
  if (!first) return "";
  if (rest.length % 3 === 0 && rest.length > 0) {
    let d = `M${first.x},${first.y}`;
    for (let i = 0; i < rest.length; i += 3)
      d += ` C${rest[i]!.x},${rest[i]!.y} ${rest[i + 1]!.x},${rest[i + 1]!.y} ${rest[i + 2]!.x},${rest[i + 2]!.y}`;
    return d;
  }
  return `M${points.map((p) => `${p.x},${p.y}`).join(" L")}`;
}

/** The map as elkjs takes it: the shown steps in flow order, the edges with their labels' sizes. */
export function elkGraph(input: LayoutInput): ElkNode & { edges: ElkExtendedEdge[] } {
  const strongest = Math.max(1, ...input.edges.map((e) => e.count));
  const byId = new Map(input.nodes.map((n) => [n.id, n]));
  const simplex = input.edges.length <= SIMPLEX_MAX_EDGES;
  const laidLabels = input.edges.length <= LAID_LABELS_MAX_EDGES;
  return {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": input.direction === "down" ? "DOWN" : "RIGHT",
      "elk.edgeRouting": "SPLINES",
      "elk.spacing.nodeNode": "26",
      "elk.spacing.edgeLabel": "2",
      "elk.layered.spacing.nodeNodeBetweenLayers": "60",
      "elk.layered.spacing.edgeNodeBetweenLayers": "18",
      "elk.edgeLabels.placement": "CENTER",
      // Measured on the demo (24 steps): network-simplex placement with edge labels takes 0.8 s at 60
      // edges and 5 s at 120 (no answer in a minute at 283); Brandes-Koepf 0.2 s and 0.7 s. Past 150 edges
      // the labels are put on the drawn paths instead of being laid out (283 edges: 2 s, not 3 s).
      "elk.layered.nodePlacement.strategy": simplex ? "NETWORK_SIMPLEX" : "BRANDES_KOEPF",
      "elk.layered.cycleBreaking.strategy": "MODEL_ORDER",
      "elk.padding": "[top=12,left=12,bottom=12,right=12]",
    },
    // In flow order, kept by the cycle breaking: most customers' moves point right.
    children: flowOrder(
      input.nodes.map((n) => n.id),
      input.edges,
    )
      .map((id) => byId.get(id)!)
      .map((node) => ({
        id: node.id,
        width: boxWidth(node),
        height: node.kind === "activity" ? 40 : 26,
        layoutOptions: (node.kind === "activity"
          ? {}
          : { "elk.layered.layering.layerConstraint": node.kind === "start" ? "FIRST" : "LAST" }) as Record<
          string,
          string
        >,
      })),
    edges: input.edges.map((e, i) => ({
      id: `e${i}`,
      sources: [e.from],
      targets: [e.to],
      labels: laidLabels
        ? [{ id: `l${i}`, text: e.label, width: labelWidth(e.label), height: LABEL_HEIGHT }]
        : [],
      layoutOptions: {
        "elk.layered.priority.straightness": String(Math.round((10 * e.count) / strongest)),
      },
    })),
  };
}

/** Lays out a map with the given elkjs instance. */
export async function layoutMap(elk: ELK, input: LayoutInput): Promise<LaidOut> {
  const graph = (await elk.layout(elkGraph(input))) as ElkNode & { edges?: ElkExtendedEdge[] };
  return {
    width: graph.width ?? 0,
    height: graph.height ?? 0,
    nodes: (graph.children ?? []).map((c) => ({
      id: c.id,
      x: c.x ?? 0,
      y: c.y ?? 0,
      width: c.width ?? 0,
      height: c.height ?? 0,
    })),
    edges: (graph.edges ?? []).map((laid, i) => {
      const points = (laid.sections ?? []).map((section) => [
        section.startPoint,
        ...(section.bendPoints ?? []),
        section.endPoint,
      ]);
      const path = points.map(pathOf).join(" ");
      const l = laid.labels?.[0];
      if (l && l.x !== undefined && l.y !== undefined)
        return { path, label: { x: l.x, y: l.y, width: l.width ?? 0, text: l.text ?? "" } };
      // Not laid out: the label sits on the middle point of the route.
      const route = points.flat();
      const middle = route[Math.floor(route.length / 2)];
      const text = input.edges[i]!.label;
      const width = labelWidth(text);
      return {
        path,
        label: middle ? { x: middle.x - width / 2, y: middle.y - LABEL_HEIGHT / 2, width, text } : undefined,
      };
    }),
  };
}

/**
 * A map with loops and more edges than steps, laid out a few times when a process starts: elkjs's first
 * layouts in a process are several times slower than later ones (the library's set-up, then V8 compiling
 * its hot paths), and that cost belongs before anyone waits for a map.
 */
const WARM_UP_STEPS = ["visit", "search", "product", "cart", "checkout", "order", "support", "return"];
const WARM_UP_MAP: LayoutInput = {
  direction: "right",
  nodes: [
    { id: START_NODE, kind: "start" },
    ...WARM_UP_STEPS.map((id) => ({ id, kind: "activity" as const })),
    { id: END_NODE, kind: "end" },
  ],
  edges: [
    { from: START_NODE, to: "visit", count: 9, label: "9" },
    ...WARM_UP_STEPS.flatMap((from, i) =>
      [1, 2, 5].map((step) => {
        const to = WARM_UP_STEPS[(i + step) % WARM_UP_STEPS.length]!;
        return { from, to, count: 10 - step, label: String(10 - step) };
      }),
    ),
    { from: "order", to: END_NODE, count: 6, label: "6" },
  ],
};

export async function warmUpLayout(elk: ELK, times = 6): Promise<void> {
  for (let i = 0; i < times; i++) await layoutMap(elk, WARM_UP_MAP);
}
