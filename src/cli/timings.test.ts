import assert from "node:assert/strict";
import { test } from "node:test";
import { enableTimings, mark, timingsReport } from "./timings.js";

test("phases are recorded only once enabled, in order, each with its own duration", async () => {
  mark("before enabling");
  assert.deepEqual(timingsReport(), []);
  enableTimings();
  mark("first");
  await new Promise((resolve) => setTimeout(resolve, 20));
  mark("second");
  const report = timingsReport();
  assert.deepEqual(
    report.map((p) => p.phase),
    ["first", "second"],
  );
  assert.ok(report[0]!.ms > 0, "the first phase counts from the process's start");
  assert.ok(report[1]!.ms >= 15, `second: ${report[1]!.ms} ms`);
});
