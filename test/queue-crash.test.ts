/**
 * The scaled-out topology survives kill -9 (issue 21): separate processes, a real NATS JetStream server.
 * Its own file: it reads the store folder in this process, which holds one chDB folder at a time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runQueueCrashTest } from "../bench/queue-crash.js";

test("kill -9 of the store node and of a collector under load through two collectors: nothing acknowledged lost, nothing duplicated", async () => {
  const result = await runQueueCrashTest({ cycles: 2, concurrency: 4 });
  assert.deepEqual(result.kills, { storeNode: 1, collector: 1 });
  assert.ok(result.acknowledged > 1000, `enough traffic was acknowledged (${result.acknowledged})`);
  assert.ok(result.retriesSent > 0);
  assert.equal(result.missing, 0, "every acknowledged messageId is stored");
  assert.equal(result.duplicated, 0, "no messageId is stored twice");
});
