/**
 * A customer's context facts brought up to date with committed events, in memory (pure): the serving
 * thread answers the context API without reading the store because a customer just had an event.
 * Mirrors what `contextFacts` (store.ts) reads: the last 10 touches, behaviour counts over 90 days, the
 * last message, and the open items of the last 30 days (newest 10).
 *
 * It runs on the serving thread for every committed event, so the common case (new touches later than
 * the ones held) appends without parsing or sorting what is held; the facts' lists are kept in order
 * (touches oldest first, open items newest first, ties in arrival order), which the store's read also gives.
 */
import type { StoredEvent } from "../collect/event-schema.js";
import { storedTimeIso } from "../store/time.js";
import { contextValues } from "./interned.js";
import type { ContextFacts } from "./store.js";

const DAY = 86_400_000;
const RECENT = 10;
const OPEN_ITEMS = 10;
const SPACES = ["praise", "complaint", "question", "suggestion"] as const;

type Touch = ContextFacts["recentJourney"][number];
type OpenItem = ContextFacts["openItems"][number];
interface Timed<T> {
  value: T;
  ms: number;
}

/** The facts with `rows` (this customer's committed events) applied, counted back from the clock `at`. */
export function withEvents(facts: ContextFacts, rows: readonly StoredEvent[], at: number): ContextFacts {
  const touches: Array<Timed<Touch>> = [];
  const newItems: Array<Timed<OpenItem>> = [];
  let behaviour = facts.behaviour;
  let lastMessage = facts.lastMessage;
  let lastMessageMs = lastMessage ? Date.parse(lastMessage.at) : 0;
  let identityKeys = facts.identityKeys;
  let seen: Set<string> | undefined;
  for (const row of rows) {
    // One ISO text per event: what the touch shows, and what its time is parsed from.
    const iso = storedTimeIso(row.timestamp);
    const ms = Date.parse(iso);
    const text = row.text.slice(0, 280);
    if (!identityKeys.includes(row.identity_key)) identityKeys = [...identityKeys, row.identity_key];
    const touch: Touch = {
      at: iso,
      channel: contextValues.of(row.channel),
      touchpoint: contextValues.of(row.touchpoint),
      event: contextValues.of(row.name),
      direction: row.direction,
      behaviour: contextValues.of(row.behaviour),
      text,
    };
    touches.push({ value: touch, ms });
    if (row.behaviour === "" || row.direction !== "inbound") continue;
    seen ??= new Set(facts.openItems.map((item) => item.id));
    if (seen.has(row.event_id)) continue;
    seen.add(row.event_id);
    if (ms > at - 90 * DAY)
      for (const space of SPACES)
        if (row.behaviour_labels.includes(space)) {
          if (behaviour === facts.behaviour) behaviour = { ...behaviour };
          behaviour[space]++;
        }
    if (!lastMessage || ms >= lastMessageMs) {
      lastMessage = { at: iso, behaviour: touch.behaviour, text, touchpoint: touch.touchpoint };
      lastMessageMs = ms;
    }
    if (ms > at - 30 * DAY)
      newItems.push({
        value: { id: row.event_id, behaviour: touch.behaviour, text, receivedAt: iso, status: "open" },
        ms,
      });
  }
  return {
    ...facts,
    identityKeys,
    recentJourney: lastTouches(facts.recentJourney, touches),
    behaviour,
    lastMessage,
    openItems: newestItems(facts.openItems, newItems),
  };
}

/** The last 10 of the held touches (oldest first) and the new ones, by time; on a tie the held one first. */
function lastTouches(held: Touch[], added: Array<Timed<Touch>>): Touch[] {
  added.sort((a, b) => a.ms - b.ms); // stable: arrival order on a tie
  const lastHeld = held.length > 0 ? Date.parse(held[held.length - 1]!.at) : -Infinity;
  if (added.length === 0 || added[0]!.ms >= lastHeld)
    return [...held, ...added.map((t) => t.value)].slice(-RECENT);
  return [...held.map((value) => ({ value, ms: Date.parse(value.at) })), ...added]
    .sort((a, b) => a.ms - b.ms)
    .slice(-RECENT)
    .map((t) => t.value);
}

/** The 10 newest of the held open items (newest first) and the new ones; on a tie the held one first. */
function newestItems(held: OpenItem[], added: Array<Timed<OpenItem>>): OpenItem[] {
  // The index replaces a customer's facts, never edits them: with nothing new, the held list serves as is.
  if (added.length === 0) return held.length > OPEN_ITEMS ? held.slice(0, OPEN_ITEMS) : held;
  return [...held.map((value) => ({ value, ms: Date.parse(value.receivedAt) })), ...added]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, OPEN_ITEMS)
    .map((t) => t.value);
}
