import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  type Direction,
  LABEL_HEIGHT,
  type LaidOut,
  type LayoutInput,
  shortName,
} from "../../journeys/map-layout";
import {
  compareWithDesign,
  type DesignedMap,
  type EdgeStatus,
  END_NODE,
  kept,
  type MapData,
  type MapEdge,
  type MapNode,
  type MapSelection,
  START_NODE,
  selectMap,
} from "../../journeys/map-view";
import { get, post } from "../api";
import { Chart } from "../chart";
import { duration, fmt, Show, useLoad, View } from "../load";
import type { ViewProps } from "../main";
import { filterParams } from "../state";

type Mode = "frequency" | "performance";
/** An edge as drawn: with a designed map to compare with, its status against it. */
type DrawnEdge = MapEdge & { status?: EdgeStatus };
/** What the layout and the drawing take: the shown steps and the edges to draw. */
interface Drawn {
  nodes: MapNode[];
  edges: DrawnEdge[];
}
/** The map as drawn: node boxes and edge paths in layout coordinates (px at zoom 1), for one drawn map. */
interface Laid {
  /** What it was laid out for: the drawn map, its mode (the labels) and direction. */
  for: { drawn: Drawn; mode: Mode; direction: Direction };
  width: number;
  height: number;
  nodes: Array<{ node: MapNode; x: number; y: number; width: number; height: number }>;
  edges: Array<{
    edge: DrawnEdge;
    path: string;
    label?: { x: number; y: number; width: number; text: string };
  }>;
}

/**
 * Laid out by the server (journeys/map-layout.ts, in its layout worker): elkjs is 1.4 MB of JavaScript that
 * each new tab would compile before its first map, about 1 s of a 2-core machine (docs/benchmarks.md,
 * "Dashboard, session 21"); the server compiles it once.
 */
async function layout(drawn: Drawn, mode: Mode, direction: Direction): Promise<Laid> {
  const input: LayoutInput = {
    direction,
    nodes: drawn.nodes.map(({ id, kind }) => ({ id, kind })),
    edges: drawn.edges.map((e) => ({ from: e.from, to: e.to, count: e.count, label: edgeLabel(e, mode) })),
  };
  const out = await post<LaidOut>("/v1/journeys/layout", input);
  const byId = new Map(drawn.nodes.map((n) => [n.id, n]));
  return {
    for: { drawn, mode, direction },
    width: out.width,
    height: out.height,
    nodes: out.nodes.flatMap(({ id, ...box }) => {
      const node = byId.get(id);
      return node ? [{ node, ...box }] : [];
    }),
    edges: out.edges.map((laid, i) => ({ edge: drawn.edges[i]!, ...laid })),
  };
}

const percent = (part: number, whole: number) => `${fmt((100 * part) / Math.max(1, whole), 0)}%`;

/** Sequential scale for waits (light yellow to dark red), on a log scale between the map's shortest and longest. */
function waitColour(seconds: number | null, range: [number, number]): string {
  if (seconds === null) return "#9aa3b2";
  const [low, high] = range.map((s) => Math.log1p(s)) as [number, number];
  const t = high > low ? (Math.log1p(seconds) - low) / (high - low) : 0.5;
  const stops = [
    [254, 217, 118],
    [253, 141, 60],
    [227, 26, 28],
    [128, 0, 38],
  ];
  const at = Math.min(0.999, Math.max(0, t)) * (stops.length - 1);
  const [a, b] = [stops[Math.floor(at)]!, stops[Math.floor(at) + 1]!];
  const f = at - Math.floor(at);
  return `rgb(${a.map((v, i) => Math.round(v + f * (b[i]! - v))).join(",")})`;
}

/** Default positions: up to 15 activities, and about one and a half paths per activity shown. */
function defaults(data: MapData): { activities: number; paths: number } {
  const n = Object.keys(data.activities).length;
  const activities = n === 0 ? 1 : Math.min(1, 15 / n);
  const shown = kept(n, activities);
  const candidates = selectMap(data, activities, 1).edges.length;
  return { activities, paths: candidates === 0 ? 1 : Math.min(1, (1.5 * shown + 2) / candidates) };
}

type Picked = { kind: "node"; node: MapNode } | { kind: "edge"; edge: MapEdge };

export function MapView({ route, navigate }: ViewProps) {
  const by = route.extra.by ?? "touchpoint";
  const mode: Mode = route.extra.mode === "performance" ? "performance" : "frequency";
  const direction: Direction = route.extra.direction === "down" ? "down" : "right";
  const state = useLoad(
    () => get<MapData>("/v1/journeys/dfg", { ...filterParams(route.filters), by }),
    [JSON.stringify(route.filters), by],
  );
  const initial = useMemo(() => (state.data ? defaults(state.data) : undefined), [state.data]);
  const fromUrl = (key: string) =>
    route.extra[key] === undefined ? undefined : Number(route.extra[key]) / 100;
  const [sliders, setSliders] = useState<{ activities?: number; paths?: number }>({});
  const activityShare = sliders.activities ?? fromUrl("activities") ?? initial?.activities ?? 1;
  const pathShare = sliders.paths ?? fromUrl("paths") ?? initial?.paths ?? 1;
  const selection = useMemo(
    () => (state.data ? selectMap(state.data, activityShare, pathShare) : undefined),
    [state.data, activityShare, pathShare],
  );
  // Compared with a stored journey map: its flows, and how the journeys conform to it.
  const compare = route.extra.compare ?? "";
  const models = useLoad(() => get<{ models: Array<{ name: string }> }>("/v1/journeys/models"), []);
  const design = useLoad(
    () =>
      compare
        ? get<DesignedMap & { by?: string }>(`/v1/journeys/models/${encodeURIComponent(compare)}`)
        : Promise.resolve(undefined),
    [compare],
  );
  const conformance = useLoad(
    () =>
      compare
        ? get<Conformance>("/v1/journeys/conformance", { ...filterParams(route.filters), model: compare })
        : Promise.resolve(undefined),
    [compare, JSON.stringify(route.filters)],
  );
  const drawn = useMemo<Drawn | undefined>(
    () =>
      selection && design.data
        ? { nodes: selection.nodes, edges: compareWithDesign(selection, design.data).edges }
        : selection,
    [selection, design.data],
  );
  const [laid, setLaid] = useState<Laid>();
  const [layoutError, setLayoutError] = useState<string>();
  // One layout asked at a time; a slider dragged meanwhile leaves only its latest map waiting.
  const asking = useRef<{ busy: boolean; next?: () => Promise<void> }>({ busy: false });
  useEffect(() => {
    if (!drawn) return;
    let live = true;
    const ask = () =>
      layout(drawn, mode, direction).then(
        (next) => {
          if (!live) return;
          setLaid(next);
          setLayoutError(undefined);
        },
        (error: Error) => {
          if (live) setLayoutError(error.message);
        },
      );
    const queue = asking.current;
    if (queue.busy) queue.next = ask;
    else {
      queue.busy = true;
      void (async () => {
        for (let job: (() => Promise<void>) | undefined = ask; job; job = queue.next) {
          queue.next = undefined;
          await job();
        }
        queue.busy = false;
      })();
    }
    return () => {
      live = false;
    };
  }, [drawn, mode, direction]);
  // Drawn for what the controls show now (a newer layout may be on its way while the last one stays).
  const current =
    laid !== undefined &&
    laid.for.drawn === drawn &&
    laid.for.mode === mode &&
    laid.for.direction === direction;
  const [picked, setPicked] = useState<Picked>();
  const [examples, setExamples] = useState<string[]>();
  const pick = (next: Picked) => {
    setPicked(next);
    setExamples(undefined);
    const target =
      next.kind === "node"
        ? next.node.kind === "activity"
          ? { activity: next.node.id }
          : undefined
        : next.edge.kind === "start"
          ? { first: next.edge.to }
          : next.edge.kind === "end"
            ? { last: next.edge.from }
            : { edgeFrom: next.edge.from, edgeTo: next.edge.to };
    if (!target) return setExamples([]);
    get<{ cases: string[] }>("/v1/journeys/examples", { ...filterParams(route.filters), by, ...target }).then(
      (r) => setExamples(r.cases),
      () => setExamples([]),
    );
  };
  // A link may name an edge to open (e.g. from the friction view).
  useEffect(() => {
    const named = route.extra.edge;
    if (!named || !selection) return;
    const edge = state.data?.edges.find((e) => `${e.from} -> ${e.to}` === named);
    if (edge) pick({ kind: "edge", edge: { ...edge, kind: "flow" } });
  }, [selection !== undefined, route.extra.edge]);

  const slide = (key: "activities" | "paths") => (e: Event) =>
    setSliders({ ...sliders, [key]: Number((e.target as HTMLInputElement).value) / 100 });
  const keep = (key: "activities" | "paths") => (e: Event) =>
    navigate({ extra: { ...route.extra, [key]: (e.target as HTMLInputElement).value } });
  const data = state.data;
  const totalActivities = data ? Object.keys(data.activities).length : 0;
  const shownActivities = selection?.nodes.filter((n) => n.kind === "activity").length ?? 0;
  const candidatePaths = (selection?.edges.length ?? 0) + (selection?.hidden.edges ?? 0);
  const ready =
    current && selection !== undefined && (!compare || Boolean(conformance.data || conformance.error));
  const skippedByLabel = new Map<string, number>();
  if (design.data && conformance.data)
    for (const [id, n] of Object.entries(conformance.data.deviations.skipped)) {
      const label = design.data.steps.find((s) => s.id === id)?.label;
      if (label) skippedByLabel.set(label, (skippedByLabel.get(label) ?? 0) + n);
    }

  return (
    <View name="map" ready={ready}>
      <section class="card wide">
        <div class="steps form map-controls">
          <label>
            Read by
            <select
              value={by}
              onChange={(e) => navigate({ extra: { by: (e.target as HTMLSelectElement).value } })}
            >
              <option value="touchpoint">touchpoint</option>
              <option value="channel">channel</option>
              <option value="channel:touchpoint">channel: touchpoint</option>
              <option value="event">event</option>
              <option value="behaviour">behaviour</option>
            </select>
          </label>
          <fieldset class="segmented" aria-label="What the map shows">
            {(["frequency", "performance"] as const).map((m) => (
              <label class={m === mode ? "on" : ""}>
                <input
                  type="radio"
                  name="mode"
                  value={m}
                  checked={m === mode}
                  onChange={() => navigate({ extra: { ...route.extra, mode: m } })}
                />
                {m}
              </label>
            ))}
          </fieldset>
          <label>
            Direction
            <select
              name="direction"
              value={direction}
              onChange={(e) =>
                navigate({ extra: { ...route.extra, direction: (e.target as HTMLSelectElement).value } })
              }
            >
              <option value="right">left to right</option>
              <option value="down">top to bottom</option>
            </select>
          </label>
          <label>
            Compare with
            <select
              name="compare"
              value={compare}
              onChange={(e) =>
                navigate({ extra: { ...route.extra, compare: (e.target as HTMLSelectElement).value } })
              }
            >
              <option value="">no map</option>
              {(models.data?.models ?? []).map((m) => (
                <option value={m.name}>{m.name}</option>
              ))}
            </select>
          </label>
          <label class="slider">
            Activities {shownActivities} of {totalActivities}
            <input
              type="range"
              name="activities"
              min="0"
              max="100"
              value={Math.round(activityShare * 100)}
              onInput={slide("activities")}
              onChange={keep("activities")}
            />
          </label>
          <label class="slider">
            Paths {selection?.edges.length ?? 0} of {candidatePaths}
            <input
              type="range"
              name="paths"
              min="0"
              max="100"
              value={Math.round(pathShare * 100)}
              onInput={slide("paths")}
              onChange={keep("paths")}
            />
          </label>
        </div>
        <p class="muted legend">
          {mode === "frequency"
            ? "Frequency: boxes show how often a step happens and the share of customers who reach it; edges show how often one step directly follows another (width = count)."
            : "Performance: edges show the median wait between the two steps (colour, light = short, dark red = long; p90 on hover); boxes show how often the step happens."}{" "}
          Click a step or an edge for its numbers and example customers; drag to pan, scroll to zoom.
          {compare && (
            <>
              {" "}
              Against "{compare}": <span class="designed">blue</span> edges are designed,{" "}
              <span class="off-map">orange</span> ones are off the map (with their counts), dotted grey ones
              are designed but not taken here; red marks count the steps customers skipped.
              {design.data?.by && design.data.by !== by
                ? ` The map reads steps by ${design.data.by}: read by it too.`
                : ""}
            </>
          )}
        </p>
        <Show state={state} empty={(d) => Object.keys(d.activities).length === 0}>
          {(d) =>
            layoutError ? (
              <p class="error" role="alert">
                The API answered: {layoutError}
              </p>
            ) : laid && selection ? (
              <ProcessMapDrawing
                data={d}
                selection={selection}
                laid={laid}
                current={current}
                mode={mode}
                onPick={pick}
                skipped={compare ? skippedByLabel : undefined}
              />
            ) : (
              <p class="status">Laying out…</p>
            )
          }
        </Show>
      </section>
      {compare && (
        <Show state={conformance as never}>{(c: Conformance) => <ConformancePanel result={c} />}</Show>
      )}
      {picked && data && <PickedPanel picked={picked} data={data} examples={examples} />}
    </View>
  );
}

const edgeLabel = (e: DrawnEdge, mode: Mode) =>
  e.status === "reference"
    ? "map"
    : mode === "frequency" || e.medianSeconds === null
      ? fmt(e.count)
      : duration(e.medianSeconds);

/** Pan and zoom of the drawing: a translation and a scale, changed by drag, wheel and the buttons. */
interface View2d {
  x: number;
  y: number;
  scale: number;
}

/**
 * The process map as SVG (text through the DOM, so step names from events are never markup): boxes with
 * counts, routed edges with their labels, start and end, a native tooltip on each part.
 */
function ProcessMapDrawing(props: {
  data: MapData;
  selection: MapSelection;
  laid: Laid;
  /** Whether `laid` is the layout of what the controls show now (else a newer one is on its way). */
  current: boolean;
  mode: Mode;
  onPick: (p: Picked) => void;
  /** With a designed map: how many times customers skipped each step (by label). */
  skipped?: Map<string, number>;
}) {
  const { data, selection, laid, mode } = props;
  const frame = useRef<HTMLDivElement>(null);
  // Fitted to the card's width (never above 1.2x); the frame is as tall as the fitted map, within bounds.
  const [frameWidth, setFrameWidth] = useState(1200);
  useEffect(() => {
    const measure = () => setFrameWidth(frame.current?.clientWidth ?? 1200);
    measure();
    window.addEventListener("resize", measure);
    return () => window.removeEventListener("resize", measure);
  }, []);
  const fitScale = Math.min(1.2, frameWidth / Math.max(1, laid.width));
  const height = Math.round(Math.max(320, Math.min(1600, laid.height * fitScale + 16)));
  const fitted = (): View2d => {
    const scale = Math.min(fitScale, height / Math.max(1, laid.height));
    return { scale, x: (frameWidth - laid.width * scale) / 2, y: (height - laid.height * scale) / 2 };
  };
  const [view, setView] = useState<View2d>({ x: 0, y: 0, scale: 1 });
  useEffect(() => setView(fitted()), [laid, frameWidth]);
  const drag = useRef<{ x: number; y: number } | undefined>(undefined);
  const zoom = (factor: number, at?: { x: number; y: number }) =>
    setView((v) => {
      const scale = Math.min(4, Math.max(0.15, v.scale * factor));
      const point = at ?? { x: (frame.current?.clientWidth ?? 0) / 2, y: height / 2 };
      const f = scale / v.scale;
      return { scale, x: point.x - (point.x - v.x) * f, y: point.y - (point.y - v.y) * f };
    });
  const strongest = Math.max(1, ...selection.edges.map((e) => e.count));
  const busiest = Math.max(1, ...selection.nodes.filter((n) => n.kind === "activity").map((n) => n.count));
  const waits = selection.edges.flatMap((e) => (e.medianSeconds === null ? [] : [e.medianSeconds]));
  const range: [number, number] = [Math.min(...waits, 0), Math.max(...waits, 1)];
  const edgeTitle = (e: DrawnEdge) =>
    `${e.from} → ${e.to}\n${
      e.status === "reference"
        ? "designed, not taken in these journeys (or below the paths slider)"
        : `${fmt(e.count)} times, ${fmt(e.cases)} customers (${percent(e.cases, data.cases)})${
            e.medianSeconds === null
              ? ""
              : `\nwait: median ${duration(e.medianSeconds)}, p90 ${duration(e.p90Seconds)}`
          }`
    }`;
  return (
    <div
      class="process-map"
      ref={frame}
      data-nodes={selection.nodes.length}
      data-edges={selection.edges.length}
      data-points={selection.edges.length}
      data-mode={mode}
      data-current={props.current ? "true" : "false"}
    >
      <fieldset class="zoom" aria-label="Zoom">
        <button type="button" class="secondary" onClick={() => zoom(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" class="secondary" onClick={() => zoom(0.8)} aria-label="Zoom out">
          −
        </button>
        <button type="button" class="secondary" onClick={() => setView(fitted())}>
          Fit
        </button>
      </fieldset>
      <svg
        width="100%"
        height={height}
        role="img"
        aria-label={`Process map (${mode}): ${selection.nodes.length} steps, ${selection.edges.length} paths`}
        onWheel={(e) => {
          e.preventDefault();
          const box = (e.currentTarget as SVGSVGElement).getBoundingClientRect();
          zoom(e.deltaY < 0 ? 1.1 : 1 / 1.1, { x: e.clientX - box.left, y: e.clientY - box.top });
        }}
        onPointerDown={(e) => {
          drag.current = { x: e.clientX, y: e.clientY };
        }}
        onPointerMove={(e) => {
          const from = drag.current;
          if (!from || e.buttons !== 1) return;
          drag.current = { x: e.clientX, y: e.clientY };
          setView((v) => ({ ...v, x: v.x + e.clientX - from.x, y: v.y + e.clientY - from.y }));
        }}
        onPointerUp={() => {
          drag.current = undefined;
        }}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerUnits="userSpaceOnUse"
            markerWidth="9"
            markerHeight="9"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="context-stroke" />
          </marker>
        </defs>
        <g transform={`translate(${view.x},${view.y}) scale(${view.scale})`}>
          {laid.edges.map(({ edge, path, label }) => {
            const colour =
              edge.status === "reference"
                ? "#9aa3b2"
                : mode === "performance" && edge.kind === "flow"
                  ? waitColour(edge.medianSeconds, range)
                  : edge.status === "designed"
                    ? "#0072B2"
                    : edge.status === "off-map"
                      ? "#E69F00"
                      : edge.kind === "flow"
                        ? "#5b6475"
                        : "#9aa3b2";
            return (
              // biome-ignore lint/a11y/useSemanticElements: SVG has no button element; the group is one
              <g
                class={`edge ${edge.kind}${edge.status ? ` ${edge.status}` : ""}`}
                data-from={edge.from}
                data-to={edge.to}
                role="button"
                tabIndex={0}
                aria-label={`${edge.from} to ${edge.to}: ${fmt(edge.count)} times`}
                onClick={() => props.onPick({ kind: "edge", edge })}
                onKeyDown={(e) => {
                  if (e.key === "Enter" || e.key === " ") props.onPick({ kind: "edge", edge });
                }}
              >
                <title>{edgeTitle(edge)}</title>
                <path d={path} class="hit" />
                <path
                  d={path}
                  fill="none"
                  stroke={colour}
                  stroke-width={
                    edge.status === "reference"
                      ? 1.5
                      : mode === "frequency"
                        ? 1 + 6 * Math.sqrt(edge.count / strongest)
                        : 2.5
                  }
                  stroke-dasharray={
                    edge.status === "reference" ? "2 4" : edge.kind === "flow" ? undefined : "5 4"
                  }
                  marker-end="url(#arrow)"
                />
                {label && (
                  <text x={label.x + label.width / 2} y={label.y + LABEL_HEIGHT - 3} class="edge-label">
                    {label.text}
                  </text>
                )}
              </g>
            );
          })}
          {laid.nodes.map(({ node, x, y, width, height: h }) => (
            // biome-ignore lint/a11y/useSemanticElements: SVG has no button element; the group is one
            <g
              class={`node ${node.kind}`}
              data-id={node.id}
              transform={`translate(${x},${y})`}
              role="button"
              tabIndex={0}
              aria-label={`${node.id}: ${fmt(node.count)} times`}
              onClick={() => props.onPick({ kind: "node", node })}
              onKeyDown={(e) => {
                if (e.key === "Enter" || e.key === " ") props.onPick({ kind: "node", node });
              }}
            >
              <title>{`${node.id}\n${fmt(node.count)} times, ${fmt(node.cases)} customers (${percent(node.cases, data.cases)})`}</title>
              {node.kind === "activity" ? (
                <>
                  <rect
                    width={width}
                    height={h}
                    rx="7"
                    fill={
                      mode === "frequency"
                        ? `rgba(0, 114, 178, ${0.06 + 0.5 * (node.count / busiest)})`
                        : "#f4f6f9"
                    }
                    stroke="#0072B2"
                  />
                  <text x={width / 2} y="16" class="node-name">
                    {shortName(node.id)}
                  </text>
                  <text x={width / 2} y="31" class="node-count">
                    {fmt(node.count)}
                    {mode === "frequency" ? ` · ${percent(node.cases, data.cases)}` : ""}
                  </text>
                  {props.skipped?.get(node.id) ? (
                    <text x={width / 2} y={h + 11} class="node-skipped">
                      skipped {fmt(props.skipped.get(node.id)!)}
                    </text>
                  ) : null}
                </>
              ) : node.kind === "start" ? (
                <circle cx={width / 2} cy={h / 2} r={h / 2} fill="#2e7d32" />
              ) : (
                <>
                  <circle cx={width / 2} cy={h / 2} r={h / 2} fill="#39414f" />
                  <rect x={width / 2 - 5} y={h / 2 - 5} width="10" height="10" fill="#fff" />
                </>
              )}
            </g>
          ))}
        </g>
      </svg>
    </div>
  );
}

function PickedPanel(props: { picked: Picked; data: MapData; examples?: string[] }) {
  const { picked, data, examples } = props;
  const title = picked.kind === "node" ? picked.node.id : `${picked.edge.from} → ${picked.edge.to}`;
  let body: preact.JSX.Element;
  if (picked.kind === "node") {
    const n = picked.node;
    const id = n.id;
    const into = data.edges.filter((e) => e.to === id && e.from !== id).sort((a, b) => b.count - a.count);
    const out = data.edges.filter((e) => e.from === id && e.to !== id).sort((a, b) => b.count - a.count);
    const list = (edges: MapData["edges"], side: "from" | "to") =>
      edges.slice(0, 5).map((e) => (
        <li>
          {e[side]}: {fmt(e.count)} (median wait {duration(e.medianSeconds)})
        </li>
      ));
    body =
      n.kind === "activity" ? (
        <>
          <p>
            {fmt(n.count)} times by {fmt(n.cases)} customers ({percent(n.cases, data.cases)} of{" "}
            {fmt(data.cases)}
            ); starts {fmt(data.start[id] ?? 0)} journeys, ends {fmt(data.end[id] ?? 0)}.
          </p>
          <div class="grid two">
            <div>
              <h3>Comes after</h3>
              <ul>{list(into, "from")}</ul>
            </div>
            <div>
              <h3>Leads to</h3>
              <ul>{list(out, "to")}</ul>
            </div>
          </div>
        </>
      ) : (
        <p>
          {fmt(data.cases)} journeys {n.id === START_NODE ? "start" : "end"} here.
        </p>
      );
  } else {
    const e = picked.edge;
    body = (
      <p>
        {fmt(e.count)} times by {fmt(e.cases)} customers ({percent(e.cases, data.cases)})
        {e.medianSeconds === null
          ? e.from === START_NODE
            ? ": their first step."
            : e.to === END_NODE
              ? ": their last step."
              : "."
          : `; median wait ${duration(e.medianSeconds)}, p90 ${duration(e.p90Seconds)}.`}
      </p>
    );
  }
  return (
    <section
      class="card wide"
      aria-live="polite"
      data-edge={picked.kind === "edge" ? `${picked.edge.from} -> ${picked.edge.to}` : undefined}
      data-node={picked.kind === "node" ? picked.node.id : undefined}
    >
      <h2>{title}</h2>
      {body}
      <p>
        Example customers:{" "}
        {examples === undefined
          ? "loading…"
          : examples.length === 0
            ? "none"
            : examples.map((c) => (
                <a href={`#/customer?id=${encodeURIComponent(c.split("#")[0]!)}`} class="pill">
                  {c}
                </a>
              ))}
      </p>
    </section>
  );
}

interface Conformance {
  cases: number;
  perfectlyFitting: number;
  averageTraceFitness: number;
  logFitness: number;
  deviations: {
    skipped: Record<string, number>;
    unexpected: Record<string, number>;
    slaBreaches: Record<string, number>;
  };
  overTime: Array<{ period: string; cases: number; perfectlyFitting: number; logFitness: number }>;
}

/** How the journeys conform to the map: fitness, the top deviations, fitness month by month. */
function ConformancePanel(props: { result: Conformance }) {
  const c = props.result;
  const top = (counts: Record<string, number>) =>
    Object.entries(counts)
      .slice(0, 6)
      .map(([k, n]) => (
        <li>
          {k}: {fmt(n)}
        </li>
      ));
  return (
    <section class="card wide" data-conformance>
      <h2>Conformance to the map</h2>
      <div class="kpis">
        <div class="kpi">
          Fit the map perfectly<b>{percent(c.perfectlyFitting, c.cases)}</b>
        </div>
        <div class="kpi">
          Average trace fitness<b>{fmt(c.averageTraceFitness, 3)}</b>
        </div>
        <div class="kpi">
          Log fitness<b>{fmt(c.logFitness, 3)}</b>
        </div>
        <div class="kpi">
          Journeys<b>{fmt(c.cases)}</b>
        </div>
      </div>
      <div class="grid two">
        <div>
          <h3>Steps skipped</h3>
          <ul>{top(c.deviations.skipped)}</ul>
          <h3>Touches off the map</h3>
          <ul>{top(c.deviations.unexpected)}</ul>
          {Object.keys(c.deviations.slaBreaches).length > 0 && (
            <>
              <h3>Service levels broken</h3>
              <ul>{top(c.deviations.slaBreaches)}</ul>
            </>
          )}
        </div>
        <Chart
          label="Log fitness by month"
          points={c.overTime.length}
          option={{
            tooltip: { trigger: "axis" },
            grid: { left: 50, right: 50, top: 50, bottom: 30 },
            legend: { top: 0, data: ["log fitness", "journeys"] },
            xAxis: { type: "category", data: c.overTime.map((p) => p.period.slice(0, 7)) },
            yAxis: [
              { type: "value", min: 0, max: 1, name: "fitness" },
              { type: "value", name: "journeys" },
            ],
            series: [
              {
                name: "log fitness",
                type: "line",
                data: c.overTime.map((p) => Number(p.logFitness.toFixed(4))),
              },
              {
                name: "journeys",
                type: "bar",
                yAxisIndex: 1,
                data: c.overTime.map((p) => p.cases),
                itemStyle: { opacity: 0.35 },
              },
            ],
          }}
        />
      </div>
    </section>
  );
}
