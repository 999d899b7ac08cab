/**
 * Journeys as ordered sequences, one per case (a customer, or a session of one), built in SQL once and read
 * by every journey view. All journey SQL lives in this folder; this file is the shared base.
 */
import { z } from "zod";
import { CUSTOMER_OF_EVENT, IDENTITY_JOIN } from "../identity/identity-store.js";
import { SEGMENT_CUSTOMERS } from "../segments/sql.js";
import type { Engine, QueryParams } from "../store/engine.js";
import { refreshJourneySequences } from "./sequences.js";

export const journeyFilterSchema = z.object({
  by: z.enum(["touchpoint", "channel", "channel:touchpoint", "event", "behaviour"]).default("touchpoint"),
  from: z.string().optional().describe("events at or after this time (ISO 8601)"),
  to: z.string().optional().describe("events before this time (ISO 8601)"),
  channel: z.array(z.string()).optional().describe("only events on these channels"),
  source: z.array(z.string()).optional().describe("only events from these sources (e.g. import:receipt.csv)"),
  didEvent: z.string().optional().describe("only customers who did this (touchpoint or event name)"),
  sessionGapMinutes: z
    .number()
    .positive()
    .optional()
    .describe("split a customer's journey after this much inactivity"),
  collapseRepeats: z.boolean().default(false).describe("treat immediate repeats of a step as one"),
  segment: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("only customers of this segment (latest segmentation run)"),
  hold: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      "one case per value of this event property (an order's or a ticket's journey, e.g. order_id): each case holds only the touches that carry that value",
    ),
  brand: z
    .boolean()
    .default(true)
    .describe(
      "include the brand's replies as steps named 'brand: <step>' (false: the customer's own touches only)",
    ),
});
export type JourneyFilter = z.input<typeof journeyFilterSchema>;

/** The step of a touch, by dimension, from the stored sequence's element arrays (one element at a time). */
const ACTIVITY: Record<z.infer<typeof journeyFilterSchema>["by"], string> = {
  touchpoint: "tp",
  channel: "ch",
  "channel:touchpoint": "concat(ch, ':', tp)",
  event: "if(nm != '', nm, ty)",
  // What people do: a message is its behaviour (praise, complaint, ...), any other event its touchpoint.
  behaviour: "if(bh != '', bh, tp)",
};

/** The per-case arrays casesQuery returns, each in journey order (index i of each is the same touch). */
const CASE_ARRAYS = ["times", "seqs", "steps", "channels", "names", "behaviours"] as const;

/**
 * Keeps the elements of every case array where `keep(element, ...)` holds over `mask` (arrays given to the
 * lambda after each element). Reads the arrays under a prefix: an alias may not name what it reads.
 */
function keepWhere(arrays: readonly string[], lambda: string, masks: string): string {
  return arrays.map((a) => `arrayFilter(${lambda}, all_${a}, ${masks}) AS ${a}`).join(", ");
}

/** The case arrays renamed with the prefix keepWhere reads. */
const prefixed = (arrays: readonly string[]) => arrays.map((a) => `${a} AS all_${a}`).join(", ");

/**
 * A case's steps sent compact: `s`, each element as an index (from 1) into `sd`, the distinct elements in
 * order of first appearance (journeys/friction.ts and value/paths.ts read them back).
 */
export const compactSteps = (array: string) =>
  `arrayEnumerateDense(${array}) AS s, arrayFilter((x, u) -> u = 1, ${array}, arrayEnumerateUniq(${array})) AS sd`;

/** An event property's value as text (strings unquoted, numbers and other JSON as written; '' when absent). */
const propertyValue = (param: string) =>
  `if(JSONType(e.properties, {${param}:String}) = 'String', JSONExtractString(e.properties, {${param}:String}), JSONExtractRaw(e.properties, {${param}:String}))`;

/**
 * Per customer, the seqs and values of their events that carry the property named by {param}; joined to the
 * stored sequences by seq (an event's ingest order, distinct within a customer).
 */
const propertyOfTouches = (param: string) => `
  SELECT ${CUSTOMER_OF_EVENT} AS customer, groupArray(e.seq) AS pseqs, groupArray(v) AS pvalues
  FROM (SELECT e.seq, e.identity_key, ${propertyValue(param)} AS v FROM events AS e FINAL WHERE v != '') AS e
  ${IDENTITY_JOIN}
  GROUP BY customer`;

/**
 * The shared per-touch filters (time range, channels, sources, inbound only) as conditions over the given
 * expressions: the events table's columns, or one element of a stored sequence inside a lambda.
 */
function touchConditions(
  filter: { from?: string; to?: string; channel?: string[]; source?: string[] },
  touch: { ms: string; channel: string; source: string; inbound: string },
  inboundOnly: boolean,
): { conditions: string[]; params: QueryParams } {
  const conditions = inboundOnly ? [touch.inbound] : [];
  const params: QueryParams = {};
  if (filter.from) {
    conditions.push(
      `${touch.ms} >= toUnixTimestamp64Milli(parseDateTime64BestEffort({from:String}, 3, 'UTC'))`,
    );
    params.from = filter.from;
  }
  if (filter.to) {
    conditions.push(`${touch.ms} < toUnixTimestamp64Milli(parseDateTime64BestEffort({to:String}, 3, 'UTC'))`);
    params.to = filter.to;
  }
  if (filter.channel?.length) {
    conditions.push(`${touch.channel} IN {channels:Array(String)}`);
    params.channels = filter.channel;
  }
  if (filter.source?.length) {
    conditions.push(`${touch.source} IN {sources:Array(String)}`);
    params.sources = filter.source;
  }
  return { conditions, params };
}

/** The WHERE conditions (over events AS e joined to the identity map) of the shared filters. */
export function eventFilterWhere(
  filter: { from?: string; to?: string; channel?: string[]; source?: string[]; segment?: number },
  options: { inboundOnly: boolean },
): { where: string[]; params: QueryParams } {
  const { conditions: where, params } = touchConditions(
    filter,
    {
      ms: "toUnixTimestamp64Milli(e.timestamp)",
      channel: "e.channel",
      source: "e.source",
      inbound: "e.direction = 'inbound'",
    },
    options.inboundOnly,
  );
  if (filter.segment !== undefined) {
    where.push(`${CUSTOMER_OF_EVENT} IN ${SEGMENT_CUSTOMERS}`);
    params.segment = filter.segment;
  }
  return { where, params };
}

/**
 * SELECT per case (a customer, or a session of one), from the customers' stored sequences
 * (src/journeys/sequences.ts; `journeyCases` refreshes them first): `case_id`; the arrays `times` (ms),
 * `seqs`, `steps` (the activity by the chosen dimension), `channels`, `names`, `behaviours`, all in journey
 * order; and `journey`, the same touches as tuples (ms, seq, step, channel, event name, behaviour) for code
 * that walks them. Views that aggregate read the arrays: the engine then never builds the tuples.
 * Events with equal timestamps keep their ingest order (seq: the order of the source file for imports).
 */
export function casesQuery(
  input: JourneyFilter,
  options: { properties?: readonly string[] } = {},
): { sql: string; params: QueryParams } {
  const filter = journeyFilterSchema.parse(input);
  // Event properties asked for come as arrays beside the touches (prop_1, ...); a held property is one too.
  const properties = [...(options.properties ?? []), ...(filter.hold ? [filter.hold] : [])];
  const propertyArrays = properties.map((_, i) => `prop_${i + 1}`);
  const arrays = [...CASE_ARRAYS, ...propertyArrays];
  // Conditions on one stored touch (ms, ch, ob, src), combined into one mask per customer.
  const { conditions: keep, params } = touchConditions(
    filter,
    { ms: "ms", channel: "ch", source: "src", inbound: "ob = 0" },
    !filter.brand,
  );
  // Without the brand's replies no step needs the "brand: " prefix; by touchpoint the steps are stored as is.
  const step = ACTIVITY[filter.by];
  const steps =
    !filter.brand && filter.by === "touchpoint"
      ? "j.touchpoint"
      : `arrayMap((tp, ch, nm, ty, bh, ob) -> ${filter.brand ? `if(ob = 1, concat('brand: ', ${step}), ${step})` : step},
           j.touchpoint, j.channel, j.name, j.type, j.behaviour, j.outbound)`;
  const stored = (prefix: string) =>
    [
      `j.customer_id AS customer, j.ts AS ${prefix}times, j.seq AS ${prefix}seqs`,
      `${steps} AS ${prefix}steps, j.channel AS ${prefix}channels, j.name AS ${prefix}names, j.behaviour AS ${prefix}behaviours`,
      ...propertyArrays.map(
        (a, i) => `arrayMap(s -> p${i + 1}.pvalues[indexOf(p${i + 1}.pseqs, s)], j.seq) AS ${prefix}${a}`,
      ),
    ].join(", ");
  properties.forEach((name, i) => {
    params[`property_${i + 1}`] = name;
  });
  const joins = properties
    .map(
      (_, i) =>
        `LEFT JOIN (${propertyOfTouches(`property_${i + 1}`)}) AS p${i + 1} ON p${i + 1}.customer = j.customer_id`,
    )
    .join(" ");
  if (filter.segment !== undefined) params.segment = filter.segment;
  const which = filter.segment !== undefined ? `WHERE j.customer_id IN ${SEGMENT_CUSTOMERS}` : "";
  // The conditions are evaluated once per touch into a mask, which then filters each array.
  const perCustomer =
    keep.length === 0
      ? `SELECT ${stored("")} FROM customer_journeys AS j FINAL ${joins} ${which}`
      : `SELECT customer, ${keepWhere(arrays, "(x, keep) -> keep", "mask")}
         FROM (SELECT ${stored("all_")},
                      arrayMap((ms, ch, ob, src) -> ${keep.join(" AND ")}, j.ts, j.channel, j.outbound, j.source) AS mask
               FROM customer_journeys AS j FINAL ${joins} ${which})`;
  const where = ["length(times) > 0"];
  if (filter.didEvent) {
    where.push("(has(steps, {did:String}) OR has(names, {did:String}))");
    params.did = filter.didEvent;
  }
  // Every level keeps `customer` beside `case_id` (a session's or an object's case names its customer).
  let cases = `SELECT customer, customer AS case_id, ${arrays.join(", ")} FROM (${perCustomer}) WHERE ${where.join(" AND ")}`;
  if (filter.sessionGapMinutes) {
    params.gap = Math.round(filter.sessionGapMinutes * 60_000);
    // Sessions: a new one starts where the gap to the previous event exceeds the limit.
    // Each array is split where a session starts and the pieces are unrolled side by side (session n is the
    // n-th piece, from 0): one pass over a customer's touches, not one per session.
    cases = `
      SELECT customer, concat(customer, '#', toString(session)) AS case_id, ${arrays.join(", ")}
      FROM (
        SELECT customer, ${arrays.map((a) => `arraySplit((x, s) -> s, ${a}, starts) AS sessions_${a}`).join(", ")},
               arrayMap(i -> i - 1, arrayEnumerate(sessions_times)) AS session_numbers
        FROM (SELECT *, arrayMap(d -> d > {gap:Int64}, arrayDifference(times)) AS starts FROM (${cases}))
      )
      ARRAY JOIN ${arrays.map((a) => `sessions_${a} AS ${a}`).join(", ")}, session_numbers AS session`;
  }
  if (filter.hold) {
    // One case per value of the held property, holding the touches that carry it ("customer · value").
    const held = `all_${propertyArrays.at(-1)}`;
    cases = `
      SELECT customer, concat(case_id, ' · ', object) AS case_id, ${keepWhere(arrays, "(x, o) -> o = object", held)}
      FROM (SELECT customer, case_id, ${prefixed(arrays)} FROM (${cases}))
      ARRAY JOIN arrayDistinct(arrayFilter(o -> o != '', ${held})) AS object`;
  }
  if (filter.collapseRepeats) {
    // Each step against the one before it as a shifted array (a lambda indexing the array copies it per element).
    cases = `SELECT customer, case_id, ${keepWhere(arrays, "(x, changed) -> changed", "changed")}
      FROM (SELECT customer, case_id, ${prefixed(arrays)},
                   arrayMap((s, p, i) -> i = 1 OR s != p, steps, arrayPushFront(arrayPopBack(steps), ''), arrayEnumerate(steps)) AS changed
            FROM (${cases}))`;
  }
  return {
    sql: `SELECT customer, case_id, ${arrays.join(", ")}, arrayZip(${CASE_ARRAYS.join(", ")}) AS journey FROM (${cases})`,
    params,
  };
}

/** The cases query, after bringing the stored sequences up to date with what was written since. */
export async function journeyCases(
  engine: Engine,
  input: JourneyFilter,
  options: { properties?: readonly string[] } = {},
): Promise<{ sql: string; params: QueryParams }> {
  await refreshJourneySequences(engine);
  return casesQuery(input, options);
}

/** One touch of a journey as casesQuery returns it. */
export type Touch = [
  time: number,
  seq: number,
  step: string,
  channel: string,
  event: string,
  behaviour: string,
];
