/** Behaviour over HTTP (read key): classify texts, who matters now, the voice of the customer per touchpoint. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { sendZodError } from "../api/errors.js";
import { readRoute } from "../api/read-route.js";
import { computeFor } from "../lanes/compute.js";
import type { AnalyticLane } from "../lanes/pool.js";
import type { Engine } from "../store/engine.js";
import { MAX_CLASSIFIED_CHARS } from "./features.js";
import type { BehaviourLabel } from "./model.js";
import type { ModelInUse } from "./model-in-use.js";
import { DEFAULT_NOW_CONFIG, type NowConfig } from "./now.js";

const time = z
  .string()
  .optional()
  .refine((v) => v === undefined || !Number.isNaN(Date.parse(v)), "expected an ISO 8601 time")
  .transform((v) => (v === undefined ? undefined : Date.parse(v)));

/** "complaint:3,question:2" -> weights; shared by the CLI and the API. */
const weights = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const out: Partial<Record<BehaviourLabel, number>> = {};
    if (!v) return out;
    for (const pair of v.split(",")) {
      const [name, value] = pair.split(/[:=]/);
      const n = Number(value);
      if (
        !["praise", "complaint", "question", "suggestion", "other"].includes(name) ||
        !Number.isFinite(n) ||
        n < 0
      ) {
        ctx.addIssue({
          code: "custom",
          message: `"${pair}" is not space:weight (praise|complaint|question|suggestion|other, >= 0)`,
        });
        return z.NEVER;
      }
      out[name as BehaviourLabel] = n;
    }
    return out;
  });

/** Shortest window or step and most snapshots a who-matters-now request may ask for (docs/security.md). */
export const MIN_HOURS = 0.25;
export const MAX_HISTORY_STEPS = 1000;

/** A duration in hours, from `min` up to a year. */
const hours = (min: number, fallback: number) =>
  z.coerce
    .number()
    .min(min)
    .max(24 * 365)
    .default(fallback);

export const nowQuerySchema = z
  .object({
    at: time,
    limit: z.coerce.number().int().min(1).max(1000).default(DEFAULT_NOW_CONFIG.limit),
    halfLife: hours(MIN_HOURS, DEFAULT_NOW_CONFIG.halfLifeHours),
    lookback: hours(MIN_HOURS, DEFAULT_NOW_CONFIG.lookbackHours),
    step: hours(MIN_HOURS, DEFAULT_NOW_CONFIG.stepHours),
    history: hours(0, DEFAULT_NOW_CONFIG.historyHours),
    weights,
    segment: z.coerce.number().int().min(0).max(1000).optional(),
  })
  // Each history step ranks everyone again: the number of steps bounds the work.
  .refine((q) => q.history / q.step <= MAX_HISTORY_STEPS, {
    path: ["step"],
    message: `history / step is at most ${MAX_HISTORY_STEPS} snapshots`,
  });

export function nowConfigOf(q: z.output<typeof nowQuerySchema>): Partial<NowConfig> {
  return {
    limit: q.limit,
    halfLifeHours: q.halfLife,
    lookbackHours: q.lookback,
    stepHours: q.step,
    historyHours: q.history,
    weights: { ...DEFAULT_NOW_CONFIG.weights, ...q.weights },
  };
}

export const themesQuerySchema = z.object({
  at: time,
  touchpoint: z.string().optional(),
  weeks: z.coerce.number().int().min(1).max(520).default(8),
  top: z.coerce.number().int().min(1).max(50).default(5),
  segment: z.coerce.number().int().min(0).max(1000).optional(),
});

/** Texts to classify are capped (MAX_CLASSIFIED_CHARS each, 1,000 per call): the cost stays bounded. */
const classifyText = z.string().max(MAX_CLASSIFIED_CHARS);
const classifyBodySchema = z.union([
  z.object({ text: classifyText }),
  z.object({ texts: z.array(classifyText).max(1_000) }),
]);

/** `lane`: the server's analytic lane, where the rankings and themes are computed (without one, here). */
export function registerBehaviourRoutes(
  app: FastifyInstance,
  engine: Engine,
  models: ModelInUse,
  lane?: AnalyticLane,
): void {
  const tags = ["behaviour"];
  readRoute(
    app,
    "/v1/behaviour/now",
    {
      tags,
      summary: "Who matters now: the live ranking with score components, entries and exits",
      cache: true,
    },
    nowQuerySchema,
    (q, _reply, request, stop) =>
      computeFor(engine, lane, request.keyId, stop).whoMattersNow({
        at: q.at,
        config: nowConfigOf(q),
        segment: q.segment,
      }),
  );
  readRoute(
    app,
    "/v1/behaviour/themes",
    {
      tags,
      summary: "Voice of the customer: volume, trend and themes per touchpoint and space",
      cache: true,
    },
    themesQuerySchema,
    (q, _reply, request, stop) =>
      computeFor(engine, lane, request.keyId, stop).voice({
        at: q.at,
        touchpoint: q.touchpoint,
        weeks: q.weeks,
        top: q.top,
        segment: q.segment,
      }),
  );
  app.post(
    "/v1/behaviour/classify",
    { config: { access: "read" }, schema: { tags, summary: "Classify {text} or {texts: [...]}" } },
    async (request, reply) => {
      const body = classifyBodySchema.safeParse(request.body);
      if (!body.success) return sendZodError(reply, body.error);
      const model = models.current;
      if ("text" in body.data) return { text: body.data.text, ...model.classify(body.data.text) };
      return { results: body.data.texts.map((text) => ({ text, ...model.classify(text) })) };
    },
  );
}
