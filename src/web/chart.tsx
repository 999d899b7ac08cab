/**
 * ECharts in a Preact component; the container reports how many data points it drew (data-points).
 * ECharts is most of the dashboard's code: a view that draws charts asks for it as it opens (`loadCharts`),
 * so it compiles while the view's queries run; a view without charts (the process map, friction, the
 * blueprint) never loads it, and leaves both cores to its own work. `chartsReady` says when the charts asked
 * for so far can be drawn.
 */
import type { ECharts, EChartsCoreOption } from "echarts/core";
import { useEffect, useRef } from "preact/hooks";

let charts: Promise<typeof import("./echarts-setup").echarts> | undefined;
export const loadCharts = () => (charts ??= import("./echarts-setup").then((m) => m.echarts));
export const chartsReady = (): Promise<unknown> => charts ?? Promise.resolve();

/**
 * ECharts writes a tooltip formatter's string as HTML: every string from events (step names, channels,
 * texts) goes through this before it is put into one. Default tooltips escape on their own.
 */
export const escapeHtml = (text: string | number): string =>
  String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Okabe-Ito (distinguishable with the common colour-vision deficiencies), then grey and wine for series 9-10. */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#F0E442",
  "#000000",
];

export function Chart(props: {
  option: EChartsCoreOption;
  points: number;
  tall?: boolean;
  /** Height in px (instead of the default or tall height), for charts whose content sets it. */
  height?: number;
  label: string;
  onClick?: (params: { dataType?: string; data?: unknown; name?: string }) => void;
}) {
  // Asked for while rendering, so a view that waits for its charts sees them asked for.
  const loaded = loadCharts();
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  // The latest option and click handler, for a chart created after they were given.
  const latest = useRef(props);
  latest.current = props;
  const draw = () => {
    const { option, onClick } = latest.current;
    chart.current?.setOption({ color: PALETTE, animation: false, ...option }, true);
    chart.current?.off("click");
    if (onClick) chart.current?.on("click", onClick as never);
  };
  useEffect(() => {
    let live = true;
    const resize = () => chart.current?.resize();
    loaded.then((echarts) => {
      if (!live || !ref.current) return;
      chart.current = echarts.init(ref.current);
      draw();
      window.addEventListener("resize", resize);
    });
    return () => {
      live = false;
      window.removeEventListener("resize", resize);
      chart.current?.dispose();
    };
  }, []);
  useEffect(draw, [props.option, props.onClick]);
  useEffect(() => {
    chart.current?.resize();
  }, [props.height]);
  return (
    <div
      ref={ref}
      class={`chart${props.tall ? " tall" : ""}`}
      style={props.height ? { height: `${props.height}px` } : undefined}
      role="img"
      aria-label={props.label}
      data-points={props.points}
    />
  );
}
