/** A GET endpoint for analysts (read key unless declared otherwise) that takes its query string through a zod schema (400 naming the field). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Access } from "./auth.js";
import { sendZodError } from "./errors.js";
import type { ResultCache } from "./result-cache.js";

/** Where a server keeps its ResultCache (see buildServer); routes marked `cache` use it. */
export const RESULT_CACHE = Symbol("resultCache");

/** Aborts when the client goes away before its answer was sent. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone.signal;
}

export function readRoute<S extends z.ZodType>(
  app: FastifyInstance,
  path: string,
  docs: { tags: string[]; summary: string; cache?: boolean; access?: Access },
  schema: S,
  handle: (
    query: z.output<S>,
    reply: FastifyReply,
    request: FastifyRequest,
    /** Aborts when nobody waits for the answer any more (the client, and every client sharing it, left). */
    stop: AbortSignal,
  ) => Promise<unknown>,
): void {
  const { cache: cached, access = "read", ...openapi } = docs;
  app.get(path, { schema: openapi, config: { access } }, async (request, reply) => {
    const query = schema.safeParse(request.query);
    if (!query.success) return sendZodError(reply, query.error);
    const gone = clientGone(reply);
    if (!cached) return handle(query.data, reply, request, gone);
    // Handlers that answer an error themselves (reply.code(...).send) are not cached: only returned values are.
    return cachedResult(
      app,
      `${path}?${JSON.stringify(query.data)}`,
      (stop) => handle(query.data, reply, request, stop),
      gone,
    );
  });
}

/**
 * Through the server's ResultCache (computed directly where there is none): the `cache` routes above, and
 * handlers that answer some cases themselves (a 404) and cache only the computed answer.
 */
export function cachedResult<T>(
  app: FastifyInstance,
  key: string,
  compute: (stop: AbortSignal) => Promise<T>,
  gone?: AbortSignal,
): Promise<T> {
  const cache = (app as unknown as { [RESULT_CACHE]?: ResultCache })[RESULT_CACHE];
  return cache ? cache.get(key, compute, gone) : compute(gone ?? new AbortController().signal);
}
