import assert from "node:assert/strict";
import { test } from "node:test";
import { oddsRatio } from "./stats.js";

test("odds ratio, Woolf interval and chi-square p on a hand-checked table", () => {
  // OR = 20*90 / (80*10) = 2.25; chi2 = 2*(25/15 + 25/85) = 3.922 -> p = 0.0477.
  const result = oddsRatio({ a: 20, b: 80, c: 10, d: 90 });
  assert.equal(result.oddsRatio, 2.25);
  assert.ok(Math.abs(result.pValue - 0.04767) < 1e-4);
  assert.ok(Math.abs(result.ci95[0] - 0.99428) < 1e-4 && Math.abs(result.ci95[1] - 5.09162) < 1e-4);
});

test("an empty cell uses the 0.5 correction instead of dividing by zero", () => {
  const result = oddsRatio({ a: 5, b: 0, c: 5, d: 10 });
  assert.ok(Number.isFinite(result.oddsRatio) && result.oddsRatio > 1);
});
