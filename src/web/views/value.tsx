import { get } from "../api";
import { Chart } from "../chart";
import { fmt, Show, useLoad, View } from "../load";
import type { ViewProps } from "../main";
import { filterParams } from "../state";

interface Distribution {
  clv: Array<{ from: number; to: number; customers: number }>;
  pAlive: Array<{ from: number; to: number; customers: number }>;
}

interface Attribution {
  markov: { conversions: Record<string, number> };
  shapley: { conversions: Record<string, number> };
  firstTouch: { conversions: Record<string, number> };
  lastTouch: { conversions: Record<string, number> };
  linear: { conversions: Record<string, number> };
}

interface Touchpoints {
  touchpoints: Array<{
    step: string;
    customers: number;
    valueAtStake: number;
    attributedConversions: number;
    friction: number;
    behaviour: { messages: number; complaint: number };
    priority: number;
  }>;
}

type Band = Distribution["clv"][number];

/** Customers per band as bars (the CLV and P(alive) distributions). */
function Histogram(props: {
  label: string;
  bands: Band[];
  bandLabel: (band: Band) => string;
  rotateLabels?: boolean;
  color?: string;
}) {
  return (
    <Chart
      label={props.label}
      points={props.bands.length}
      option={{
        tooltip: {},
        grid: { left: 60, right: 20, top: 10, bottom: props.rotateLabels ? 50 : 30 },
        xAxis: {
          type: "category",
          data: props.bands.map(props.bandLabel),
          ...(props.rotateLabels ? { axisLabel: { rotate: 30 } } : {}),
        },
        yAxis: { type: "value" },
        series: [
          {
            type: "bar",
            data: props.bands.map((b) => b.customers),
            ...(props.color ? { itemStyle: { color: props.color } } : {}),
          },
        ],
      }}
    />
  );
}

export function ValueView({ route }: ViewProps) {
  const f = JSON.stringify(route.filters);
  const dist = useLoad(() => get<Distribution>("/v1/value/distribution", filterParams(route.filters)), [f]);
  const attribution = useLoad(() => get<Attribution>("/v1/value/attribution", { by: "channel" }), []);
  const table = useLoad(
    () => get<Touchpoints>("/v1/value/touchpoints", { segment: route.filters.segment }),
    [route.filters.segment],
  );
  return (
    <View name="value" ready={Boolean(dist.data && attribution.data && table.data)}>
      <Show state={dist} empty={(d) => d.clv.length === 0}>
        {(d) => (
          <>
            <section class="card">
              <h2>CLV distribution (customers per band)</h2>
              <Histogram
                label="CLV histogram"
                bands={d.clv}
                bandLabel={(b) => `${fmt(b.from)}–${fmt(b.to)}`}
                rotateLabels
              />
            </section>
            <section class="card">
              <h2>P(alive)</h2>
              <Histogram
                label="P(alive) histogram"
                bands={d.pAlive}
                bandLabel={(b) => `${b.from.toFixed(1)}–${b.to.toFixed(1)}`}
                color="#009E73"
              />
            </section>
          </>
        )}
      </Show>
      <section class="card wide">
        <h2>Conversions attributed by channel, model by model</h2>
        <Show state={attribution} empty={(d) => Object.keys(d.markov.conversions).length === 0}>
          {(d) => {
            const channels = Object.keys(d.markov.conversions).sort();
            const models: Array<[string, Record<string, number>]> = [
              ["Markov", d.markov.conversions],
              ["Shapley", d.shapley.conversions],
              ["First touch", d.firstTouch.conversions],
              ["Last touch", d.lastTouch.conversions],
              ["Linear", d.linear.conversions],
            ];
            return (
              <Chart
                label="Attribution by model"
                points={channels.length * models.length}
                option={{
                  tooltip: { trigger: "axis" },
                  legend: { top: 0 },
                  grid: { top: 40, left: 60, right: 20, bottom: 30 },
                  xAxis: { type: "category", data: channels },
                  yAxis: { type: "value" },
                  series: models.map(([name, values]) => ({
                    name,
                    type: "bar",
                    data: channels.map((c) => Math.round(values[c] ?? 0)),
                  })),
                }}
              />
            );
          }}
        </Show>
      </section>
      <section class="card wide">
        <h2>Where investment pays most (priority = CLV at stake × friction)</h2>
        <Show state={table} empty={(d) => d.touchpoints.length === 0}>
          {(d) => (
            <table data-points={d.touchpoints.length}>
              <thead>
                <tr>
                  <th>Touchpoint</th>
                  <th class="num">Customers</th>
                  <th class="num">CLV at stake</th>
                  <th class="num">Attributed conversions</th>
                  <th class="num">Friction</th>
                  <th class="num">Complaints / messages</th>
                  <th class="num">Priority</th>
                </tr>
              </thead>
              <tbody>
                {d.touchpoints.slice(0, 15).map((t) => (
                  <tr>
                    <td>{t.step}</td>
                    <td class="num">{fmt(t.customers)}</td>
                    <td class="num">{fmt(t.valueAtStake)}</td>
                    <td class="num">{fmt(t.attributedConversions, 1)}</td>
                    <td class="num">{fmt(t.friction, 3)}</td>
                    <td class="num">
                      {fmt(t.behaviour.complaint)} / {fmt(t.behaviour.messages)}
                    </td>
                    <td class="num">{fmt(t.priority)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Show>
      </section>
    </View>
  );
}
