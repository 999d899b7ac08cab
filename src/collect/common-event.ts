/**
 * The event contract's common case checked by hand: zod's `incomingEventSchema.safeParse` was about 40% of
 * the serving thread's cost of normalising an event (4.2 -> 2.6 us without it; docs/benchmarks.md, session 22).
 * `commonEvent` answers only when the event is certainly valid and zod would return it unchanged (string
 * ids, no transform); anything else, every event to be rejected included, is left to zod, so zod stays the
 * one contract and the only author of error messages. common-event.test.ts checks, on the demo's events and
 * the fuzz corpus, that every event taken here is one zod accepts, with the same value.
 */
import {
  EVENT_TYPES,
  type IncomingEvent,
  isPlainObject,
  MAX_EVENT_NAME_LENGTH,
  MAX_ID_LENGTH,
  MAX_MESSAGE_ID_LENGTH,
  MAX_TIME_TEXT_LENGTH,
} from "./event-schema.js";

const TYPES: ReadonlySet<unknown> = new Set(EVENT_TYPES);
// Lengths in UTF-16 units: never fewer than zod's count of code points, so a string within these bounds is
// within zod's (min is 0 or 1); a long string of emoji may be left to zod, which then decides.
const stringOf = (value: unknown, min: number, max: number) =>
  typeof value === "string" && value.length >= min && value.length <= max;
const optionalString = (value: unknown, min: number, max: number) =>
  value === undefined || stringOf(value, min, max);
const optionalId = (value: unknown) => value === undefined || stringOf(value, 1, MAX_ID_LENGTH);
const optionalTime = (value: unknown) =>
  value === undefined ||
  stringOf(value, 1, MAX_TIME_TEXT_LENGTH) ||
  (typeof value === "number" && Number.isFinite(value));
const optionalObject = (value: unknown) => value === undefined || isPlainObject(value);

/** `event` as zod's schema would return it, when it is certainly a valid event; undefined to ask zod. */
export function commonEvent(event: unknown): IncomingEvent | undefined {
  if (!isPlainObject(event)) return undefined;
  // zod's copy leaves out an own "__proto__" key (JSON.parse makes one): such an event is zod's to return.
  if (Object.hasOwn(event, "__proto__")) return undefined;
  const { type, userId, anonymousId } = event;
  const valid =
    TYPES.has(type) &&
    optionalString(event.messageId, 1, MAX_MESSAGE_ID_LENGTH) &&
    optionalString(event.event, 1, MAX_EVENT_NAME_LENGTH) &&
    optionalString(event.name, 0, MAX_EVENT_NAME_LENGTH) &&
    (userId === null || optionalId(userId)) &&
    (anonymousId === null || optionalId(anonymousId)) &&
    optionalId(event.previousId) &&
    optionalId(event.groupId) &&
    optionalTime(event.timestamp) &&
    optionalTime(event.originalTimestamp) &&
    optionalTime(event.sentAt) &&
    optionalObject(event.properties) &&
    optionalObject(event.traits) &&
    optionalObject(event.context) &&
    optionalObject(event.integrations) &&
    // The schema's cross-field rules.
    Boolean(userId || anonymousId) &&
    (type !== "track" || Boolean(event.event)) &&
    (type !== "alias" || Boolean(event.previousId)) &&
    (type !== "group" || Boolean(event.groupId));
  return valid ? (event as IncomingEvent) : undefined;
}
