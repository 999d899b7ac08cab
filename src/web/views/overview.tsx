import { get } from "../api";
import { Chart } from "../chart";
import { fmt, Show, useLoad, View } from "../load";
import type { ViewProps } from "../main";
import { filterParams } from "../state";

interface Overview {
  totals: {
    events: number;
    customers: number;
    messages: number;
    revenue: number;
    first: string | null;
    last: string | null;
  };
  byChannel: Array<{ week: string; channel: string; events: number }>;
  byTouchpoint: Array<{ touchpoint: string; channel: string; events: number; customers: number }>;
  behaviour: Array<{ week: string; behaviour: string; messages: number }>;
  value: { customers: number; totalClv: number; meanClv: number };
}

/** Weeks x series -> ECharts series with zeros where a week has no row. */
export function pivot<T>(rows: T[], x: (r: T) => string, s: (r: T) => string, y: (r: T) => number) {
  const xs = [...new Set(rows.map(x))].sort();
  const names = [...new Set(rows.map(s))].sort();
  const at = new Map(rows.map((r) => [`${x(r)}\u0000${s(r)}`, y(r)]));
  return {
    xs,
    series: names.map((name) => ({ name, data: xs.map((v) => at.get(`${v}\u0000${name}`) ?? 0) })),
  };
}

/** One series per name over weeks, as lines (optionally stacked areas) or stacked bars. */
export function WeeklyChart<T>(props: {
  label: string;
  rows: T[];
  week: (r: T) => string;
  name: (r: T) => string;
  value: (r: T) => number;
  kind: "line" | "area" | "bar";
}) {
  const p = pivot(props.rows, props.week, props.name, props.value);
  const style =
    props.kind === "bar"
      ? { type: "bar", stack: "all" }
      : props.kind === "area"
        ? { type: "line", stack: "all", areaStyle: {}, symbol: "none" }
        : { type: "line", symbol: "none" };
  return (
    <Chart
      label={props.label}
      points={props.rows.length}
      option={{
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { top: 40, left: 60, right: 20, bottom: 30 },
        xAxis: { type: "category", data: p.xs },
        yAxis: { type: "value" },
        series: p.series.map((s) => ({ ...s, ...style })),
      }}
    />
  );
}

export function OverviewView({ route }: ViewProps) {
  const state = useLoad(
    () => get<Overview>("/v1/overview", filterParams(route.filters)),
    [JSON.stringify(route.filters)],
  );
  return (
    <View name="overview" ready={Boolean(state.data)}>
      <Show state={state} empty={(d) => d.totals.events === 0}>
        {(d) => {
          return (
            <>
              <section class="card wide">
                <div class="kpis">
                  <div class="kpi">
                    Customers<b>{fmt(d.totals.customers)}</b>
                  </div>
                  <div class="kpi">
                    Touchpoints (events)<b>{fmt(d.totals.events)}</b>
                  </div>
                  <div class="kpi">
                    Messages<b>{fmt(d.totals.messages)}</b>
                  </div>
                  <div class="kpi">
                    Revenue<b>{fmt(d.totals.revenue)}</b>
                  </div>
                  <div class="kpi">
                    Total CLV<b>{fmt(d.value.totalClv)}</b>
                  </div>
                  <div class="kpi">
                    Mean CLV<b>{fmt(d.value.meanClv, 1)}</b>
                  </div>
                </div>
              </section>
              <section class="card wide">
                <h2>Volume by channel, per week</h2>
                <WeeklyChart
                  label="Events per week by channel"
                  rows={d.byChannel}
                  week={(r) => r.week}
                  name={(r) => r.channel}
                  value={(r) => r.events}
                  kind="area"
                />
              </section>
              <section class="card">
                <h2>Top touchpoints</h2>
                <Chart
                  label="Events by touchpoint"
                  points={d.byTouchpoint.length}
                  option={{
                    tooltip: {},
                    grid: { left: 130, right: 20, top: 10, bottom: 30 },
                    xAxis: { type: "value" },
                    yAxis: { type: "category", inverse: true, data: d.byTouchpoint.map((t) => t.touchpoint) },
                    series: [{ type: "bar", data: d.byTouchpoint.map((t) => t.events) }],
                  }}
                />
              </section>
              <section class="card">
                <h2>Behaviour mix of messages, per week</h2>
                <WeeklyChart
                  label="Messages per week by behaviour"
                  rows={d.behaviour}
                  week={(r) => r.week}
                  name={(r) => r.behaviour}
                  value={(r) => r.messages}
                  kind="bar"
                />
              </section>
            </>
          );
        }}
      </Show>
    </View>
  );
}
