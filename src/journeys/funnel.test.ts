import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDuration, parseStep, walk } from "./funnel.js";
import type { Touch } from "./query.js";

/** Times in seconds. */
const journey = (steps: [number, string][]) =>
  steps.map(([t, a], i) => [t * 1000, i, a, "web", a, ""] as Touch);

test("a later attempt that completes counts, not the first one that failed", () => {
  const j = journey([
    [0, "cart"],
    [10, "home"],
    [1000, "cart"],
    [1010, "checkout"],
    [1020, "order"],
  ]);
  const steps = [parseStep("cart"), parseStep("checkout@60s"), parseStep("order")];
  assert.deepEqual(walk(j, steps, 100_000_000), [2, 3, 4]);
});

test("windows: the whole funnel and each step", () => {
  const j = journey([
    [0, "cart"],
    [120, "checkout"],
    [130, "order"],
  ]);
  assert.deepEqual(walk(j, [parseStep("cart"), parseStep("checkout@1m"), parseStep("order")], 1e9), [0]);
  assert.deepEqual(
    walk(j, [parseStep("cart"), parseStep("checkout@3m"), parseStep("order")], 125_000),
    [0, 1],
  );
  assert.deepEqual(
    walk(j, [parseStep("cart|basket"), parseStep("checkout|pay"), parseStep("order")], 1e9),
    [0, 1, 2],
  );
});

test("an optional step counts when it comes before the next required step, and never stops anyone", () => {
  const steps = [parseStep("cart"), parseStep("coupon?"), parseStep("order")];
  const t = (...names: string[]) => journey(names.map((name, i) => [i * 10, name] as [number, string]));
  assert.deepEqual(walk(t("cart", "coupon", "order"), steps, 1e9), [0, 1, 2]);
  assert.deepEqual(walk(t("cart", "order"), steps, 1e9), [0, -1, 1]);
  assert.deepEqual(
    walk(t("cart", "order", "coupon"), steps, 1e9),
    [0, -1, 1],
    "after the order: not counted",
  );
  assert.deepEqual(walk(t("cart", "coupon"), steps, 1e9), [0, 1], "done, though the order never came");
  assert.deepEqual(walk(t("cart", "home"), steps, 1e9), [0]);
  // Two in a row: each from the previous step hit.
  const two = [parseStep("cart"), parseStep("coupon?"), parseStep("gift wrap?"), parseStep("order")];
  assert.deepEqual(walk(t("cart", "gift wrap", "coupon", "order"), two, 1e9), [0, 2, -1, 3]);
  assert.deepEqual(walk(t("cart", "gift wrap", "order"), two, 1e9), [0, -1, 1, 2]);
  // The order's own window runs from the cart, not from the optional coupon.
  const windowed = [parseStep("cart"), parseStep("coupon?"), parseStep("order@15s")];
  assert.deepEqual(walk(t("cart", "coupon", "order"), windowed, 1e9), [0, 1]);
});

test("steps and durations parse, and bad ones are named", () => {
  assert.deepEqual(parseStep("a | b@2h"), { anyOf: ["a", "b"], windowMs: 7_200_000 });
  assert.deepEqual(parseStep("coupon@1h?"), { anyOf: ["coupon"], windowMs: 3_600_000, optional: true });
  assert.equal(parseDuration("7d"), 604_800_000);
  assert.throws(() => parseDuration("soon"), /not a duration/);
  assert.throws(() => parseStep("|"), /names no activity/);
});
