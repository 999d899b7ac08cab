/**
 * Classifier throughput on one core against the AFINN `sentiment` package (a lexicon lookup, the usual
 * baseline) on the same texts in the same run. Texts: the SemEval pool when ../shared is present, else
 * demo messages.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import Sentiment from "sentiment";
import { loadModel } from "../src/behaviour/classifier.js";
import { readSemEvalSentiment, sharedBehaviourFolder } from "../src/behaviour/corpus.js";
import { message } from "../src/demo/messages.js";
import { Random } from "../src/demo/random.js";

const COUNT = Number(process.env.BENCH_MESSAGES ?? 50_000);

function texts(): { source: string; items: string[] } {
  const folder = join(sharedBehaviourFolder(), "train/semeval2017-sentiment");
  if (existsSync(folder)) {
    const pool = readSemEvalSentiment(folder).map((t) => t.text);
    return {
      source: "SemEval-2017 tweets",
      items: Array.from({ length: COUNT }, (_, i) => pool[i % pool.length]),
    };
  }
  const random = new Random(1);
  const spaces = ["praise", "complaint", "question", "suggestion"] as const;
  return {
    source: "demo messages",
    items: Array.from({ length: COUNT }, (_, i) => message(random, spaces[i % 4])),
  };
}

function rate(work: (text: string) => unknown, items: string[]): number {
  for (let i = 0; i < 2000; i++) work(items[i % items.length]); // warm up the JIT
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint();
    for (const text of items) work(text);
    best = Math.max(best, items.length / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  return best;
}

const { source, items } = texts();
const model = loadModel();
const afinn = new Sentiment();
const ours = rate((t) => model.classify(t), items);
const peer = rate((t) => afinn.analyze(t), items);
console.log(
  JSON.stringify({
    bench: "behaviour classify, one core",
    texts: source,
    messages: items.length,
    classifierPerSecond: Math.round(ours),
    afinnSentimentPerSecond: Math.round(peer),
    ratio: Number((ours / peer).toFixed(2)),
  }),
);
