/**
 * Journeys as ordered sequences, one per case (a customer, or a session of one), built in SQL once and read
 * by every journey view. All journey SQL lives in this folder; this file is the shared base.
 */
import { z } from "zod";
import { CUSTOMER_OF_EVENT, IDENTITY_JOIN } from "../identity/identity-store.js";
import { SEGMENT_CUSTOMERS } from "../segments/sql.js";
import type { QueryParams } from "../store/engine.js";

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
  brand: z
    .boolean()
    .default(true)
    .describe(
      "include the brand's replies as steps named 'brand: <step>' (false: the customer's own touches only)",
    ),
});
export type JourneyFilter = z.input<typeof journeyFilterSchema>;

const ACTIVITY: Record<z.infer<typeof journeyFilterSchema>["by"], string> = {
  touchpoint: "e.touchpoint",
  channel: "toString(e.channel)",
  "channel:touchpoint": "concat(toString(e.channel), ':', e.touchpoint)",
  event: "if(e.name != '', e.name, toString(e.type))",
  // What people do: a message is its behaviour (praise, complaint, ...), any other event its touchpoint.
  behaviour: "if(e.behaviour != '', toString(e.behaviour), e.touchpoint)",
};

/** The WHERE conditions (over events AS e joined to the identity map) of the shared filters. */
export function eventFilterWhere(
  filter: { from?: string; to?: string; channel?: string[]; source?: string[]; segment?: number },
  options: { inboundOnly: boolean },
): { where: string[]; params: QueryParams } {
  const where = options.inboundOnly ? ["e.direction = 'inbound'"] : [];
  const params: QueryParams = {};
  if (filter.from) {
    where.push("e.timestamp >= parseDateTime64BestEffort({from:String}, 3, 'UTC')");
    params.from = filter.from;
  }
  if (filter.to) {
    where.push("e.timestamp < parseDateTime64BestEffort({to:String}, 3, 'UTC')");
    params.to = filter.to;
  }
  if (filter.channel?.length) {
    where.push("e.channel IN {channels:Array(String)}");
    params.channels = filter.channel;
  }
  if (filter.source?.length) {
    where.push("e.source IN {sources:Array(String)}");
    params.sources = filter.source;
  }
  if (filter.segment !== undefined) {
    where.push(`${CUSTOMER_OF_EVENT} IN ${SEGMENT_CUSTOMERS}`);
    params.segment = filter.segment;
  }
  return { where, params };
}

/**
 * SELECT case_id, journey (Array of (ms, seq, activity, channel, event name, behaviour) in journey order) per case. Events with equal
 * timestamps keep their ingest order (seq: the order of the source file for imports).
 */
export function casesQuery(input: JourneyFilter): { sql: string; params: QueryParams } {
  const filter = journeyFilterSchema.parse(input);
  const { where, params } = eventFilterWhere(filter, { inboundOnly: !filter.brand });
  const activity = `if(e.direction = 'outbound', concat('brand: ', ${ACTIVITY[filter.by]}), ${ACTIVITY[filter.by]})`;
  const ordered = `arraySort(x -> (x.1, x.2), groupArray((toUnixTimestamp64Milli(e.timestamp), e.seq, ${activity}, toString(e.channel), e.name, toString(e.behaviour))))`;
  const collapsed = filter.collapseRepeats
    ? `arrayFilter((x, i) -> i = 1 OR x.3 != all_events[i - 1].3, all_events, arrayEnumerate(all_events))`
    : "all_events";
  const having = filter.didEvent
    ? "HAVING arrayExists(x -> x.3 = {did:String} OR x.5 = {did:String}, all_events)"
    : "";
  if (filter.didEvent) params.did = filter.didEvent;
  const perCustomer = `
    SELECT ${CUSTOMER_OF_EVENT} AS customer, ${ordered} AS all_events
    FROM events AS e FINAL ${IDENTITY_JOIN}
    WHERE ${where.length > 0 ? where.join(" AND ") : "1"}
    GROUP BY customer ${having}`;
  if (!filter.sessionGapMinutes) {
    return { sql: `SELECT customer AS case_id, ${collapsed} AS journey FROM (${perCustomer})`, params };
  }
  params.gap = Math.round(filter.sessionGapMinutes * 60_000);
  // Sessions: a new one starts where the gap to the previous event exceeds the limit.
  return {
    sql: `
      SELECT concat(customer, '#', toString(session)) AS case_id, ${collapsed.replaceAll("all_events", "session_events")} AS journey
      FROM (
        SELECT customer, session, arrayFilter((x, s) -> s = session, all_events, session_of) AS session_events
        FROM (
          SELECT customer, all_events,
                 arrayCumSum(arrayMap((x, i) -> i > 1 AND x.1 - all_events[i - 1].1 > {gap:Int64}, all_events, arrayEnumerate(all_events))) AS session_of
          FROM (${perCustomer})
        )
        ARRAY JOIN arrayDistinct(session_of) AS session
      )`,
    params,
  };
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
