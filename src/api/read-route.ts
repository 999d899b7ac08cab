/** A GET endpoint that needs a read key and takes its query string through a zod schema (400 naming the field). */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { z } from "zod";
import { type ApiKeys, authorize, keyFromHeaders } from "./auth.js";
import { sendZodError } from "./errors.js";

export function readRoute<S extends z.ZodType>(
  app: FastifyInstance,
  keys: ApiKeys,
  path: string,
  docs: { tags: string[]; summary: string },
  schema: S,
  handle: (query: z.output<S>, reply: FastifyReply) => Promise<unknown>,
): void {
  app.get(path, { schema: docs }, async (request, reply) => {
    if (!authorize(keys, keyFromHeaders(request), "read", reply)) return reply;
    const query = schema.safeParse(request.query);
    if (!query.success) return sendZodError(reply, query.error);
    return handle(query.data, reply);
  });
}
