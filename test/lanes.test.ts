/**
 * The analytic lane with the real engine: a task nobody waits for any more stops its engine query (the
 * query leaves system.processes), as when the client of an analytic request disconnects.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AnalyticLane, LaneError } from "../src/lanes/pool.js";
import { testEngine } from "../testing/helpers.js";

const lane = new AnalyticLane({
  workers: 1,
  module: new URL("../testing/lane-test-worker.js", import.meta.url),
});
after(() => lane.close());

test("a cancelled task's engine query stops (system.processes)", async () => {
  const engine = await testEngine();
  const marker = `cf-slow-${Date.now()}`;
  const running = () =>
    engine.query<{ query: string }>(
      "SELECT query FROM system.processes WHERE position(query, {m:String}) > 0 AND position(query, 'system.processes') = 0",
      { m: marker },
    );
  const gone = new AbortController();
  const task = lane.run({
    kind: "sum",
    input: {},
    // About 1,000 s of rows, 10 per block: it runs until stopped.
    chunks: engine.streamChunks(
      `SELECT number AS n, sleepEachRow(0.01) AS s, '${marker}' AS m FROM numbers(100000) SETTINGS max_block_size = 10`,
    ),
    key: "k",
    signal: gone.signal,
  });
  for (let i = 0; i < 50 && (await running()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await running()).length, 1, "the query runs");
  gone.abort();
  await assert.rejects(task, (e) => e instanceof LaneError && /cancelled/.test(e.message));
  for (let i = 0; i < 50 && (await running()).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await running(), [], "the query was stopped");
});
