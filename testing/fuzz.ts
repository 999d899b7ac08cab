/**
 * Mutated Segment and PostHog payloads for the collector's fuzz test and bench (seeded, reproducible):
 * wrong types, huge numbers, unicode and lone surrogates, deep nesting, oversized strings, future times,
 * __proto__ keys, and whole bodies that are truncated JSON, invalid UTF-8, duplicate keys, the wrong shape,
 * gzip garbage or gzip bombs. Items that keep their own tracked messageId are listed with each request, so
 * a caller can check that every acknowledged one is stored exactly once and no rejected one is.
 */
import { gzipSync } from "node:zlib";
import { Random } from "../src/demo/random.js";

export interface FuzzRequest {
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** Payloads this request carries (items of a batch, or 1 for a whole body). */
  payloads: number;
  /** For Segment batches: the tracked messageId of each item by index (undefined where a mutation changed it). */
  tracked: Array<string | undefined>;
}

const WEIRD: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1e308,
  -1e308,
  2 ** 53 + 1,
  0.1,
  "",
  " ",
  "\u0000",
  "\ud800",
  "\udfff\ud800",
  "💥".repeat(50),
  "<img src=x onerror=alert(1)>",
  "constructor",
  "__proto__",
  "toString",
  [],
  {},
  [1, [2, [3, [4]]]],
  { a: { b: { c: {} } } },
  "2099-01-01T00:00:00Z",
  "1970-01-01T00:00:00Z",
  "not a time",
  "9".repeat(400),
  "a@".concat(".".repeat(2000)),
  "?".concat(" ".repeat(2000)),
  "test@test.com",
  "+1 (555) 010-0199",
  "Web Site!",
  "x".repeat(300),
];

const FIELDS = [
  "type",
  "event",
  "name",
  "userId",
  "anonymousId",
  "timestamp",
  "originalTimestamp",
  "sentAt",
  "properties",
  "traits",
  "context",
  "messageId",
  "previousId",
  "groupId",
  "properties.channel",
  "properties.touchpoint",
  "properties.text",
  "properties.value",
  "properties.revenue",
  "properties.direction",
  "traits.email",
  "traits.phone",
  "traits.twitter",
  "context.traits",
  "context.channel",
];

type Bag = Record<string, unknown>;

function setPath(target: Bag, path: string, value: unknown): void {
  const [head, tail] = path.split(".", 2) as [string, string | undefined];
  if (tail === undefined) {
    target[head] = value;
    return;
  }
  const inner = target[head];
  if (inner && typeof inner === "object" && !Array.isArray(inner)) (inner as Bag)[tail] = value;
  else target[head] = { [tail]: value };
}

function deletePath(target: Bag, path: string): void {
  const [head, tail] = path.split(".", 2) as [string, string | undefined];
  if (tail === undefined) delete target[head];
  else if (target[head] && typeof target[head] === "object") delete (target[head] as Bag)[tail];
}

function nested(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { n: value };
  return value;
}

const TYPES = ["track", "page", "screen", "identify", "alias", "group"] as const;

function validEvent(random: Random, messageId: string): Bag {
  const type = random.pick(TYPES);
  const userId = random.chance(0.8) ? `fz-user-${random.int(0, 200)}` : undefined;
  const event: Bag = {
    type,
    messageId,
    ...(userId ? { userId } : { anonymousId: `fz-anon-${random.int(0, 300)}` }),
    timestamp: new Date(Date.now() - random.int(0, 90 * 86_400_000)).toISOString(),
    properties: {
      channel: random.pick(["web", "email", "phone", "chat", "store", "social"]),
      touchpoint: random.pick(["home", "cart", "checkout", "support call", "store visit"]),
      ...(random.chance(0.3)
        ? { text: random.pick(["where is my order?", "love it", "please add PayPal"]) }
        : {}),
      ...(random.chance(0.2) ? { revenue: random.int(1, 500) } : {}),
    },
  };
  if (type === "track") event.event = random.pick(["Order Completed", "Product Viewed", "Call Started"]);
  if (type === "page" || type === "screen") event.name = random.pick(["Home", "Pricing"]);
  if (type === "identify") event.traits = { email: `fz${random.int(0, 300)}@example.com` };
  if (type === "alias") event.previousId = `fz-anon-${random.int(0, 300)}`;
  if (type === "group") event.groupId = `fz-group-${random.int(0, 50)}`;
  return event;
}

/** An event with 0-3 mutations; `kept` says whether it still carries its tracked messageId. */
function mutatedEvent(random: Random, messageId: string): { event: Bag; kept: boolean } {
  const event = validEvent(random, messageId);
  const mutations = random.int(0, 3);
  for (let m = 0; m < mutations; m++) {
    const field = random.pick(FIELDS);
    const roll = random.next();
    if (roll < 0.55) setPath(event, field, structuredClone(random.pick(WEIRD)));
    else if (roll < 0.75) deletePath(event, field);
    else if (roll < 0.9) setPath(event, "properties.tree", nested(random.int(1, 120)));
    // Mostly large but allowed; now and then over the 32 KB event limit.
    else setPath(event, "properties.blob", "z".repeat(random.chance(0.05) ? 40_000 : random.int(100, 4000)));
  }
  // An own "__proto__" key, as JSON.parse makes one: it must stay a plain key, never a prototype.
  if (random.chance(0.05))
    Object.defineProperty(event, "__proto__", { value: { polluted: true }, enumerable: true });
  return { event, kept: event.messageId === messageId };
}

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));
let bomb: Uint8Array | undefined;

/** A whole-body mutation: what arrives when a client, a proxy or an attacker sends something broken. */
function brokenBody(random: Random, sample: Bag): Pick<FuzzRequest, "body" | "headers"> {
  const text = JSON.stringify({ batch: [sample] });
  const plain = { "content-type": "application/json" };
  switch (random.int(0, 8)) {
    case 0:
      return { body: encoder.encode(text.slice(0, random.int(0, text.length - 1))), headers: plain };
    case 1: {
      const bytes = encoder.encode(text);
      bytes[random.int(0, bytes.length - 1)] = random.pick([0xff, 0xc3, 0xed, 0x80]);
      return { body: bytes, headers: plain };
    }
    case 2:
      return {
        body: encoder.encode(`{"batch":[],"batch":${JSON.stringify([sample])},"batch":7}`),
        headers: plain,
      };
    case 3:
      return {
        body: json(random.pick([null, 7, "text", [], [sample], { batch: {} }, { batch: "x" }])),
        headers: plain,
      };
    case 4:
      return { body: encoder.encode("\ufeff".concat(text)), headers: plain };
    case 5:
      return {
        body: encoder.encode(random.id(random.int(1, 200))),
        headers: { ...plain, "content-encoding": "gzip" },
      };
    case 6:
      bomb ??= new Uint8Array(gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x7b)));
      return { body: bomb, headers: { ...plain, "content-encoding": "gzip" } };
    case 7:
      return {
        body: encoder.encode(text),
        headers: { "content-type": random.pick(["text/xml", "multipart/form-data"]) },
      };
    default:
      return {
        body: encoder.encode(`{"batch":[${"[".repeat(20_000)}${"]".repeat(20_000)}]}`),
        headers: plain,
      };
  }
}

/**
 * Requests carrying `total` payloads in all: Segment batches of up to `perBatch` mutated items (tracked),
 * PostHog batches, single Segment calls and broken whole bodies.
 */
export function* fuzzRequests(
  seed: number,
  total: number,
  options: { perBatch?: number; writeKey?: string } = {},
): Generator<FuzzRequest> {
  const perBatch = options.perBatch ?? 100;
  const random = new Random(seed);
  const prefix = `fz-${seed}-${Date.now().toString(36)}`;
  let sent = 0;
  let counter = 0;
  const nextId = () => `${prefix}-${counter++}`;
  while (sent < total) {
    const roll = random.next();
    if (roll < 0.8) {
      const size = Math.min(random.int(1, perBatch), total - sent);
      const items = Array.from({ length: size }, () => mutatedEvent(random, nextId()));
      const body = json({ batch: items.map((i) => i.event), sentAt: new Date().toISOString() });
      yield {
        path: "/v1/batch",
        headers: { "content-type": "application/json" },
        body,
        payloads: size,
        tracked: items.map((i) => (i.kept ? (i.event.messageId as string) : undefined)),
      };
      sent += size;
    } else if (roll < 0.9) {
      const size = Math.min(random.int(1, perBatch), total - sent);
      const batch = Array.from({ length: size }, () => {
        const { event } = mutatedEvent(random, nextId());
        return {
          event: event.event ?? event.type,
          distinct_id: event.userId ?? event.anonymousId,
          properties: event.properties,
          timestamp: event.timestamp,
          uuid: event.messageId,
        };
      });
      yield {
        path: "/batch/",
        headers: { "content-type": "application/json" },
        body: json({ api_key: options.writeKey ?? "wk_test", batch }),
        payloads: size,
        tracked: [],
      };
      sent += size;
    } else if (roll < 0.97) {
      const { event } = mutatedEvent(random, nextId());
      const type =
        typeof event.type === "string" && TYPES.includes(event.type as never) ? event.type : "track";
      yield {
        path: `/v1/${type}`,
        headers: { "content-type": "application/json" },
        body: json(event),
        payloads: 1,
        tracked: [],
      };
      sent += 1;
    } else {
      yield {
        path: "/v1/batch",
        ...brokenBody(random, validEvent(random, nextId())),
        payloads: 1,
        tracked: [],
      };
      sent += 1;
    }
  }
}

export interface FuzzRun {
  requests: number;
  payloads: number;
  /** Responses by HTTP status. */
  statuses: Record<number, number>;
  /** Tracked messageIds the collector acknowledged, and those it rejected. */
  acknowledged: string[];
  rejected: string[];
  ms: number;
}

/** Sends the requests with the write key, `concurrency` at a time, and tallies what came back. */
export async function runFuzz(
  url: string,
  options: { seed: number; payloads: number; concurrency?: number; writeKey?: string },
): Promise<FuzzRun> {
  const started = performance.now();
  const run: FuzzRun = { requests: 0, payloads: 0, statuses: {}, acknowledged: [], rejected: [], ms: 0 };
  const requests = fuzzRequests(options.seed, options.payloads, { writeKey: options.writeKey });
  const auth = `Basic ${Buffer.from(`${options.writeKey ?? "wk_test"}:`).toString("base64")}`;
  const worker = async () => {
    for (let next = requests.next(); !next.done; next = requests.next()) {
      const request = next.value;
      const response = await fetch(`${url}${request.path}`, {
        method: "POST",
        headers: { authorization: auth, ...request.headers },
        body: request.body as BodyInit,
      });
      const text = await response.text();
      run.requests++;
      run.payloads += request.payloads;
      run.statuses[response.status] = (run.statuses[response.status] ?? 0) + 1;
      if (request.tracked.length === 0) continue;
      let failed = new Set<number>();
      if (response.status === 200 || response.status === 400) {
        const details = (JSON.parse(text) as { details?: Array<{ index: number }> }).details ?? [];
        failed = new Set(details.map((d) => d.index));
      } else failed = new Set(request.tracked.map((_, i) => i));
      request.tracked.forEach((id, index) => {
        if (id === undefined) return;
        (failed.has(index) ? run.rejected : run.acknowledged).push(id);
      });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  run.ms = performance.now() - started;
  return run;
}
