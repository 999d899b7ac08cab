/** Customer 360: everything known about one customer, found by any of their identifiers. */
import { type Engine, queryInChunks } from "../store/engine.js";
import { type CustomerValue, valueOfCustomer } from "../value/store.js";
import { kindOf } from "./identifiers.js";
import { identifiersOfCustomer } from "./identity-store.js";
import { lookupIdentifiers } from "./lookup.js";

export interface TimelineEvent {
  event_id: string;
  type: string;
  name: string;
  timestamp: string;
  channel: string;
  touchpoint: string;
  direction: string;
  text: string;
  value: number | null;
  currency: string;
  identity_key: string;
  properties: Record<string, unknown>;
}

export interface Customer360 {
  id: string;
  identifiers: string[];
  traits: Record<string, unknown>;
  firstSeen: string;
  lastSeen: string;
  channels: Record<string, number>;
  counts: { events: number; byType: Record<string, number> };
  totalValue: number;
  /** Lifetime value from the last `clv run`, or null. */
  value: CustomerValue | null;
  timeline: TimelineEvent[];
  total: number;
  next: string | null;
}

/** Finds the customer id behind any identifier a person might type; undefined when nobody matches. */
export async function findCustomer(engine: Engine, input: string): Promise<string | undefined> {
  return (await findCustomers(engine, [input])).get(input);
}

/** The same for many inputs in two queries (a privacy request names up to 5,000 people): input -> customer id. */
export async function findCustomers(engine: Engine, inputs: readonly string[]): Promise<Map<string, string>> {
  const candidatesOf = new Map(inputs.map((input) => [input, lookupIdentifiers(engine, input)]));
  const all = [...new Set([...candidatesOf.values()].flat())];
  const mapped = await queryInChunks<{ identifier: string; customer_id: string }>(
    engine,
    "SELECT identifier, customer_id FROM identity_map FINAL WHERE identifier IN {ids:Array(String)}",
    "ids",
    all,
  );
  const keys = all.filter((id) => kindOf(id) === "user" || kindOf(id) === "anon");
  const seen = await queryInChunks<{ identity_key: string }>(
    engine,
    "SELECT DISTINCT identity_key FROM events WHERE identity_key IN {ids:Array(String)}",
    "ids",
    keys,
  );
  const customerOf = new Map(mapped.map((m) => [m.identifier, m.customer_id]));
  const seenKeys = new Set(seen.map((s) => s.identity_key));
  const found = new Map<string, string>();
  for (const [input, candidates] of candidatesOf) {
    // Candidates are in order of preference (a user id before an anonymous id of the same text).
    const match = candidates.find((id) => customerOf.has(id) || seenKeys.has(id));
    if (match !== undefined) found.set(input, customerOf.get(match) ?? match);
  }
  return found;
}

function encodeCursor(row: { timestamp: string; seq: number | string; event_id: string }): string {
  return Buffer.from(JSON.stringify([row.timestamp, String(row.seq), row.event_id])).toString("base64url");
}

export class CursorError extends Error {}

function decodeCursor(cursor: string): { ts: string; seq: string; id: string } {
  try {
    const [ts, seq, id] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as string[];
    if (typeof ts !== "string" || typeof seq !== "string" || typeof id !== "string") throw new Error();
    return { ts, seq, id };
  } catch {
    throw new CursorError("cursor is not one this API returned");
  }
}

function parseJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The profile and one page of the cross-channel timeline, oldest first, keyset-paginated. */
export async function customer360(
  engine: Engine,
  customerId: string,
  options: { limit?: number; cursor?: string } = {},
): Promise<Customer360> {
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  const identifiers = await identifiersOfCustomer(engine, customerId);
  const keys = identifiers.filter((id) => kindOf(id) === "user" || kindOf(id) === "anon");
  const after = options.cursor ? decodeCursor(options.cursor) : undefined;

  const [summary] = await engine.query<{
    events: string;
    first: string;
    last: string;
    total_value: number;
    channels: Record<string, string>;
    types: Record<string, string>;
  }>(
    `SELECT count() AS events, min(timestamp) AS first, max(timestamp) AS last, sum(ifNull(value, 0)) AS total_value,
            sumMap(map(channel, toUInt64(1))) AS channels, sumMap(map(type, toUInt64(1))) AS types
     FROM events FINAL WHERE identity_key IN {keys:Array(String)}`,
    { keys },
  );
  const traitRows = await engine.query<{ traits: string }>(
    `SELECT traits FROM events FINAL WHERE identity_key IN {keys:Array(String)} AND traits != '{}'
     ORDER BY timestamp, seq`,
    { keys },
  );
  const traits: Record<string, unknown> = {};
  for (const row of traitRows) Object.assign(traits, parseJson(row.traits));

  const rows = await engine.query<TimelineEvent & { seq: string; properties: string }>(
    `SELECT event_id, type, name, timestamp, seq, channel, touchpoint, direction, text, value, currency, identity_key, properties
     FROM events FINAL
     WHERE identity_key IN {keys:Array(String)}
       ${after ? "AND (timestamp, seq, event_id) > (toDateTime64({ts:String}, 3, 'UTC'), {seq:UInt64}, {id:String})" : ""}
     ORDER BY timestamp, seq, event_id LIMIT {limit:UInt32}`,
    { keys, limit: limit + 1, ...(after ?? {}) },
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const total = Number(summary?.events ?? 0);
  return {
    id: customerId,
    identifiers,
    traits,
    firstSeen: summary && total > 0 ? summary.first : "",
    lastSeen: summary && total > 0 ? summary.last : "",
    channels: Object.fromEntries(Object.entries(summary?.channels ?? {}).map(([k, v]) => [k, Number(v)])),
    counts: {
      events: total,
      byType: Object.fromEntries(Object.entries(summary?.types ?? {}).map(([k, v]) => [k, Number(v)])),
    },
    totalValue: Number(summary?.total_value ?? 0),
    value: await valueOfCustomer(engine, customerId),
    timeline: page.map(({ seq: _seq, properties, ...event }) => ({
      ...event,
      properties: parseJson(properties),
    })),
    total,
    next: rows.length > limit && last ? encodeCursor(last) : null,
  };
}
