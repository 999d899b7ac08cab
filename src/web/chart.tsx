/** ECharts in a Preact component; the container reports how many data points it drew (data-points). */
import { BarChart, GraphChart, HeatmapChart, LineChart, SankeyChart, ScatterChart } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "preact/hooks";

echarts.use([
  BarChart,
  LineChart,
  SankeyChart,
  ScatterChart,
  GraphChart,
  HeatmapChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  DataZoomComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

/**
 * ECharts writes a tooltip formatter's string as HTML: every string from events (step names, channels,
 * texts) goes through this before it is put into one. Default tooltips escape on their own.
 */
export const escapeHtml = (text: string | number): string => echarts.format.encodeHTML(String(text));

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
  option: echarts.EChartsCoreOption;
  points: number;
  tall?: boolean;
  /** Height in px (instead of the default or tall height), for charts whose content sets it. */
  height?: number;
  label: string;
  onClick?: (params: { dataType?: string; data?: unknown; name?: string }) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!ref.current) return;
    chart.current = echarts.init(ref.current);
    const resize = () => chart.current?.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.current?.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ color: PALETTE, animation: false, ...props.option }, true);
    chart.current?.off("click");
    if (props.onClick) chart.current?.on("click", props.onClick as never);
  }, [props.option, props.onClick]);
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
