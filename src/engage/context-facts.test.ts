import assert from "node:assert/strict";
import { test } from "node:test";
import { storedEvent } from "../../testing/stored-event.js";
import type { StoredEvent } from "../collect/event-schema.js";
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
