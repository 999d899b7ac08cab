import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { formatTime, parseTimestamp } from "../store/time.js";
import { commonEvent } from "./common-event.js";
import { channelSchema, type IncomingEvent, incomingEventSchema, type StoredEvent } from "./event-schema.js";
import { wellFormed, wellFormedJson } from "./well-formed.js";

export const DEFAULT_LIMITS = { maxEventBytes: 32 * 1024, maxBatchBytes: 500 * 1024 };

/** Deepest nesting of objects and arrays an event may have (the event object itself is level 1). */
export const MAX_EVENT_DEPTH = 64;

/** How far after its receipt an event's time may lie (clock skew); later ones are rejected. */
export const MAX_FUTURE_MS = 24 * 3_600_000;

/**
 * Whether a parsed value nests deeper than `limit` levels. It stops descending one level past the limit,
 * so a value nested thousands deep cannot overflow the stack here (JSON.stringify would).
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (const child of value) if (nestsDeeperThan(child, limit - 1)) return true;
    return false;
  }
  const bag = value as Record<string, unknown>;
  for (const key in bag) if (nestsDeeperThan(bag[key], limit - 1)) return true;
  return false;
}

export type Rejection = { field: string; reason: string };
export type StepResult<T> = { ok: T } | { rejected: Rejection };

/** Monotonic ingest sequence: keeps the source order of events that share a timestamp. */
export class Sequence {
  private last = 0;
  next(): number {
    // Milliseconds * 1024 leaves room for 1024 events per ms before borrowing from the next ms; stays < 2^53.
    const candidate = Date.now() * 1024;
    this.last = candidate > this.last ? candidate : this.last + 1;
    return this.last;
  }
}

export function describeZodError(error: z.ZodError): Rejection {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join(".") : "(event)";
  return { field, reason: issue ? issue.message : "invalid event" };
}

function stringProp(bag: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = bag?.[key];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function numberProp(bag: Record<string, unknown> | undefined, key: string): number | undefined {
  const value = bag?.[key];
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

function defaultChannel(event: IncomingEvent): string {
  if (event.type === "page") return "web";
  if (event.type === "screen") return "app";
  return "other";
}

function defaultTouchpoint(event: IncomingEvent): string {
  switch (event.type) {
    case "track":
      return event.event ?? "track";
    case "page":
    case "screen": {
      const path = stringProp(event.properties, "path");
      return event.name || path || event.type;
    }
    default:
      return event.type;
  }
}

/**
 * Corrects client clocks as Segment does: timestamp = receivedAt - (sentAt - clientTimestamp), where the
 * client timestamp is `originalTimestamp` or `timestamp`. Without sentAt the client time is kept as sent.
 */
function resolveTimestamp(event: IncomingEvent, receivedAt: number): StepResult<number> {
  const clientField = event.originalTimestamp !== undefined ? "originalTimestamp" : "timestamp";
  const clientValue = event.originalTimestamp ?? event.timestamp;
  if (clientValue === undefined) return { ok: receivedAt };
  const client = parseTimestamp(clientValue);
  if (Number.isNaN(client))
    return { rejected: { field: clientField, reason: "not a recognisable timestamp" } };
  if (event.sentAt === undefined) return { ok: client };
  const sent = parseTimestamp(event.sentAt);
  if (Number.isNaN(sent)) return { rejected: { field: "sentAt", reason: "not a recognisable timestamp" } };
  return { ok: receivedAt - (sent - client) };
}

const MIN_TIME = Date.UTC(1970, 0, 1);
const MAX_TIME = Date.UTC(2299, 11, 31);

export interface NormaliseOptions {
  source: string;
  receivedAt: number;
  sequence: Sequence;
  /** A fixed ingest sequence number (bulk import: base + line), instead of the next of `sequence`. */
  seq?: number;
  maxEventBytes?: number;
  /** The event's size when the caller knows it (import line, small request body); measured otherwise. */
  sizeBytes?: number;
  /** receivedAt already formatted, to format it once per batch. */
  receivedText?: string;
  /**
   * Whether `properties.direction: "outbound"` (the brand's own touch) is kept. Only trusted writers (the
   * admin key, imports, the inbox's replies) may write the brand's events; for others they are stored as
   * inbound, so a public write key cannot put words in the brand's mouth.
   */
  allowOutbound?: boolean;
}

/** Validates one incoming event and turns it into a stored row, or says which field is wrong and why. */
export function normaliseEvent(raw: unknown, options: NormaliseOptions): StepResult<StoredEvent> {
  const maxBytes = options.maxEventBytes ?? DEFAULT_LIMITS.maxEventBytes;
  // Depth first: measuring the size stringifies, which recurses.
  if (nestsDeeperThan(raw, MAX_EVENT_DEPTH))
    return { rejected: { field: "(event)", reason: `nested deeper than ${MAX_EVENT_DEPTH} levels` } };
  const size = options.sizeBytes ?? Buffer.byteLength(JSON.stringify(raw ?? null));
  if (size > maxBytes)
    return { rejected: { field: "(event)", reason: `event is ${size} bytes; the limit is ${maxBytes}` } };
  let event = commonEvent(raw);
  if (!event) {
    const parsed = incomingEventSchema.safeParse(raw);
    if (!parsed.success) return { rejected: describeZodError(parsed.error) };
    event = parsed.data;
  }

  const time = resolveTimestamp(event, options.receivedAt);
  if ("rejected" in time) return time;
  if (time.ok < MIN_TIME || time.ok > MAX_TIME) {
    return { rejected: { field: "timestamp", reason: "timestamp is outside 1970..2299" } };
  }
  if (time.ok > options.receivedAt + MAX_FUTURE_MS) {
    return {
      rejected: { field: "timestamp", reason: "timestamp is more than 24 h after the event was received" },
    };
  }

  // alias and group carry their ids at top level; keep them with the stored properties so they can be replayed.
  const props =
    event.type === "alias"
      ? { ...event.properties, previousId: String(event.previousId) }
      : event.type === "group"
        ? { ...event.properties, groupId: String(event.groupId) }
        : event.properties;
  const ctx = event.context;
  const channelValue = stringProp(props, "channel") ?? stringProp(ctx, "channel") ?? defaultChannel(event);
  const channel = channelSchema.safeParse(channelValue.toLowerCase());
  if (!channel.success) {
    const field = stringProp(props, "channel") ? "properties.channel" : "context.channel";
    return { rejected: { field, reason: channel.error.issues[0]?.message ?? "invalid channel" } };
  }
  const touchpoint =
    stringProp(props, "touchpoint") ?? stringProp(ctx, "touchpoint") ?? defaultTouchpoint(event);
  const value = numberProp(props, "value") ?? numberProp(props, "revenue") ?? numberProp(props, "total");
  const traits = event.traits ?? (ctx?.traits as Record<string, unknown> | undefined);
  const userId = event.userId ? wellFormed(String(event.userId)) : "";
  const anonymousId = event.anonymousId ? wellFormed(String(event.anonymousId)) : "";
  const direction =
    options.allowOutbound !== false && stringProp(props, "direction") === "outbound" ? "outbound" : "inbound";

  return {
    ok: {
      event_id: event.messageId ? wellFormed(event.messageId) : randomUUID(),
      type: event.type,
      name: wellFormed(event.event ?? event.name ?? ""),
      identity_key: userId ? `user:${userId}` : `anon:${anonymousId}`,
      user_id: userId,
      anonymous_id: anonymousId,
      timestamp: formatTime(time.ok),
      received_at: options.receivedText ?? formatTime(options.receivedAt),
      seq: options.seq ?? options.sequence.next(),
      channel: channel.data,
      touchpoint: wellFormed(touchpoint.slice(0, 256)),
      direction,
      text: wellFormed(stringProp(props, "text") ?? stringProp(props, "message") ?? ""),
      value: value ?? null,
      currency: wellFormed((stringProp(props, "currency") ?? "").toUpperCase().slice(0, 8)),
      properties: wellFormedJson(props ?? {}),
      traits: wellFormedJson(traits ?? {}),
      context: wellFormedJson(ctx ?? {}),
      source: options.source,
      behaviour: "",
      behaviour_labels: [],
      behaviour_scores: [],
    },
  };
}
