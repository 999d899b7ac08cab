/** Segments over HTTP: reading needs a read key; a discovery run becomes every view's segment filter, so it needs an agent key. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { sendZodError } from "../api/errors.js";
import { cachedResult, clientGone, readRoute } from "../api/read-route.js";
import { computeFor } from "../lanes/compute.js";
import type { AnalyticLane } from "../lanes/pool.js";
import type { Engine } from "../store/engine.js";
import {
  compareSegments,
  comparisonProblem,
  discoverSegments,
  latestSegments,
  segmentRuns,
} from "./store.js";

export const discoverSchema = z.object({
  k: z.coerce.number().int().min(2).max(50).optional(),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(42),
  minEvents: z.coerce.number().int().min(1).max(100_000).default(3),
  members: z
    .union([z.boolean(), z.enum(["true", "false"])])
    .optional()
    .transform((v) => v === true || v === "true"),
});

export const compareSchema = z.object({
  a: z.coerce.number().int().min(0).max(1000),
  b: z.coerce.number().int().min(0).max(1000),
});

/** `lane`: the server's analytic lane, where discovery's clustering runs (without one, here). */
export function registerSegmentRoutes(app: FastifyInstance, engine: Engine, lane?: AnalyticLane): void {
  const tags = ["segments"];
  readRoute(
    app,
    "/v1/segments",
    {
      tags,
      summary: "The latest segmentation run (or ?run=ID) with its described segments, and the run history",
    },
    z.object({ run: z.string().optional() }),
    async (q, reply) => {
      const latest = await latestSegments(engine, q.run);
      if (!latest)
        return reply.code(404).send({ error: "no segments yet: POST /v1/segments/discover first" });
      return { ...latest, runs: await segmentRuns(engine) };
    },
  );
  readRoute(
    app,
    "/v1/segments/compare",
    {
      tags,
      summary: "Compare two segments: conversion, CLV, behaviour mix, top journeys, with significance",
    },
    compareSchema,
    async (q, reply) => {
      const latest = await latestSegments(engine);
      const problem = comparisonProblem(latest, q.a, q.b);
      if (problem || !latest) return reply.code(404).send({ error: "not_found", message: problem });
      // Comparing reads every event of both segments: kept until the data changes, like the journeys.
      return cachedResult(app, `compare:${latest.runId}:${q.a}:${q.b}`, () =>
        compareSegments(engine, q.a, q.b, latest),
      );
    },
  );
  app.post(
    "/v1/segments/discover",
    {
      config: { access: "agent" },
      schema: { tags, summary: "Discover segments and store the run (agent key)" },
    },
    async (request, reply) => {
      const body = discoverSchema.safeParse(request.body ?? {});
      if (!body.success) return sendZodError(reply, body.error);
      const compute = computeFor(engine, lane, request.keyId, clientGone(reply));
      const result = await discoverSegments(
        engine,
        { k: body.data.k, seed: body.data.seed, minEvents: body.data.minEvents },
        compute.cluster,
      );
      if (!body.data.members) delete result.members;
      return result;
    },
  );
}
