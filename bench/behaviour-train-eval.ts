/**
 * Trains on the public pool and prints every evaluation set's target figure (development aid), also on
 * the two halves of each set split by text hash: a change chosen by looking at one half's errors should
 * hold on the other. NC=0 leaves the non-commercial training sets out.
 */
import { isHeldOut, readEvaluationSets, readPublicTrainingPool } from "../src/behaviour/corpus.js";
import { evaluateSet } from "../src/behaviour/evaluate.js";
import { trainWithDistantLabels } from "../src/behaviour/train.js";

const started = performance.now();
const pool = readPublicTrainingPool(undefined, { nonCommercial: process.env.NC !== "0" });
const { model, examples } = trainWithDistantLabels(
  pool.corpus,
  pool.distant,
  { data: pool.sources, notes: "" },
  // Unset, each head trains with its cross-validated setting (CHOSEN_SETTINGS).
  {
    epochs: process.env.EPOCHS ? Number(process.env.EPOCHS) : undefined,
    learningRate: process.env.LR ? Number(process.env.LR) : undefined,
    l2: process.env.L2 ? Number(process.env.L2) : undefined,
  },
);
console.log("trained", examples, ((performance.now() - started) / 1000).toFixed(1), "s");
for (const set of readEvaluationSets()) {
  const r = evaluateSet(model, set);
  const half = (first: boolean) => {
    const items = set.items.filter((i) => isHeldOut(i.text, 0.5) === first);
    return items.length === 0 ? "-" : evaluateSet(model, { ...set, items }).value;
  };
  console.log(
    set.name.padEnd(28),
    r.figure.padEnd(32),
    r.value,
    ">=",
    r.floor,
    r.value >= r.floor ? "ok" : "MISS",
    `(halves ${half(true)} / ${half(false)})`,
  );
  if (process.env.VERBOSE) console.log(JSON.stringify(r.metrics.perClass));
}

if (process.env.SWEEP) {
  const { metrics } = await import("../src/behaviour/evaluate.js");
  const { featurise } = await import("../src/behaviour/features.js");
  for (const set of readEvaluationSets()) {
    if (set.task !== "complaint" && set.task !== "praise-complaint-other" && set.task !== "suggestion")
      continue;
    const raws = set.items.map((i) => model.rawScores(featurise(i.text)));
    for (const t of [0.2, 0.25, 0.3, 0.35, 0.4, 0.5]) {
      const pred = raws.map((r) => {
        if (set.task === "suggestion") return r.suggestion >= t ? "suggestion" : "not";
        const c = r.sentiment[0] >= t;
        if (set.task === "complaint") return c ? "complaint" : "not";
        return c ? "complaint" : r.sentiment[2] >= 0.5 ? "praise" : "other";
      });
      const m = metrics(
        set.items.map((i) => i.gold),
        pred,
      );
      console.log(
        set.name,
        t,
        m.macroF1,
        JSON.stringify(Object.fromEntries(Object.entries(m.perClass).map(([k, v]) => [k, v.f1]))),
      );
    }
  }
}
