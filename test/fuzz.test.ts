/**
 * 100,000 mutated Segment and PostHog payloads at the collector (testing/fuzz.ts): no 5xx, no crash, the
 * server stays healthy, every acknowledged event is stored exactly once and no rejected one is stored.
 * `node dist/bench/fuzz.js` runs longer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { queryInChunks } from "../src/store/engine.js";
import { runFuzz } from "../testing/fuzz.js";
import { get, serverForFile } from "../testing/helpers.js";

const context = serverForFile();

test("100,000 mutated payloads: no 5xx, healthy after, acknowledged events stored once", async () => {
  const run = await runFuzz(context.server.url, { seed: 20261130, payloads: 100_000, concurrency: 32 });
  assert.equal(run.payloads, 100_000);
  const serverErrors = Object.entries(run.statuses).filter(([status]) => Number(status) >= 500);
  assert.deepEqual(serverErrors, [], JSON.stringify(run.statuses));
  assert.ok(run.acknowledged.length > 10_000, `only ${run.acknowledged.length} acknowledged`);
  assert.ok(run.rejected.length > 1_000, `only ${run.rejected.length} rejected`);
  assert.equal((await get(`${context.server.url}/health`)).status, 200);

  const counts = await queryInChunks<{ id: string; n: number }>(
    context.engine,
    "SELECT event_id AS id, count() AS n FROM events WHERE event_id IN {ids:Array(String)} GROUP BY event_id",
    "ids",
    [...run.acknowledged, ...run.rejected],
  );
  const stored = new Map(counts.map((c) => [c.id, Number(c.n)]));
  const missing = run.acknowledged.filter((id) => stored.get(id) !== 1);
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged events not stored exactly once`);
  const leaked = run.rejected.filter((id) => stored.has(id));
  assert.deepEqual(leaked.slice(0, 5), [], `${leaked.length} rejected events were stored`);
  process.stdout.write(
    `# fuzz: ${run.requests} requests, ${run.payloads} payloads in ${(run.ms / 1000).toFixed(1)} s; statuses ${JSON.stringify(run.statuses)}\n`,
  );
});
