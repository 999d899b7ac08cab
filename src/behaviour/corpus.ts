/**
 * Readers for labelled text: the public sets in ../shared/data/behaviour (training pool and evaluation
 * sets, read at run time, never copied) and a brand's own labelled CSV.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { textShare } from "./cross-validation.js";
import { normaliseText } from "./features.js";
import { SPACES, type Space } from "./model.js";
import { type Conversation, labelByReply } from "./reply-labels.js";
import type { LabelledText } from "./train.js";

// seek-bzip (MIT, pure JS): Node has no bzip2, and the airline conversations ship compressed.
const Bunzip: { decode(input: Buffer): Buffer } = createRequire(import.meta.url)("seek-bzip");

export function sharedBehaviourFolder(): string {
  return process.env.CUSTOMER_FLOW_SHARED_DATA
    ? join(process.env.CUSTOMER_FLOW_SHARED_DATA, "behaviour")
    : join(process.cwd(), "..", "shared", "data", "behaviour");
}

const SENTIMENT = { negative: 0, neutral: 1, positive: 2 } as const;

function unescapeTweet(text: string): string {
  let t = text.trim();
  if (t.startsWith('"') && t.endsWith('"') && t.length > 1) t = t.slice(1, -1);
  return t.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** SemEval-2017 task 4A pool: tab-separated id, label, text. */
export function readSemEvalSentiment(folder: string): LabelledText[] {
  const out: LabelledText[] = [];
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith(".txt"))
    .sort()) {
    for (const line of readFileSync(join(folder, file), "utf8").split("\n")) {
      const [, label, ...rest] = line.split("\t");
      const sentiment = SENTIMENT[label as keyof typeof SENTIMENT];
      if (sentiment === undefined) continue;
      const text = unescapeTweet(rest.join("\t"));
      if (text) out.push({ text, sentiment });
    }
  }
  return out;
}

/** Tweet acts (BSD-2): QUE is a question; SUG and REQ (asking the brand to do something) a suggestion. */
export function readTweetActs(file: string): LabelledText[] {
  const rows = parse(readFileSync(file), {
    columns: true,
    skip_empty_lines: true,
    relax_quotes: true,
  }) as Array<{
    text: string;
    act: string;
  }>;
  return rows
    .filter((row) => row.text && row.act)
    .map((row) => ({
      text: row.text,
      question: row.act.trim() === "QUE" ? 1 : 0,
      suggestion: ["SUG", "REQ"].includes(row.act.trim()) ? 1 : 0,
    }));
}

/** Deterministic split by text so a tweet is always on the same side. */
export function isHeldOut(text: string, share = 0.2): boolean {
  return textShare(text) < share;
}

/**
 * The topic of a tweet-acts tweet, from its hashtags, mentions and names (the set mixes a few conversations:
 * #YesAllWomen, J.K. Rowling's replies, #GifHistory, Gaza, the travel ban, tennis). Leaving one topic out at
 * a time is how settings are chosen for texts about other things than the training tweets.
 */
export function tweetActsTopic(text: string): string {
  for (const [topic, pattern] of TWEET_ACTS_TOPICS) if (pattern.test(text)) return topic;
  return "other";
}

const TWEET_ACTS_TOPICS: Array<[string, RegExp]> = [
  ["yesallwomen", /#(yesallwomen|notallmen)\b/i],
  ["rowling", /@jk_rowling|#(harrypotter|cursedchild|fantasticbeasts)|rowling/i],
  ["gifhistory", /#gifhistory|@matthewacherry/i],
  [
    "gaza",
    /#(gaza|palestine|israel|greatreturnmarch|greatmarchofreturn|hamas|bds|palestinian|freepalestine|savegaza)|gaza|israel|palestin/i,
  ],
  [
    "travel ban",
    /#(muslimban|nobannowall|travelban|trump|maga|resist|theresistance|9thcircuit|refugeeswelcome)|@realdonaldtrump|@potus|trump|\bban\b/i,
  ],
  ["tennis", /@(serenawilliams|andy_murray|heatherwatson92|laurenedensor_)|tennis|wimbledon/i],
];

export interface EvaluationSet {
  name: string;
  /** What is measured on it, as the issue states the target. */
  task: "complaint" | "praise-complaint-other" | "sentiment" | "question" | "suggestion";
  items: Array<{ text: string; gold: string }>;
}

function csvRows(file: string, columns: boolean | string[] = true): Array<Record<string, string>> {
  return parse(readFileSync(file), {
    columns,
    skip_empty_lines: true,
    relax_quotes: true,
    bom: true,
  }) as unknown as Array<Record<string, string>>;
}

/** The evaluation sets present under the shared folder (non-commercial ones are evaluation only). */
export function readEvaluationSets(folder = sharedBehaviourFolder()): EvaluationSet[] {
  const sets: EvaluationSet[] = [];
  const complaints = join(folder, "dev/complaints/complaints_dev.csv");
  if (existsSync(complaints)) {
    sets.push({
      name: "complaints",
      task: "complaint",
      items: csvRows(complaints).map((r) => ({
        text: r.text,
        gold: r.label === "1" ? "complaint" : "not",
      })),
    });
  }
  const airline = join(folder, "dev/airline/airline_tweets_dev.csv");
  if (existsSync(airline)) {
    const map: Record<string, string> = { positive: "praise", negative: "complaint", neutral: "other" };
    sets.push({
      name: "airline",
      task: "praise-complaint-other",
      items: csvRows(airline).map((r) => ({ text: r.text, gold: map[r.airline_sentiment] })),
    });
  }
  const tweeteval = join(folder, "dev/tweeteval-sentiment");
  if (existsSync(join(tweeteval, "val_text.txt"))) {
    const texts = readFileSync(join(tweeteval, "val_text.txt"), "utf8").split("\n");
    const labels = readFileSync(join(tweeteval, "val_labels.txt"), "utf8").split("\n");
    const names = ["negative", "neutral", "positive"];
    sets.push({
      name: "tweeteval-sentiment",
      task: "sentiment",
      items: labels
        .map((label, i) => ({ text: texts[i] ?? "", gold: names[Number(label.trim())] }))
        .filter((item) => item.text && item.gold),
    });
  }
  const acts = join(folder, "train/tweet-acts/tweet_acts_train.csv");
  if (existsSync(acts)) {
    sets.push({
      name: "tweet-acts (held-out 20%)",
      task: "question",
      items: readTweetActs(acts)
        .filter((item) => isHeldOut(item.text))
        .map((item) => ({ text: item.text, gold: item.question ? "question" : "not" })),
    });
  }
  // The training part of SemEval-2019 is in the training pool; its trial test part is the evaluation set.
  const trial = join(folder, "train/semeval2019-suggestions/SubtaskA_Trial_Test_Labeled.csv");
  if (existsSync(trial)) {
    sets.push({
      name: "semeval2019-suggestions",
      task: "suggestion",
      items: csvRows(trial).map((r) => ({ text: r.sentence, gold: r.label === "1" ? "suggestion" : "not" })),
    });
  }
  return sets;
}

/** SemEval-2019 task 9A training sentences (software-forum suggestions): id, sentence, 1 = suggestion. */
export function readSuggestionForum(file: string): LabelledText[] {
  return csvRows(file, ["id", "sentence", "label"])
    .filter((r) => r.sentence && (r.label === "0" || r.label === "1"))
    .map((r) => ({ text: r.sentence.replace(/^"+|"+$/g, ""), suggestion: r.label === "1" ? 1 : 0 }));
}

/**
 * Customers' first tweets to airlines and the agents' replies (bzip2 CSV: first_utterance, context), with
 * each tweet's sentiment read from the first reply (`sentimentFromReply`); conversations whose reply reads
 * both ways are left out. Handles are redacted in the source; they become mentions again here.
 */
export function readReplyLabelledConversations(file: string): LabelledText[] {
  const rows = parse(Bunzip.decode(readFileSync(file)), {
    columns: true,
    skip_empty_lines: true,
    relax_quotes: true,
  }) as Array<{ first_utterance?: string; context?: string }>;
  const conversations: Conversation[] = [];
  for (const row of rows) {
    const text = (row.first_utterance ?? "")
      .replace(/^<cust__\s*/, "")
      .replace(/\s*__cust>$/, "")
      .replace(/__company__/g, "@company")
      .replace(/__cust__/g, "@user")
      .trim();
    const reply = /<rep__(.*?)__rep>/s.exec(row.context ?? "")?.[1];
    if (reply !== undefined) conversations.push({ text, reply });
  }
  return labelByReply(conversations);
}

/** Near-duplicate key: evaluation sets strip or rewrite URLs and mentions, so compare the words only. */
function overlapKey(text: string): string {
  return normaliseText(text)
    .replace(/\b(url|@user|rt)\b/g, " ")
    .replace(/[^a-z0-9]+/g, "");
}

export interface TrainingPool {
  /** Texts labelled by people. */
  corpus: LabelledText[];
  /** Texts labelled from another view (the brand's reply): trained on where the first pass agrees. */
  distant: LabelledText[];
  sources: Array<{ name: string; examples: number; licence: string }>;
}

/**
 * The public training pool: SemEval-2017 sentiment, tweet acts (80% split) and, unless `nonCommercial` is
 * false, the SemEval-2019 forum suggestions and the reply-labelled airline conversations (both CC BY-NC-SA:
 * the data README allows a shipped model trained on them together with other data, never on them alone).
 * Every text that also appears in an evaluation set is dropped, so scores on those sets are honest.
 */
export function readPublicTrainingPool(
  folder = sharedBehaviourFolder(),
  { nonCommercial = true }: { nonCommercial?: boolean } = {},
): TrainingPool {
  const semevalFolder = join(folder, "train/semeval2017-sentiment");
  const actsFile = join(folder, "train/tweet-acts/tweet_acts_train.csv");
  if (!existsSync(semevalFolder) || !existsSync(actsFile)) {
    throw new Error(`the public training data is not at ${folder} (set CUSTOMER_FLOW_SHARED_DATA)`);
  }
  const evaluation = new Set(
    readEvaluationSets(folder)
      .filter((set) => set.task !== "question")
      .flatMap((set) => set.items.map((item) => overlapKey(item.text))),
  );
  const seen = new Set<string>();
  const keep = (item: LabelledText) => {
    const key = overlapKey(item.text);
    if (evaluation.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const semeval = readSemEvalSentiment(semevalFolder).filter(keep);
  const acts = readTweetActs(actsFile).filter((item) => !isHeldOut(item.text) && keep(item));
  const pool: TrainingPool = {
    corpus: [...semeval, ...acts],
    distant: [],
    sources: [
      {
        name: "SemEval-2017 task 4A pool (2013-2016)",
        examples: semeval.length,
        licence: "research use, Twitter terms",
      },
      { name: "tweet acts (80% split)", examples: acts.length, licence: "BSD-2-Clause" },
    ],
  };
  if (!nonCommercial) return pool;
  const forumFile = join(folder, "train/semeval2019-suggestions/V1.4_Training.csv");
  if (existsSync(forumFile)) {
    const forum = readSuggestionForum(forumFile).filter(keep);
    pool.corpus.push(...forum);
    pool.sources.push({
      name: "SemEval-2019 task 9A training (forum suggestions)",
      examples: forum.length,
      licence: "CC BY-NC-SA 4.0",
    });
  }
  const conversations = join(folder, "unlabeled/airlines_raw.csv.bz2");
  if (existsSync(conversations)) {
    pool.distant = readReplyLabelledConversations(conversations).filter(keep);
    pool.sources.push({
      name: "customer-support conversations with airlines, sentiment read from the agent's reply",
      examples: pool.distant.length,
      licence: "CC BY-NC-SA 4.0",
    });
  }
  return pool;
}

/** A brand's labelled CSV: a text column and a label column (one of the spaces or other; several joined by |). */
export function readLabelledCsv(
  file: string,
  textColumn = "text",
  labelColumn = "label",
): { corpus: LabelledText[]; errors: Array<{ line: number; reason: string }> } {
  const rows = csvRows(file);
  const corpus: LabelledText[] = [];
  const errors: Array<{ line: number; reason: string }> = [];
  for (const [i, row] of rows.entries()) {
    const line = i + 2;
    const text = row[textColumn];
    const rawLabels = row[labelColumn];
    if (text === undefined || rawLabels === undefined) {
      throw new Error(`${file} has no "${text === undefined ? textColumn : labelColumn}" column`);
    }
    const labels = rawLabels
      .split(/[|;,]/)
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean);
    const bad = labels.find((l) => l !== "other" && !SPACES.includes(l as Space));
    if (bad || labels.length === 0) {
      errors.push({
        line,
        reason: `${labelColumn}: "${rawLabels}" is not one of ${SPACES.join(", ")}, other`,
      });
      continue;
    }
    corpus.push({
      text,
      sentiment: labels.includes("complaint") ? 0 : labels.includes("praise") ? 2 : 1,
      question: labels.includes("question") ? 1 : 0,
      suggestion: labels.includes("suggestion") ? 1 : 0,
    });
  }
  return { corpus, errors };
}

export function labelsOf(item: LabelledText): string[] {
  const labels: string[] = [];
  if (item.sentiment === 0) labels.push("complaint");
  if (item.sentiment === 2) labels.push("praise");
  if (item.question === 1) labels.push("question");
  if (item.suggestion === 1) labels.push("suggestion");
  return labels.length > 0 ? labels : ["other"];
}
