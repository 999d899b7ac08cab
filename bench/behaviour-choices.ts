/**
 * The shipped model's settings, chosen by cross-validation inside the public training pool only (no
 * evaluation set is read): `node dist/bench/behaviour-choices.js [question|suggestion|sentiment ...]`.
 * - Question head: leave one tweet-acts topic out at a time (a model must read questions about things its
 *   training tweets never mention), against the question-mark rule on the same tweets.
 * - Suggestion head: 5 folds by text hash over tweet acts and the forum sentences.
 * - Sentiment head: 3 folds by text hash over the SemEval pool and the reply-labelled airline tweets (the
 *   people-labelled fold gives macro-recall, the reply-labelled fold the complaint threshold).
 * Prints one table per head and a JSON line of the choices.
 */
import { readPublicTrainingPool, tweetActsTopic } from "../src/behaviour/corpus.js";
import {
  bestThreshold,
  f1At,
  foldsBy,
  hashFold,
  macroF1At,
  outOfFold,
} from "../src/behaviour/cross-validation.js";
import { metrics } from "../src/behaviour/evaluate.js";
import {
  DIMENSIONS,
  featurise,
  type SparseVector,
  withoutCharacterGrams,
} from "../src/behaviour/features.js";
import { BehaviourModel, type ModelHeads } from "../src/behaviour/model.js";
import {
  DEFAULT_THRESHOLDS,
  DISTANT_AGREEMENT,
  type HeadExample,
  type HeadSettings,
  type LabelledText,
  trainHead,
} from "../src/behaviour/train.js";

const GRID: HeadSettings[] = [
  { epochs: 6, learningRate: 0.03, l2: 1e-5 },
  { epochs: 6, learningRate: 0.03, l2: 1e-4 },
  { epochs: 3, learningRate: 0.03, l2: 1e-5 },
  { epochs: 6, learningRate: 0.1, l2: 1e-5 },
];
const THRESHOLDS = Array.from({ length: 16 }, (_, i) => Math.round((0.15 + i * 0.05) * 100) / 100);
const describe = (s: HeadSettings) => `${s.epochs} epochs, rate ${s.learningRate}, L2 ${s.l2}`;

interface Item {
  text: string;
  label: LabelledText;
  x: SparseVector;
}

/**
 * A model with one trained head and the others at zero, scored as the shipped model scores (floors from the
 * cue rules included): what a candidate setting would ship as, for that head.
 */
function withHead(heads: Partial<ModelHeads>): BehaviourModel {
  return new BehaviourModel(
    {
      sentiment: heads.sentiment ?? new Float32Array(3 * DIMENSIONS),
      question: heads.question ?? new Float32Array(DIMENSIONS),
      suggestion: heads.suggestion ?? new Float32Array(DIMENSIONS),
    },
    DEFAULT_THRESHOLDS,
    { trainedAt: "", data: [], notes: "cross-validation candidate" },
  );
}

const started = performance.now();
const pool = readPublicTrainingPool();
const featurised = (items: LabelledText[]): Item[] =>
  items.map((label) => ({ text: label.text, label, x: featurise(label.text) }));
const wanted = new Set(process.argv.slice(2));
const runs = (head: string) => wanted.size === 0 || wanted.has(head);
const choices: Record<string, unknown> = {};

if (runs("question")) {
  const items = featurised(pool.corpus.filter((item) => item.question !== undefined));
  const folds = foldsBy(items, (item) => tweetActsTopic(item.text));
  const gold = folds.flat().map((item) => item.label.question === 1);
  const rule = f1At(
    gold,
    folds.flat().map((item) => (item.text.includes("?") ? 1 : 0)),
    0.5,
  );
  console.log(
    `\nQuestion head: ${items.length} tweet-acts tweets, ${folds.length} topics left out one at a time; the rule "contains ?" scores F1 ${rule.toFixed(4)} on them`,
  );
  console.log("| features | setting | best threshold | F1 out of topic |");
  console.log("|---|---|---|---|");
  let best = { score: -1 } as { score: number; [key: string]: unknown };
  for (const [view, select] of [
    ["without character n-grams", withoutCharacterGrams],
    ["all", (x: SparseVector) => x],
  ] as const) {
    for (const setting of GRID) {
      const { scores } = outOfFold(folds, (training) => {
        const model = withHead({
          question: trainHead(
            training.map((item) => ({ x: select(item.x), y: item.label.question! })),
            1,
            setting,
          ),
        });
        return (item) => model.scoreFeatures(item.x).question;
      });
      const chosen = bestThreshold(gold, scores, THRESHOLDS);
      console.log(`| ${view} | ${describe(setting)} | ${chosen.threshold} | ${chosen.score.toFixed(4)} |`);
      if (chosen.score > best.score) best = { ...chosen, view, setting, rule };
    }
  }
  choices.question = best;
}

if (runs("suggestion")) {
  const items = featurised(pool.corpus.filter((item) => item.suggestion !== undefined));
  const folds = foldsBy(items, (item) => hashFold(item.text, 5));
  const gold = folds.flat().map((item) => item.label.suggestion === 1);
  console.log(
    `\nSuggestion head: ${items.length} sentences and tweets (${gold.filter(Boolean).length} suggestions), 5 folds by text hash`,
  );
  console.log("| setting | best threshold | F1 out of fold | F1 at 0.5 | F1 at 0.7 |");
  console.log("|---|---|---|---|---|");
  let best = { score: -1 } as { score: number; [key: string]: unknown };
  for (const setting of GRID) {
    const { scores } = outOfFold(folds, (training) => {
      const model = withHead({
        suggestion: trainHead(
          training.map((item) => ({ x: item.x, y: item.label.suggestion! })),
          1,
          setting,
        ),
      });
      return (item) => model.scoreFeatures(item.x).suggestion;
    });
    const chosen = bestThreshold(gold, scores, THRESHOLDS);
    console.log(
      `| ${describe(setting)} | ${chosen.threshold} | ${chosen.score.toFixed(4)} | ${f1At(gold, scores, 0.5).toFixed(4)} | ${f1At(gold, scores, 0.7).toFixed(4)} |`,
    );
    if (chosen.score > best.score) best = { ...chosen, setting };
  }
  choices.suggestion = best;
}

if (runs("sentiment")) {
  const people = featurised(pool.corpus.filter((item) => item.sentiment !== undefined));
  const distant = featurised(pool.distant);
  const k = 3;
  const peopleFolds = foldsBy(people, (item) => hashFold(item.text, k));
  const distantFolds = foldsBy(distant, (item) => hashFold(item.text, k));
  console.log(
    `\nSentiment head: ${people.length} people-labelled tweets and ${distant.length} reply-labelled airline tweets, ${k} folds by text hash (two passes per fold, as the shipped training)`,
  );
  console.log(
    "| setting | macro-recall out of fold (people-labelled) | praise threshold (people-labelled, praise / not macro-F1) | complaint threshold (reply-labelled, complaint / not macro-F1) | seconds |",
  );
  console.log("|---|---|---|---|---|");
  let best = { macroRecall: -1 } as { macroRecall: number; [key: string]: unknown };
  const grid = GRID.filter((s) => s.epochs === 6);
  for (const setting of grid) {
    const settingStarted = performance.now();
    const peopleGold: number[] = [];
    const peopleScores: Array<[number, number, number]> = [];
    const praiseScores: number[] = [];
    const distantGold: boolean[] = [];
    const distantScores: number[] = [];
    for (let at = 0; at < k; at++) {
      const examples = (items: Item[]): HeadExample[] =>
        items.map((item) => ({ x: item.x, y: item.label.sentiment! }));
      const trainingPeople = peopleFolds.filter((_, other) => other !== at).flat();
      // Two passes, as trainWithDistantLabels: the reply labels a first model does not firmly contradict.
      const first = withHead({ sentiment: trainHead(examples(trainingPeople), 3, setting) });
      const agreeing = distantFolds
        .filter((_, other) => other !== at)
        .flat()
        .filter((item) => first.rawScores(item.x).sentiment[item.label.sentiment!] >= DISTANT_AGREEMENT);
      const model = withHead({
        sentiment: trainHead(examples([...trainingPeople, ...agreeing]), 3, setting),
      });
      for (const item of peopleFolds[at]!) {
        peopleGold.push(item.label.sentiment!);
        peopleScores.push(model.rawScores(item.x).sentiment);
        praiseScores.push(model.scoreFeatures(item.x).praise);
      }
      for (const item of distantFolds[at]!) {
        distantGold.push(item.label.sentiment === 0);
        distantScores.push(model.scoreFeatures(item.x).complaint);
      }
    }
    const names = ["negative", "neutral", "positive"];
    const predicted = peopleScores.map((p) => names[p.indexOf(Math.max(...p))]!);
    const macroRecall = metrics(
      peopleGold.map((g) => names[g]!),
      predicted,
      names,
    ).macroRecall;
    // Praise and complaint are judged as their targets are stated: macro-F1 of the space and not.
    const praise = bestThreshold(
      peopleGold.map((g) => g === 2),
      praiseScores,
      THRESHOLDS,
      macroF1At,
    );
    const complaint = bestThreshold(distantGold, distantScores, THRESHOLDS, macroF1At);
    console.log(
      `| ${describe(setting)} | ${macroRecall.toFixed(4)} | ${praise.threshold} (${praise.score.toFixed(4)}) | ${complaint.threshold} (${complaint.score.toFixed(4)}) | ${((performance.now() - settingStarted) / 1000).toFixed(0)} |`,
    );
    if (macroRecall > best.macroRecall) best = { macroRecall, setting, praise, complaint };
  }
  choices.sentiment = best;
}

console.log(
  JSON.stringify({
    bench: "behaviour choices",
    seconds: Math.round((performance.now() - started) / 1000),
    choices,
  }),
);
