/**
 * Text to sparse hashed features for the behaviour classifier: word unigrams and bigrams (with negation
 * scope marking), character 3-5-grams, AFINN lexicon sums and cue rules (question forms, suggestion forms,
 * complaint and praise cues, emoticons). Written by hand: no kept npm library hashes n-grams into a fixed
 * space fast enough (>= 20k messages/s on one core) for ingest.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// AFINN-165 word scores as the `sentiment` package ships them (MIT). A Map, not the plain object: a word
// such as "constructor" would otherwise find Object.prototype's function and turn the features into NaN.
const AFINN = new Map<string, number>(
  Object.entries(require("sentiment/languages/en/labels.json") as Record<string, number>),
);

export const HASH_BITS = 18;
export const DIMENSIONS = 1 << HASH_BITS;
/**
 * Word features hash into [0, WORD_SLOTS), character n-grams into [WORD_SLOTS, DENSE_BASE): kept apart so
 * a head can be trained without the character n-grams (the question head, whose n-grams learned topics
 * rather than the form of a question: docs/behaviour-model.md) and never pick them up through collisions.
 */
export const WORD_SLOTS = 1 << (HASH_BITS - 1);
/**
 * Which features a model's weights belong to; a model trained on another layout reads garbage here, so it is
 * refused. 1: one hashed range, no question form; 2: separate word and character ranges, the question form.
 */
export const FEATURE_LAYOUT = 2;

/** Sparse binary-ish vector: parallel arrays of indices and values. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
  length: number;
}

const NEGATORS = new Set([
  "not",
  "no",
  "never",
  "cant",
  "can't",
  "cannot",
  "dont",
  "don't",
  "doesnt",
  "doesn't",
  "didnt",
  "didn't",
  "isnt",
  "isn't",
  "wasnt",
  "wasn't",
  "wont",
  "won't",
  "aint",
  "ain't",
  "nothing",
  "nobody",
  "hasnt",
  "hasn't",
  "havent",
  "haven't",
  "couldnt",
  "couldn't",
  "shouldnt",
  "shouldn't",
]);

const QUESTION_STARTS = new Set([
  "what",
  "why",
  "how",
  "when",
  "where",
  "who",
  "which",
  "whats",
  "what's",
  "hows",
  "how's",
  "is",
  "are",
  "do",
  "does",
  "did",
  "can",
  "could",
  "will",
  "would",
  "should",
  "may",
  "any",
  "anyone",
  "anybody",
  "has",
  "have",
  "am",
  "was",
  "were",
  "wheres",
  "where's",
]);

// Cue patterns: each becomes one named dense feature. Tested in features.test.ts.
const CUES: Array<[string, RegExp]> = [
  ["q_mark", /\?/],
  ["q_ask", /\b(can|could|would|will) (you|u|someone|anyone|i|we)\b/],
  [
    "q_help",
    /\b(any ?(one|body) know|anyone know|help me|need help|wondering|wonder if|let me know|tell me)\b/,
  ],
  ["q_how_to", /\bhow (do|can|to|does|long|much|many|come)\b/],
  ["q_wh", /\b(what|when|where|which|why|who) (is|are|do|does|did|can|time|should|was|were|will)\b/],
  [
    "s_should",
    /\b(you|u|they|we|microsoft|it|app|there) (should|could|need to|ought to|must) (add|make|have|allow|include|consider|offer|provide|bring|put|let|support|be able|give|create|change|fix|improve|introduce|implement|enable|get|do|start|stop)\b/,
  ],
  [
    "s_please_add",
    /\b(please|pls|plz|kindly) (add|make|allow|include|consider|offer|provide|bring|let|support|enable|give|create|change|improve|introduce|implement|expose|update|remove|fix|put|have|open)\b/,
  ],
  [
    "s_would_be",
    /\b(it would|would it|it'd|would|will) be (nice|great|good|awesome|cool|helpful|better|useful|lovely|fantastic|brilliant|ideal|handy|beneficial|more)\b/,
  ],
  [
    "s_modal",
    /\b(should|could|must|ought to|needs? to) (be|have|allow|add|make|include|support|provide|offer|let|give|get|show|display|work|use|come|list|also|not|remove|consider)\b/,
  ],
  [
    "s_see",
    /\b(i'd|i would|we'd|we would|would) (like|love) (to see|to have|to be able|if|a|an|the|more|some|better)\b|\b(there|it) (should|needs to|must) be\b|\bneeds? (a|an|more|better|some) \w+/,
  ],
  [
    "s_wish",
    /\b(i wish|we wish|i'd love|i would love|would love|i'd like|i would like|we would like|we need|i want|hoping for|hope you)\b/,
  ],
  [
    "s_maybe",
    /\b(maybe|perhaps) (you |u |we )?(could |should |can )?(offer|add|make|have|allow|include|consider|provide|bring|introduce|create|do|try|give|open|put|support|start)\b/,
  ],
  [
    "s_why_not",
    /\b(why (not|don't you|dont you|doesn't|can't)|how about|what about|consider (adding|making|a|an|the))\b/,
  ],
  [
    "s_feature",
    /\b(feature|option|ability|support for|add(ing)? (a|an|the|more|support|option)|allow (us|users|me|to)|should be able|be able to|make it (possible|easier)|suggestion|suggest|recommend|idea|request)\b/,
  ],
  [
    "s_imperative",
    /^(please |pls |plz )?(add|make|allow|include|let|bring|give|provide|enable|create|change|improve|fix|offer|consider|stop|start|put|remove|expose|support)\b/,
  ],
  [
    "c_fail",
    /\b(broken|broke|fail(s|ed|ing)?|crash(es|ed|ing)?|error|bug|doesn't work|does not work|not working|isn't working|won't work|can't (log|get|access|find|use|sign)|stopped working|down again|outage)\b/,
  ],
  [
    "c_service",
    /\b(worst|terrible|horrible|awful|ridiculous|unacceptable|disgusting|pathetic|useless|rude|appalling|shocking|joke|disappointed|disappointing|frustrat\w*|annoy\w*|fed up|sick of|tired of|never again|waste)\b/,
  ],
  [
    "c_wait",
    /\b(still (waiting|no|not|haven't|hasn't)|waiting (for|on|since)|on hold|no (response|reply|answer|one)|nobody|hours?|days|weeks|again|yet again|delay(ed|s)?|cancel(l)?ed|lost|missing|refund|charged|overcharged)\b/,
  ],
  ["p_thanks", /\b(thank(s| you)?|thx|ty|cheers|kudos|shout ?out|appreciate\w*|grateful)\b/],
  [
    "p_love",
    /\b(love|loved|loving|amazing|awesome|great|excellent|fantastic|brilliant|best|perfect|wonderful|impressed|happy|helpful|well done|outstanding|superb|smooth)\b/,
  ],
  [
    "emo_pos",
    /(:-?\)|:-?d\b|;-?\)|<3|\u2764|\u{1F60A}|\u{1F603}|\u{1F604}|\u{1F44D}|\u{1F64F}|\u{1F60D}|\u{1F389})/u,
  ],
  ["emo_neg", /(:-?\(|:'\(|\u{1F620}|\u{1F621}|\u{1F624}|\u{1F44E}|\u{1F62D}|\u{1F622}|\u{1F612})/u],
  ["exclaim", /!/],
];

/** Asking others: "anyone know", "I wonder", "any ideas", "tell me", "thoughts?". */
const ASKING =
  /\b(any ?(one|body)|someone|somebody) (know|knows|tell|have|help)|\bi wonder|\bwondering\b|\bany (idea|ideas|tips|advice|suggestions)\b|\btell me\b|\bthoughts\s*\?/;
const PLEASE = /\b(please|pls|plz|pleeease)\b/;
const QUESTION_EXCLAIMED = /\?\s*!|!\s*\?/;

/**
 * The form of a question, clause by clause ("WHAT?! The trams again. Does the 7 run on Sundays"):
 * interrogative openings anywhere, how many question marks, whether a "?" closes the text, asks others or
 * comes with "please" (a request). Features the question head weighs; no single one decides.
 */
const QUESTION_FORM = [
  "q_wh_clause",
  "q_inversion",
  "q_marks_0",
  "q_marks_1",
  "q_marks_2",
  "q_marks_3",
  "q_exclaimed",
  "q_asking",
  "q_form_with_mark",
  "q_form_without_mark",
  "q_please_mark",
  "q_repeated_mark",
  "q_one_mark_at_end",
] as const;

/** Dense feature names, in the order of their reserved slots at the top of the hashed space. */
export const DENSE_FEATURES = [
  "bias",
  "afinn_pos",
  "afinn_neg",
  "afinn_sum",
  "q_start",
  "q_end",
  ...CUES.map(([name]) => name),
  ...QUESTION_FORM,
] as const;
export const DENSE_BASE = DIMENSIONS - DENSE_FEATURES.length;

export function denseIndex(name: string): number {
  const at = (DENSE_FEATURES as readonly string[]).indexOf(name);
  if (at < 0) throw new Error(`no dense feature ${name}`);
  return DENSE_BASE + at;
}

const URL = /https?:\/\/\S+|www\.\S+/g;
const MENTION = /@\w+/g;
const DIGITS = /\d+/g;
const TOKEN = /[a-z0-9_']+|[!?]+|[\u{1F300}-\u{1FAFF}\u2600-\u27BF]|[:;][-']?[)(dp]/gu;

/** Lower case, with URLs, mentions and numbers replaced by class tokens. */
export function normaliseText(text: string): string {
  return text
    .toLowerCase()
    .replace(URL, " url ")
    .replace(MENTION, " @user ")
    .replace(/&amp;/g, "&")
    .replace(DIGITS, "0")
    .replace(/\u2019/g, "'");
}

function fnv1a(text: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Collects features into reused typed arrays (no per-feature allocation: this runs at ingest speed);
 * repeated indices are summed by the model, which suits counts.
 */
class FeatureBuffer {
  indices = new Int32Array(4096);
  values = new Float32Array(4096);
  length = 0;
  reset(): void {
    this.length = 0;
  }
  add(index: number, value: number): void {
    if (this.length === this.indices.length) {
      const indices = new Int32Array(this.length * 2);
      const values = new Float32Array(this.length * 2);
      indices.set(this.indices);
      values.set(this.values);
      this.indices = indices;
      this.values = values;
    }
    this.indices[this.length] = index;
    this.values[this.length] = value;
    this.length++;
  }
  addHashed(text: string, seed: number, value = 1): void {
    this.add(fnv1a(text, seed) % WORD_SLOTS, value);
  }
}

const shared = new FeatureBuffer();

/**
 * Longest text the classifier reads: a message's behaviour shows in its first paragraphs, and the cost of
 * classifying stays bounded whatever arrives (docs/security.md). Longer texts are read up to this length.
 */
export const MAX_CLASSIFIED_CHARS = 5_000;

const CHARACTER_SLOTS = DENSE_BASE - WORD_SLOTS;

const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r" || /\s/.test(c);
const isWordChar = (code: number) =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;

/**
 * Whether the text ends in a question mark followed only by spaces, `url`, `@user` or `#hashtag` tokens
 * (the same as /\?\s*(url|@user|#\w+|\s)*$/, whose overlapping quantifiers backtrack for seconds on a
 * question mark followed by thousands of spaces). One backward scan: linear in the text's length.
 */
export function endsWithQuestion(text: string): boolean {
  let end = text.length;
  while (end > 0) {
    if (isSpace(text[end - 1]!)) {
      end--;
      continue;
    }
    // The last run of word characters: "#run" is one hashtag; otherwise it must be "url"s, possibly
    // after the "user" of "@user".
    let start = end;
    while (start > 0 && isWordChar(text.charCodeAt(start - 1))) start--;
    if (start === end) break;
    if (start > 0 && text[start - 1] === "#") {
      end = start - 1;
      continue;
    }
    let rest = end;
    while (rest - start >= 3 && text.endsWith("url", rest)) rest -= 3;
    if (rest === start) end = start;
    else if (rest - start === 4 && text.startsWith("user", start) && start > 0 && text[start - 1] === "@")
      end = start - 1;
    else break;
  }
  return end > 0 && text[end - 1] === "?";
}

export function featurise(input: string): SparseVector {
  const text = input.length > MAX_CLASSIFIED_CHARS ? input.slice(0, MAX_CLASSIFIED_CHARS) : input;
  const clean = normaliseText(text);
  const buffer = shared;
  buffer.reset();
  const tokens = clean.match(TOKEN) ?? [];

  // Words: unigrams (negation-scoped) and bigrams, each scaled so long texts do not dominate.
  const wordWeight = 1 / Math.sqrt(Math.max(1, tokens.length));
  let negated = false;
  let afinnPos = 0;
  let afinnNeg = 0;
  let previous = "<s>";
  for (const token of tokens) {
    const isPunct = token[0] === "!" || token[0] === "?";
    const marked = negated && !isPunct ? `not_${token}` : token;
    buffer.addHashed(marked, 1, wordWeight);
    buffer.addHashed(`${previous} ${token}`, 2, wordWeight);
    const score = AFINN.get(token);
    if (score !== undefined) {
      const signed = negated ? -score : score;
      if (signed > 0) afinnPos += signed;
      else afinnNeg -= signed;
    }
    if (NEGATORS.has(token)) negated = true;
    else if (isPunct) negated = false;
    previous = token;
  }
  buffer.addHashed(`${previous} </s>`, 2, wordWeight);

  // Character 3-5-grams over the cleaned text, hashed on the fly from char codes (no substrings).
  const padded = ` ${clean.replace(/\s+/g, " ").trim()} `;
  const charWeight = 1 / Math.sqrt(Math.max(1, padded.length));
  for (let i = 0; i < padded.length; i++) {
    let h = 0x811c9dc5 ^ 3;
    for (let n = 1; n <= 5 && i + n <= padded.length; n++) {
      h ^= padded.charCodeAt(i + n - 1);
      h = Math.imul(h, 0x01000193);
      if (n >= 3) buffer.add(WORD_SLOTS + (((h ^ n) >>> 0) % CHARACTER_SLOTS), charWeight);
    }
  }

  // Dense features in reserved slots.
  const dense = (name: (typeof DENSE_FEATURES)[number], value: number) => {
    if (value !== 0) buffer.add(DENSE_BASE + DENSE_FEATURES.indexOf(name), value);
  };
  dense("bias", 1);
  dense("afinn_pos", Math.log1p(afinnPos));
  dense("afinn_neg", Math.log1p(afinnNeg));
  dense("afinn_sum", Math.tanh((afinnPos - afinnNeg) / 4));
  const firstWord = tokens.find((t) => t !== "@user" && t !== "url") ?? "";
  dense("q_start", QUESTION_STARTS.has(firstWord) ? 1 : 0);
  dense("q_end", endsWithQuestion(clean) ? 1 : 0);
  const stripped = clean.replace(/^(\s*@user)+\s*/, "").trim();
  for (const [name, pattern] of CUES) {
    if (pattern.test(name === "s_imperative" ? stripped : clean)) dense(name as never, 1);
  }
  for (const name of questionForm(clean, buffer)) dense(name, 1);

  return {
    indices: buffer.indices.slice(0, buffer.length),
    values: buffer.values.slice(0, buffer.length),
    length: buffer.length,
  };
}

const AUXILIARIES = new Set(
  "do does did is are was were can could will would should have has may might am shall".split(" "),
);
const WH_WORDS = new Set(
  "what why how when where who whom whose which whats what's hows how's wheres where's whos who's whys".split(
    " ",
  ),
);
const SUBJECTS = new Set(
  "you u i we they he she it this that there anyone anybody someone somebody ya y'all your my the a an his her their its people".split(
    " ",
  ),
);
// "@user" (a mention) tokenizes as "user".
const NOT_WORDS = new Set(["user", "url", "rt"]);
const CLAUSE_BREAK = /[.!?:;\n]+|\s-\s/;

/**
 * The question form of a cleaned text: adds each clause's first word and the word before each "?" as hashed
 * word features, and returns the QUESTION_FORM features present. Linear in the text's length.
 */
function questionForm(clean: string, buffer: FeatureBuffer): Array<(typeof QUESTION_FORM)[number]> {
  let wh = false;
  let inversion = false;
  for (const clause of clean.split(CLAUSE_BREAK)) {
    const words = (clause.match(TOKEN) ?? []).filter((t) => !NOT_WORDS.has(t));
    const first = words[0];
    if (first === undefined) continue;
    const second = words[1] ?? "";
    buffer.addHashed(first, 4);
    if (WH_WORDS.has(first)) wh = true;
    if (AUXILIARIES.has(first) && (SUBJECTS.has(second) || second.endsWith("'s"))) inversion = true;
  }
  let marks = 0;
  for (let at = clean.indexOf("?"); at >= 0; at = clean.indexOf("?", at + 1)) {
    marks++;
    // The word just before this "?", over any spaces.
    let end = at;
    while (end > 0 && clean[end - 1] === " ") end--;
    let start = end;
    while (start > 0 && isQuestionWordChar(clean.charCodeAt(start - 1))) start--;
    if (start < end) buffer.addHashed(clean.slice(start, end), 5);
  }
  const form: Array<(typeof QUESTION_FORM)[number]> = [];
  if (wh) form.push("q_wh_clause");
  if (inversion) form.push("q_inversion");
  form.push(marks === 0 ? "q_marks_0" : marks === 1 ? "q_marks_1" : marks === 2 ? "q_marks_2" : "q_marks_3");
  if (QUESTION_EXCLAIMED.test(clean)) form.push("q_exclaimed");
  if (ASKING.test(clean)) form.push("q_asking");
  if (wh || inversion) form.push(marks > 0 ? "q_form_with_mark" : "q_form_without_mark");
  if (marks > 0 && PLEASE.test(clean)) form.push("q_please_mark");
  if (clean.includes("??")) form.push("q_repeated_mark");
  if (marks === 1 && endsWithQuestion(clean)) form.push("q_one_mark_at_end");
  return form;
}

/** Letters, digits, "_" and "'": the characters of a word as the tokenizer reads it. */
const isQuestionWordChar = (code: number) => isWordChar(code) || code === 39;

/** The features without the character n-grams (what the question head is trained on). */
export function withoutCharacterGrams(x: SparseVector): SparseVector {
  const indices = new Int32Array(x.length);
  const values = new Float32Array(x.length);
  let length = 0;
  for (let i = 0; i < x.length; i++) {
    const index = x.indices[i]!;
    if (index >= WORD_SLOTS && index < DENSE_BASE) continue;
    indices[length] = index;
    values[length] = x.values[i]!;
    length++;
  }
  return { indices: indices.subarray(0, length), values: values.subarray(0, length), length };
}

export function cueNames(text: string): string[] {
  const clean = normaliseText(text);
  return CUES.filter(([, pattern]) => pattern.test(clean)).map(([name]) => name);
}
