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

test("a computation runs while anyone waits for it, and is stopped when every caller is gone", async () => {
  const cache = new ResultCache();
  const stops: AbortSignal[] = [];
  const slow = (stop: AbortSignal) => {
    stops.push(stop);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => resolve("done"), 200);
      stop.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new Error("stopped"));
      });
    });
  };
  const [first, second] = [new AbortController(), new AbortController()];
  const a = cache.get("k", slow, first.signal).catch((e: Error) => e.message);
  const b = cache.get("k", slow, second.signal).catch((e: Error) => e.message);
  first.abort();
  assert.equal(stops[0]!.aborted, false, "one caller still waits");
  assert.equal(await b, "done");
  assert.equal(await a, "done");

  cache.invalidate();
  const [third, fourth] = [new AbortController(), new AbortController()];
  const c = cache.get("k", slow, third.signal).catch((e: Error) => e.message);
  const d = cache.get("k", slow, fourth.signal).catch((e: Error) => e.message);
  third.abort();
  fourth.abort();
  assert.equal(stops[1]!.aborted, true, "nobody waits: stopped");
  assert.deepEqual(await Promise.all([c, d]), ["stopped", "stopped"]);
  // Forgotten: the next caller computes afresh.
  assert.equal(await cache.get("k", slow), "done");
  assert.equal(stops.length, 3);
});
