/** Journeys over HTTP (read key): the same results as `customer-flow journeys ... --json`. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { type ApiKeys, authorize, keyFromHeaders } from "../api/auth.js";
import { sendZodError } from "../api/errors.js";
import type { Engine } from "../store/engine.js";
import { friction } from "./friction.js";
import { funnel, parseDuration, parseStep } from "./funnel.js";
import { outcomes } from "./outcomes.js";
import { flows, processMap, variants } from "./views.js";

const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : v.split(",")));

const filterQuery = z.object({
  by: z.enum(["touchpoint", "channel", "channel:touchpoint", "event"]).default("touchpoint"),
  from: z.string().optional(),
  to: z.string().optional(),
  channel: list,
  source: list,
  did: z.string().optional(),
  sessionGap: z.coerce.number().positive().optional(),
  collapse: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true"),
});

const toFilter = (q: z.infer<typeof filterQuery>) => ({
  by: q.by,
  from: q.from,
  to: q.to,
  channel: q.channel,
  source: q.source,
  didEvent: q.did,
  sessionGapMinutes: q.sessionGap,
  collapseRepeats: q.collapse,
});

export function registerJourneyRoutes(app: FastifyInstance, engine: Engine, keys: ApiKeys): void {
  const tags = ["journeys"];
  app.get(
    "/v1/journeys/dfg",
    { schema: { tags, summary: "Directly-follows graph with waiting times" } },
    async (request, reply) => {
      if (!authorize(keys, keyFromHeaders(request), "read", reply)) return reply;
      const query = filterQuery.safeParse(request.query);
      if (!query.success) return sendZodError(reply, query.error);
      return processMap(engine, toFilter(query.data));
    },
  );
  app.get(
    "/v1/journeys/variants",
    { schema: { tags, summary: "Distinct journeys with counts and shares" } },
    async (request, reply) => {
      if (!authorize(keys, keyFromHeaders(request), "read", reply)) return reply;
      const query = filterQuery
        .extend({ top: z.coerce.number().int().min(1).max(1000).default(10) })
        .safeParse(request.query);
      if (!query.success) return sendZodError(reply, query.error);
      return variants(engine, toFilter(query.data), query.data.top);
    },
  );
  app.get(
    "/v1/journeys/funnel",
    { schema: { tags, summary: "Funnel: conversion per step, time to convert, what people did instead" } },
    async (request, reply) => {
      if (!authorize(keys, keyFromHeaders(request), "read", reply)) return reply;
      const query = filterQuery
        .extend({ step: list, window: z.string().default("30d") })
        .refine((q) => (q.step?.length ?? 0) >= 2, {
          path: ["step"],
          message: "a funnel needs at least two steps",
        })
        .safeParse(request.query);
      if (!query.success) return sendZodError(reply, query.error);
      try {
        const steps = query.data.step!.map(parseStep);
        return await funnel(engine, toFilter(query.data), steps, {
          windowMs: parseDuration(query.data.window),
        });
      } catch (error) {
        if (error instanceof RangeError)
          return reply.code(400).send({ error: "bad_request", field: "step", message: error.message });
        throw error;
      }
    },
  );
  app.get(
    "/v1/journeys/outcomes",
    {
      schema: {
        tags,
        summary: "Steps and transitions over- or under-represented among cases reaching an outcome",
      },
    },
    async (request, reply) => {
      if (!authorize(keys, keyFromHeaders(request), "read", reply)) return reply;
      const query = filterQuery
        .extend({ outcome: z.string().min(1), top: z.coerce.number().int().min(1).max(500).default(20) })
        .safeParse(request.query);
      if (!query.success) return sendZodError(reply, query.error);
      return outcomes(engine, toFilter(query.data), query.data.outcome, { top: query.data.top });
    },
  );
  app.get(
    "/v1/journeys/friction",
    { schema: { tags, summary: "Steps and transitions ranked by friction, each with its components" } },
    async (request, reply) => {
      if (!authorize(keys, keyFromHeaders(request), "read", reply)) return reply;
      const query = filterQuery
        .extend({ outcomeEvent: list, top: z.coerce.number().int().min(1).max(500).default(20) })
        .safeParse(request.query);
      if (!query.success) return sendZodError(reply, query.error);
      return friction(engine, toFilter(query.data), {
        outcomeEvents: query.data.outcomeEvent,
        top: query.data.top,
      });
    },
  );
  app.get(
    "/v1/journeys/paths",
    { schema: { tags, summary: "Flows (Sankey) after or before a step" } },
    async (request, reply) => {
      if (!authorize(keys, keyFromHeaders(request), "read", reply)) return reply;
      const query = filterQuery
        .extend({
          fromStep: z.string().optional(),
          toStep: z.string().optional(),
          steps: z.coerce.number().int().min(1).max(20).default(5),
          width: z.coerce.number().int().min(1).max(50).default(8),
        })
        .refine((q) => Boolean(q.fromStep) !== Boolean(q.toStep), {
          path: ["fromStep"],
          message: "give one of fromStep or toStep",
        })
        .safeParse(request.query);
      if (!query.success) return sendZodError(reply, query.error);
      const q = query.data;
      return flows(engine, toFilter(q), {
        anchor: (q.fromStep ?? q.toStep)!,
        direction: q.fromStep ? "after" : "before",
        steps: q.steps,
        width: q.width,
      });
    },
  );
}
