import assert from "node:assert/strict";
import { test } from "node:test";
import { storedEvent } from "../../testing/stored-event.js";
import type { StoredEvent } from "../collect/event-schema.js";
import { seededRandom } from "../seeded-random.js";
import { formatTime, parseStoredTime } from "../store/time.js";
import { withEvents } from "./context-facts.js";
import type { ContextFacts } from "./store.js";

const facts: ContextFacts = {
  customerId: "user:ann",
  identityKeys: ["user:ann"],
  recentJourney: Array.from({ length: 10 }, (_, i) => ({
    at: new Date(Date.UTC(2026, 0, 1, i)).toISOString(),
    channel: "web",
    touchpoint: `page ${i}`,
    event: "Page Viewed",
    direction: "inbound",
    behaviour: "",
    text: "",
  })),
  behaviour: { praise: 1, complaint: 0, question: 0, suggestion: 0 },
  lastMessage: { at: "2026-01-01T00:00:00.000Z", behaviour: "praise", text: "love it", touchpoint: "chat" },
  clv: 120,
  pAlive: 0.9,
  segment: { id: 2, label: "web-first" },
  openItems: [],
};

const row = (id: string, time: string, extra: Partial<StoredEvent> = {}): StoredEvent =>
  storedEvent({
    event_id: id,
    name: "Message Sent",
    identity_key: "anon:a1",
    user_id: "",
    anonymous_id: "a1",
    timestamp: time,
    received_at: time,
    channel: "social",
    touchpoint: "mention",
    ...extra,
  });

test("committed events update the last touches, counts, last message and open items in memory", () => {
  const at = Date.UTC(2026, 0, 2);
  const complaint = row("m1", "2026-01-01 20:00:00.000", {
    text: "still no refund",
    behaviour: "complaint",
    behaviour_labels: ["complaint", "question"],
  });
  // A late-arriving touch from before the others sorts into place and falls out of the last 10.
  const old = row("e0", "2025-12-01 00:00:00.000", { name: "Old" });
  const updated = withEvents(facts, [complaint, old, complaint], at);
  assert.equal(updated.recentJourney.length, 10);
  assert.equal(updated.recentJourney.at(-1)!.text, "still no refund");
  assert.ok(!updated.recentJourney.some((t) => t.event === "Old"));
  assert.equal(updated.recentJourney[0]!.touchpoint, "page 2");
  // The same message twice (a resent messageId) counts once.
  assert.deepEqual(updated.behaviour, { praise: 1, complaint: 1, question: 1, suggestion: 0 });
  assert.deepEqual(updated.lastMessage, {
    at: "2026-01-01T20:00:00.000Z",
    behaviour: "complaint",
    text: "still no refund",
    touchpoint: "mention",
  });
  assert.deepEqual(
    updated.openItems.map((i) => [i.id, i.status]),
    [["m1", "open"]],
  );
  assert.deepEqual(updated.identityKeys, ["user:ann", "anon:a1"]);
  // Value and segment are not events' business.
  assert.equal(updated.clv, 120);
  assert.deepEqual(updated.segment, facts.segment);
  // The input is left as it was.
  assert.equal(facts.recentJourney.length, 10);
  assert.equal(facts.behaviour.complaint, 0);
});

/** The first version, which parsed and sorted everything held on every call: the reference for the fast one. */
function referenceWithEvents(facts: ContextFacts, rows: readonly StoredEvent[], at: number): ContextFacts {
  const DAY = 86_400_000;
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
      for (const space of ["praise", "complaint", "question", "suggestion"] as const)
        if (row.behaviour_labels.includes(space)) behaviour[space]++;
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

test("applying events batch after batch gives what the reference gives: late, tied, resent and out-of-window events", () => {
  const random = seededRandom(17);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const at = Date.UTC(2026, 6, 1);
  // The clock moves on from 120 days before `at` (so the 30- and 90-day windows cut through); some touches
  // arrive late, some at the very same time as the one before.
  let clock = at - 120 * 86_400_000;
  const timeOf = () => {
    const draw = random();
    if (draw < 0.7) clock += Math.floor(random() * 2) * 7_200_000;
    return formatTime(draw < 0.85 ? clock : clock - Math.floor(random() * 20) * 86_400_000);
  };
  let fast: ContextFacts = { ...facts, recentJourney: facts.recentJourney.slice(0, 3), openItems: [] };
  let reference = fast;
  let fastPaths = 0;
  for (let round = 0; round < 400; round++) {
    const rows = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => {
      const message = random() < 0.5;
      const behaviour = message ? pick(["complaint", "praise", "question"]) : "";
      return row(random() < 0.15 && round > 0 ? `m${round - 1}-0` : `m${round}-${i}`, timeOf(), {
        identity_key: pick(["user:ann", "anon:a1", "anon:a2"]),
        direction: random() < 0.8 ? "inbound" : "outbound",
        behaviour,
        behaviour_labels: behaviour ? [behaviour, ...(random() < 0.3 ? ["question"] : [])] : [],
        text: message ? `text ${round} ${i}` : "",
        name: `event ${round} ${i}`,
      });
    });
    const lastHeld = fast.recentJourney.at(-1)?.at ?? "";
    if (rows.every((r) => new Date(parseStoredTime(r.timestamp)).toISOString() >= lastHeld)) fastPaths++;
    fast = withEvents(fast, rows, at);
    reference = referenceWithEvents(reference, rows, at);
    assert.deepEqual(fast, reference, `round ${round}`);
  }
  // Both paths (appending, and merging a late touch) were taken.
  assert.ok(fastPaths > 20 && fastPaths < 380, `${fastPaths} appends`);
});
