import assert from "node:assert/strict";
import { test } from "node:test";
import { runCrashTest } from "../bench/crash.js";

test("kill -9 during sustained ingest loses no acknowledged event and duplicates none (3 cycles)", async () => {
  const result = await runCrashTest({ cycles: 3, concurrency: 4 });
  assert.ok(result.acknowledged > 1000, `enough traffic was acknowledged (${result.acknowledged})`);
  assert.ok(result.retriesSent > 0, "retries of acknowledged events were sent");
  assert.equal(result.missing, 0, "every acknowledged messageId is stored");
  assert.equal(result.duplicated, 0, "no messageId is stored twice");
});
