/**
 * How collection reads request bodies, for the store node (`serve`) and the stateless collectors
 * (`collect`) alike: gzip and deflate (the size limit applies to the decompressed body), JSON and
 * sendBeacon's text/plain, RudderStack's gzip "form"; a body that is not JSON, or too large, is refused with
 * a clear error and still kept (failed_events) when the sender's key was accepted.
 */
import { createGunzip, createInflate } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Collector } from "./collector.js";

/** Whether a rejected request body is kept in failed_events: only for a sender whose key was accepted. */
function keepsFailures(request: FastifyRequest): boolean {
  return request.role === "write" || request.role === "admin";
}

export function installEventBodies(app: FastifyInstance, collector: Collector): void {
  // SDKs send gzip; the size limit applies to the decompressed body.
  app.addHook("preParsing", async (request, reply, payload) => {
    const encoding = (request.headers["content-encoding"] ?? "identity").toLowerCase();
    if (encoding === "gzip" || encoding === "deflate") {
      const inflated = payload.pipe(encoding === "gzip" ? createGunzip() : createInflate());
      // Content-Length counts the compressed bytes; tell fastify so its length check compares like with like.
      let received = 0;
      payload.on("data", (chunk: Buffer) => {
        received += chunk.length;
        (inflated as unknown as { receivedEncodedLength: number }).receivedEncodedLength = received;
      });
      return inflated;
    }
    if (encoding !== "identity") {
      reply.code(415).send({
        error: "unsupported_media_type",
        message: `Content-Encoding ${encoding} is not supported; use gzip or none`,
      });
    }
    return payload;
  });

  // Our own JSON parser so a body that is not JSON is still stored (as text) with the reason.
  app.decorateRequest("bodyBytes", 0);
  app.removeContentTypeParser(["application/json", "text/plain"]);
  const parseJsonBody = (
    request: FastifyRequest,
    body: string | Buffer,
    done: (error: Error | null, value?: unknown) => void,
  ) => {
    const text = body as string;
    request.bodyBytes = Buffer.byteLength(text);
    try {
      done(null, text.length === 0 ? {} : JSON.parse(text));
    } catch (error) {
      const reason = `body is not valid JSON: ${(error as Error).message}`;
      const refused = Object.assign(new Error(reason), { statusCode: 400, field: "(body)" });
      // Kept only for a sender whose key was checked: without one, anyone could fill the disk.
      if (!keepsFailures(request)) return done(refused);
      void collector
        .reject(text, `http:${request.url}`, { field: "(body)", reason })
        .then(() => done(refused), done);
    }
  };
  // JSON, and text/plain as browsers' sendBeacon sends it.
  app.addContentTypeParser(["application/json", "text/plain"], { parseAs: "string" }, parseJsonBody);
  // RudderStack's node SDK posts gzip JSON labelled as a form; take those only when gzip-encoded.
  app.addContentTypeParser(
    ["application/x-www-form-urlencoded", "application/octet-stream"],
    { parseAs: "string" },
    (request, body, done) => {
      if (request.headers["content-encoding"] !== "gzip") {
        done(
          Object.assign(new Error("send application/json (optionally gzip-encoded)"), {
            statusCode: 415,
            code: "FST_ERR_CTP_INVALID_MEDIA_TYPE",
          }),
        );
        return;
      }
      parseJsonBody(request, body, done);
    },
  );
}

/** The answer to a body refused before any route ran (too large, wrong media type), or undefined. */
export async function refusedBody(
  error: Error & { code?: string },
  request: FastifyRequest,
  reply: FastifyReply,
  collector: Collector,
  maxBatchBytes: number,
): Promise<FastifyReply | undefined> {
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    if (keepsFailures(request))
      await collector.reject("", `http:${request.url}`, {
        field: "(body)",
        reason: `body larger than ${maxBatchBytes} bytes was refused unread`,
      });
    return reply
      .code(413)
      .send({ error: "payload_too_large", message: `the body is over ${maxBatchBytes} bytes` });
  }
  if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return reply.code(415).send({
      error: "unsupported_media_type",
      message: "send application/json (optionally gzip-encoded)",
    });
  }
  return undefined;
}
