/** Read endpoints for customers (read key) and identity administration (admin key). */
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { sendZodError } from "../api/errors.js";
import type { Engine } from "../store/engine.js";
import { CursorError, customer360, findCustomer } from "./customer360.js";
import { IdentityError, linksOfCustomer, splitLink } from "./identity-store.js";

export const customerQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().optional(),
});

const lookupBodySchema = z.object({
  id: z.string().trim().min(1).max(512),
  limit: z.number().int().optional(),
  cursor: z.string().optional(),
});

export function registerIdentityRoutes(app: FastifyInstance, engine: Engine): void {
  /** The 360 of whoever `id` names (any identifier), or 404. */
  const answer360 = async (id: string, rawQuery: unknown, reply: FastifyReply) => {
    const query = customerQuerySchema.safeParse(rawQuery);
    if (!query.success) return sendZodError(reply, query.error);
    const customerId = await findCustomer(engine, id);
    if (!customerId)
      return reply.code(404).send({ error: "not_found", message: `no customer is known by ${id}` });
    try {
      return await customer360(engine, customerId, query.data);
    } catch (error) {
      if (error instanceof CursorError)
        return reply.code(400).send({ error: "bad_request", field: "cursor", message: error.message });
      throw error;
    }
  };
  app.get(
    "/v1/customers/:id",
    {
      config: { access: "read" },
      schema: {
        tags: ["customers"],
        summary: "Customer 360 by any identifier (user id, anonymous id, email, phone, @handle)",
        params: { type: "object", properties: { id: { type: "string" } } },
        querystring: {
          type: "object",
          properties: { limit: { type: "integer" }, cursor: { type: "string" } },
        },
      },
    },
    async (request, reply) => answer360((request.params as { id: string }).id, request.query, reply),
  );
  // The same with the identifier in the body, so an email or phone never travels in a URL (or its logs).
  app.post(
    "/v1/customers/lookup",
    {
      config: { access: "read" },
      schema: {
        tags: ["customers"],
        summary:
          'Customer 360 by an identifier sent in the body: {"id": "ann@example.com", "limit"?, "cursor"?}',
      },
    },
    async (request, reply) => {
      const body = lookupBodySchema.safeParse(request.body);
      if (!body.success) return sendZodError(reply, body.error);
      const { id, ...query } = body.data;
      return answer360(id, query, reply);
    },
  );

  app.get(
    "/v1/customers/:id/merges",
    { config: { access: "read" }, schema: { tags: ["customers"], summary: "The merges behind a customer" } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const customerId = await findCustomer(engine, id);
      if (!customerId)
        return reply.code(404).send({ error: "not_found", message: `no customer is known by ${id}` });
      return { customerId, merges: await linksOfCustomer(engine, customerId) };
    },
  );

  app.post(
    "/v1/identity/split/:linkId",
    { config: { access: "admin" }, schema: { tags: ["customers"], summary: "Undo one merge (admin key)" } },
    async (request, reply) => {
      try {
        return await splitLink(engine, (request.params as { linkId: string }).linkId);
      } catch (error) {
        if (error instanceof IdentityError)
          return reply.code(404).send({ error: "not_found", message: error.message });
        throw error;
      }
    },
  );
}
