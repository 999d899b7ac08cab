/**
 * The event contract. One zod schema for what the collector, the importer, the API docs and the demo
 * generator accept (Segment's spec, with Customer Flow's channel and touchpoint), and the stored row type.
 */
import { z } from "zod";

export const KNOWN_CHANNELS = [
  "web",
  "app",
  "email",
  "phone",
  "contact_center",
  "store",
  "social",
  "chat",
  "post",
  "peer",
  "other",
] as const;

/** Known channels plus any lowercase slug a brand adds (e.g. "kiosk", "field_sales"). */
export const channelSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,31}$/,
    "a channel is a lowercase word of letters, digits or _ (e.g. web, phone, store)",
  );

export const EVENT_TYPES = ["track", "page", "screen", "identify", "alias", "group"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Bounds of the contract's strings, shared with its hand-checked common case (common-event.ts). */
export const MAX_TIME_TEXT_LENGTH = 64;
export const MAX_MESSAGE_ID_LENGTH = 256;
export const MAX_EVENT_NAME_LENGTH = 512;
/** Longest user, anonymous, previous or group id (docs/security.md). */
export const MAX_ID_LENGTH = 256;

/** What the contract takes as an object (properties, traits, context, integrations). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const timestampSchema = z.union([z.string().min(1).max(MAX_TIME_TEXT_LENGTH), z.number(), z.date()]);
// A plain-object check instead of z.record: validating every key of every properties bag costs a third of ingest.
const objectSchema = z.custom<Record<string, unknown>>(isPlainObject, "expected an object");
const idSchema = z.union([z.string().min(1).max(MAX_ID_LENGTH), z.number().finite().transform(String)]);

/** A Segment-shaped event as it arrives over HTTP or in NDJSON import. */
export const incomingEventSchema = z
  .object({
    type: z.enum(EVENT_TYPES),
    messageId: z.string().min(1).max(MAX_MESSAGE_ID_LENGTH).optional(),
    event: z.string().min(1).max(MAX_EVENT_NAME_LENGTH).optional(),
    name: z.string().max(MAX_EVENT_NAME_LENGTH).optional(),
    userId: idSchema.optional().nullable(),
    anonymousId: idSchema.optional().nullable(),
    previousId: idSchema.optional(),
    groupId: idSchema.optional(),
    timestamp: timestampSchema.optional(),
    originalTimestamp: timestampSchema.optional(),
    sentAt: timestampSchema.optional(),
    properties: objectSchema.optional(),
    traits: objectSchema.optional(),
    context: objectSchema.optional(),
    integrations: objectSchema.optional(),
  })
  .passthrough()
  .superRefine((event, ctx) => {
    if (!event.userId && !event.anonymousId) {
      ctx.addIssue({ code: "custom", path: ["userId"], message: "either userId or anonymousId is required" });
    }
    if (event.type === "track" && !event.event) {
      ctx.addIssue({ code: "custom", path: ["event"], message: "a track call needs an event name" });
    }
    if (event.type === "alias" && !event.previousId) {
      ctx.addIssue({ code: "custom", path: ["previousId"], message: "an alias call needs previousId" });
    }
    if (event.type === "group" && !event.groupId) {
      ctx.addIssue({ code: "custom", path: ["groupId"], message: "a group call needs groupId" });
    }
  });

export type IncomingEvent = z.infer<typeof incomingEventSchema>;

/** One row of the events table (see src/store/schema.ts). */
export interface StoredEvent {
  event_id: string;
  type: EventType;
  name: string;
  identity_key: string;
  user_id: string;
  anonymous_id: string;
  timestamp: string;
  received_at: string;
  seq: number;
  channel: string;
  touchpoint: string;
  direction: "inbound" | "outbound";
  text: string;
  value: number | null;
  currency: string;
  properties: string;
  traits: string;
  context: string;
  source: string;
  /** Set by the sink's classifier for events with text; empty otherwise. */
  behaviour: string;
  behaviour_labels: string[];
  behaviour_scores: number[];
}

/** A row of the failed-events table: the raw payload is kept with the reason. */
export interface FailedEvent {
  received_at: string;
  source: string;
  field: string;
  reason: string;
  payload: string;
}
