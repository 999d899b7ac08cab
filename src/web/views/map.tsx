import { useEffect, useState } from "preact/hooks";
import { get } from "../api";
import { Chart, escapeHtml } from "../chart";
import { fmt, Show, useLoad, View } from "../load";
import type { ViewProps } from "../main";
import { filterParams } from "../state";

interface Dfg {
  cases: number;
  activities: Record<string, number>;
  edges: Array<{ from: string; to: string; count: number; medianSeconds: number; p90Seconds: number }>;
}

interface Laid {
  nodes: Array<{ name: string; x: number; y: number; count: number }>;
  edges: Dfg["edges"];
}

/** elkjs is large: loaded with the first map, not with the app. */
let elkInstance: Promise<import("elkjs/lib/elk-api").ELK> | undefined;

/** Layered left-to-right layout of the strongest edges (elkjs), so the map reads as a flow. */
async function layout(dfg: Dfg, maxEdges: number): Promise<Laid> {
  elkInstance ??= import("elkjs/lib/elk.bundled.js").then((m) => new m.default());
  const elk = await elkInstance;
  const edges = [...dfg.edges].sort((a, b) => b.count - a.count).slice(0, maxEdges);
  const names = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
  const graph = await elk.layout({
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.spacing.nodeNode": "30",
      "elk.layered.spacing.nodeNodeBetweenLayers": "90",
    },
    children: names.map((n) => ({ id: n, width: 120, height: 36 })),
    edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  });
  return {
    nodes: (graph.children ?? []).map((c) => ({
      name: c.id,
      x: c.x ?? 0,
      y: c.y ?? 0,
      count: dfg.activities[c.id] ?? 0,
    })),
    edges,
  };
}

const hours = (s: number) => (s >= 3600 ? `${fmt(s / 3600, 1)} h` : `${fmt(s / 60, 1)} min`);

export function MapView({ route, navigate }: ViewProps) {
  const by = route.extra.by ?? "touchpoint";
  const state = useLoad(
    () => get<Dfg>("/v1/journeys/dfg", { ...filterParams(route.filters), by }),
    [JSON.stringify(route.filters), by],
  );
  const [laid, setLaid] = useState<Laid>();
  const [picked, setPicked] = useState<{ edge: Dfg["edges"][number]; cases?: string[] }>();
  useEffect(() => {
    setLaid(undefined);
    if (state.data) layout(state.data, 40).then(setLaid);
  }, [state.data]);
  useEffect(() => {
    const highlight = route.extra.edge;
    if (!highlight || !laid) return;
    const edge = laid.edges.find((e) => `${e.from} -> ${e.to}` === highlight);
    if (edge) pick(edge);
  }, [laid, route.extra.edge]);
  const pick = (edge: Dfg["edges"][number]) => {
    setPicked({ edge });
    get<{ cases: string[] }>("/v1/journeys/examples", {
      ...filterParams(route.filters),
      by,
      edgeFrom: edge.from,
      edgeTo: edge.to,
    }).then(
      (r) => setPicked({ edge, cases: r.cases }),
      () => setPicked({ edge, cases: [] }),
    );
  };
  const maxWait = Math.max(1, ...(laid?.edges.map((e) => e.medianSeconds) ?? [1]));
  return (
    <View name="map" ready={Boolean(laid)}>
      <section class="card wide">
        <div class="steps form">
          <label>
            Read by
            <select
              value={by}
              onChange={(e) => navigate({ extra: { by: (e.target as HTMLSelectElement).value } })}
            >
              <option value="touchpoint">touchpoint</option>
              <option value="channel">channel</option>
              <option value="behaviour">behaviour</option>
            </select>
          </label>
          <span class="muted">
            The 40 strongest transitions; width = customers, colour = median wait (dark = long). Click an
            edge.
          </span>
        </div>
        <Show state={state} empty={(d) => d.edges.length === 0}>
          {() =>
            laid ? (
              <Chart
                tall
                label="Process map"
                points={laid.edges.length}
                onClick={(p) => {
                  if (p.dataType === "edge") pick((p.data as { edge: Dfg["edges"][number] }).edge);
                }}
                option={{
                  tooltip: {
                    formatter: (p: {
                      dataType: string;
                      data: { edge?: Dfg["edges"][number]; name?: string; value?: number };
                    }) =>
                      p.dataType === "edge" && p.data.edge
                        ? `${escapeHtml(p.data.edge.from)} → ${escapeHtml(p.data.edge.to)}<br/>${fmt(p.data.edge.count)} times, median wait ${hours(p.data.edge.medianSeconds)}`
                        : `${escapeHtml(p.data.name ?? "")}: ${fmt(p.data.value ?? 0)}`,
                  },
                  series: [
                    {
                      type: "graph",
                      layout: "none",
                      roam: true,
                      symbol: "roundRect",
                      symbolSize: [120, 36],
                      label: { show: true, fontSize: 11, width: 110, overflow: "truncate" },
                      itemStyle: { color: "#e8f1fb", borderColor: "#0072B2" },
                      edgeSymbol: ["none", "arrow"],
                      data: laid.nodes.map((n) => ({ name: n.name, x: n.x, y: n.y, value: n.count })),
                      links: laid.edges.map((e) => ({
                        source: e.from,
                        target: e.to,
                        edge: e,
                        lineStyle: {
                          width: 1 + 8 * Math.sqrt(e.count / Math.max(...laid.edges.map((x) => x.count))),
                          color: `rgba(213, 94, 0, ${0.25 + 0.75 * (e.medianSeconds / maxWait)})`,
                          curveness: 0.15,
                        },
                      })),
                    },
                  ],
                }}
              />
            ) : (
              <p class="status">Laying out…</p>
            )
          }
        </Show>
      </section>
      {picked && (
        <section class="card wide" aria-live="polite" data-edge={`${picked.edge.from} -> ${picked.edge.to}`}>
          <h2>
            {picked.edge.from} → {picked.edge.to}
          </h2>
          <p>
            {fmt(picked.edge.count)} transitions; median wait {hours(picked.edge.medianSeconds)}, p90{" "}
            {hours(picked.edge.p90Seconds)}.
          </p>
          <p>
            Example customers:{" "}
            {picked.cases === undefined
              ? "loading…"
              : picked.cases.map((c) => (
                  <a href={`#/customer?id=${encodeURIComponent(c.split("#")[0])}`} class="pill">
                    {c}
                  </a>
                ))}
          </p>
        </section>
      )}
    </View>
  );
}
