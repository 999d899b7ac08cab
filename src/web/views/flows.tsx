import { useState } from "preact/hooks";
import { get } from "../api";
import { Chart } from "../chart";
import { Show, useLoad, View } from "../load";
import type { ViewProps } from "../main";
import { filterParams } from "../state";

interface Paths {
  nodes: Array<{ id: string; step: number; activity: string; value: number }>;
  links: Array<{ source: string; target: string; value: number }>;
}

export function FlowsView({ route, navigate }: ViewProps) {
  const anchor = route.extra.step ?? "checkout";
  const direction = route.extra.direction ?? "from";
  const by = route.extra.by ?? "touchpoint";
  // Optional: only anchors whose event has property=value; steps told apart by a property.
  const where = route.extra.where ?? "";
  const groupBy = route.extra.groupBy ?? "";
  const [draft, setDraft] = useState({ step: anchor, where, groupBy });
  const state = useLoad(
    () =>
      get<Paths>("/v1/journeys/paths", {
        ...filterParams(route.filters),
        by,
        steps: 5,
        [direction === "from" ? "fromStep" : "toStep"]: anchor,
        where: where || undefined,
        groupBy: groupBy || undefined,
      }),
    [JSON.stringify(route.filters), anchor, direction, by, where, groupBy],
  );
  const set = (extra: Record<string, string>) =>
    navigate({ extra: { step: anchor, direction, by, where, groupBy, ...extra } });
  const field = (name: keyof typeof draft) => ({
    name,
    value: draft[name],
    onInput: (e: Event) => setDraft({ ...draft, [name]: (e.target as HTMLInputElement).value }),
  });
  return (
    <View name="flows" ready={Boolean(state.data)}>
      <section class="card wide">
        <form
          class="steps form"
          onSubmit={(e) => {
            e.preventDefault();
            set(draft);
          }}
        >
          <label>
            Direction
            <select
              value={direction}
              onChange={(e) => set({ direction: (e.target as HTMLSelectElement).value })}
            >
              <option value="from">what happens after</option>
              <option value="to">what leads to</option>
            </select>
          </label>
          <label>
            Step <input {...field("step")} />
          </label>
          <label>
            Only where{" "}
            <input {...field("where")} placeholder="property=value, e.g. reason=checkout" size={28} />
          </label>
          <label>
            Group steps by <input {...field("groupBy")} placeholder="event property, e.g. reason" size={18} />
          </label>
          <label>
            Read by
            <select value={by} onChange={(e) => set({ by: (e.target as HTMLSelectElement).value })}>
              <option value="touchpoint">touchpoint</option>
              <option value="channel">channel</option>
              <option value="behaviour">behaviour</option>
            </select>
          </label>
          <button type="submit">Show flow</button>
        </form>
        <h2>
          Five steps {direction === "from" ? "after" : "before"} “{anchor}”{where ? ` where ${where}` : ""},
          by {by}
          {groupBy ? ` and ${groupBy}` : ""}
        </h2>
        <Show state={state} empty={(d) => d.links.length === 0}>
          {(d) => (
            <Chart
              tall
              label={`Sankey of journeys ${direction} ${anchor}`}
              points={d.links.length}
              option={{
                tooltip: { trigger: "item" },
                series: [
                  {
                    type: "sankey",
                    data: d.nodes.map((n) => ({ name: n.id, value: n.value })),
                    links: d.links,
                    emphasis: { focus: "adjacency" },
                    lineStyle: { color: "gradient", curveness: 0.5 },
                    label: {
                      fontSize: 11,
                      formatter: (p: { name: string }) =>
                        d.nodes.find((n) => n.id === p.name)?.activity ?? p.name,
                    },
                  },
                ],
              }}
            />
          )}
        </Show>
      </section>
    </View>
  );
}
