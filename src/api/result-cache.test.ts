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
