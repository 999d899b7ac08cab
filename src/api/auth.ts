/**
 * API keys and scopes. A key has one role: write (send events; public: browser SDKs ship it), read
 * (analytics, read-only), agent (read, plus inbox actions and replies, segment runs), privacy (people's
 * export, erasure and suppression only) or admin (everything, the local CLI's bridge). Every route declares the access it needs in its fastify `config.access`; one
 * `onRequest` hook checks it before the body is read (see `registerAccessControl`).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export interface ApiKeys {
  write: Set<string>;
  read: Set<string>;
  /** Keys of agents and the brand's tools: read, plus acting on the inbox. Absent = none. */
  agent?: Set<string>;
  /** Keys of the tools that answer data-subject requests: export, erase, suppress. Absent = none. */
  privacy?: Set<string>;
  admin: string;
}

export type Role = "write" | "read" | "agent" | "privacy" | "admin";

/**
 * What a route needs. `public`: no key (health, docs, the dashboard's static files). `write-in-body`:
 * PostHog's shape carries `api_key` in the JSON body, checked right after parsing and before anything is
 * stored (a key in the Authorization header is checked before the body is read, as for `write`).
 * `loopback-admin`: the admin key, and only from this machine (the CLI's bridge).
 */
export type Access =
  | "public"
  | "write"
  | "write-in-body"
  | "read"
  | "agent"
  | "privacy"
  | "admin"
  | "loopback-admin";

/** Which roles satisfy each access level. */
const ALLOWED: Record<Exclude<Access, "public">, ReadonlySet<Role>> = {
  write: new Set(["write", "admin"]),
  "write-in-body": new Set(["write", "admin"]),
  read: new Set(["read", "agent", "admin"]),
  agent: new Set(["agent", "admin"]),
  privacy: new Set(["privacy", "admin"]),
  admin: new Set(["admin"]),
  "loopback-admin": new Set(["admin"]),
};

/** The demo's well-known keys: refused when the server listens beyond loopback. */
export const DEMO_KEYS = { write: "wk_demo", read: "rk_demo", agent: "ak_demo" } as const;

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
  const space = header.indexOf(" ");
  if (space <= 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (!value) return undefined;
  if (scheme === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 ? decoded.slice(0, colon) : decoded;
  }
  if (scheme === "bearer") return value;
  return undefined;
}

const digest = (key: string) => createHash("sha256").update(key).digest();

/**
 * Resolves keys to roles in constant time: the presented key's digest is compared with every known key's
 * digest (timingSafeEqual), so neither the comparison nor an early exit tells how much of a key matched.
 */
export class KeyRing {
  private readonly entries: Array<{ digest: Buffer; role: Role }> = [];

  constructor(keys: ApiKeys) {
    const add = (key: string, role: Role) => this.entries.push({ digest: digest(key), role });
    for (const key of keys.write) add(key, "write");
    for (const key of keys.read) add(key, "read");
    for (const key of keys.agent ?? []) add(key, "agent");
    for (const key of keys.privacy ?? []) add(key, "privacy");
    add(keys.admin, "admin");
  }

  roleOf(key: string | undefined): Role | undefined {
    if (!key) return undefined;
    const presented = digest(key);
    let found: Role | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(presented, entry.digest) && found === undefined) found = entry.role;
    }
    return found;
  }
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Who may call this route; every route must declare it (checked when the route is added). */
    access?: Access;
  }
  interface FastifyRequest {
    /** The role of the key that was accepted for this request (undefined on public routes). */
    role?: Role;
    /** A short id of that key (a digest, never the key): analytic work queues per key. */
    keyId?: string;
  }
}

/** "a write key", "an agent key", "an admin key": the key an access level needs, in words. */
function keyNeeded(need: Access): string {
  const role = need.replace(/^loopback-|-in-body$/g, "");
  return `${/^[aeiou]/.test(role) ? "an" : "a"} ${role} key`;
}

function refuse(reply: FastifyReply, role: Role | undefined, presented: boolean, need: Access) {
  if (!presented) {
    return reply.code(401).send({
      error: "unauthorized",
      message: `this endpoint needs ${keyNeeded(need)} (HTTP Basic user or Bearer token)`,
    });
  }
  if (!role) return reply.code(401).send({ error: "unauthorized", message: "unknown key" });
  return reply.code(403).send({
    error: "forbidden",
    message: `this endpoint needs ${keyNeeded(need)}; ${keyNeeded(role)} cannot be used here (write keys only send events; read keys only read; inbox actions need an agent key)`,
  });
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * Loopback, or a connection from this machine to its own address (a server listening on one external
 * address is reached by the local CLI from that same address).
 */
function fromThisMachine(request: FastifyRequest): boolean {
  const remote = request.socket.remoteAddress ?? "";
  return LOOPBACK.has(remote) || (remote !== "" && remote === request.socket.localAddress);
}

/**
 * Checks one request against its route's declared access; answers 401/403 itself and returns false when
 * refused. For `write-in-body` routes, `bodyKey` is the key found in the parsed body.
 */
export function checkAccess(
  ring: KeyRing,
  request: FastifyRequest,
  reply: FastifyReply,
  need: Access,
  bodyKey?: string,
): boolean {
  if (need === "public") return true;
  if (need === "loopback-admin" && !fromThisMachine(request)) {
    void reply
      .code(404)
      .send({ error: "not_found", message: `Route ${request.method}:${request.url} not found` });
    return false;
  }
  const key = keyFromHeaders(request) ?? bodyKey;
  const role = ring.roleOf(key);
  if (role && ALLOWED[need].has(role)) {
    request.role = role;
    request.keyId = digest(key!).toString("hex").slice(0, 16);
    return true;
  }
  void refuse(reply, role, Boolean(key), need);
  return false;
}

/** Routes that plugins add (API docs, the dashboard's files) are public; every other route must declare its access. */
const PUBLIC_PREFIXES = ["/docs"];

/**
 * Access control in one place: each route's `config.access` is required when the route is added (a route
 * without one fails the server's start, so a new route cannot forget it), and checked in `onRequest`,
 * before the body is read or parsed. `write-in-body` routes with no key in the headers are checked after
 * parsing by `checkBodyKey`.
 */
export function registerAccessControl(
  app: FastifyInstance,
  keys: ApiKeys,
  publicRoutes: Set<string>,
): KeyRing {
  const ring = new KeyRing(keys);
  app.decorateRequest("role", undefined);
  app.decorateRequest("keyId", undefined);
  app.addHook("onRoute", (route) => {
    const declared = (route.config as { access?: Access } | undefined)?.access;
    if (declared) return;
    const url = route.url ?? route.path;
    if (publicRoutes.has(url) || PUBLIC_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`))) {
      route.config = { ...(route.config ?? {}), access: "public" } as typeof route.config;
      return;
    }
    throw new Error(`route ${String(route.method)} ${url} declares no access level (config.access)`);
  });
  app.addHook("onRequest", async (request, reply) => {
    const need = request.routeOptions.config?.access;
    // No route matched: fastify answers 404 on its own.
    if (need === undefined) return;
    if (need === "write-in-body" && keyFromHeaders(request) === undefined) return;
    if (!checkAccess(ring, request, reply, need)) return reply;
  });
  return ring;
}

/** For `write-in-body` routes: the body's key, when no header carried one (the header was checked already). */
export function checkBodyKey(
  ring: KeyRing,
  request: FastifyRequest,
  reply: FastifyReply,
  bodyKey: unknown,
): boolean {
  if (request.role) return true;
  return checkAccess(
    ring,
    request,
    reply,
    "write-in-body",
    typeof bodyKey === "string" ? bodyKey : undefined,
  );
}

/** Whether a host name or address stays on this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || LOOPBACK.has(host) || /^127\./.test(host);
}

/** The demo's well-known keys may serve only on loopback: anyone could use them elsewhere. */
export function refuseDemoKeysBeyondLoopback(keys: ApiKeys, host: string): void {
  if (isLoopbackHost(host)) return;
  const demo = [DEMO_KEYS.write, DEMO_KEYS.read, DEMO_KEYS.agent].filter(
    (key) => keys.write.has(key) || keys.read.has(key) || keys.agent?.has(key),
  );
  if (demo.length > 0) {
    throw new Error(
      `the demo keys (${demo.join(", ")}) are public and are refused when listening on ${host}: set your own keys with --write-key/--read-key or listen on 127.0.0.1`,
    );
  }
}
