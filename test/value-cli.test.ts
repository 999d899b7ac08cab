/** The value commands as a user runs them, on the shared CDNOW file and a paths CSV. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { SHARED_DATA, tempDir } from "../testing/helpers.js";

const CLI = join(process.cwd(), "dist", "src", "cli", "main.js");
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
const cdnow = join(SHARED_DATA, "clv", "CDNOW_sample.txt");
const skip = existsSync(cdnow) ? false : `SKIPPED: ${cdnow} is absent`;

const cdnowArgs = [
  "--transactions",
  cdnow,
  "--whitespace",
  "--customer-column",
  "2",
  "--date-column",
  "3",
  "--amount-column",
  "5",
  "--date-format",
  "yyyymmdd",
  "--calibration-end",
  "1997-09-30",
  "--period",
  "week",
  "--json",
];

test("clv fit: BG/NBD and Gamma-Gamma on CDNOW print the published parameters", { skip }, () => {
  const bg = run(["clv", "fit", ...cdnowArgs, "--model", "bgnbd"]);
  assert.equal(bg.status, 0, bg.stderr);
  const fit = JSON.parse(bg.stdout);
  assert.equal(fit.model, "bgnbd");
  assert.equal(fit.customers, 2357);
  assert.ok(Math.abs(fit.params.r - 0.243) < 0.0013 && Math.abs(fit.logLikelihood + 9582.4) < 0.1);
  const gg = JSON.parse(run(["clv", "fit", ...cdnowArgs, "--model", "gamma-gamma"]).stdout);
  assert.equal(gg.customers, 946);
  assert.ok(Math.abs(gg.params.p - 6.25) < 0.03);
});

test("clv predict: one row per customer with CLV", { skip }, () => {
  const result = run(["clv", "predict", ...cdnowArgs, "--horizon", "52", "--discount", "0.002"]);
  assert.equal(result.status, 0, result.stderr);
  const out = JSON.parse(result.stdout);
  assert.equal(out.customers.length, 2357);
  const top = out.customers.reduce((a: any, b: any) => (b.clv > a.clv ? b : a));
  assert.ok(top.clv > 100 && top.pAlive > 0.5);
});

test("clv: bad input gets a clear error naming the column and line", () => {
  const file = join(tempDir(), "bad.csv");
  writeFileSync(file, "id,day,usd\n1,2020-01-01,5\n2,someday,3\n");
  const result = run([
    "clv",
    "fit",
    "--transactions",
    file,
    "--customer-column",
    "id",
    "--date-column",
    "day",
    "--calibration-end",
    "2020-12-31",
    "--json",
  ]);
  assert.equal(result.status, 1);
  assert.match(JSON.parse(result.stdout).error, /line 3: "someday" in the date column "day" is not a date/);
});

test("attribution --paths prints every model; shares add up to the conversions", () => {
  const file = join(tempDir(), "paths.csv");
  writeFileSync(
    file,
    "path,total_conversions,total_conversion_value,total_null\nA > B > C,3,30,1\nA > A > C,1,10,2\nB,0,0,4\nC > A,2,20,0\nB > C > C,1,10,1\n",
  );
  const result = run(["attribution", "--paths", file, "--json"]);
  assert.equal(result.status, 0, result.stderr);
  const out = JSON.parse(result.stdout);
  assert.ok(Math.abs(out.markov.removalEffects.A - 0.6363636363636364) < 1e-9);
  for (const model of ["markov", "shapley", "firstTouch", "lastTouch", "linear"]) {
    const total = Object.values<number>(out[model].conversions).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 7) < 1e-9, model);
  }
  const bad = run(["attribution", "--paths", file, "--order", "0", "--json"]);
  assert.equal(bad.status, 1);
});
