import { useState } from "preact/hooks";
import { get } from "../api";
import { Chart } from "../chart";
import { fmt, Show, useLoad, View } from "../load";
import type { ViewProps } from "../main";

interface Segments {
  k: number;
  silhouette: number;
  customers: number;
  createdAt: string;
  segments: Array<{ id: number; size: number; share: number; label: string; description: string }>;
}

interface Profile {
  id: number;
  label: string;
  customers: number;
  conversion: number;
  meanClv: number;
  behaviour: Record<string, number>;
  topJourneys: Array<{ activities: string[]; count: number }>;
}

interface Comparison {
  a: Profile;
  b: Profile;
  conversion: { oddsRatio: number; pValue: number };
  clv: { difference: number; pValue: number };
  complaints: { oddsRatio: number; pValue: number };
}

export function SegmentsView(_: ViewProps) {
  const state = useLoad(() => get<Segments>("/v1/segments"), []);
  const [pair, setPair] = useState<[string, string]>(["0", "1"]);
  const compare = useLoad(
    () => get<Comparison>("/v1/segments/compare", { a: pair[0], b: pair[1] }),
    [pair.join()],
  );
  return (
    <View name="segments" ready={Boolean(state.data || state.error) && !compare.loading}>
      <section class="card wide">
        <Show state={state} empty={(d) => d.segments.length === 0}>
          {(d) => (
            <>
              <h2>
                {d.k} segments of {fmt(d.customers)} customers (silhouette {fmt(d.silhouette, 2)}, run{" "}
                {d.createdAt})
              </h2>
              <Chart
                label="Segment sizes"
                points={d.segments.length}
                option={{
                  tooltip: {},
                  grid: { left: 260, right: 30, top: 10, bottom: 30 },
                  xAxis: { type: "value" },
                  yAxis: {
                    type: "category",
                    inverse: true,
                    data: d.segments.map((s) => `${s.id}. ${s.label}`),
                  },
                  series: [{ type: "bar", data: d.segments.map((s) => s.size) }],
                }}
              />
              <table>
                <tbody>
                  {d.segments.map((s) => (
                    <tr>
                      <td class="num">{s.id}</td>
                      <td>{s.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </Show>
      </section>
      <section class="card wide">
        <h2>Compare two segments</h2>
        <div class="steps form">
          {[0, 1].map((side) => (
            <label>
              Segment {side === 0 ? "A" : "B"}
              <select
                name={`segment-${side}`}
                value={pair[side]}
                onChange={(e) => {
                  const next = [...pair] as [string, string];
                  next[side] = (e.target as HTMLSelectElement).value;
                  setPair(next);
                }}
              >
                {(state.data?.segments ?? []).map((s) => (
                  <option value={String(s.id)}>
                    {s.id}. {s.label}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </div>
        <Show state={compare}>
          {(c) => (
            <table>
              <thead>
                <tr>
                  <th />
                  <th>A: {c.a.label}</th>
                  <th>B: {c.b.label}</th>
                  <th>Significance</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <td>Customers</td>
                  <td>{fmt(c.a.customers)}</td>
                  <td>{fmt(c.b.customers)}</td>
                  <td />
                </tr>
                <tr>
                  <td>Conversion</td>
                  <td>{fmt(c.a.conversion * 100, 1)}%</td>
                  <td>{fmt(c.b.conversion * 100, 1)}%</td>
                  <td>
                    odds ratio {fmt(c.conversion.oddsRatio, 2)}, p {c.conversion.pValue.toExponential(1)}
                  </td>
                </tr>
                <tr>
                  <td>Mean value</td>
                  <td>{fmt(c.a.meanClv)}</td>
                  <td>{fmt(c.b.meanClv)}</td>
                  <td>p {c.clv.pValue.toExponential(1)}</td>
                </tr>
                <tr>
                  <td>Complaints / messages</td>
                  <td>
                    {fmt(c.a.behaviour.complaint)} / {fmt(c.a.behaviour.messages)}
                  </td>
                  <td>
                    {fmt(c.b.behaviour.complaint)} / {fmt(c.b.behaviour.messages)}
                  </td>
                  <td>
                    odds ratio {fmt(c.complaints.oddsRatio, 2)}, p {c.complaints.pValue.toExponential(1)}
                  </td>
                </tr>
                <tr>
                  <td>Top journey</td>
                  <td>{c.a.topJourneys[0]?.activities.join(" › ")}</td>
                  <td>{c.b.topJourneys[0]?.activities.join(" › ")}</td>
                  <td />
                </tr>
              </tbody>
            </table>
          )}
        </Show>
      </section>
    </View>
  );
}
