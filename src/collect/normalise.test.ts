import assert from "node:assert/strict";
import { test } from "node:test";
import { GroupCommitter } from "./committer.js";
import { normaliseEvent, Sequence } from "./normalise.js";
import { fromPostHog } from "./posthog.js";

const receivedAt = Date.UTC(2024, 0, 10, 12, 0, 0);
const options = () => ({ source: "test", receivedAt, sequence: new Sequence() });

function ok(raw: unknown) {
  const result = normaliseEvent(raw, options());
  if (!("ok" in result)) throw new Error(`rejected: ${JSON.stringify(result.rejected)}`);
  return result.ok;
}

function rejected(raw: unknown) {
  const result = normaliseEvent(raw, options());
  if ("ok" in result) throw new Error("accepted");
  return result.rejected;
}

test("a page call defaults to the web channel and its name as touchpoint", () => {
  const row = ok({ type: "page", anonymousId: "a1", name: "pricing" });
  assert.equal(row.channel, "web");
  assert.equal(row.touchpoint, "pricing");
  assert.equal(row.identity_key, "anon:a1");
  assert.equal(row.timestamp, "2024-01-10 12:00:00.000");
});

test("channel, touchpoint, text and value come from properties; offline channels are first class", () => {
  const row = ok({
    type: "track",
    userId: 42,
    event: "Call Started",
    properties: {
      channel: "contact_center",
      touchpoint: "support call",
      text: "where is my order?",
      revenue: "12.5",
      currency: "eur",
    },
  });
  assert.deepEqual(
    [row.channel, row.touchpoint, row.text, row.value, row.currency, row.identity_key],
    ["contact_center", "support call", "where is my order?", 12.5, "EUR", "user:42"],
  );
});

test("client clocks are corrected by sentAt as Segment does", () => {
  // The client clock is 1 hour fast: it stamped the event at 13:00 and sent it at 13:00:05.
  const row = ok({
    type: "track",
    userId: "u",
    event: "x",
    timestamp: "2024-01-10T13:00:00Z",
    sentAt: "2024-01-10T13:00:05Z",
  });
  assert.equal(row.timestamp, "2024-01-10 11:59:55.000");
  // Without sentAt the time is kept as sent (historical imports).
  assert.equal(
    ok({ type: "track", userId: "u", event: "x", timestamp: "2020-05-01T00:00:00Z" }).timestamp,
    "2020-05-01 00:00:00.000",
  );
});

test("bad input is rejected with the field and the reason", () => {
  assert.deepEqual(rejected({ type: "track", event: "x" }), {
    field: "userId",
    reason: "either userId or anonymousId is required",
  });
  assert.equal(rejected({ type: "track", userId: "u" }).field, "event");
  assert.equal(rejected({ type: "shout", userId: "u" }).field, "type");
  assert.equal(rejected({ type: "track", userId: "u", event: "x", timestamp: "soon" }).field, "timestamp");
  assert.equal(
    rejected({ type: "track", userId: "u", event: "x", properties: { channel: "Web Site!" } }).field,
    "properties.channel",
  );
  assert.equal(rejected({ type: "track", userId: "u", event: "x", properties: [1] }).field, "properties");
  assert.equal(rejected({ type: "alias", userId: "u" }).field, "previousId");
  assert.equal(rejected(null).field, "(event)");
  assert.match(
    rejected({ type: "track", userId: "u", event: "x", properties: { blob: "x".repeat(40_000) } }).reason,
    /limit is 32768/,
  );
});

test("the ingest sequence keeps the order of events that share a millisecond", () => {
  const sequence = new Sequence();
  const values = Array.from({ length: 5000 }, () => sequence.next());
  for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]!);
});

test("PostHog events map onto the contract", () => {
  const identify = fromPostHog({
    event: "$identify",
    distinct_id: "u1",
    properties: { $anon_distinct_id: "a1", $set: { email: "a@b.co" } },
    uuid: "p1",
  }) as Record<string, unknown>;
  assert.deepEqual(
    [identify.type, identify.userId, identify.anonymousId, identify.messageId],
    ["identify", "u1", "a1", "p1"],
  );
  assert.deepEqual(identify.traits, { email: "a@b.co" });
  const page = fromPostHog({
    event: "$pageview",
    distinct_id: "u1",
    properties: { $current_url: "https://x.io/pricing?a=1" },
  });
  assert.equal((page as { name: string }).name, "/pricing");
  const alias = fromPostHog({ event: "$create_alias", distinct_id: "u1", properties: { alias: "old" } });
  assert.equal((alias as { previousId: string }).previousId, "old");
  const custom = fromPostHog({
    event: "signed up",
    properties: { distinct_id: "u2", plan: "pro", $lib: "web" },
  });
  assert.deepEqual((custom as { properties: unknown }).properties, { plan: "pro" });
});

test("group commit acknowledges each caller only after the batch holding its rows is written", async () => {
  const writes: number[][] = [];
  let release: () => void = () => {};
  const committer = new GroupCommitter<number>(
    async (rows) => {
      writes.push(rows);
      if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
    },
    { maxRows: 3, maxDelayMs: 1 },
  );
  let firstDone = false;
  const first = committer.submit([1, 2, 3]).then(() => (firstDone = true));
  const second = committer.submit([4]);
  const third = committer.submit([5]);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(firstDone, false, "not acknowledged before the write finished");
  release();
  await Promise.all([first, second, third]);
  assert.deepEqual(
    writes,
    [
      [1, 2, 3],
      [4, 5],
    ],
    "rows queued during a write go out together in the next one",
  );
  await committer.close();
});

test("a failed write rejects every caller in that batch", async () => {
  const committer = new GroupCommitter<number>(async () => {
    throw new Error("disk full");
  });
  await assert.rejects(committer.submit([1]), /disk full/);
  await committer.close();
});
