/** API keys: write keys may only send events, read keys may only read, the admin key (local CLI) may do both. */
import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

export interface ApiKeys {
  write: Set<string>;
  read: Set<string>;
  admin: string;
}

export function generateKey(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("base64url")}`;
}

export function parseKeyList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
}

/** The key from HTTP Basic (user part, as Segment SDKs send it) or Bearer. */
export function keyFromHeaders(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, value] = header.split(" ", 2);
  if (!value) return undefined;
  if (/^basic$/i.test(scheme ?? "")) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 ? decoded.slice(0, colon) : decoded;
  }
  if (/^bearer$/i.test(scheme ?? "")) return value;
  return undefined;
}

export type Access = "write" | "read" | "admin";

/** Checks a key for an access level; answers 401/403 with a clear message and returns false when refused. */
export function authorize(
  keys: ApiKeys,
  key: string | undefined,
  need: Access,
  reply: FastifyReply,
): boolean {
  if (key && key === keys.admin) return true;
  if (key && need === "write" && keys.write.has(key)) return true;
  if (key && need === "read" && keys.read.has(key)) return true;
  if (!key) {
    void reply.code(401).send({
      error: "unauthorized",
      message: `this endpoint needs a ${need} key (HTTP Basic user or Bearer token)`,
    });
    return false;
  }
  const known = keys.write.has(key) || keys.read.has(key);
  void reply.code(known ? 403 : 401).send({
    error: known ? "forbidden" : "unauthorized",
    message: known
      ? `this key cannot be used here: the endpoint needs a ${need} key (write keys only send events; read keys only read)`
      : "unknown key",
  });
  return false;
}
