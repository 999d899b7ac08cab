import assert from "node:assert/strict";
import { test } from "node:test";
import { bestThreshold, f1At, foldsBy, hashFold, macroF1At, outOfFold } from "./cross-validation.js";

test("every item is scored once, by a model trained without its fold", () => {
  const items = Array.from({ length: 40 }, (_, i) => ({ id: i, topic: `t${i % 3}` }));
  const folds = foldsBy(items, (item) => item.topic);
  assert.equal(folds.length, 3);
  const { items: scored, scores } = outOfFold(folds, (training) => {
    const seen = new Set(training.map((item) => item.id));
    return (item) => (seen.has(item.id) ? "leaked" : `unseen by ${training.length}`);
  });
  assert.deepEqual(
    scored.map((item) => item.id).sort((a, b) => a - b),
    items.map((item) => item.id),
  );
  assert.ok(scores.every((score) => score.startsWith("unseen")));
  // A fold's model trained on the other two topics only.
  const sizes = folds.map((fold) => fold.length);
  assert.equal(scores[0], `unseen by ${40 - sizes[0]!}`);
});

test("hash folds keep a text in one fold and spread texts over all of them", () => {
  const texts = Array.from({ length: 1000 }, (_, i) => `text ${i}`);
  const counts = new Map<string, number>();
  for (const text of texts) {
    assert.equal(hashFold(text, 5), hashFold(text, 5));
    counts.set(hashFold(text, 5), (counts.get(hashFold(text, 5)) ?? 0) + 1);
  }
  assert.equal(counts.size, 5);
  for (const n of counts.values()) assert.ok(n > 150 && n < 250, String(n));
});

test("F1 and the best threshold against a count by hand", () => {
  const gold = [true, true, false, false, true, false];
  const scores = [0.9, 0.6, 0.55, 0.2, 0.4, 0.7];
  // At 0.5: predicted 0, 1, 2, 5 -> tp 2, fp 2, fn 1 -> 4 / 7.
  assert.equal(f1At(gold, scores, 0.5), 4 / 7);
  // At 0.8: tp 1, fp 0, fn 2 -> 2 / 4. At 0.3: tp 3, fp 2, fn 0 -> 6 / 8.
  assert.equal(f1At(gold, scores, 0.8), 0.5);
  assert.deepEqual(bestThreshold(gold, scores, [0.8, 0.5, 0.3]), { threshold: 0.3, score: 0.75 });
  assert.equal(f1At([false], [0.9], 0.5), 0);
  // Macro at 0.5: positive 4 / 7; negative (items 3 and 4 called negative): tp 1 (item 3), fp 1, fn 2 -> 2 / 5.
  assert.equal(macroF1At(gold, scores, 0.5), (4 / 7 + 2 / 5) / 2);
  assert.equal(bestThreshold(gold, scores, [0.8, 0.5, 0.3], macroF1At).threshold, 0.8);
});
