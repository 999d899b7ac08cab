/** Classification metrics: precision, recall and F1 per class, macro averages and a confusion matrix. */
import { type EvaluationSet, labelsOf } from "./corpus.js";
import { type BehaviourModel, type Classification, SPACES, type Space } from "./model.js";
import type { LabelledText } from "./train.js";

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Metrics {
  examples: number;
  accuracy: number;
  macroF1: number;
  macroRecall: number;
  perClass: Record<string, ClassMetrics>;
  /** confusion[gold][predicted] = count */
  confusion: Record<string, Record<string, number>>;
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export function metrics(gold: string[], predicted: string[], classes?: string[]): Metrics {
  const names = classes ?? [...new Set([...gold, ...predicted])].sort();
  const confusion: Record<string, Record<string, number>> = {};
  for (const g of names) confusion[g] = Object.fromEntries(names.map((p) => [p, 0]));
  let correct = 0;
  gold.forEach((g, i) => {
    const p = predicted[i];
    confusion[g] ??= Object.fromEntries(names.map((n) => [n, 0]));
    confusion[g][p] = (confusion[g][p] ?? 0) + 1;
    if (g === p) correct++;
  });
  const perClass: Record<string, ClassMetrics> = {};
  for (const c of names) {
    const tp = confusion[c]?.[c] ?? 0;
    const support = names.reduce((s, p) => s + (confusion[c]?.[p] ?? 0), 0);
    const predictedCount = names.reduce((s, g) => s + (confusion[g]?.[c] ?? 0), 0);
    const precision = predictedCount === 0 ? 0 : tp / predictedCount;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[c] = { precision: round(precision), recall: round(recall), f1: round(f1), support };
  }
  const present = names.filter((c) => perClass[c].support > 0);
  return {
    examples: gold.length,
    accuracy: round(gold.length === 0 ? 0 : correct / gold.length),
    macroF1: round(present.reduce((s, c) => s + perClass[c].f1, 0) / Math.max(1, present.length)),
    macroRecall: round(present.reduce((s, c) => s + perClass[c].recall, 0) / Math.max(1, present.length)),
    perClass,
    confusion,
  };
}

/** How a classification answers each evaluation task. */
export function answerFor(task: EvaluationSet["task"], c: Classification): string {
  const has = (label: string) => c.labels.includes(label as never);
  switch (task) {
    case "complaint":
      return has("complaint") ? "complaint" : "not";
    case "praise-complaint-other":
      return has("complaint") ? "complaint" : has("praise") ? "praise" : "other";
    case "sentiment":
      return has("complaint") ? "negative" : has("praise") ? "positive" : "neutral";
    case "question":
      return has("question") ? "question" : "not";
    case "suggestion":
      return has("suggestion") ? "suggestion" : "not";
  }
}

/** The figure each target is stated in, and the floor the issue sets for it. */
export const TARGETS: Record<string, { figure: string; floor: number; read: (m: Metrics) => number }> = {
  complaints: { figure: "complaint macro-F1", floor: 0.8, read: (m) => m.macroF1 },
  airline: { figure: "praise/complaint/other macro-F1", floor: 0.78, read: (m) => m.macroF1 },
  "tweeteval-sentiment": { figure: "sentiment macro-recall", floor: 0.65, read: (m) => m.macroRecall },
  "tweet-acts (held-out 20%)": {
    figure: "question F1",
    floor: 0.78,
    read: (m) => m.perClass.question?.f1 ?? 0,
  },
  "semeval2019-suggestions": {
    figure: "suggestion F1",
    floor: 0.72,
    read: (m) => m.perClass.suggestion?.f1 ?? 0,
  },
};

export interface SetReport {
  name: string;
  figure: string;
  value: number;
  floor: number;
  metrics: Metrics;
}

export function evaluateSet(model: BehaviourModel, set: EvaluationSet): SetReport {
  const predicted = set.items.map((item) => answerFor(set.task, model.classify(item.text)));
  const m = metrics(
    set.items.map((item) => item.gold),
    predicted,
  );
  const target = TARGETS[set.name];
  return {
    name: set.name,
    figure: target?.figure ?? "macro-F1",
    value: target ? round(target.read(m)) : m.macroF1,
    floor: target?.floor ?? 0,
    metrics: m,
  };
}

/**
 * A brand's labelled texts: per space precision/recall/F1 of the multi-label output, and the primary label
 * against the first gold label (complaint, question, suggestion, praise order when several) as a confusion matrix.
 */
export function evaluateLabelled(
  model: BehaviourModel,
  corpus: LabelledText[],
): { perSpace: Record<Space, ClassMetrics>; primary: Metrics } {
  const gold = corpus.map(labelsOf);
  const predicted = corpus.map((item) => model.classify(item.text));
  const perSpace = {} as Record<Space, ClassMetrics>;
  for (const space of SPACES) {
    const m = metrics(
      gold.map((labels) => (labels.includes(space) ? space : "not")),
      predicted.map((c) => (c.labels.includes(space) ? space : "not")),
      [space, "not"],
    );
    perSpace[space] = m.perClass[space];
  }
  const primaryGold = gold.map((labels) => PRIMARY_ORDER.find((l) => labels.includes(l)) ?? "other");
  const primary = metrics(
    primaryGold,
    predicted.map((c) => c.behaviour),
    [...SPACES, "other"],
  );
  return { perSpace, primary };
}

const PRIMARY_ORDER = ["complaint", "question", "suggestion", "praise"];
