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

test("on a store: clv run, attribution from journeys, the touchpoint table, who matters now and themes", () => {
  const data = join(tempDir(), "store");
  const loaded = run(["demo", "--customers", "400", "--no-serve", "--data", data, "--json"]);
  assert.equal(loaded.status, 0, loaded.stderr);
  const clv = JSON.parse(run(["clv", "run", "--data", data, "--json"]).stdout);
  assert.equal(clv.model, "bgnbd");
  assert.ok(clv.customers > 300 && clv.meanClv > 0, JSON.stringify(clv));
  const attribution = JSON.parse(run(["attribution", "--by", "channel", "--data", data, "--json"]).stdout);
  assert.ok(attribution.markov.removalEffects.web > 0, JSON.stringify(attribution.markov));
  assert.ok(Object.keys(attribution.shapley.conversions).includes("phone"));
  const table = JSON.parse(run(["value", "touchpoints", "--data", data, "--json"]).stdout);
  assert.equal(table.by, "touchpoint");
  const first = table.touchpoints[0];
  for (const field of ["customers", "clvSum", "attributedConversions", "friction", "behaviour", "priority"]) {
    assert.ok(field in first, field);
  }
  assert.ok(first.priority > 0);
  const now = JSON.parse(run(["behaviour", "now", "--limit", "5", "--data", data, "--json"]).stdout);
  assert.equal(now.entries.length, 5);
  assert.ok(now.entries[0].score >= now.entries[4].score);
  const themes = JSON.parse(
    run(["behaviour", "themes", "--touchpoint", "mention", "--data", data, "--json"]).stdout,
  );
  assert.equal(themes.touchpoints[0].touchpoint, "mention");
  const bad = run(["value", "touchpoints", "--lookback", "-3", "--data", data, "--json"]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /--lookback/);
});
