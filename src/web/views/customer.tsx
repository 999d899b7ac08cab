import { useState } from "preact/hooks";
import { get } from "../api";
import { Chart, escapeHtml, PALETTE } from "../chart";
import { fmt, Show, useLoad, View } from "../load";
import type { ViewProps } from "../main";

interface Customer {
  id: string;
  identifiers: string[];
  traits: Record<string, unknown>;
  firstSeen: string;
  lastSeen: string;
  channels: Record<string, number>;
  totalValue: number;
  value: { clv: number | null; pAlive: number } | null;
  timeline: Array<{
    event_id: string;
    timestamp: string;
    channel: string;
    touchpoint: string;
    name: string;
    direction: string;
    text: string;
  }>;
  total: number;
}

interface Context {
  segment: { id: number; label: string } | null;
  actions: Array<{ action: string; reason: string; rule: string }>;
  openItems: Array<{ id: string; behaviour: string; text: string }>;
}

interface Now {
  entries: Array<{ rank: number; customerId: string; lastMessage: { behaviour: string } }>;
}

type Touch = Customer["timeline"][number];

/** One lane per channel: each touch a dot at its time (brand replies hollow), a thin line through them in order, so hops between channels show as jumps between lanes. */
function ChannelLanes(props: { timeline: Touch[] }) {
  const touches = [...props.timeline].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  const lanes = [...new Set(touches.map((t) => t.channel))];
  const hops = touches.filter((t, i) => i > 0 && t.channel !== touches[i - 1]!.channel).length;
  const point = (t: Touch) => ({ value: [t.timestamp, t.channel], touch: t });
  return (
    <>
      <p class="muted">
        {fmt(touches.length)} touches on {lanes.length} channels, {fmt(hops)} hops between channels.
      </p>
      <Chart
        label="Touches per channel over time"
        points={touches.length}
        height={Math.max(180, 60 + 34 * lanes.length)}
        option={{
          grid: { left: 110, right: 24, top: 10, bottom: 46 },
          tooltip: {
            trigger: "item",
            formatter: (p: { data: { touch?: Touch } }) => {
              const t = p.data.touch;
              return t
                ? `${escapeHtml(t.timestamp.slice(0, 16).replace("T", " "))} · ${escapeHtml(t.channel)}<br/>${
                    t.direction === "outbound" ? "brand: " : ""
                  }${escapeHtml(t.touchpoint)} (${escapeHtml(t.name)})${t.text ? `<br/>“${escapeHtml(t.text.slice(0, 140))}”` : ""}`
                : "";
            },
          },
          dataZoom: [{ type: "inside" }, { type: "slider", height: 16, bottom: 8 }],
          xAxis: { type: "time" },
          yAxis: { type: "category", data: lanes, axisTick: { show: false } },
          series: [
            {
              type: "line",
              data: touches.map(point),
              symbol: "none",
              lineStyle: { width: 1, color: "#c3c9d4" },
              silent: true,
              z: 1,
            },
            {
              type: "scatter",
              name: "customer",
              data: touches.filter((t) => t.direction !== "outbound").map(point),
              symbolSize: 9,
              itemStyle: { color: PALETTE[0] },
              z: 3,
            },
            {
              type: "scatter",
              name: "brand",
              data: touches.filter((t) => t.direction === "outbound").map(point),
              symbolSize: 9,
              itemStyle: { color: "#fff", borderColor: PALETTE[5], borderWidth: 2 },
              z: 3,
            },
          ],
        }}
      />
    </>
  );
}

export function CustomerView({ route, navigate }: ViewProps) {
  const [draft, setDraft] = useState(route.extra.id ?? "");
  // Opened without a customer: the list of who matters now, and the first of them shown.
  const now = useLoad(() => get<Now>("/v1/behaviour/now", { limit: 10 }), []);
  const id = route.extra.id ?? now.data?.entries[0]?.customerId ?? "";
  const customer = useLoad(
    () =>
      id
        ? get<Customer>(`/v1/customers/${encodeURIComponent(id)}`, { limit: 200 })
        : Promise.resolve(undefined),
    [id],
  );
  const context = useLoad(
    () =>
      customer.data
        ? get<Context>(`/v1/context/${encodeURIComponent(customer.data.id)}`)
        : Promise.resolve(undefined),
    [customer.data?.id],
  );
  const waiting = route.extra.id ? false : now.loading;
  const ready = !waiting && (!id || Boolean(customer.data && context.data) || Boolean(customer.error));
  return (
    <View name="customer" ready={ready}>
      <section class="card wide">
        <form
          class="steps form"
          aria-label="Find a customer"
          onSubmit={(e) => {
            e.preventDefault();
            navigate({ extra: { id: draft.trim() } });
          }}
        >
          <label>
            Find a customer by any identifier (user id, email, phone, @handle)
            <input
              name="customer"
              value={draft}
              onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
              size={40}
            />
          </label>
          <button type="submit">Find</button>
        </form>
        {now.data && now.data.entries.length > 0 && (
          <p class="who-now">
            <span class="muted">Who matters now: </span>
            {now.data.entries.map((e) => (
              <a
                href={`#/customer?id=${encodeURIComponent(e.customerId)}`}
                class={`pill${e.customerId === id ? " on" : ""}`}
                title={e.lastMessage.behaviour}
              >
                {e.rank}. {e.customerId}
              </a>
            ))}
          </p>
        )}
        {!id && !waiting && (
          <p class="status">Nobody is on the who-matters-now list: find a customer by an identifier above.</p>
        )}
      </section>
      {id && (
        <Show state={customer as never}>
          {(c: Customer) => (
            <>
              <section class="card" data-customer={c.id}>
                <h2>{c.id}</h2>
                <p class="identifiers">
                  {c.identifiers.map((i) => (
                    <span class="pill">{i}</span>
                  ))}
                </p>
                <p>
                  First seen {c.firstSeen.slice(0, 16).replace("T", " ")}, last seen{" "}
                  {c.lastSeen.slice(0, 16).replace("T", " ")}.
                </p>
                <p>
                  Channels:{" "}
                  {Object.entries(c.channels)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(", ")}
                </p>
              </section>
              <section class="card">
                <h2>Value and segment</h2>
                <div class="kpis">
                  <div class="kpi">
                    CLV<b>{c.value?.clv === null || c.value === null ? "–" : fmt(c.value.clv)}</b>
                  </div>
                  <div class="kpi">
                    P(alive)<b>{c.value ? fmt(c.value.pAlive, 2) : "–"}</b>
                  </div>
                  <div class="kpi">
                    Spent<b>{fmt(c.totalValue)}</b>
                  </div>
                  <div class="kpi">
                    Touchpoints<b>{fmt(c.total)}</b>
                  </div>
                </div>
                <p>
                  Segment: <b>{context.data?.segment?.label ?? "none yet"}</b>
                </p>
              </section>
              <section class="card">
                <h2>Next best actions</h2>
                <ul>
                  {(context.data?.actions ?? []).map((a) => (
                    <li>
                      <b>{a.action}</b>{" "}
                      <span class="muted">
                        ({a.rule}: {a.reason})
                      </span>
                    </li>
                  ))}
                  {context.data && context.data.actions.length === 0 && (
                    <li class="muted">nothing to do now</li>
                  )}
                </ul>
                {context.data && context.data.openItems.length > 0 && (
                  <>
                    <h2>Open in the inbox</h2>
                    <ul>
                      {context.data.openItems.slice(0, 5).map((item) => (
                        <li>
                          <b>{item.behaviour}</b>: “{item.text}”
                        </li>
                      ))}
                    </ul>
                  </>
                )}
              </section>
              <section class="card wide">
                <h2>Cross-channel timeline</h2>
                <ChannelLanes timeline={c.timeline} />
                <table data-points={c.timeline.length} class="timeline">
                  <thead>
                    <tr>
                      <th>When</th>
                      <th>Channel</th>
                      <th>Touch</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.timeline
                      .slice()
                      .reverse()
                      .map((e) => (
                        <tr>
                          <td class="when">{e.timestamp.slice(0, 16).replace("T", " ")}</td>
                          <td>
                            <span class="pill">{e.channel}</span>
                          </td>
                          <td>
                            {e.direction === "outbound" ? "brand: " : ""}
                            {e.touchpoint} <span class="muted">{e.name}</span>
                            {e.text && <div>“{e.text}”</div>}
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
