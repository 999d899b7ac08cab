/** Value over HTTP (read key): attribution from the store and the touchpoint investment table. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ApiKeys } from "../api/auth.js";
import { readRoute } from "../api/read-route.js";
import type { Engine } from "../store/engine.js";
import { attribute } from "./attribution.js";
import { DEFAULT_PURCHASE_EVENTS, journeyPaths, touchpointTable } from "./store.js";

const conversionList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? DEFAULT_PURCHASE_EVENTS : Array.isArray(v) ? v : v.split(",")));

export const attributionQuerySchema = z.object({
  by: z.enum(["channel", "touchpoint"]).default("channel"),
  conversion: conversionList,
  lookback: z.coerce.number().positive().max(3650).default(30),
  order: z.coerce.number().int().min(1).max(4).default(1),
  halfLife: z.coerce.number().positive().default(1),
});

export const touchpointQuerySchema = z.object({
  by: z.enum(["touchpoint", "channel"]).default("touchpoint"),
  conversion: conversionList,
  lookback: z.coerce.number().positive().max(3650).default(30),
  segment: z.coerce.number().int().min(0).optional(),
});

export function registerValueRoutes(app: FastifyInstance, engine: Engine, keys: ApiKeys): void {
  const tags = ["value"];
  readRoute(
    app,
    keys,
    "/v1/value/attribution",
    { tags, summary: "Conversions attributed by Markov (exact), Shapley and heuristics", cache: true },
    attributionQuerySchema,
    async (q) => {
      const rows = await journeyPaths(engine, {
        by: q.by,
        conversionEvents: q.conversion,
        lookbackMs: q.lookback * 86_400_000,
      });
      return { by: q.by, paths: rows.length, ...attribute(rows, { order: q.order, halfLife: q.halfLife }) };
    },
  );
  readRoute(
    app,
    keys,
    "/v1/value/touchpoints",
    { tags, summary: "The touchpoint investment table, by priority", cache: true },
    touchpointQuerySchema,
    async (q) => ({
      by: q.by,
      touchpoints: await touchpointTable(engine, {
        by: q.by,
        conversionEvents: q.conversion,
        lookbackMs: q.lookback * 86_400_000,
        segment: q.segment,
      }),
    }),
  );
}
