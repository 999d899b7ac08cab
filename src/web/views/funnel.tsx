import { useEffect, useState } from "preact/hooks";
import { get } from "../api";
import { Chart } from "../chart";
import { duration, fmt, Show, useLoad, View } from "../load";
import type { ViewProps } from "../main";
import { filterParams } from "../state";

interface Funnel {
  breakdown?: {
    by: string;
    groups: Array<{ value: string; entered: number[]; converted: number; conversion: number }>;
  };
  cases: number;
  converted: number;
  conversion: number;
  medianSecondsToConvert: number | null;
  p90SecondsToConvert: number | null;
  steps: Array<{
    step: string;
    entered: number;
    conversionFromPrevious: number;
    medianSecondsFromPrevious: number | null;
    p90SecondsFromPrevious: number | null;
    droppedAfter: number;
    nextInstead: Array<{ step: string; count: number }>;
    nextChannelsInstead: Array<{ channel: string; count: number }>;
  }>;
}

interface Suggested {
  conversion: string | null;
  steps: string[];
  cases: number;
  converted: number;
}

export function FunnelView({ route, navigate }: ViewProps) {
  // Until someone picks steps (own=1 once they do), the funnel is the most common path to a purchase.
  const own = route.extra.own === "1" || route.extra.steps !== undefined;
  const suggestion = useLoad(
    () =>
      own
        ? Promise.resolve(undefined)
        : get<Suggested>("/v1/journeys/funnel/suggested", { ...filterParams(route.filters), brand: false }),
    [JSON.stringify(route.filters), own],
  );
  const steps = own ? (route.extra.steps ?? "").split("|").filter(Boolean) : (suggestion.data?.steps ?? []);
  const window = route.extra.window ?? "7d";
  const breakdown = route.extra.breakdown ?? "";
  // Hold an object constant: one case per value of this event property (the same cart, the same ticket).
  const hold = route.extra.hold ?? "";
  const [holdDraft, setHoldDraft] = useState(hold);
  const [pick, setPick] = useState("");
  const state = useLoad(
    () =>
      steps.length >= 2
        ? get<Funnel>("/v1/journeys/funnel", {
            ...filterParams(route.filters),
            step: steps,
            window,
            breakdown: breakdown || undefined,
            hold: hold || undefined,
          })
        : Promise.resolve(undefined),
    [JSON.stringify(route.filters), steps.join("|"), window, breakdown, hold],
  );
  // The step picker's choices come from the process map: asked for once the funnel itself has come (both
  // compete for the engine's two cores, and the funnel is what the page is for).
  // (Not merely "nothing loading": in the render where the suggestion arrives, the funnel for its steps
  // has not started yet.)
  const funnelDone =
    steps.length >= 2
      ? !state.loading && (state.data !== undefined || state.error !== undefined)
      : own || !suggestion.loading;
  const [choicesWanted, setChoicesWanted] = useState(false);
  useEffect(() => {
    if (funnelDone) setChoicesWanted(true);
  }, [funnelDone]);
  const touchpoints = useLoad(
    () =>
      choicesWanted
        ? get<{ activities: Record<string, number> }>("/v1/journeys/dfg", filterParams(route.filters))
        : Promise.resolve(undefined),
    [JSON.stringify(route.filters), choicesWanted],
  );
  // A middle step is optional when its text ends in "?" (the API's syntax).
  const isOptional = (step: string) => step.endsWith("?");
  const toggleOptional = (i: number) =>
    setSteps(steps.map((s, j) => (j !== i ? s : isOptional(s) ? s.slice(0, -1) : `${s}?`)));
  const setSteps = (next: string[]) =>
    navigate({ extra: { ...route.extra, steps: next.join("|"), window, own: "1" } });
  const options = Object.entries(touchpoints.data?.activities ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([name]) => name);
  return (
    <View
      name="funnel"
      ready={
        steps.length < 2 ? Boolean(touchpoints.data) && (own || !suggestion.loading) : Boolean(state.data)
      }
    >
      <section class="card wide">
        <h2>Build a funnel</h2>
        <div class="steps form">
          {steps.map((s, i) => (
            <span class={isOptional(s) ? "pill optional" : "pill"}>
              {i + 1}. {isOptional(s) ? `${s.slice(0, -1)} (optional)` : s}{" "}
              {i > 0 && i < steps.length - 1 && (
                <button
                  type="button"
                  class="secondary"
                  aria-pressed={isOptional(s)}
                  title="an optional step never stops anyone; it counts those who do it before the next step"
                  onClick={() => toggleOptional(i)}
                >
                  {isOptional(s) ? "required" : "optional"}
                </button>
              )}{" "}
              <button
                type="button"
                class="secondary"
                aria-label={`remove step ${s}`}
                onClick={() => setSteps(steps.filter((_, j) => j !== i))}
              >
                ×
              </button>
            </span>
          ))}
          <label>
            Add a step
            <select
              name="add-step"
              value={pick}
              onChange={(e) => setPick((e.target as HTMLSelectElement).value)}
            >
              <option value="">choose…</option>
              {options.map((o) => (
                <option value={o}>{o}</option>
              ))}
            </select>
          </label>
          <button
            type="button"
            name="add"
            disabled={!pick}
            onClick={() => {
              setSteps([...steps, pick]);
              setPick("");
            }}
          >
            Add step
          </button>
          <label>
            Window
            <select
              name="window"
              value={window}
              onChange={(e) =>
                navigate({
                  extra: {
                    ...route.extra,
                    steps: steps.join("|"),
                    window: (e.target as HTMLSelectElement).value,
                    own: "1",
                  },
                })
              }
            >
              {["1h", "1d", "7d", "30d"].map((w) => (
                <option value={w}>{w}</option>
              ))}
            </select>
          </label>
          <label>
            Break down by
            <select
              name="breakdown"
              value={breakdown}
              onChange={(e) =>
                navigate({ extra: { ...route.extra, breakdown: (e.target as HTMLSelectElement).value } })
              }
            >
              <option value="">nothing</option>
              <option value="channel">channel of the first step</option>
              <option value="week">week started (over time)</option>
              <option value="month">month started (over time)</option>
              <option value="segment">segment</option>
            </select>
          </label>
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              navigate({
                extra: { ...route.extra, steps: steps.join("|"), window, own: "1", hold: holdDraft.trim() },
              });
            }}
          >
            <label title="one case per value of this event property: the same order or ticket through every step, not just the same person">
              Same object across steps{" "}
              <input
                name="hold"
                list="hold-properties"
                value={holdDraft}
                placeholder="person (or cart_id, ticket_id…)"
                size={22}
                onInput={(e) => setHoldDraft((e.target as HTMLInputElement).value)}
              />
            </label>
            <datalist id="hold-properties">
              {["order_id", "cart_id", "ticket_id"].map((p) => (
                <option value={p} />
              ))}
            </datalist>
            <button type="submit" class="secondary">
              Hold
            </button>
          </form>
        </div>
        {!own && suggestion.data && suggestion.data.steps.length >= 2 && (
          <p class="muted" data-suggested>
            Suggested: the most common path to {suggestion.data.conversion}, taken by{" "}
            {fmt(suggestion.data.cases)} of the {fmt(suggestion.data.converted)} customers who converted (the
            last steps before their first purchase). Add or remove steps to build your own.
          </p>
        )}
        {steps.length < 2 && (
          <p class="status">
            {!own && suggestion.data
              ? "No purchases in this data to suggest a funnel from: pick at least two steps."
              : "Pick at least two steps."}
          </p>
        )}
      </section>
      {steps.length >= 2 && (
        <Show state={state as never} empty={(d: Funnel | undefined) => !d || d.cases === 0}>
          {(d: Funnel) => (
            <>
              <section class="card">
                <h2>
                  Conversion: {fmt(d.conversion * 100, 1)}% of {fmt(d.steps[0]?.entered ?? 0)} who started,
                  out of {fmt(d.cases)} cases{hold ? ` (one per ${hold})` : ""} (median time{" "}
                  {duration(d.medianSecondsToConvert)}, p90 {duration(d.p90SecondsToConvert)})
                </h2>
                <Chart
                  label="Funnel conversion per step"
                  points={d.steps.length}
                  option={{
                    tooltip: {},
                    grid: { left: 130, right: 30, top: 10, bottom: 30 },
                    xAxis: { type: "value" },
                    yAxis: { type: "category", inverse: true, data: d.steps.map((s) => s.step) },
                    series: [
                      {
                        type: "bar",
                        data: d.steps.map((s) => s.entered),
                        label: { show: true, position: "right" },
                      },
                    ],
                  }}
                />
              </section>
              {d.breakdown && d.breakdown.groups.length > 0 && <BreakdownCard breakdown={d.breakdown} />}
              <section class="card">
                <h2>At each drop-off, what people did instead</h2>
                <table>
                  <thead>
                    <tr>
                      <th>Step</th>
                      <th class="num">Entered</th>
                      <th class="num">From previous</th>
                      <th class="num">Median</th>
                      <th>Dropped, then</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.steps.map((s) => (
                      <tr>
                        <td>{s.step}</td>
                        <td class="num">{fmt(s.entered)}</td>
                        <td class="num">{fmt(s.conversionFromPrevious * 100, 1)}%</td>
                        <td class="num">{duration(s.medianSecondsFromPrevious)}</td>
                        <td>
                          {s.droppedAfter > 0 ? `${fmt(s.droppedAfter)}: ` : ""}
                          {s.nextInstead
                            .slice(0, 3)
                            .map((n) => `${n.step} (${n.count})`)
                            .join(", ")}
                          {s.nextChannelsInstead.length > 0 && (
                            <span class="muted">
                              {" "}
                              · channels{" "}
                              {s.nextChannelsInstead
                                .slice(0, 3)
                                .map((c) => `${c.channel} (${c.count})`)
                                .join(", ")}
                            </span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            </>
          )}
        </Show>
      )}
    </View>
  );
}

/** Conversion per group: bars per channel, a line over time for weeks and months. */
function BreakdownCard(props: { breakdown: NonNullable<Funnel["breakdown"]> }) {
  const { by, groups } = props.breakdown;
  const overTime = by === "week" || by === "month";
  return (
    <section class="card wide">
      <h2>{overTime ? `Conversion by ${by} started` : "Conversion by channel of the first step"}</h2>
      <Chart
        label={`Funnel conversion by ${by}`}
        points={groups.length}
        option={{
          tooltip: { trigger: "axis" },
          // The legend below the axis labels, clear of them.
          grid: { left: 60, right: 60, top: 30, bottom: 60 },
          legend: { bottom: 0, data: ["started", "converted", "conversion %"] },
          xAxis: { type: "category", data: groups.map((g) => g.value) },
          yAxis: [
            { type: "value", name: "customers" },
            { type: "value", name: "%", max: 100 },
          ],
          series: [
            { name: "started", type: "bar", data: groups.map((g) => g.entered[0]) },
            { name: "converted", type: "bar", data: groups.map((g) => g.converted) },
            {
              name: "conversion %",
              type: "line",
              yAxisIndex: 1,
              data: groups.map((g) => Number((100 * g.conversion).toFixed(1))),
            },
          ],
        }}
      />
    </section>
  );
}
