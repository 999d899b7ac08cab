import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_NOW_CONFIG, type Mention, whoMattersNow } from "./now.js";

const HOUR = 3_600_000;
const at = Date.parse("2030-01-10T12:00:00Z");
const mention = (
  customerId: string,
  hoursAgo: number,
  behaviour: Mention["behaviour"],
  followers = 0,
): Mention => ({
  customerId,
  ms: at - hoursAgo * HOUR,
  behaviour,
  followers,
  text: `${behaviour} from ${customerId}`,
  channel: "social",
  touchpoint: "mention",
});

test("complaints outrank praise; value and reach multiply; each entry explains its score", () => {
  const values = new Map([
    ["rich", { value: 1000, basis: "clv" as const }],
    ["poor", { value: 10, basis: "clv" as const }],
    ["fan", { value: 100, basis: "clv" as const }],
  ]);
  const result = whoMattersNow(
    [mention("rich", 1, "complaint"), mention("poor", 1, "complaint"), mention("fan", 1, "praise", 100_000)],
    values,
    at,
  );
  assert.deepEqual(
    result.entries.map((e) => e.customerId),
    ["rich", "fan", "poor"],
  );
  const [first] = result.entries;
  const { behaviour, value, reach } = first.components;
  assert.ok(Math.abs(first.score - behaviour * value * reach) < 1e-3);
  assert.ok(Math.abs(behaviour - 3 * 0.5 ** (1 / 24)) < 1e-3);
  assert.equal(first.components.valueBasis, "clv");
  // 100,000 followers: reach = 1 + log10(100001) / 2 = 3.5.
  assert.ok(Math.abs(result.entries[1].components.reach - 3.5) < 1e-3);
});

test("recency decays by the half-life and messages past the lookback do not count", () => {
  const values = new Map();
  const result = whoMattersNow(
    [
      mention("recent", 0, "question"),
      mention("day-old", 24, "question"),
      mention("ancient", 24 * 30, "complaint"),
    ],
    values,
    at,
  );
  const byId = Object.fromEntries(result.entries.map((e) => [e.customerId, e]));
  assert.ok(Math.abs(byId["day-old"].components.behaviour - byId.recent.components.behaviour / 2) < 1e-3);
  assert.equal(byId.ancient, undefined);
});

test("entries and exits over time, and since when each person is on the list", () => {
  const config = { ...DEFAULT_NOW_CONFIG, limit: 1, stepHours: 6, historyHours: 24 };
  // "early" complains 20 h ago; "late" complains loudly 2 h ago and takes the single place.
  const result = whoMattersNow(
    [mention("early", 20, "complaint"), mention("late", 2, "complaint", 10_000)],
    new Map(),
    at,
    config,
  );
  assert.deepEqual(
    result.entries.map((e) => e.customerId),
    ["late"],
  );
  assert.equal(result.entries[0].onListSince, new Date(at).toISOString());
  const changes = result.history.map((h) => `${h.change}:${h.customerId}@${h.at}`);
  assert.ok(changes.includes(`entered:late@${new Date(at).toISOString()}`), changes.join());
  assert.ok(changes.includes(`left:early@${new Date(at).toISOString()}`), changes.join());
  assert.ok(changes.includes(`entered:early@${new Date(at - 18 * HOUR).toISOString()}`), changes.join());
});
