/** Attribution reproduces the exact answers of the shared cases (to 1e-9) and the definitions of each model. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  attribute,
  foldRareStates,
  MAX_MARKOV_STATES,
  markov,
  OTHER_STATE,
  type PathRow,
  parsePath,
  shapley,
} from "./attribution.js";

const DATA = join(process.cwd(), "..", "shared", "data", "attribution");
const skip = existsSync(DATA) ? false : `SKIPPED: ${DATA} is absent (the shared reference data)`;
if (skip) console.log(`# ${skip}`);

function near(actual: Record<string, number>, expected: Record<string, number>, what: string): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), what);
  for (const [key, value] of Object.entries(expected)) {
    assert.ok(Math.abs(actual[key]! - value) < 1e-9, `${what} ${key}: ${actual[key]} vs ${value}`);
  }
}

test("toy cases: exact Markov removal effects and attributed conversions", { skip }, () => {
  const cases = JSON.parse(readFileSync(join(DATA, "toy_examples.json"), "utf8"));
  for (const [name, c] of Object.entries<any>(cases)) {
    const rows: PathRow[] = c.paths.map(([path, conversions, nulls]: [string, number, number]) => ({
      path: parsePath(path),
      conversions,
      nulls,
      value: conversions,
    }));
    const result = markov(rows);
    assert.ok(Math.abs(result.conversionProbability - c.p_conv) < 1e-9, `${name} p_conv`);
    near(result.removalEffects, c.removal_effects, `${name} removal effects`);
    near(result.conversions, c.attributed_conversions, `${name} conversions`);
  }
});

test("a case with nulls and repeats: removal effects and conversions to 1e-9", { skip }, () => {
  const c = JSON.parse(readFileSync(join(DATA, "small_mixed_expected.json"), "utf8"));
  const rows: PathRow[] = c.paths.map((p: any) => ({
    path: parsePath(p.path),
    conversions: p.total_conversions,
    nulls: p.total_null,
    value: p.total_conversions * 10,
  }));
  const result = markov(rows);
  assert.ok(Math.abs(result.conversionProbability - c.p_conv) < 1e-9);
  near(result.removalEffects, c.removal_effects, "removal effects");
  near(result.conversions, c.attributed_conversions, "conversions");
  near(
    result.value,
    Object.fromEntries(Object.entries<number>(c.attributed_conversions).map(([k, v]) => [k, v * 10])),
    "value",
  );
});

test("Shapley: the unanimity-game form equals the coalition sum, and shares add up", () => {
  const rows: PathRow[] = [
    { path: ["A", "B"], conversions: 6, nulls: 1, value: 60 },
    { path: ["A"], conversions: 2, nulls: 5, value: 20 },
    { path: ["B", "C", "B"], conversions: 3, nulls: 0, value: 30 },
  ];
  // By the coalition definition: v(S) = conversions of paths whose channels are all in S.
  const channels = ["A", "B", "C"];
  const v = (set: string[]) =>
    rows.filter((r) => r.path.every((c) => set.includes(c))).reduce((s, r) => s + r.conversions, 0);
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const expected: Record<string, number> = {};
  for (const c of channels) {
    const others = channels.filter((o) => o !== c);
    let phi = 0;
    for (let mask = 0; mask < 1 << others.length; mask++) {
      const s = others.filter((_, i) => mask & (1 << i));
      phi +=
        ((factorial(s.length) * factorial(channels.length - s.length - 1)) / factorial(channels.length)) *
        (v([...s, c]) - v(s));
    }
    expected[c] = phi;
  }
  near(shapley(rows).conversions, expected, "shapley");
  const all = attribute(rows);
  for (const model of [all.shapley, all.firstTouch, all.lastTouch, all.linear, all.timeDecay, all.markov]) {
    const total = Object.values(model.conversions).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 11) < 1e-9, "every model hands out exactly the conversions there were");
  }
  assert.deepEqual(all.firstTouch.conversions, { A: 8, B: 3, C: 0 });
  assert.deepEqual(all.lastTouch.conversions, { B: 9, A: 2, C: 0 });
});

test("order 2 reduces to order 1 when every path has one channel", () => {
  const rows: PathRow[] = [
    { path: ["A"], conversions: 1, nulls: 3, value: 1 },
    { path: ["B"], conversions: 2, nulls: 2, value: 2 },
  ];
  near(markov(rows, 2).removalEffects, markov(rows, 1).removalEffects, "order 2 vs 1");
});

test("thousands of touchpoints fold into (other): the cost is bounded and every conversion is still handed out", () => {
  const rows: PathRow[] = [];
  for (let i = 0; i < 3000; i++)
    rows.push({
      path: [`/page-${i}`, i % 7 === 0 ? "checkout" : `/page-${(i * 13) % 3000}`, "cart"],
      conversions: i % 3 === 0 ? 1 : 0,
      nulls: i % 3 === 0 ? 0 : 1,
      value: i % 3 === 0 ? 10 : 0,
    });
  const result = attribute(rows, { maxStates: 50 });
  assert.equal(result.states.kept, 50);
  assert.equal(result.states.folded, new Set(rows.flatMap((r) => r.path)).size - 50);
  assert.ok(OTHER_STATE in result.markov.removalEffects);
  assert.ok(Object.keys(result.markov.removalEffects).length <= 51);
  for (const model of [result.markov, result.shapley, result.linear]) {
    const total = Object.values(model.conversions).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1000) < 1e-6, `${total} conversions handed out`);
  }
  // A higher order keeps fewer channels, so the chain stays within its state cap.
  const order3 = attribute(rows, { order: 3, maxStates: 50 });
  assert.ok(order3.states.kept < 50);
  // Folding changes nothing where there are no more channels than the cap.
  const few: PathRow[] = [
    { path: ["A", "B"], conversions: 2, nulls: 1, value: 5 },
    { path: ["B", "C"], conversions: 1, nulls: 2, value: 1 },
  ];
  assert.deepEqual(foldRareStates(few, 3), few);
  assert.deepEqual(attribute(few, { maxStates: 3 }).markov, markov(few));
  assert.ok(MAX_MARKOV_STATES >= 51);
});
