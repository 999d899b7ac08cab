/** Data-subject requests over HTTP (privacy or admin key): regulations and a person's export. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { sendZodError } from "../api/errors.js";
import type { ContextService } from "../engage/context.js";
import { findCustomer } from "../identity/customer360.js";
import type { Engine } from "../store/engine.js";
import { exportPerson } from "./export.js";
import { MAX_SUBJECTS, REGULATION_TYPES, type Regulations } from "./regulations.js";
import { getRegulation, listRegulations, regulationView } from "./store.js";

const regulationBody = z.object({
  type: z.enum(REGULATION_TYPES),
  subjects: z.array(z.string().trim().min(1).max(512)).min(1).max(MAX_SUBJECTS),
});

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

export function registerPrivacyRoutes(
  app: FastifyInstance,
  engine: Engine,
  regulations: Regulations,
  contexts: ContextService,
): void {
  const tags = ["privacy"];
  const privacyKey = { access: "privacy" as const };
  app.post(
    "/v1/regulations",
    {
      config: privacyKey,
      schema: {
        tags,
        summary:
          "Suppress, delete, suppress and delete, or unsuppress people by any identifier (privacy or admin key)",
      },
    },
    async (request, reply) => {
      const body = regulationBody.safeParse(request.body);
      if (!body.success) return sendZodError(reply, body.error);
      const regulation = await regulations.submit(body.data.type, body.data.subjects);
      return reply.code(202).send({ id: regulation.id, status: regulation.status });
    },
  );
  app.get(
    "/v1/regulations",
    {
      config: privacyKey,
      schema: {
        tags,
        summary: "Regulations, latest first: ?limit=1..1000, default 100 (privacy or admin key)",
      },
    },
    async (request, reply) => {
      const query = listQuery.safeParse(request.query);
      if (!query.success) return sendZodError(reply, query.error);
      const listed = await listRegulations(engine, { limit: query.data.limit });
      return { regulations: listed.map(regulationView) };
    },
  );
  app.get<{ Params: { id: string } }>(
    "/v1/regulations/:id",
    {
      config: privacyKey,
      schema: { tags, summary: "One regulation's status and rows erased (privacy or admin key)" },
    },
    async (request, reply) => {
      const regulation = await getRegulation(engine, request.params.id);
      if (!regulation)
        return reply.code(404).send({ error: "not_found", message: `no regulation ${request.params.id}` });
      return regulationView(regulation);
    },
  );
  app.get<{ Params: { id: string } }>(
    "/v1/customers/:id/export",
    {
      config: privacyKey,
      schema: {
        tags,
        summary: "Everything held about one person, as one JSON document (privacy or admin key)",
      },
    },
    async (request, reply) => {
      const customerId = await findCustomer(engine, request.params.id);
      if (!customerId)
        return reply
          .code(404)
          .send({ error: "not_found", message: `no customer is known by ${request.params.id}` });
      const exported = await exportPerson(engine, customerId);
      return { ...exported, context: await contexts.context(customerId) };
    },
  );
}
