import type { FastifyReply } from "fastify";
import type { z } from "zod";
import { describeZodError } from "../collect/normalise.js";

/** A 400 that names the field and the reason, from a zod error. */
export function sendZodError(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const { field, reason } = describeZodError(error);
  return reply.code(400).send({ error: "bad_request", field, message: `${field}: ${reason}` });
}
