import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../seeded-random.js";
import { align, traceFitness } from "./alignment.js";
import { compileJourneyModel, type JourneyModel, JourneyModelError } from "./journey-model.js";

const ORDER_TO_DELIVERY = compileJourneyModel({
  name: "Order to delivery",
  steps: [
    { id: "browse", label: "product page", stage: "Consider" },
    { id: "cart", label: "cart", stage: "Buy" },
    { id: "order", label: "order", stage: "Buy" },
  ],
  flows: [
    { from: "browse", to: "cart" },
    { from: "cart", to: "browse" },
    { from: "cart", to: "order" },
  ],
  start: ["browse"],
  end: ["order"],
});

test("hand-worked alignments on a map with a loop", () => {
  const cost = (trace: string[]) => align(ORDER_TO_DELIVERY, trace).cost;
  assert.equal(ORDER_TO_DELIVERY.shortestWalk, 3);
  assert.equal(cost(["product page", "cart", "order"]), 0);
  assert.equal(cost(["product page", "cart", "product page", "cart", "order"]), 0, "the loop is allowed");
  assert.equal(cost(["product page", "order"]), 1, "cart skipped");
  assert.equal(cost(["cart", "order"]), 1, "browse skipped");
  assert.equal(cost(["product page", "cart", "chat", "order"]), 1, "chat unexpected");
  assert.equal(cost([]), 3, "the whole map skipped");
  assert.equal(cost(["order", "cart", "product page"]), 4);
  assert.equal(traceFitness(ORDER_TO_DELIVERY, 2, 1), 0.8);
  const { moves } = align(ORDER_TO_DELIVERY, ["product page", "order"]);
  assert.deepEqual(moves, [
    { kind: "sync", step: 0, position: 0 },
    { kind: "model", step: 1 },
    { kind: "sync", step: 2, position: 1 },
  ]);
});

test("bad maps are refused with the step or flow named", () => {
  const base = {
    name: "m",
    steps: [
      { id: "a", label: "A" },
      { id: "b", label: "B" },
    ],
    flows: [{ from: "a", to: "b" }],
    start: ["a"],
    end: ["b"],
  };
  const refused = (model: unknown) => {
    try {
      compileJourneyModel(model);
    } catch (error) {
      assert.ok(error instanceof JourneyModelError);
      return [error.field, error.message];
    }
    return assert.fail("accepted");
  };
  assert.deepEqual(refused({ ...base, flows: [{ from: "a", to: "c" }] }), [
    "flows.0.to",
    'flow a -> c names step "c", which is not in steps',
  ]);
  assert.deepEqual(refused({ ...base, flows: [] }), ["steps.0", 'step "a" cannot reach an end step']);
  const island = {
    ...base,
    steps: [...base.steps, { id: "c", label: "C" }],
    flows: [...base.flows, { from: "c", to: "b" }],
  };
  assert.deepEqual(refused(island), ["steps.2", 'step "c" cannot be reached from a start step']);
  assert.equal(
    refused({ ...base, steps: [...base.steps, { id: "a", label: "X" }] })[1],
    'step "a" is defined twice',
  );
  assert.equal(refused({ ...base, slas: [{ from: "a", to: "b", within: "soon" }] })[0], "slas.0.within");
  assert.equal(refused({ ...base, start: [] })[0], "start");
});

/**
 * The optimal cost by brute force, differently: for every subset of the journey's touches that the map is
 * to take as they are, the fewest steps of a walk from a start to an end whose labels contain them in order
 * (breadth-first over (step, how many matched)); cost = touches left out + steps not matched.
 */
function bruteForceCost(model: JourneyModel, trace: string[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let mask = 0; mask < 1 << trace.length; mask++) {
    const kept = trace.filter((_, i) => mask & (1 << i));
    // dist over (state, matched); state 0 = before any step.
    const key = (state: number, matched: number) => state * (kept.length + 1) + matched;
    const dist = new Map<number, number>([[key(0, 0), 0]]);
    const queue: Array<[number, number]> = [[0, 0]];
    let shortest = Number.POSITIVE_INFINITY;
    for (let q = 0; q < queue.length; q++) {
      const [state, matched] = queue[q]!;
      const d = dist.get(key(state, matched))!;
      if (state > 0 && model.isEnd[state - 1] && matched === kept.length) {
        shortest = d;
        break;
      }
      for (const next of state === 0 ? model.start : model.next[state - 1]!) {
        const options = [matched];
        if (matched < kept.length && model.steps[next]!.label === kept[matched]) options.push(matched + 1);
        for (const m of options)
          if (!dist.has(key(next + 1, m))) {
            dist.set(key(next + 1, m), d + 1);
            queue.push([next + 1, m]);
          }
      }
    }
    if (shortest < Number.POSITIVE_INFINITY)
      best = Math.min(best, trace.length - kept.length + (shortest - kept.length));
  }
  return best;
}

test("on random maps and journeys: optimal (equal to brute force), and the moves replay the journey and a walk", () => {
  let checked = 0;
  for (let seed = 1; checked < 400 && seed < 5000; seed++) {
    const next = seededRandom(seed);
    const labels = ["A", "B", "C", "D"];
    const size = 1 + Math.floor(next() * 5);
    const steps = Array.from({ length: size }, (_, i) => ({
      id: `s${i}`,
      label: labels[Math.floor(next() * labels.length)]!,
    }));
    const flows = [];
    for (const a of steps) for (const b of steps) if (next() < 0.35) flows.push({ from: a.id, to: b.id });
    let model: JourneyModel;
    try {
      model = compileJourneyModel({
        name: `random ${seed}`,
        steps,
        flows,
        start: [steps[0]!.id, ...(next() < 0.3 ? [steps[size - 1]!.id] : [])],
        end: [steps[size - 1]!.id],
      });
    } catch {
      continue; // not every random map is a valid one
    }
    const trace = Array.from({ length: Math.floor(next() * 7) }, () => labels[Math.floor(next() * 5) % 4]!);
    const { cost, moves } = align(model, trace);
    assert.equal(cost, bruteForceCost(model, trace), `seed ${seed}: ${JSON.stringify({ trace, flows })}`);
    // The moves: every touch once and in order; the steps taken form a walk from a start to an end.
    const positions = moves.flatMap((m) => (m.kind === "model" ? [] : [m.position]));
    assert.deepEqual(
      positions,
      trace.map((_, i) => i),
      `seed ${seed}`,
    );
    const walk = moves.flatMap((m) => (m.kind === "log" ? [] : [m.step]));
    assert.ok(walk.length > 0 && model.start.includes(walk[0]!) && model.isEnd[walk.at(-1)!], `seed ${seed}`);
    for (let i = 1; i < walk.length; i++)
      assert.ok(model.next[walk[i - 1]!]!.includes(walk[i]!), `seed ${seed}`);
    for (const m of moves) if (m.kind === "sync") assert.equal(model.steps[m.step]!.label, trace[m.position]);
    assert.equal(cost, moves.filter((m) => m.kind !== "sync").length);
    checked++;
  }
  assert.equal(checked, 400);
});
