/** Journeys over HTTP (read key): the same results as `customer-flow journeys ... --json`. */
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { sendZodError } from "../api/errors.js";
import { cachedResult, clientGone, readRoute } from "../api/read-route.js";
import { sharedCompute } from "../api/shared-compute.js";
import { computeFor } from "../lanes/compute.js";
import type { AnalyticLane } from "../lanes/pool.js";
import type { Engine } from "../store/engine.js";
import { DEFAULT_PURCHASE_EVENTS } from "../value/defaults.js";
import { blueprintCounts, blueprintPains, serviceBlueprint } from "./blueprint.js";
import { journeyModelFromBody, journeyModelInputFromBody } from "./bpmn.js";
import { layOut } from "./elk-instance.js";
import { funnel, parseDuration, parseStep, suggestedFunnel } from "./funnel.js";
import { type JourneyModel, JourneyModelError } from "./journey-model.js";
import type { LaidOut, LayoutInput } from "./map-layout.js";
import {
  deleteJourneyModel,
  listJourneyModels,
  loadJourneyModel,
  saveJourneyModel,
  storedJourneyModel,
} from "./models.js";
import { outcomes } from "./outcomes.js";
import type { JourneyFilter } from "./query.js";
import { flows, mapExamples, processCounts, processMap, propertyEquals, variants } from "./views.js";

/** A repeated or comma-separated parameter: at most 100 values (docs/security.md). */
const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : v.split(",")))
  .refine((v) => v === undefined || v.length <= 100, "at most 100 values");

const filterQuery = z.object({
  by: z.enum(["touchpoint", "channel", "channel:touchpoint", "event", "behaviour"]).default("touchpoint"),
  from: z.string().optional(),
  to: z.string().optional(),
  channel: list,
  source: list,
  did: z.string().optional(),
  sessionGap: z.coerce
    .number()
    .min(1)
    .max(366 * 24 * 60)
    .optional(),
  segment: z.coerce.number().int().min(0).max(1000).optional(),
  hold: z.string().min(1).max(200).optional(),
  brand: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v !== "false"),
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
  segment: q.segment,
  hold: q.hold,
  brand: q.brand,
});

const MAX_WINDOW_MS = 3650 * 86_400_000;

/** Largest map a layout takes (docs/security.md); a large one still ends at the lane's deadline. */
export const MAX_LAYOUT_NODES = 1_000;
export const MAX_LAYOUT_EDGES = 5_000;
const stepId = z.string().min(1).max(512);

/** A map to lay out (journeys/map-layout.ts): every edge joins two of its steps, each step named once. */
const layoutBody = z
  .object({
    direction: z.enum(["right", "down"]).default("right"),
    nodes: z
      .array(z.object({ id: stepId, kind: z.enum(["start", "end", "activity"]) }))
      .min(1)
      .max(MAX_LAYOUT_NODES),
    edges: z
      .array(
        z.object({
          from: stepId,
          to: stepId,
          count: z.number().finite().min(0),
          label: z.string().max(64),
        }),
      )
      .max(MAX_LAYOUT_EDGES),
  })
  .superRefine((map, context) => {
    const ids = new Set<string>();
    map.nodes.forEach((node, i) => {
      if (ids.has(node.id))
        context.addIssue({ code: "custom", path: ["nodes", i, "id"], message: "a step named twice" });
      ids.add(node.id);
    });
    map.edges.forEach((edge, i) => {
      for (const end of ["from", "to"] as const)
        if (!ids.has(edge[end]))
          context.addIssue({
            code: "custom",
            path: ["edges", i, end],
            message: "not one of the map's nodes",
          });
    });
  }) satisfies z.ZodType<LayoutInput, unknown>;

const noSuchModel = (name: string) => `no stored journey map named "${name}"`;

/** A map the body gave that cannot be one: 400 naming `model.<field>`; anything else is not ours to answer. */
function sendModelError(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof JourneyModelError)) throw error;
  return reply
    .code(400)
    .send({ error: "bad_request", field: `model.${error.field}`, message: error.message });
}

/**
 * `lane`: the analytic lane (a server's worker threads); without one (tests of the routes alone), the work
 * runs here.
 */
export function registerJourneyRoutes(
  app: FastifyInstance,
  engine: Engine,
  lane?: AnalyticLane,
  /** Where maps are laid out (a one-worker lane of the server's); here, on this thread, without one. */
  layoutLane?: AnalyticLane,
): void {
  const tags = ["journeys"];
  readRoute(
    app,
    "/v1/journeys/dfg",
    { tags, summary: "Directly-follows graph with waiting times", cache: true },
    filterQuery,
    (q) => processMap(engine, toFilter(q)),
  );
  readRoute(
    app,
    "/v1/journeys/examples",
    {
      tags,
      summary:
        "Example customers for a part of the process map: a transition (edgeFrom and edgeTo), a step (activity), or a step that starts (first) or ends (last) a journey",
      cache: true,
    },
    filterQuery
      .extend({
        edgeFrom: z.string().min(1).optional(),
        edgeTo: z.string().min(1).optional(),
        activity: z.string().min(1).optional(),
        first: z.string().min(1).optional(),
        last: z.string().min(1).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(5),
      })
      .refine((q) => (q.edgeFrom === undefined) === (q.edgeTo === undefined), {
        path: ["edgeTo"],
        message: "a transition needs both edgeFrom and edgeTo",
      })
      .refine((q) => [q.edgeFrom, q.activity, q.first, q.last].filter((v) => v !== undefined).length === 1, {
        path: ["activity"],
        message: "give exactly one of edgeFrom+edgeTo, activity, first, last",
      }),
    async (q) =>
      mapExamples(
        engine,
        toFilter(q),
        q.edgeFrom !== undefined
          ? { edge: [q.edgeFrom, q.edgeTo!] }
          : q.activity !== undefined
            ? { activity: q.activity }
            : q.first !== undefined
              ? { first: q.first }
              : { last: q.last! },
        q.limit,
      ),
  );
  readRoute(
    app,
    "/v1/journeys/variants",
    { tags, summary: "Distinct journeys with counts and shares", cache: true },
    filterQuery.extend({ top: z.coerce.number().int().min(1).max(1000).default(10) }),
    (q) => variants(engine, toFilter(q), q.top),
  );
  readRoute(
    app,
    "/v1/journeys/funnel/suggested",
    {
      tags,
      summary:
        "A first funnel: the most common path (last distinct steps) to the first purchase event, with how many customers take it",
      cache: true,
    },
    filterQuery.extend({
      purchaseEvent: list,
      length: z.coerce.number().int().min(2).max(8).default(4),
    }),
    (q) => suggestedFunnel(engine, toFilter(q), q.purchaseEvent ?? DEFAULT_PURCHASE_EVENTS, q.length),
  );
  readRoute(
    app,
    "/v1/journeys/funnel",
    { tags, summary: "Funnel: conversion per step, time to convert, what people did instead", cache: true },
    filterQuery
      .extend({
        step: list,
        window: z.string().default("30d"),
        breakdown: z.enum(["channel", "week", "month", "segment"]).optional(),
      })
      .refine((q) => (q.step?.length ?? 0) >= 2, {
        path: ["step"],
        message: "a funnel needs at least two steps",
      })
      .refine((q) => (q.step?.length ?? 0) <= 20, {
        path: ["step"],
        message: "a funnel has at most 20 steps",
      }),
    async (q, reply) => {
      try {
        const windowMs = parseDuration(q.window);
        if (windowMs > MAX_WINDOW_MS)
          return reply
            .code(400)
            .send({ error: "bad_request", field: "window", message: "window: at most 3650d" });
        return await funnel(engine, toFilter(q), q.step!.map(parseStep), {
          windowMs,
          breakdown: q.breakdown,
        });
      } catch (error) {
        if (error instanceof RangeError)
          return reply.code(400).send({ error: "bad_request", field: "step", message: error.message });
        throw error;
      }
    },
  );
  readRoute(
    app,
    "/v1/journeys/friction",
    { tags, summary: "Steps and transitions ranked by friction, each with its components", cache: true },
    filterQuery.extend({ outcomeEvent: list, top: z.coerce.number().int().min(1).max(500).default(20) }),
    // Every journey is walked in the lane's workers; this thread only relays the engine's bytes.
    (q, _reply, request, stop) =>
      sharedCompute(app, engine, lane, request.keyId, stop).friction(toFilter(q), {
        outcomeEvents: q.outcomeEvent,
        top: q.top,
      }),
  );
  readRoute(
    app,
    "/v1/journeys/outcomes",
    {
      tags,
      summary: "Steps and transitions over- or under-represented among cases reaching an outcome",
      cache: true,
    },
    filterQuery.extend({
      outcome: z.string().min(1),
      top: z.coerce.number().int().min(1).max(500).default(20),
    }),
    (q) => outcomes(engine, toFilter(q), q.outcome, { top: q.top }),
  );
  readRoute(
    app,
    "/v1/journeys/paths",
    { tags, summary: "Flows (Sankey) after or before a step", cache: true },
    filterQuery
      .extend({
        fromStep: z.string().optional(),
        toStep: z.string().optional(),
        steps: z.coerce.number().int().min(1).max(20).default(5),
        width: z.coerce.number().int().min(1).max(50).default(8),
        where: z
          .string()
          .max(500)
          .regex(/^[^=]+=/, "PROPERTY=VALUE: the anchor step's event property and its value")
          .optional(),
        groupBy: z.string().min(1).max(200).optional(),
      })
      .refine((q) => Boolean(q.fromStep) !== Boolean(q.toStep), {
        path: ["fromStep"],
        message: "give one of fromStep or toStep",
      }),
    (q) =>
      flows(engine, toFilter(q), {
        anchor: (q.fromStep ?? q.toStep)!,
        direction: q.fromStep ? "after" : "before",
        steps: q.steps,
        width: q.width,
        where: q.where === undefined ? undefined : propertyEquals(q.where),
        groupBy: q.groupBy,
      }),
  );
  // The map is the body (JSON); the filters are the query string, as for the other journey views.
  const conformanceQuery = filterQuery.extend({ cases: z.coerce.number().int().min(0).max(1000).default(0) });
  app.post(
    "/v1/journeys/conformance",
    {
      config: { access: "read" },
      schema: {
        tags,
        summary:
          "Conformance of the journeys to a designed journey map (the body): optimal alignments, fitness, deviations, SLA breaches",
      },
    },
    async (request, reply) => {
      const query = conformanceQuery.safeParse(request.query);
      if (!query.success) return sendZodError(reply, query.error);
      let model: JourneyModel;
      try {
        model = journeyModelFromBody(request.body);
      } catch (error) {
        return sendModelError(reply, error);
      }
      const q = query.data;
      // Aligning grows with the variants: in the lane's workers; one computation per map and filters.
      return cachedResult(
        app,
        `/v1/journeys/conformance?${JSON.stringify(q)}&${JSON.stringify(request.body)}`,
        (stop) => computeFor(engine, lane, request.keyId, stop).conformance(toFilter(q), model, q.cases),
        clientGone(reply),
      );
    },
  );
  // The dashboard's process map is laid out here, in the layout lane, where elkjs is compiled once.
  app.post(
    "/v1/journeys/layout",
    {
      config: { access: "read" },
      schema: {
        tags,
        summary:
          "Lay out a process map (the body: steps, edges with their label texts, direction): node boxes and edge routes as SVG paths",
      },
    },
    async (request, reply) => {
      const body = layoutBody.safeParse(request.body);
      if (!body.success) return sendZodError(reply, body.error);
      return cachedResult(
        app,
        `/v1/journeys/layout&${JSON.stringify(body.data)}`,
        (stop) =>
          layoutLane
            ? layoutLane.run<LaidOut>({
                kind: "layout",
                input: body.data,
                key: request.keyId ?? "anonymous",
                signal: stop,
              })
            : layOut(body.data),
        clientGone(reply),
      );
    },
  );
  readRoute(
    app,
    "/v1/journeys/conformance",
    { tags, summary: "Conformance of the journeys to a stored journey map (?model=name)", cache: true },
    conformanceQuery.extend({ model: z.string().min(1).max(200) }),
    async (q, reply, request, stop) => {
      const model = await loadJourneyModel(engine, q.model);
      if (!model)
        return reply
          .code(404)
          .send({ error: "not_found", field: "model", message: `model: ${noSuchModel(q.model)}` });
      return computeFor(engine, lane, request.keyId, stop).conformance(toFilter(q), model, q.cases);
    },
  );
  app.get(
    "/v1/journeys/models",
    { config: { access: "read" }, schema: { tags, summary: "The stored journey maps" } },
    async () => ({ models: await listJourneyModels(engine) }),
  );
  app.post(
    "/v1/journeys/models",
    {
      config: { access: "admin" },
      schema: {
        tags,
        summary:
          "Store a journey map under its name (JSON map, or {bpmn, by, name}); replaces one of that name",
      },
    },
    async (request, reply) => {
      try {
        const model = await saveJourneyModel(engine, journeyModelInputFromBody(request.body));
        return reply
          .code(201)
          .send({ name: model.name, steps: model.steps.length, flows: model.next.flat().length });
      } catch (error) {
        return sendModelError(reply, error);
      }
    },
  );
  app.get<{ Params: { name: string } }>(
    "/v1/journeys/models/:name",
    { config: { access: "read" }, schema: { tags, summary: "A stored journey map (the JSON map)" } },
    async (request, reply) => {
      const model = await storedJourneyModel(engine, request.params.name);
      return model ?? reply.code(404).send({ error: "not_found", message: noSuchModel(request.params.name) });
    },
  );
  app.delete<{ Params: { name: string } }>(
    "/v1/journeys/models/:name",
    { config: { access: "admin" }, schema: { tags, summary: "Remove a stored journey map" } },
    async (request, reply) =>
      (await deleteJourneyModel(engine, request.params.name))
        ? reply.code(204).send()
        : reply.code(404).send({ error: "not_found", message: noSuchModel(request.params.name) }),
  );
  // The service blueprint: from a stored map's stages (?model=NAME), or the most common steps.
  readRoute(
    app,
    "/v1/journeys/blueprint",
    {
      tags,
      summary:
        "Service blueprint from the data: per stage (a stored map's, or the most common steps) customer actions, the brand's front stage, needs, pain points, drop-off and outcomes",
      cache: true,
    },
    filterQuery.extend({
      model: z.string().min(1).max(200).optional(),
      columns: z.coerce.number().int().min(1).max(30).default(6),
      part: z
        .enum(["all", "counts", "pains"])
        .default("all")
        .describe(
          "counts (reach, replies, drop-off: fast), pains (needs, complaints, friction, SLAs) or all",
        ),
    }),
    async (q, reply, request, stop) => {
      const model = q.model === undefined ? undefined : await loadJourneyModel(engine, q.model);
      if (q.model !== undefined && !model)
        return reply
          .code(404)
          .send({ error: "not_found", field: "model", message: `model: ${noSuchModel(q.model)}` });
      const options = {
        model,
        columns: q.columns,
        mapOf: (filter: JourneyFilter) =>
          cachedResult(app, `blueprint map ${JSON.stringify(filter)}`, () => processCounts(engine, filter)),
      };
      const compute = () => sharedCompute(app, engine, lane, request.keyId, stop);
      if (q.part === "counts") return blueprintCounts(engine, toFilter(q), options);
      if (q.part === "pains") return blueprintPains(engine, compute(), toFilter(q), options);
      return serviceBlueprint(engine, compute(), toFilter(q), options);
    },
  );
}
