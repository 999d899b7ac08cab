/**
 * Adapting the behaviour model to a brand's own labels (pure: no IO). The public model's heads are
 * fine-tuned on the brand's labels with L2 pulling towards the public weights (so the brand's few hundred
 * labels count, instead of drowning in 100k public texts, and the heads keep what the public data taught
 * where the brand says nothing), then each space's threshold is set where the brand's labels put it. The
 * settings are chosen by cross-validation inside the labels it trains on; a candidate is judged on labels
 * it never trained on (see judgeCandidate).
 */
import { bestThreshold } from "./cross-validation.js";
import { metrics } from "./evaluate.js";
import { featurise, type SparseVector } from "./features.js";
import { BehaviourModel, SPACES, type Space } from "./model.js";
import { type HeadExample, trainHead } from "./train.js";

/** A brand's label of one text: per space 1 (it is), 0 (it is not); a space left out is unknown. */
export interface BrandLabel {
  text: string;
  spaces: Partial<Record<Space, 0 | 1>>;
}

/** Labels as agents give them: the behaviours a text shows; none of them means "none of the four". */
export function brandLabelOf(text: string, labels: readonly string[]): BrandLabel {
  return { text, spaces: Object.fromEntries(SPACES.map((s) => [s, labels.includes(s) ? 1 : 0])) };
}

export interface AdaptSettings {
  /** Passes over the brand's labels (0: the heads stay, only the thresholds move). */
  epochs: number;
  learningRate: number;
  /** L2 towards the public weights. */
  prior: number;
}

/** The settings cross-validation chooses among. */
export const ADAPT_GRID: readonly AdaptSettings[] = [
  { epochs: 0, learningRate: 0, prior: 0 },
  { epochs: 3, learningRate: 0.02, prior: 1e-3 },
  { epochs: 3, learningRate: 0.08, prior: 1e-3 },
  { epochs: 8, learningRate: 0.02, prior: 1e-3 },
  { epochs: 8, learningRate: 0.08, prior: 1e-4 },
];

interface Featurised {
  x: SparseVector;
  spaces: BrandLabel["spaces"];
}

/** The sentiment head's target: complaint = negative, praise = positive, neither = neutral. */
function sentimentExample(x: SparseVector, spaces: BrandLabel["spaces"]): HeadExample | undefined {
  const { praise, complaint } = spaces;
  if (praise === 1 && complaint === 1) return undefined;
  if (complaint === 1) return { x, y: 0 };
  if (praise === 1) return { x, y: 2 };
  if (praise === 0 && complaint === 0) return { x, y: 1 };
  if (complaint === 0) return { x, y: 0, not: true };
  if (praise === 0) return { x, y: 2, not: true };
  return undefined;
}

function binaryExamples(items: readonly Featurised[], space: Space): HeadExample[] {
  return items.flatMap(({ x, spaces }) => (spaces[space] === undefined ? [] : [{ x, y: spaces[space]! }]));
}

/** The base model's heads fine-tuned on the labels (its thresholds kept). */
export function fineTune(
  base: BehaviourModel,
  items: readonly Featurised[],
  settings: AdaptSettings,
): BehaviourModel {
  if (settings.epochs === 0) return base;
  const options = {
    epochs: settings.epochs,
    learningRate: settings.learningRate,
    l2: settings.prior,
    seed: 11,
  };
  const sentiment = items.flatMap(({ x, spaces }) => sentimentExample(x, spaces) ?? []);
  const question = binaryExamples(items, "question");
  const suggestion = binaryExamples(items, "suggestion");
  const head = (data: HeadExample[], classes: number, prior: Float32Array) =>
    data.length === 0 ? prior : trainHead(data, classes, { ...options, prior });
  return new BehaviourModel(
    {
      sentiment: head(sentiment, 3, base.heads.sentiment),
      question: head(question, 1, base.heads.question),
      suggestion: head(suggestion, 1, base.heads.suggestion),
    },
    base.thresholds,
    base.card,
    base.version,
  );
}

/** Spaces the labels can judge: some texts are, some are not. */
export function judgedSpaces(labels: readonly { spaces: BrandLabel["spaces"] }[]): Space[] {
  return SPACES.filter((space) => {
    let yes = false;
    let no = false;
    for (const { spaces } of labels) {
      if (spaces[space] === 1) yes = true;
      if (spaces[space] === 0) no = true;
    }
    return yes && no;
  });
}

/** Macro-F1 of is / is not, as the brand score reports it (evaluate.ts metrics, rounded). */
const macroF1 = (gold: readonly boolean[], predicted: readonly boolean[]) =>
  metrics(
    gold.map((g) => (g ? "yes" : "no")),
    predicted.map((p) => (p ? "yes" : "no")),
    ["yes", "no"],
  ).macroF1;

/** Macro-F1 of one space (is / is not) over the labels that know it. */
function spaceF1(
  predicted: readonly boolean[],
  labels: readonly { spaces: BrandLabel["spaces"] }[],
  space: Space,
) {
  const gold: boolean[] = [];
  const guess: boolean[] = [];
  labels.forEach(({ spaces }, i) => {
    if (spaces[space] === undefined) return;
    gold.push(Boolean(spaces[space]));
    guess.push(predicted[i]!);
  });
  return macroF1(gold, guess);
}

export interface BrandScore {
  /** Mean over the judged spaces of each space's macro-F1 (is / is not). */
  score: number;
  perSpace: Partial<Record<Space, number>>;
  examples: number;
}

/** How well a model agrees with the brand's labels. */
export function scoreOnLabels(model: BehaviourModel, labels: readonly BrandLabel[]): BrandScore {
  return scoreFeaturised(
    model,
    labels.map((l) => ({ x: featurise(l.text), spaces: l.spaces })),
  );
}

function scoreFeaturised(model: BehaviourModel, items: readonly Featurised[]): BrandScore {
  return scorePredictions(
    items.map(({ x }) => model.classifyFeatures(x).labels),
    items,
  );
}

/** The brand score of predicted label lists against the items' labels. */
function scorePredictions(
  predicted: readonly (readonly string[])[],
  items: readonly Featurised[],
): BrandScore {
  const perSpace: Partial<Record<Space, number>> = {};
  for (const space of judgedSpaces(items))
    perSpace[space] = spaceF1(
      predicted.map((labels) => labels.includes(space)),
      items,
      space,
    );
  const values = Object.values(perSpace);
  const score = values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
  return { score: Math.round(score * 1e4) / 1e4, perSpace, examples: items.length };
}

/** Fold of an item (round robin over a seeded order, so folds keep their size). */
function foldsOf(n: number, k: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let state = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const fold = new Array<number>(n);
  order.forEach((item, position) => {
    fold[item] = position % k;
  });
  return fold;
}

const THRESHOLD_GRID = Array.from({ length: 17 }, (_, i) => 0.1 + i * 0.05);

/** Per judged space, the threshold that gives the best macro-F1 on these (out-of-fold) scores. */
function bestThresholds(
  scores: readonly Record<Space, number>[],
  items: readonly Featurised[],
  start: Record<Space, number>,
): Record<Space, number> {
  const thresholds = { ...start };
  for (const space of judgedSpaces(items)) {
    const judged = items.flatMap((item, i) => (item.spaces[space] === undefined ? [] : [i]));
    const { threshold } = bestThreshold(
      judged.map((i) => items[i]!.spaces[space] === 1),
      judged.map((i) => scores[i]![space]),
      THRESHOLD_GRID,
      (gold, predicted, t) =>
        macroF1(
          gold,
          predicted.map((p) => p >= t),
        ),
    );
    thresholds[space] = Math.round(threshold * 100) / 100;
  }
  return thresholds;
}

function withThresholds(model: BehaviourModel, thresholds: Record<Space, number>): BehaviourModel {
  return new BehaviourModel(model.heads, thresholds, model.card, model.version);
}

export interface Adapted {
  model: BehaviourModel;
  settings: AdaptSettings;
  /** The chosen settings' out-of-fold score inside the training labels (a choice, not an estimate). */
  innerScore: number;
}

/**
 * Fine-tunes `base` on the labels: each setting of the grid is scored by k-fold cross-validation inside
 * these labels (out-of-fold scores, thresholds set on them), the best is trained on all of them.
 */
export function adaptToBrand(
  base: BehaviourModel,
  labels: readonly BrandLabel[],
  options: { folds?: number; grid?: readonly AdaptSettings[]; seed?: number } = {},
): Adapted {
  const items = labels.map((l) => ({ x: featurise(l.text), spaces: l.spaces }));
  return adaptFeaturised(base, items, options);
}

function adaptFeaturised(
  base: BehaviourModel,
  items: readonly Featurised[],
  {
    folds = 3,
    grid = ADAPT_GRID,
    seed = 5,
  }: { folds?: number; grid?: readonly AdaptSettings[]; seed?: number },
): Adapted {
  const k = Math.max(2, Math.min(folds, items.length));
  const fold = foldsOf(items.length, k, seed);
  let best: { settings: AdaptSettings; score: number; thresholds: Record<Space, number> } | undefined;
  for (const settings of grid) {
    const scores = new Array<Record<Space, number>>(items.length);
    for (let f = 0; f < k; f++) {
      const tuned = fineTune(
        base,
        items.filter((_, i) => fold[i] !== f),
        settings,
      );
      items.forEach((item, i) => {
        if (fold[i] === f) scores[i] = tuned.scoreFeatures(item.x);
      });
    }
    const thresholds = bestThresholds(scores, items, base.thresholds);
    const predicted = scores.map((s) => SPACES.filter((space) => s[space] >= thresholds[space]));
    const { score } = scorePredictions(predicted, items);
    if (!best || score > best.score) best = { settings, score, thresholds };
  }
  const chosen = best!;
  return {
    model: withThresholds(fineTune(base, items, chosen.settings), chosen.thresholds),
    settings: chosen.settings,
    innerScore: Math.round(chosen.score * 1e4) / 1e4,
  };
}

/** Labels the held-back share needs before it alone judges a candidate; with fewer, cross-validation does. */
export const MIN_HELD_BACK = 30;

export interface Judgement {
  method: "held-back" | "cross-validation";
  candidate: BrandScore;
  inUse: BrandScore;
  adopt: boolean;
}

/**
 * Whether a candidate beats the model in use on labels it never trained on. With enough held-back labels,
 * both are scored on them. With fewer, the whole adaptation is cross-validated over every label (each fold
 * adapted on the others) and the model in use is scored on the same folds; if the model in use was itself
 * adapted on some of those labels this favours it, so the comparison errs towards keeping it.
 */
export function judgeCandidate(
  candidate: BehaviourModel,
  inUse: BehaviourModel,
  base: BehaviourModel,
  training: readonly BrandLabel[],
  heldBack: readonly BrandLabel[],
  options: { folds?: number; grid?: readonly AdaptSettings[] } = {},
): Judgement {
  if (heldBack.length >= MIN_HELD_BACK && judgedSpaces(heldBack).length > 0) {
    const c = scoreOnLabels(candidate, heldBack);
    const u = scoreOnLabels(inUse, heldBack);
    return { method: "held-back", candidate: c, inUse: u, adopt: c.score > u.score };
  }
  const items = [...training, ...heldBack].map((l) => ({ x: featurise(l.text), spaces: l.spaces }));
  const k = Math.max(2, Math.min(5, items.length));
  const fold = foldsOf(items.length, k, 17);
  const candidateLabels: string[][] = new Array(items.length);
  for (let f = 0; f < k; f++) {
    const trainOn = items.filter((_, i) => fold[i] !== f);
    const adapted = adaptFeaturised(base, trainOn, { ...options, seed: 5 + f }).model;
    items.forEach((item, i) => {
      if (fold[i] === f) candidateLabels[i] = adapted.classifyFeatures(item.x).labels;
    });
  }
  const c = scorePredictions(candidateLabels, items);
  const u = scoreFeaturised(inUse, items);
  return {
    method: "cross-validation",
    candidate: c,
    inUse: u,
    adopt: judgedSpaces(items).length > 0 && c.score > u.score,
  };
}

/** What training needs, gathered from the store: plain data, so it can go to a worker thread. */
export interface RetrainInput {
  /** The public model and the model in use, serialised (BehaviourModel.serialise). */
  base: Uint8Array;
  inUse: Uint8Array;
  training: BrandLabel[];
  heldBack: BrandLabel[];
}

export interface RetrainOutput {
  /** The candidate's heads and thresholds, serialised. */
  candidate: Uint8Array;
  settings: AdaptSettings;
  innerScore: number;
  judgement: Judgement;
}

/** The training itself (pure): adapt, then judge against the model in use. Runs inline or in the lane. */
export function trainCandidate(input: RetrainInput): RetrainOutput {
  const base = BehaviourModel.deserialise(Buffer.from(input.base));
  const inUse = BehaviourModel.deserialise(Buffer.from(input.inUse));
  const adapted = adaptToBrand(base, input.training);
  return {
    candidate: adapted.model.serialise(),
    settings: adapted.settings,
    innerScore: adapted.innerScore,
    judgement: judgeCandidate(adapted.model, inUse, base, input.training, input.heldBack),
  };
}
