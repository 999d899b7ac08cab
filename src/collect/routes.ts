/** HTTP collection: Segment's spec (/v1/*) and PostHog's capture shape (/capture/, /batch/). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { checkBodyKey, type KeyRing } from "../api/auth.js";
import type { Collector } from "./collector.js";
import { EVENT_TYPES, incomingEventSchema } from "./event-schema.js";
import { fromPostHog } from "./posthog.js";

type Bag = Record<string, unknown>;

const eventJsonSchema = z.toJSONSchema(incomingEventSchema, { io: "input", unrepresentable: "any" });
const resultSchema = {
  type: "object",
  additionalProperties: true,
  properties: {
    success: { type: "boolean" },
    error: { type: "string" },
    size: { type: "integer" },
    processed: { type: "integer" },
    errors: { type: "integer" },
    details: {
      type: "array",
      items: {
        type: "object",
        properties: {
          index: { type: "integer" },
          messageId: { type: "string" },
          field: { type: "string" },
          reason: { type: "string" },
        },
      },
    },
  },
};

/** Route schemas here document the API (OpenAPI); validation is the zod contract, per item. */
const docsOnly = { validatorCompiler: () => () => true } as const;

function asBag(value: unknown): Bag | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Bag) : undefined;
}

async function answer(
  reply: FastifyReply,
  result: Awaited<ReturnType<Collector["collect"]>>,
  single: boolean,
): Promise<FastifyReply> {
  const allFailed = result.processed === 0 && result.errors > 0;
  if (single && allFailed) {
    const detail = result.details[0]!;
    return reply.code(400).send({ success: false, error: `${detail.field}: ${detail.reason}`, ...result });
  }
  return reply.code(allFailed ? 400 : 200).send({ success: !allFailed, ...result });
}

/** Only the admin key may write the brand's outbound events through the collector (see normaliseEvent). */
const trusted = (request: FastifyRequest) => ({
  bodyBytes: request.bodyBytes,
  allowOutbound: request.role === "admin",
});

export function registerCollectRoutes(app: FastifyInstance, collector: Collector, ring: KeyRing): void {
  for (const type of EVENT_TYPES) {
    app.post(
      `/v1/${type}`,
      {
        ...docsOnly,
        config: { access: "write" },
        schema: {
          tags: ["collect"],
          summary: `Segment ${type} call`,
          body: eventJsonSchema,
          response: { 200: resultSchema, 400: resultSchema },
        },
      },
      async (request, reply) => {
        const body = asBag(request.body);
        if (!body) return reply.code(400).send({ success: false, error: "(body): expected a JSON object" });
        return answer(
          reply,
          await collector.collect([{ ...body, type }], "http:segment", trusted(request)),
          true,
        );
      },
    );
  }

  app.post(
    "/v1/batch",
    {
      ...docsOnly,
      config: { access: "write" },
      schema: {
        tags: ["collect"],
        summary: "Segment batch: up to 500 KB of events; per-item results",
        body: {
          type: "object",
          properties: { batch: { type: "array", items: eventJsonSchema }, sentAt: {} },
        },
        response: { 200: resultSchema, 400: resultSchema },
      },
    },
    async (request, reply) => {
      const body = asBag(request.body);
      const batch = body?.batch;
      if (!Array.isArray(batch))
        return reply.code(400).send({ success: false, error: "batch: expected an array of events" });
      const shared = { sentAt: body?.sentAt, context: asBag(body?.context) };
      const items = batch.map((item) => {
        const event = asBag(item);
        if (!event) return item;
        return {
          ...event,
          sentAt: event.sentAt ?? shared.sentAt,
          context: shared.context ? { ...shared.context, ...asBag(event.context) } : event.context,
        };
      });
      return answer(reply, await collector.collect(items, "http:segment", trusted(request)), false);
    },
  );

  const posthogRoute = (single: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const body = asBag(request.body);
    // PostHog carries its key in the body: checked now, before anything is stored.
    if (!checkBodyKey(ring, request, reply, body?.api_key ?? body?.token)) return reply;
    const raw = single && !Array.isArray(body?.batch) ? [body] : body?.batch;
    if (!Array.isArray(raw))
      return reply.code(400).send({ status: 0, error: "batch: expected an array of events" });
    const result = await collector.collect(
      raw.map((item) => fromPostHog(item, body?.sent_at)),
      "http:posthog",
      trusted(request),
    );
    const allFailed = result.processed === 0 && result.errors > 0;
    return reply.code(allFailed ? 400 : 200).send({ status: allFailed ? 0 : 1, ...result });
  };
  const posthogSchema = {
    tags: ["collect"],
    body: { type: "object", properties: { api_key: { type: "string" }, batch: { type: "array" } } },
  };
  const inBody = { access: "write-in-body" } as const;
  app.post(
    "/capture/",
    { ...docsOnly, config: inBody, schema: { ...posthogSchema, summary: "PostHog capture" } },
    posthogRoute(true),
  );
  app.post(
    "/batch/",
    { ...docsOnly, config: inBody, schema: { ...posthogSchema, summary: "PostHog batch" } },
    posthogRoute(false),
  );
}
