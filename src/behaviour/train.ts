/**
 * Trains the behaviour heads: softmax / logistic regression on sparse hashed features by AdaGrad SGD with
 * L2, class-balanced. Written by hand: the kept JS options (ml-logistic-regression) use dense matrices and
 * cannot hold 2^18 hashed features.
 */

import { seededRandom } from "../seeded-random.js";
import { DIMENSIONS, featurise, type SparseVector, withoutCharacterGrams } from "./features.js";
import { BehaviourModel, type ModelCard, type Space } from "./model.js";

export interface LabelledText {
  text: string;
  /** 0 negative, 1 neutral, 2 positive; undefined when the source says nothing of sentiment. */
  sentiment?: 0 | 1 | 2;
  question?: 0 | 1;
  suggestion?: 0 | 1;
}

export interface TrainOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
  thresholds?: Partial<Record<Space, number>>;
  /**
   * Start from these weights, and let L2 pull towards them instead of towards zero: fine-tuning a trained
   * head on a brand's labels keeps what the public data taught where the brand's labels say nothing.
   */
  prior?: Float32Array;
}

/**
 * One training example of a head: class index (0/1 for a sigmoid head); with `not`, the example says only
 * that the class is not `y` (a brand labelled "not a complaint" without saying praise or neutral).
 */
export interface HeadExample {
  x: SparseVector;
  y: number;
  not?: boolean;
}

/** How one head is trained. */
export interface HeadSettings {
  epochs: number;
  learningRate: number;
  l2: number;
}

export type HeadName = "sentiment" | "question" | "suggestion";

/**
 * Each head's settings and each space's threshold, chosen by cross-validation inside the public training
 * pool (`node dist/bench/behaviour-choices.js`; the tables are in docs/behaviour-model.md): no evaluation
 * set had a say. The question head by leaving one tweet-acts topic out at a time, the suggestion head by 5
 * folds of its sentences, the sentiment head and the complaint threshold by 3 folds of the SemEval pool and
 * the reply-labelled airline tweets.
 */
export const CHOSEN_SETTINGS: Record<HeadName, HeadSettings> = {
  sentiment: { epochs: 6, learningRate: 0.03, l2: 1e-4 },
  question: { epochs: 6, learningRate: 0.1, l2: 1e-5 },
  suggestion: { epochs: 6, learningRate: 0.03, l2: 1e-4 },
};

/** Chosen with the settings above: praise and complaint by macro-F1 of the space and not, as their targets. */
export const DEFAULT_THRESHOLDS: Record<Space, number> = {
  praise: 0.45,
  complaint: 0.45,
  question: 0.6,
  suggestion: 0.6,
};

/** A distantly labelled text is kept when the first-pass model gives its label at least this probability. */
export const DISTANT_AGREEMENT = 0.2;

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/**
 * One linear head with `classes` outputs (softmax), or one logit (sigmoid) when classes is 1.
 * Labels: class index, or 0/1 for a sigmoid head.
 */
export function trainHead(data: HeadExample[], classes: number, options: TrainOptions = {}): Float32Array {
  const { epochs = 6, learningRate = 0.03, l2 = 1e-5, seed = 7, prior } = options;
  const weights = prior ? Float32Array.from(prior) : new Float32Array(classes * DIMENSIONS);
  const squares = new Float32Array(classes * DIMENSIONS).fill(1e-6);
  // Balanced weights: each target (a class, or "not" a class) counts as much as the others in the loss.
  const groups = Math.max(2, classes);
  const groupOf = (e: HeadExample) => (e.not ? groups + e.y : e.y);
  const counts = new Array(2 * groups).fill(0);
  for (const e of data) counts[groupOf(e)]++;
  const present = counts.filter((c) => c > 0).length;
  const groupWeight = counts.map((c) => (c === 0 ? 0 : data.length / (present * c)));
  const order = data.map((_, i) => i);
  const random = seededRandom(seed);
  const logits = new Float64Array(classes);
  const probabilities = new Float64Array(classes);
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, random);
    for (const i of order) {
      const example = data[i];
      const { x, y } = example;
      const weight = groupWeight[groupOf(example)];
      for (let k = 0; k < classes; k++) {
        let sum = 0;
        const base = k * DIMENSIONS;
        for (let f = 0; f < x.length; f++) sum += weights[base + x.indices[f]] * x.values[f];
        logits[k] = sum;
      }
      const gradients = new Float64Array(classes);
      if (classes === 1) {
        const p = 1 / (1 + Math.exp(-logits[0]));
        const target = example.not ? 1 - y : y;
        gradients[0] = (p - target) * weight;
      } else {
        let max = -Infinity;
        for (let k = 0; k < classes; k++) max = Math.max(max, logits[k]);
        let z = 0;
        for (let k = 0; k < classes; k++) z += Math.exp(logits[k] - max);
        const p = probabilities;
        for (let k = 0; k < classes; k++) p[k] = Math.exp(logits[k] - max) / z;
        // "Not y": the loss is -log(1 - p_y); its target spreads over the other classes as p does.
        const rest = 1 - p[y];
        for (let k = 0; k < classes; k++) {
          const target = example.not ? (k === y || rest <= 0 ? 0 : p[k] / rest) : k === y ? 1 : 0;
          gradients[k] = (p[k] - target) * weight;
        }
      }
      for (let k = 0; k < classes; k++) {
        const base = k * DIMENSIONS;
        for (let f = 0; f < x.length; f++) {
          const j = base + x.indices[f];
          const g = gradients[k] * x.values[f] + l2 * (weights[j] - (prior ? prior[j] : 0));
          squares[j] += g * g;
          weights[j] -= (learningRate * g) / Math.sqrt(squares[j]);
        }
      }
    }
  }
  return weights;
}

export interface TrainResult {
  model: BehaviourModel;
  examples: { sentiment: number; question: number; suggestion: number; distant?: number };
}

/**
 * Two passes: a model trained on the people-labelled corpus reads the distantly labelled texts, drops those
 * whose label it firmly contradicts (probability under DISTANT_AGREEMENT), and the final model is trained
 * on both. Filtering by a second view keeps most of the in-domain signal and less of the reply rules'
 * noise (the figures are in docs/behaviour-model.md).
 */
export function trainWithDistantLabels(
  corpus: LabelledText[],
  distant: LabelledText[],
  card: Omit<ModelCard, "trainedAt">,
  options: TrainOptions = {},
): TrainResult {
  if (distant.length === 0) return trainModel(corpus, card, options);
  const first = trainModel(corpus, card, options).model;
  const agreeing = distant.filter((item) => {
    if (item.sentiment === undefined) return false;
    return first.rawScores(featurise(item.text)).sentiment[item.sentiment] >= DISTANT_AGREEMENT;
  });
  const notes = `${card.notes}; ${agreeing.length} of ${distant.length} distantly labelled texts kept (first-pass probability of their label >= ${DISTANT_AGREEMENT})`;
  const result = trainModel([...corpus, ...agreeing], { ...card, notes }, options);
  return { ...result, examples: { ...result.examples, distant: agreeing.length } };
}

export function trainModel(
  corpus: LabelledText[],
  card: Omit<ModelCard, "trainedAt">,
  options: TrainOptions = {},
): TrainResult {
  const featurised = corpus.map((item) => ({ item, x: featurise(item.text) }));
  const sentimentData = featurised.flatMap(({ item, x }) =>
    item.sentiment === undefined ? [] : [{ x, y: item.sentiment }],
  );
  // The question head learns from the form of a text (words, clause openings, question marks), not its
  // character n-grams: those learned the topics of its training tweets (docs/behaviour-model.md).
  const questionData = featurised.flatMap(({ item, x }) =>
    item.question === undefined ? [] : [{ x: withoutCharacterGrams(x), y: item.question }],
  );
  const suggestionData = featurised.flatMap(({ item, x }) =>
    item.suggestion === undefined ? [] : [{ x, y: item.suggestion }],
  );
  for (const [name, data] of [
    ["sentiment (praise, complaint)", sentimentData],
    ["question", questionData],
    ["suggestion", suggestionData],
  ] as const) {
    if (data.length === 0) throw new Error(`no training examples carry a ${name} label`);
  }
  // A setting given to the whole training (the CLI's --epochs) applies to every head.
  const forHead = (head: HeadName): TrainOptions => ({
    ...options,
    epochs: options.epochs ?? CHOSEN_SETTINGS[head].epochs,
    learningRate: options.learningRate ?? CHOSEN_SETTINGS[head].learningRate,
    l2: options.l2 ?? CHOSEN_SETTINGS[head].l2,
  });
  const model = new BehaviourModel(
    {
      sentiment: trainHead(sentimentData, 3, forHead("sentiment")),
      question: trainHead(questionData, 1, forHead("question")),
      suggestion: trainHead(suggestionData, 1, forHead("suggestion")),
    },
    { ...DEFAULT_THRESHOLDS, ...options.thresholds },
    { ...card, trainedAt: new Date().toISOString() },
  );
  return {
    model,
    examples: {
      sentiment: sentimentData.length,
      question: questionData.length,
      suggestion: suggestionData.length,
    },
  };
}
