import assert from "node:assert/strict";
import { test } from "node:test";
import { inSlices } from "./slices.js";

test("inSlices hands over every item once, in order, in slices of at most the size", async () => {
  const items = Array.from({ length: 1_001 }, (_, i) => i);
  const slices: number[][] = [];
  await inSlices(items, 250, (slice) => slices.push([...slice]));
  assert.deepEqual(
    slices.map((slice) => slice.length),
    [250, 250, 250, 250, 1],
  );
  assert.deepEqual(slices.flat(), items);
  const small: number[][] = [];
  await inSlices([1, 2], 250, (slice) => small.push([...slice]));
  assert.deepEqual(small, [[1, 2]]);
});

test("inSlices lets timers and I/O that fall due run between slices", async () => {
  const order: string[] = [];
  setTimeout(() => order.push("timer"), 0);
  await inSlices([1, 2, 3], 1, (slice) => {
    // Each slice holds the thread long enough for the timer to fall due.
    const until = Date.now() + 3;
    while (Date.now() < until);
    order.push(`slice ${slice[0]}`);
  });
  assert.ok(order.indexOf("timer") > 0, `the timer ran between slices, not after them: ${order.join(", ")}`);
  assert.ok(order.indexOf("timer") < order.length - 1);
});
