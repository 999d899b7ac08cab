/**
 * Learning curve of brand adaptation (issue 20): the shipped public model, then the same model adapted
 * (behaviour/adapt.ts, settings chosen by cross-validation inside the labels given) on 250, 500 and 1,000
 * in-domain labels of one evaluation set, scored on the rest of that set; and the in-domain-only upper
 * bound (heads trained from zero on the 1,000 labels, same procedure). An experiment: the evaluation-only
 * sets stand in for a brand's labels here, and no model of it is shipped.
 * Usage: node dist/bench/behaviour-brand-curve.js
 */
import { type AdaptSettings, adaptToBrand, type BrandLabel } from "../src/behaviour/adapt.js";
import { loadModel } from "../src/behaviour/classifier.js";
import { type EvaluationSet, readEvaluationSets } from "../src/behaviour/corpus.js";
import { evaluateSet } from "../src/behaviour/evaluate.js";
import { DIMENSIONS } from "../src/behaviour/features.js";
import { BehaviourModel, type Space } from "../src/behaviour/model.js";

const SIZES = [250, 500, 1000];

/** What a gold answer of each task says about the spaces (the rest stay unknown). */
function spacesOf(task: EvaluationSet["task"], gold: string): BrandLabel["spaces"] {
  if (task === "complaint") return { complaint: gold === "complaint" ? 1 : 0 };
  if (task === "praise-complaint-other")
    return { complaint: gold === "complaint" ? 1 : 0, praise: gold === "praise" ? 1 : 0 };
  throw new Error(`no brand labels for task ${task}`);
}

/** A seeded shuffle, so the label pool and the evaluation part are the same in every run. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const base = loadModel();
const zero = new BehaviourModel(
  {
    sentiment: new Float32Array(3 * DIMENSIONS),
    question: new Float32Array(DIMENSIONS),
    suggestion: new Float32Array(DIMENSIONS),
  },
  base.thresholds,
  { trainedAt: "", data: [], notes: "in-domain only" },
);
const FROM_ZERO: AdaptSettings[] = [
  { epochs: 5, learningRate: 0.05, prior: 1e-5 },
  { epochs: 10, learningRate: 0.05, prior: 1e-5 },
  { epochs: 10, learningRate: 0.1, prior: 1e-4 },
];

const results = [];
for (const set of readEvaluationSets()) {
  if (set.task !== "complaint" && set.task !== "praise-complaint-other") continue;
  const items = shuffled(set.items, 20);
  const pool = items.slice(0, 1000);
  const evaluation = { ...set, items: items.slice(1000) };
  const labels = pool.map((item) => ({ text: item.text, spaces: spacesOf(set.task, item.gold) }));
  const row: Record<string, unknown> = {
    set: set.name,
    figure: evaluateSet(base, evaluation).figure,
    evaluated: evaluation.items.length,
    publicOnly: evaluateSet(base, evaluation).value,
  };
  for (const n of SIZES) {
    const started = performance.now();
    const adapted = adaptToBrand(base, labels.slice(0, n));
    row[`with${n}`] = evaluateSet(adapted.model, evaluation).value;
    row[`settings${n}`] = { ...adapted.settings, thresholds: pick(adapted.model.thresholds) };
    row[`seconds${n}`] = Math.round((performance.now() - started) / 100) / 10;
  }
  const upper = adaptToBrand(zero, labels, { grid: FROM_ZERO });
  row.inDomainOnly1000 = evaluateSet(upper.model, evaluation).value;
  const gap = (row.inDomainOnly1000 as number) - (row.publicOnly as number);
  row.shareOfGapClosedAt1000 =
    gap <= 0 ? null : Math.round((((row.with1000 as number) - (row.publicOnly as number)) / gap) * 100) / 100;
  results.push(row);
  console.error(JSON.stringify(row));
}
console.log(JSON.stringify({ bench: "behaviour-brand-curve", results }, null, 2));

function pick(thresholds: Record<Space, number>) {
  return { praise: thresholds.praise, complaint: thresholds.complaint };
}
