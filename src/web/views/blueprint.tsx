import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { get } from "../api";
import { duration, fmt, markDrawn, Show, useLoad, View } from "../load";
import type { ViewProps } from "../main";
import { filterParams } from "../state";

interface Theme {
  phrase: string;
  messages: number;
  examples: Array<{ text: string; customerId: string }>;
}

/** A stage's counts (GET /v1/journeys/blueprint?part=counts). */
interface Stage {
  stage: string;
  steps: string[];
  customerActions: {
    reach: number;
    touches: number;
    steps: Array<{ step: string; reach: number }>;
    channels: Array<{ channel: string; touches: number }>;
  };
  frontStage: {
    responded: number;
    medianResponseSeconds: number | null;
    actions: Array<{ action: string; count: number }>;
    examples: string[];
  };
  dropOff: number;
  outcomeRate: number;
  examples: string[];
  endedExamples: string[];
  purchasedExamples: string[];
}

/** A stage's needs and pain points (?part=pains): slower, drawn when they come. */
interface StagePains {
  needs: Theme[];
  painPoints: {
    complaints: Theme[];
    friction: Array<{ step: string; friction: number; explanation: string }>;
    slaBreaches: Record<string, number>;
    slaBreachExamples: Record<string, string[]>;
  };
}

interface Blueprint<S> {
  model: string | null;
  cases: number;
  stages: S[];
}

const percent = (x: number) => `${fmt(100 * x, 1)}%`;

const customerLink = (id: string) => `#/customer?id=${encodeURIComponent(id.split("#")[0]!)}`;

/** Example customers of a cell: a few links to their 360. */
function Examples(props: { ids: string[]; label: string }) {
  if (props.ids.length === 0) return null;
  return (
    <div class="examples">
      <span class="muted">{props.label}: </span>
      {props.ids.slice(0, 3).map((id, i) => (
        <a href={customerLink(id)} title={id}>
          {i + 1}
        </a>
      ))}
    </div>
  );
}

/** Themes, each linked to the customer of its first example message (the message on hover). */
function Themes(props: { themes: Theme[]; empty: string }) {
  if (props.themes.length === 0) return <span class="muted">{props.empty}</span>;
  return (
    <>
      {props.themes.map((t) => {
        const example = t.examples[0];
        return example ? (
          <a class="pill" href={customerLink(example.customerId)} title={`“${example.text}”`}>
            {t.phrase} ({fmt(t.messages)})
          </a>
        ) : (
          <span class="pill">
            {t.phrase} ({fmt(t.messages)})
          </span>
        );
      })}
    </>
  );
}

/** One row of the blueprint: a label, then one cell per stage. */
function Row<S>(props: { label: string; stages: S[]; cell: (s: S) => ComponentChildren }) {
  return (
    <tr>
      <th scope="row">{props.label}</th>
      {props.stages.map((s) => (
        <td>{props.cell(s)}</td>
      ))}
    </tr>
  );
}

export function BlueprintView({ route, navigate }: ViewProps) {
  const model = route.extra.model ?? "";
  const models = useLoad(() => get<{ models: Array<{ name: string }> }>("/v1/journeys/models"), []);
  // The counts come first (reads of the stored journeys); needs and pain points (themes, friction) after.
  const part = <S,>(name: "counts" | "pains") =>
    get<Blueprint<S>>("/v1/journeys/blueprint", {
      ...filterParams(route.filters),
      model: model || undefined,
      part: name,
    });
  const state = useLoad(() => part<Stage>("counts"), [JSON.stringify(route.filters), model]);
  const pains = useLoad(() => part<StagePains>("pains"), [JSON.stringify(route.filters), model]);
  // The pains' own mark once both halves are drawn (the page's timing, not a test's later poll).
  useEffect(() => {
    if (state.data && pains.data) markDrawn("blueprint, pains too");
  }, [state.data, pains.data]);
  // Pains per stage once they came; a placeholder cell until then (or the error, in the cell).
  const painCell = (index: number, draw: (p: StagePains) => ComponentChildren) => {
    if (pains.error) return <span class="bad">{pains.error}</span>;
    const stage = pains.data?.stages[index];
    return stage ? draw(stage) : <span class="skeleton-line" data-pending="pains" />;
  };
  return (
    <View name="blueprint" ready={Boolean(state.data)}>
      <section class="card wide">
        <div class="steps form">
          <label>
            Stages from
            <select
              name="model"
              value={model}
              onChange={(e) => navigate({ extra: { model: (e.target as HTMLSelectElement).value } })}
            >
              <option value="">the most common steps</option>
              {(models.data?.models ?? []).map((m) => (
                <option value={m.name}>the map "{m.name}"</option>
              ))}
            </select>
          </label>
          <span class="muted">
            A service blueprint built from the data: per stage, what customers do, what the brand does in
            front of them, what they need and where it hurts. Click a customer for their 360.
          </span>
        </div>
        <Show state={state} empty={(d) => d.stages.length === 0}>
          {(d) => (
            <div class="blueprint-scroll">
              <table class="blueprint" data-points={d.stages.length}>
                <thead>
                  <tr>
                    <th />
                    {d.stages.map((s) => (
                      <th scope="col">
                        {s.stage}
                        {s.steps.length > 1 || s.steps[0] !== s.stage ? (
                          <div class="muted">{s.steps.join(", ")}</div>
                        ) : null}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  <Row
                    label="Customer actions"
                    stages={d.stages}
                    cell={(s) => (
                      <>
                        <b>{fmt(s.customerActions.reach)}</b> customers (
                        {percent(s.customerActions.reach / Math.max(1, d.cases))}),{" "}
                        {fmt(s.customerActions.touches)} touches
                        <div>
                          {s.customerActions.channels.slice(0, 4).map((c) => (
                            <span class="pill">
                              {c.channel} {fmt(c.touches)}
                            </span>
                          ))}
                        </div>
                        <Examples ids={s.examples} label="customers" />
                      </>
                    )}
                  />
                  <Row
                    label="Front stage (the brand)"
                    stages={d.stages}
                    cell={(s) =>
                      s.frontStage.responded === 0 ? (
                        <span class="muted">no reply within a week</span>
                      ) : (
                        <>
                          {fmt(s.frontStage.responded)} replies, median{" "}
                          {duration(s.frontStage.medianResponseSeconds)}
                          <div>
                            {s.frontStage.actions.map((a) => (
                              <span class="pill">
                                {a.action} {fmt(a.count)}
                              </span>
                            ))}
                          </div>
                          <Examples ids={s.frontStage.examples} label="answered" />
                        </>
                      )
                    }
                  />
                  <Row
                    label="Customer needs"
                    stages={d.stages.map((_, i) => i)}
                    cell={(i) => painCell(i, (s) => <Themes themes={s.needs} empty="no questions here" />)}
                  />
                  <Row
                    label="Pain points"
                    stages={d.stages.map((_, i) => i)}
                    cell={(i) =>
                      painCell(i, (s) => (
                        <>
                          <Themes themes={s.painPoints.complaints} empty="no complaints here" />
                          {s.painPoints.friction.map((f) => (
                            <div title={f.explanation}>
                              friction at <a href={`#/friction`}>{f.step}</a>: <b>{fmt(f.friction, 2)}</b>
                            </div>
                          ))}
                          {Object.entries(s.painPoints.slaBreaches).map(([sla, n]) => (
                            <div class="bad">
                              SLA {sla} broken {fmt(n)} times
                              <Examples ids={s.painPoints.slaBreachExamples[sla] ?? []} label="broken for" />
                            </div>
                          ))}
                        </>
                      ))
                    }
                  />
                  <Row
                    label="Drop-off and outcome"
                    stages={d.stages}
                    cell={(s) => (
                      <>
                        {percent(s.dropOff)} end here; {percent(s.outcomeRate)} purchase after
                        <Examples ids={s.endedExamples} label="ended here" />
                        <Examples ids={s.purchasedExamples} label="purchased" />
                      </>
                    )}
                  />
                  <Row
                    label="Example customers"
                    stages={d.stages}
                    cell={(s) => (
                      <>
                        {s.examples.map((c) => (
                          <a href={`#/customer?id=${encodeURIComponent(c.split("#")[0]!)}`} class="pill">
                            {c}
                          </a>
                        ))}
                      </>
                    )}
                  />
                </tbody>
              </table>
            </div>
          )}
        </Show>
      </section>
    </View>
  );
}
