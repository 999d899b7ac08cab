/**
 * Everything held about one person, as one JSON document (a data subject's access request): identifiers and
 * merges, traits, every event with its text and behaviour labels, inbox items with their actions and notes,
 * segment memberships, CLV rows, behaviour labels of their messages, and rejected events that carry any of
 * their identifiers. The server adds the context facts it holds in memory.
 */
import { identifiersOfCustomer, linksOfCustomer } from "../identity/identity-store.js";
import type { Engine } from "../store/engine.js";
import { behaviourLabelsOfPeople, carriesIdentifiers } from "./store.js";

export interface PersonExport {
  customerId: string;
  exportedAt: string;
  identifiers: string[];
  merges: unknown[];
  /** Every traits object sent with their events, latest last (as stored). */
  traits: Array<{ at: string; traits: unknown }>;
  events: Array<Record<string, unknown>>;
  inbox: Array<{ itemId: string; actions: Array<Record<string, unknown>> }>;
  segments: Array<Record<string, unknown>>;
  value: Array<Record<string, unknown>>;
  failedEvents: Array<Record<string, unknown>>;
  /** Behaviour labels agents gave their messages (or texts that carry their identifiers). */
  behaviourLabels: Array<Record<string, unknown>>;
  context?: unknown;
}

const parsed = (json: string): unknown => {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
};

export async function exportPerson(engine: Engine, customerId: string): Promise<PersonExport> {
  const identifiers = await identifiersOfCustomer(engine, customerId);
  const params = { ids: identifiers, customer: customerId };
  const events = await engine.query<
    Record<string, unknown> & { properties: string; traits: string; context: string }
  >(
    `SELECT * EXCEPT (properties, traits, context), properties, traits, context
     FROM events FINAL WHERE identity_key IN {ids:Array(String)} ORDER BY timestamp, seq, event_id`,
    params,
  );
  const actions = await engine.query<Record<string, unknown> & { item_id: string }>(
    `SELECT * FROM inbox_actions
     WHERE item_id IN (SELECT event_id FROM events WHERE identity_key IN {ids:Array(String)})
     ORDER BY item_id, at`,
    params,
  );
  const inbox = new Map<string, Array<Record<string, unknown>>>();
  for (const { item_id, ...action } of actions) {
    const list = inbox.get(item_id) ?? [];
    list.push(action);
    inbox.set(item_id, list);
  }
  const segments = await engine.query<Record<string, unknown>>(
    `SELECT m.run_id AS run_id, r.created_at AS run_at, m.segment_id AS segment_id, m.label AS label
     FROM segment_members AS m LEFT JOIN segment_runs AS r ON r.run_id = m.run_id
     WHERE m.customer_id = {customer:String} ORDER BY run_at`,
    params,
  );
  const value = await engine.query<Record<string, unknown>>(
    "SELECT * FROM customer_value WHERE customer_id = {customer:String} ORDER BY version",
    params,
  );
  const carried = carriesIdentifiers(identifiers);
  const failedEvents = await engine.query<Record<string, unknown>>(
    `SELECT received_at, source, field, reason, payload FROM failed_events WHERE ${carried.on("payload")} ORDER BY received_at`,
    carried.params,
  );
  const behaviourLabels = await engine.query<Record<string, unknown>>(
    `SELECT at, actor, source, event_id, text, labels FROM behaviour_labels
     WHERE ${behaviourLabelsOfPeople(carried.on)} ORDER BY at`,
    { ...carried.params, ids: identifiers },
  );
  return {
    customerId,
    exportedAt: new Date().toISOString(),
    identifiers,
    merges: await linksOfCustomer(engine, customerId),
    traits: events
      .filter((e) => e.traits !== "{}" && e.traits !== "")
      .map((e) => ({ at: String(e.timestamp), traits: parsed(e.traits) })),
    events: events.map((e) => ({
      ...e,
      properties: parsed(e.properties),
      traits: parsed(e.traits),
      context: parsed(e.context),
    })),
    inbox: [...inbox].map(([itemId, list]) => ({ itemId, actions: list })),
    segments,
    value,
    failedEvents: failedEvents.map((f) => ({ ...f, payload: parsed(String(f.payload)) })),
    behaviourLabels,
  };
}
