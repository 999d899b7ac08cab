import assert from "node:assert/strict";
import { test } from "node:test";
import { fuzzRequests } from "../../testing/fuzz.js";
import { generateDemo } from "../demo/generator.js";
import { commonEvent } from "./common-event.js";
import { incomingEventSchema } from "./event-schema.js";

/** Every event taken by the hand check is one zod accepts, and zod returns the same value. */
function agrees(item: unknown): boolean {
  const common = commonEvent(item);
  if (common === undefined) return false;
  const parsed = incomingEventSchema.safeParse(item);
  assert.ok(parsed.success, `zod rejects what the hand check took: ${JSON.stringify(item)?.slice(0, 300)}`);
  assert.deepEqual(common, parsed.data);
  return true;
}

test("the demo's events all take the hand-checked path, with zod's value", () => {
  let events = 0;
  for (const { events: batch } of generateDemo({ customers: 300, seed: 3 }))
    for (const event of batch) {
      events++;
      assert.ok(agrees(event), `not taken: ${JSON.stringify(event)}`);
    }
  assert.ok(events > 10_000, `${events} events`);
});

test("on the fuzz corpus the hand check takes only events zod accepts unchanged, and leaves the rest to zod", () => {
  let taken = 0;
  let left = 0;
  for (const request of fuzzRequests(11, 20_000)) {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(request.body).toString("utf8"));
    } catch {
      continue; // a broken whole body (or gzip): never reaches the event contract
    }
    const items = Array.isArray((body as { batch?: unknown })?.batch)
      ? (body as { batch: unknown[] }).batch
      : [body];
    for (const item of items) {
      if (agrees(item)) taken++;
      else left++;
    }
  }
  assert.ok(taken > 1_000 && left > 1_000, `${taken} taken, ${left} left to zod`);
});

test("what zod would transform or reject is left to zod", () => {
  const base = { type: "track", event: "Order Completed", userId: "u1" };
  const leftToZod = [
    { ...base, userId: 42 }, // zod turns a numeric id into a string
    { ...base, userId: "" },
    { ...base, userId: null, anonymousId: undefined },
    { ...base, event: "" },
    { ...base, type: "Track" },
    { ...base, messageId: "" },
    { ...base, messageId: "m".repeat(257) },
    { ...base, timestamp: Number.POSITIVE_INFINITY },
    { ...base, timestamp: new Date() },
    { ...base, timestamp: "" },
    { ...base, properties: [] },
    { ...base, context: null },
    { type: "alias", userId: "u1" },
    { type: "group", userId: "u1" },
    [base],
    null,
  ];
  for (const item of leftToZod) assert.equal(commonEvent(item), undefined, JSON.stringify(item));
  // zod counts code points: 200 emoji are within its 256, though 400 UTF-16 units; zod decides, and accepts.
  const emoji = { ...base, messageId: "💥".repeat(200) };
  assert.equal(commonEvent(emoji), undefined);
  assert.ok(incomingEventSchema.safeParse(emoji).success);
  assert.ok(
    agrees({ ...base, userId: null, anonymousId: "a1", timestamp: 1_700_000_000_000, extra: { any: 1 } }),
  );
});
