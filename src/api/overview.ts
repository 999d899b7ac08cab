/**
 * The dashboard's overview and value distribution: cross-domain summaries over HTTP (read key). Their SQL
 * lives here, once; the filters are the same as the journeys' (time range, channel, segment).
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { CUSTOMER_OF_EVENT, IDENTITY_JOIN } from "../identity/identity-store.js";
import { eventFilterWhere } from "../journeys/query.js";
import { SEGMENT_CUSTOMERS } from "../segments/sql.js";
import type { Engine } from "../store/engine.js";
import { readRoute } from "./read-route.js";

const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : v.split(",").filter(Boolean)));

export const overviewQuerySchema = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  channel: list,
  segment: z.coerce.number().int().min(0).max(1000).optional(),
});

type Filter = z.output<typeof overviewQuerySchema>;

/** The condition on customer_value rows for the filter's segment (none without one). */
const valueSegment = (filter: Filter) =>
  filter.segment !== undefined ? `AND customer_id IN ${SEGMENT_CUSTOMERS}` : "";

function where(filter: Filter): { sql: string; params: Record<string, unknown> } {
  const { where: parts, params } = eventFilterWhere(filter, { inboundOnly: true });
  return { sql: parts.join(" AND "), params };
}

export async function overview(engine: Engine, filter: Filter) {
  const { sql, params } = where(filter);
  // Two scans of the events instead of four: the totals and the touchpoints (which count customers, so
  // they need the identity map) in one, the weekly volumes by channel and by behaviour in the other (the
  // map joined only when a segment filters the events). GROUPING(x) = 0 where x is grouped.
  const perTouchpoint = await engine.query<{
    per_touchpoint: number;
    touchpoint: string;
    channel: string;
    events: number;
    customers: number;
    messages: number;
    revenue: number;
    first: string;
    last: string;
  }>(
    `SELECT grouping(e.touchpoint) = 0 AS per_touchpoint, e.touchpoint AS touchpoint, any(toString(e.channel)) AS channel,
            count() AS events, uniqExact(${CUSTOMER_OF_EVENT}) AS customers, countIf(e.behaviour != '') AS messages,
            sumIf(ifNull(e.value, 0), e.name = 'Order Completed') AS revenue,
            toString(min(e.timestamp)) AS first, toString(max(e.timestamp)) AS last
     FROM events AS e FINAL ${IDENTITY_JOIN} WHERE ${sql}
     GROUP BY GROUPING SETS ((), (e.touchpoint))`,
    params,
  );
  const weekly = await engine.query<{
    per_channel: number;
    week: string;
    channel: string;
    behaviour: string;
    events: number;
  }>(
    `SELECT grouping(e.channel) = 0 AS per_channel, toString(toMonday(e.timestamp)) AS week,
            toString(e.channel) AS channel, toString(e.behaviour) AS behaviour, count() AS events
     FROM events AS e FINAL ${filter.segment !== undefined ? IDENTITY_JOIN : ""} WHERE ${sql}
     GROUP BY GROUPING SETS ((week, e.channel), (week, e.behaviour))`,
    params,
  );
  const [value] = await engine.query<{ customers: number; total: number; mean: number }>(
    `SELECT count() AS customers, sum(clv) AS total, avg(clv) AS mean FROM customer_value FINAL WHERE clv IS NOT NULL
     ${valueSegment(filter)}`,
    params,
  );
  const num = (x: unknown) => Number(x ?? 0);
  const totals = perTouchpoint.find((r) => !Number(r.per_touchpoint));
  const byWeek = (a: { week: string }, b: { week: string }, x: string, y: string) =>
    a.week < b.week ? -1 : a.week > b.week ? 1 : x < y ? -1 : x > y ? 1 : 0;
  return {
    totals: {
      events: num(totals?.events),
      customers: num(totals?.customers),
      messages: num(totals?.messages),
      revenue: num(totals?.revenue),
      first: totals?.first ?? null,
      last: totals?.last ?? null,
    },
    byChannel: weekly
      .filter((r) => Number(r.per_channel))
      .map((r) => ({ week: r.week, channel: r.channel, events: num(r.events) }))
      .sort((a, b) => byWeek(a, b, a.channel, b.channel)),
    byTouchpoint: perTouchpoint
      .filter((r) => Number(r.per_touchpoint))
      .map((r) => ({
        touchpoint: r.touchpoint,
        channel: r.channel,
        events: num(r.events),
        customers: num(r.customers),
      }))
      .sort((a, b) => b.events - a.events || (a.touchpoint < b.touchpoint ? -1 : 1))
      .slice(0, 30),
    behaviour: weekly
      .filter((r) => !Number(r.per_channel) && r.behaviour !== "")
      .map((r) => ({ week: r.week, behaviour: r.behaviour, messages: num(r.events) }))
      .sort((a, b) => byWeek(a, b, a.behaviour, b.behaviour)),
    value: { customers: num(value?.customers), totalClv: num(value?.total), meanClv: num(value?.mean) },
  };
}

/** Histograms of stored CLV (log-spaced bins) and P(alive) (tenths). */
export async function valueDistribution(engine: Engine, filter: Filter) {
  const segment = valueSegment(filter);
  const clv = await engine.query<{ bin: number; customers: number }>(
    `SELECT floor(log10(1 + clv) * 4) AS bin, count() AS customers FROM customer_value FINAL
     WHERE clv IS NOT NULL ${segment} GROUP BY bin ORDER BY bin`,
    { segment: filter.segment ?? 0 },
  );
  const alive = await engine.query<{ bin: number; customers: number }>(
    `SELECT least(9, floor(p_alive * 10)) AS bin, count() AS customers FROM customer_value FINAL
     WHERE 1 ${segment} GROUP BY bin ORDER BY bin`,
    { segment: filter.segment ?? 0 },
  );
  return {
    clv: clv.map((r) => ({
      from: Math.round(10 ** (Number(r.bin) / 4) - 1),
      to: Math.round(10 ** ((Number(r.bin) + 1) / 4) - 1),
      customers: Number(r.customers),
    })),
    pAlive: alive.map((r) => ({
      from: Number(r.bin) / 10,
      to: (Number(r.bin) + 1) / 10,
      customers: Number(r.customers),
    })),
  };
}

export function registerOverviewRoutes(app: FastifyInstance, engine: Engine): void {
  readRoute(
    app,
    "/v1/overview",
    {
      tags: ["overview"],
      summary: "Volume by channel and touchpoint over time, behaviour mix, customers, value",
      // The dashboard's first view: kept until the data changes, like the other analytic reads.
      cache: true,
    },
    overviewQuerySchema,
    (q) => overview(engine, q),
  );
  readRoute(
    app,
    "/v1/value/distribution",
    { tags: ["value"], summary: "Histograms of CLV and P(alive)", cache: true },
    overviewQuerySchema,
    (q) => valueDistribution(engine, q),
  );
}
