import { get } from "../api";
import { fmt, Show, useLoad, View } from "../load";
import type { ViewProps } from "../main";
import { filterParams, toHash } from "../state";

interface Friction {
  cases: number;
  items: Array<{
    kind: string;
    item: string;
    occurrences: number;
    friction: number;
    components: Record<string, number>;
    explanation: string;
  }>;
}

export function FrictionView({ route }: ViewProps) {
  const state = useLoad(
    // Customers' own touches: the brand's replies are not where customers struggle (and the blueprint's pains
    // and the touchpoint table rank the same walk, so a step shows one friction everywhere).
    () => get<Friction>("/v1/journeys/friction", { ...filterParams(route.filters), brand: "false", top: 30 }),
    [JSON.stringify(route.filters)],
  );
  return (
    <View name="friction" ready={Boolean(state.data)}>
      <section class="card wide">
        <h2>Where customers struggle</h2>
        <p class="muted">
          Friction = mean of six shares over a step's visits: no outcome within 7 days (drop), return to an
          earlier step (loop), next touch on another channel within a day (hop), the same step again within 7
          days (repeat), over an hour before the next touch (wait), a reported failure or a complaint within a
          day (fail).
        </p>
        <Show state={state} empty={(d) => d.items.length === 0}>
          {(d) => (
            <table data-points={d.items.length}>
              <thead>
                <tr>
                  <th class="num">Friction</th>
                  <th>Step or transition</th>
                  <th>Why</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {d.items.map((i) => (
                  <tr>
                    <td class="num">{fmt(i.friction, 3)}</td>
                    <td>
                      <span class="pill">{i.kind}</span> {i.item}
                    </td>
                    <td>{i.explanation}</td>
                    <td>
                      {i.kind === "transition" && (
                        <a href={toHash({ view: "map", filters: route.filters, extra: { edge: i.item } })}>
                          on the map
                        </a>
                      )}
                    </td>
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
