/** A stored event row for unit tests: a plain track event, with the fields a test cares about overridden. */
import type { StoredEvent } from "../src/collect/event-schema.js";

export function storedEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    event_id: "e1",
    type: "track",
    name: "x",
    identity_key: "user:u1",
    user_id: "u1",
    anonymous_id: "",
    timestamp: "2024-01-01 00:00:00.000",
    received_at: "2024-01-01 00:00:00.000",
    seq: 1,
    channel: "web",
    touchpoint: "x",
    direction: "inbound",
    text: "",
    value: null,
    currency: "",
    properties: "{}",
    traits: "{}",
    context: "{}",
    source: "test",
    behaviour: "",
    behaviour_labels: [],
    behaviour_scores: [],
    ...overrides,
  };
}
