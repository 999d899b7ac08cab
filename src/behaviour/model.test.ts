import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { loadModel } from "./classifier.js";
import { cueNames, featurise } from "./features.js";
import { BehaviourModel, OutdatedModelError } from "./model.js";
import { trainModel } from "./train.js";

const model = loadModel();

test("the shipped model labels plain messages in each space", () => {
  const cases: Array<[string, string]> = [
    ["Love my new running shoes, thank you @CustomerFlowShop!", "praise"],
    ["My order arrived broken and nobody answers the phone. Terrible service", "complaint"],
    ["Do you ship to Ireland?", "question"],
    ["Please add Apple Pay at checkout", "suggestion"],
    ["It would be great if the app showed delivery tracking", "suggestion"],
  ];
  for (const [text, expected] of cases) assert.equal(model.classify(text).behaviour, expected, text);
});

test("multi-label: a complaint that asks a question carries both labels, with a score per space", () => {
  const result = model.classify("Why has my refund still not arrived after three weeks? This is ridiculous");
  assert.ok(result.labels.includes("complaint"), JSON.stringify(result));
  assert.ok(result.labels.includes("question"), JSON.stringify(result));
  assert.deepEqual(Object.keys(result.scores).sort(), ["complaint", "praise", "question", "suggestion"]);
  for (const score of Object.values(result.scores)) assert.ok(score >= 0 && score <= 1);
});

test("text with no behaviour is other, with no labels", () => {
  const result = model.classify("Flight 227 departs at 14:05 from gate 12");
  assert.equal(result.behaviour, "other", JSON.stringify(result));
  assert.deepEqual(result.labels, []);
});

test("cue rules: question forms, suggestion forms, complaint words, negation scope", () => {
  assert.ok(cueNames("How do I return this?").includes("q_how_to"));
  assert.ok(cueNames("You should add a dark mode").includes("s_should"));
  assert.ok(cueNames("please add a size guide").includes("s_please_add"));
  assert.ok(cueNames("the app keeps crashing").includes("c_fail"));
  assert.ok(!cueNames("the app is lovely").includes("c_fail"));
  // Negation flips the lexicon: "not good" counts as negative, so the two texts differ in features.
  const good = featurise("this is good");
  const notGood = featurise("this is not good");
  assert.notDeepEqual([...good.indices].sort(), [...notGood.indices].sort());
});

test("training learns from labels, and a serialised model classifies identically", () => {
  const corpus = [];
  for (let i = 0; i < 40; i++) {
    corpus.push({
      text: `wonderful brilliant product ${i}`,
      sentiment: 2 as const,
      question: 0 as const,
      suggestion: 0 as const,
    });
    corpus.push({
      text: `awful broken rubbish ${i}`,
      sentiment: 0 as const,
      question: 0 as const,
      suggestion: 0 as const,
    });
    corpus.push({
      text: `order number ${i} shipped`,
      sentiment: 1 as const,
      question: 0 as const,
      suggestion: 0 as const,
    });
    corpus.push({
      text: `when does shop ${i} open`,
      sentiment: 1 as const,
      question: 1 as const,
      suggestion: 0 as const,
    });
    corpus.push({
      text: `maybe stock blue ${i}`,
      sentiment: 1 as const,
      question: 0 as const,
      suggestion: 1 as const,
    });
  }
  const { model: trained } = trainModel(corpus, { data: [], notes: "test" }, { epochs: 5 });
  assert.equal(trained.classify("wonderful brilliant").behaviour, "praise");
  assert.equal(trained.classify("awful broken").behaviour, "complaint");
  assert.ok(trained.classify("when does shop open").labels.includes("question"));
  const copy = BehaviourModel.deserialise(trained.serialise());
  for (const text of ["wonderful", "awful broken rubbish", "when does shop open", "maybe stock blue"]) {
    assert.deepEqual(copy.classify(text), trained.classify(text));
  }
});

test("training refuses a corpus that leaves a head without labels", () => {
  assert.throws(
    () => trainModel([{ text: "hello", sentiment: 1 }], { data: [], notes: "" }),
    /no training examples carry a question label/,
  );
});

test("words that name Object.prototype members are plain words, not NaN features", () => {
  for (const text of [
    "MapRoute constructor should accept an interface",
    "toString and valueOf and __proto__",
  ]) {
    const x = featurise(text);
    for (let i = 0; i < x.length; i++)
      assert.ok(Number.isFinite(x.values[i]), `${text}: slot ${x.indices[i]}`);
    const scores = model.classify(text).scores;
    for (const score of Object.values(scores)) assert.ok(Number.isFinite(score), JSON.stringify(scores));
  }
});

test("a store's model file from a build with other features gives way to the shipped model, with a warning", () => {
  const parsed = JSON.parse(gunzipSync(model.serialise()).toString("utf8"));
  parsed.featureLayout = 1;
  const folder = mkdtempSync(join(tmpdir(), "cf-model-"));
  const path = join(folder, "behaviour-model.json.gz");
  writeFileSync(path, gzipSync(JSON.stringify(parsed)));
  assert.throws(() => BehaviourModel.deserialise(readFileSync(path)), OutdatedModelError);
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  process.on("warning", onWarning);
  try {
    assert.equal(loadModel(path), model);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  // Warnings are emitted on the next tick.
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      process.off("warning", onWarning);
      assert.ok(
        warnings.some((w) => w.includes("using the shipped model meanwhile")),
        JSON.stringify(warnings),
      );
      resolve();
    }),
  );
});
