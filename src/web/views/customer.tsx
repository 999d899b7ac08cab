import { useState } from "preact/hooks";
import { get } from "../api";
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

export function CustomerView({ route, navigate }: ViewProps) {
  const id = route.extra.id ?? "";
  const [draft, setDraft] = useState(id);
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
  return (
    <View name="customer" ready={!id || Boolean(customer.data && context.data) || Boolean(customer.error)}>
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
      </section>
      {id && (
        <Show state={customer as never}>
          {(c: Customer) => (
            <>
              <section class="card" data-customer={c.id}>
                <h2>{c.id}</h2>
                <p>
                  {c.identifiers.map((i) => (
                    <span class="pill">{i}</span>
                  ))}
                </p>
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
                  Segment: <b>{context.data?.segment?.label ?? "none yet"}</b>. Channels:{" "}
                  {Object.entries(c.channels)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(", ")}
                  . First seen {c.firstSeen}, last seen {c.lastSeen}.
                </p>
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
              </section>
              <section class="card">
                <h2>Cross-channel timeline</h2>
                <table data-points={c.timeline.length}>
                  <tbody>
                    {c.timeline
                      .slice()
                      .reverse()
                      .map((e) => (
                        <tr>
                          <td>{e.timestamp.slice(0, 16)}</td>
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
