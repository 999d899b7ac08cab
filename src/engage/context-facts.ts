/**
 * A customer's context facts brought up to date with committed events, in memory (pure): the serving
 * thread answers the context API without reading the store because a customer just had an event.
 * Mirrors what `contextFacts` (store.ts) reads: the last 10 touches, behaviour counts over 90 days, the
 * last message, and the open items of the last 30 days (newest 10).
 */
import type { StoredEvent } from "../collect/event-schema.js";
import { parseStoredTime } from "../store/time.js";
import type { ContextFacts } from "./store.js";

const DAY = 86_400_000;
const SPACES = ["praise", "complaint", "question", "suggestion"] as const;

/** The facts with `rows` (this customer's committed events) applied, counted back from the clock `at`. */
export function withEvents(facts: ContextFacts, rows: readonly StoredEvent[], at: number): ContextFacts {
  const seen = new Set(facts.openItems.map((item) => item.id));
  const recent = facts.recentJourney.map((touch, order) => ({ touch, ms: Date.parse(touch.at), order }));
  const behaviour = { ...facts.behaviour };
  let lastMessage = facts.lastMessage;
  const openItems = [...facts.openItems];
  const identityKeys = new Set(facts.identityKeys);
  rows.forEach((row, i) => {
    const ms = parseStoredTime(row.timestamp);
    const iso = new Date(ms).toISOString();
    const text = row.text.slice(0, 280);
    identityKeys.add(row.identity_key);
    recent.push({
      touch: {
        at: iso,
        channel: row.channel,
        touchpoint: row.touchpoint,
        event: row.name,
        direction: row.direction,
        behaviour: row.behaviour,
        text,
      },
      ms,
      order: facts.recentJourney.length + i,
    });
    const message = row.behaviour !== "" && row.direction === "inbound";
    if (!message || seen.has(row.event_id)) return;
    seen.add(row.event_id);
    if (ms > at - 90 * DAY)
      for (const space of SPACES) if (row.behaviour_labels.includes(space)) behaviour[space]++;
    if (!lastMessage || ms >= Date.parse(lastMessage.at))
      lastMessage = { at: iso, behaviour: row.behaviour, text, touchpoint: row.touchpoint };
    if (ms > at - 30 * DAY)
      openItems.push({ id: row.event_id, behaviour: row.behaviour, text, receivedAt: iso, status: "open" });
  });
  return {
    ...facts,
    identityKeys: [...identityKeys],
    recentJourney: recent
      .sort((a, b) => a.ms - b.ms || a.order - b.order)
      .slice(-10)
      .map((r) => r.touch),
    behaviour,
    lastMessage,
    openItems: openItems.sort((a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt)).slice(0, 10),
  };
}
