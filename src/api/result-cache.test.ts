import assert from "node:assert/strict";
import { test } from "node:test";
import { ResultCache } from "./result-cache.js";

test("answers are shared until the data changes; failures are not kept", async () => {
  const cache = new ResultCache(2);
  let computed = 0;
  const compute = async () => ++computed;
  assert.deepEqual(await Promise.all([cache.get("a", compute), cache.get("a", compute)]), [1, 1]);
  cache.invalidate();
  assert.equal(await cache.get("a", compute), 2);
  await assert.rejects(cache.get("b", async () => Promise.reject(new Error("boom"))));
  assert.equal(await cache.get("b", compute), 3);
  // At most 2 entries: the least recently used goes.
  await cache.get("c", compute);
  assert.equal(await cache.get("a", compute), 5);
});

test("the answers kept are bounded in bytes: the least recently used go, an oversized one is not kept", async () => {
  const cache = new ResultCache(100, 60_000, 4000);
  let computed = 0;
  const answer = (size: number) => async () => {
    computed++;
    return "x".repeat(size);
  };
  for (const key of ["a", "b", "c", "d"]) await cache.get(key, answer(900));
  assert.equal(cache.size, 4 * 902);
  // A fifth passes the bound: "a", the least recently used, goes and is computed again when asked.
  await cache.get("e", answer(900));
  assert.equal(cache.size, 4 * 902);
  await cache.get("a", answer(900));
  assert.equal(computed, 6);
  // Larger than a quarter of the bound: shared by concurrent callers, then not kept.
  const [x, y] = await Promise.all([cache.get("big", answer(1200)), cache.get("big", answer(1200))]);
  assert.equal(x, y);
  assert.equal(computed, 7);
  await cache.get("big", answer(1200));
  assert.equal(computed, 8);
});
