/** Value over HTTP (read key): attribution from the store and the touchpoint investment table. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { readRoute } from "../api/read-route.js";
import { sharedCompute } from "../api/shared-compute.js";
import { computeFor } from "../lanes/compute.js";
import type { AnalyticLane } from "../lanes/pool.js";
import type { Engine } from "../store/engine.js";
import { DEFAULT_MAX_STATES, DEFAULT_PURCHASE_EVENTS } from "./defaults.js";
import { touchpointTable } from "./store.js";

/** Most channels or touchpoints one request may keep apart before folding the rest into "(other)". */
const MAX_STATES = 200;

const conversionList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? DEFAULT_PURCHASE_EVENTS : Array.isArray(v) ? v : v.split(",")));

export const attributionQuerySchema = z.object({
  by: z.enum(["channel", "touchpoint"]).default("channel"),
  conversion: conversionList,
  lookback: z.coerce.number().positive().max(3650).default(30),
  order: z.coerce.number().int().min(1).max(4).default(1),
  halfLife: z.coerce.number().min(0.01).max(3650).default(1),
  states: z.coerce.number().int().min(2).max(MAX_STATES).default(DEFAULT_MAX_STATES),
});

export const touchpointQuerySchema = z.object({
  by: z.enum(["touchpoint", "channel"]).default("touchpoint"),
  conversion: conversionList,
  lookback: z.coerce.number().positive().max(3650).default(30),
  segment: z.coerce.number().int().min(0).max(1000).optional(),
  states: z.coerce.number().int().min(2).max(MAX_STATES).default(DEFAULT_MAX_STATES),
});

/** `lane`: the server's analytic lane, where journeys are walked (without one, here). */
export function registerValueRoutes(app: FastifyInstance, engine: Engine, lane?: AnalyticLane): void {
  const tags = ["value"];
  readRoute(
    app,
    "/v1/value/attribution",
    { tags, summary: "Conversions attributed by Markov (exact), Shapley and heuristics", cache: true },
    attributionQuerySchema,
    async (q, _reply, request, stop) => ({
      by: q.by,
      ...(await computeFor(engine, lane, request.keyId, stop).attribution({
        by: q.by,
        conversionEvents: q.conversion,
        lookbackMs: q.lookback * 86_400_000,
        order: q.order,
        halfLife: q.halfLife,
        maxStates: q.states,
      })),
    }),
  );
  readRoute(
    app,
    "/v1/value/touchpoints",
    { tags, summary: "The touchpoint investment table, by priority", cache: true },
    touchpointQuerySchema,
    async (q, _reply, request, stop) => ({
      by: q.by,
      touchpoints: await touchpointTable(
        engine,
        {
          by: q.by,
          conversionEvents: q.conversion,
          lookbackMs: q.lookback * 86_400_000,
          segment: q.segment,
          maxStates: q.states,
        },
        sharedCompute(app, engine, lane, request.keyId, stop),
      ),
    }),
  );
}
