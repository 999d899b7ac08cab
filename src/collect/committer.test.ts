import assert from "node:assert/strict";
import { mock, type TestContext, test } from "node:test";
import { GroupCommitter, SERVING_GROUP_COMMIT } from "./committer.js";

/** Lets the committer's promise callbacks run (the clock is mocked; setImmediate is not). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A committer with the server's settings on a mocked clock, recording its writes; each takes `writeMs`. */
function servingCommitter(t: TestContext, writeMs = 0) {
  mock.timers.enable({ apis: ["setTimeout", "Date"] });
  t.after(() => mock.timers.reset());
  const writes: number[][] = [];
  const committer = new GroupCommitter<number>(async (rows) => {
    writes.push(rows);
    if (writeMs > 0) await new Promise((resolve) => setTimeout(resolve, writeMs));
  }, SERVING_GROUP_COMMIT);
  return { writes, committer };
}

test("a serving store's steady trickle is committed in few writes, and 1,000 waiting rows go at once", async (t) => {
  const { writes, committer } = servingCommitter(t);
  // One row every 5 ms for 300 ms: with a commit 5 ms after the first row waits, 60 writes.
  const acknowledged: Promise<void>[] = [];
  for (let i = 0; i < 60; i++) {
    acknowledged.push(committer.submit([i]));
    mock.timers.tick(5);
    await settle();
  }
  mock.timers.tick(SERVING_GROUP_COMMIT.minIntervalMs!);
  await settle();
  await Promise.all(acknowledged);
  assert.ok(writes.length <= 4, `${writes.length} writes for 300 ms of a trickle`);
  assert.deepEqual(
    writes.flat(),
    Array.from({ length: 60 }, (_, i) => i),
  );
  // Enough rows waiting: no wait for the interval.
  const many = Array.from({ length: SERVING_GROUP_COMMIT.maxRows }, (_, i) => i);
  const done = committer.submit(many);
  await settle();
  assert.equal(writes.at(-1)?.length, many.length, "written without the clock moving");
  await done;
});

test("a sender waiting for its answer gains no wait when a commit already took the interval", async (t) => {
  const { writes, committer } = servingCommitter(t, 150); // a slow commit
  let answered = 0;
  void committer.submit([1]).then(() => answered++);
  mock.timers.tick(5); // the serving default gathers for 5 ms
  await settle();
  assert.deepEqual(writes, [[1]], "the first rows waited the gathering delay only");
  mock.timers.tick(150);
  await settle();
  assert.equal(answered, 1);
  // The answer came 150 ms after the commit started: the next rows go after the gathering delay only.
  void committer.submit([2]).then(() => answered++);
  mock.timers.tick(5); // the serving default gathers for 5 ms
  await settle();
  assert.deepEqual(writes, [[1], [2]]);
  mock.timers.tick(150);
  await settle();
  assert.equal(answered, 2);
});
