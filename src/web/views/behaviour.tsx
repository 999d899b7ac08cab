import { get } from "../api";
import { fmt, Show, useLoad, View } from "../load";
import type { ViewProps } from "../main";
import { filterParams } from "../state";
import { WeeklyChart } from "./overview";

interface Now {
  at: string;
  entries: Array<{
    rank: number;
    customerId: string;
    score: number;
    components: { behaviour: number; value: number; reach: number };
    lastMessage: { behaviour: string; text: string; touchpoint: string };
    onListSince: string;
  }>;
  history: Array<{ at: string; customerId: string; change: string }>;
}

interface Themes {
  touchpoints: Array<{
    touchpoint: string;
    spaces: Array<{
      behaviour: string;
      volume: number;
      trend: number | null;
      themes: Array<{ phrase: string; messages: number; examples: Array<{ text: string }> }>;
    }>;
  }>;
}

export function BehaviourView({ route }: ViewProps) {
  const segment = route.filters.segment;
  const over = useLoad(
    () =>
      get<{ behaviour: Array<{ week: string; behaviour: string; messages: number }> }>(
        "/v1/overview",
        filterParams(route.filters),
      ),
    [JSON.stringify(route.filters)],
  );
  const now = useLoad(() => get<Now>("/v1/behaviour/now", { limit: 10, segment }), [segment]);
  const themes = useLoad(() => get<Themes>("/v1/behaviour/themes", { top: 3, segment }), [segment]);
  return (
    <View name="behaviour" ready={Boolean(over.data && now.data && themes.data)}>
      <section class="card wide">
        <h2>The four spaces over time</h2>
        <Show state={over} empty={(d) => d.behaviour.length === 0}>
          {(d) => (
            <WeeklyChart
              label="Messages per week by behaviour"
              rows={d.behaviour}
              week={(r) => r.week}
              name={(r) => r.behaviour}
              value={(r) => r.messages}
              kind="line"
            />
          )}
        </Show>
      </section>
      <section class="card">
        <h2>Who matters now</h2>
        <Show state={now} empty={(d) => d.entries.length === 0}>
          {(d) => (
            <>
              <table data-points={d.entries.length}>
                <thead>
                  <tr>
                    <th class="num">#</th>
                    <th>Customer</th>
                    <th class="num">Score</th>
                    <th>Why</th>
                    <th>On the list since</th>
                  </tr>
                </thead>
                <tbody>
                  {d.entries.map((e) => (
                    <tr>
                      <td class="num">{e.rank}</td>
                      <td>
                        <a href={`#/customer?id=${encodeURIComponent(e.customerId)}`}>{e.customerId}</a>
                      </td>
                      <td class="num">{fmt(e.score, 2)}</td>
                      <td>
                        {e.lastMessage.behaviour}: “{e.lastMessage.text}”{" "}
                        <span class="muted">
                          (behaviour {fmt(e.components.behaviour, 2)} × value {fmt(e.components.value, 2)} ×
                          reach {fmt(e.components.reach, 2)})
                        </span>
                      </td>
                      <td>{e.onListSince.slice(0, 16).replace("T", " ")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h2>Entries and exits</h2>
              <ul>
                {d.history.slice(0, 8).map((h) => (
                  <li>
                    {h.at.slice(0, 16).replace("T", " ")}: {h.customerId} {h.change}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Show>
      </section>
      <section class="card">
        <h2>Voice of the customer per touchpoint</h2>
        <Show state={themes} empty={(d) => d.touchpoints.length === 0}>
          {(d) => (
            <table data-points={d.touchpoints.length}>
              <thead>
                <tr>
                  <th>Touchpoint</th>
                  <th>Space</th>
                  <th class="num">Volume</th>
                  <th class="num">Trend</th>
                  <th>Themes (example)</th>
                </tr>
              </thead>
              <tbody>
                {d.touchpoints.slice(0, 6).flatMap((t) =>
                  t.spaces.map((s) => (
                    <tr>
                      <td>{t.touchpoint}</td>
                      <td>{s.behaviour}</td>
                      <td class="num">{fmt(s.volume)}</td>
                      <td class="num">{s.trend === null ? "–" : `${fmt(s.trend * 100)}%`}</td>
                      <td>
                        {s.themes.map((th) => (
                          <span class="pill" title={th.examples[0]?.text}>
                            {th.phrase} ({th.messages})
                          </span>
                        ))}
                      </td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          )}
        </Show>
      </section>
    </View>
  );
}
