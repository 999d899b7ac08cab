/**
 * Voice of the customer per touchpoint: for each touchpoint and behaviour space, the key phrases that set
 * its messages apart from all messages, with example messages. Pure.
 *
 * A phrase is a run of 1-3 words with no stop word at either end. Its weight in a group is
 *   docs(group, phrase) * ln((docs(group, phrase) + 0.5) / size(group) / ((docs(all, phrase) + 0.5) / size(all)))
 * (frequency times lift over the whole corpus); a phrase inside a longer kept phrase of about the same
 * count is dropped so "apple pay" is not shown again as "apple" and "pay".
 */
import { normaliseText } from "./features.js";

export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a an the and or but if then so to of in on at by for with from up about into over after before is are was were be been being am " +
    "i me my we our you your u ur he she it its they them their this that these those there here what which who whom whose when where why how " +
    "do does did doing have has had having can could would should will shall may might must not no nor only own same too very just also " +
    "s t don't can't won't it's i'm i've i'd i'll you're we're they're that's there's isn't wasn't doesn't didn't haven't hasn't " +
    "@user user url rt amp via get got go going really still again ever even much many more most some any all one two 0 im dont cant wont"
  ).split(" "),
);

export interface ThemeMessage {
  text: string;
  at: string;
  customerId: string;
}

export interface Theme {
  phrase: string;
  messages: number;
  weight: number;
  examples: ThemeMessage[];
}

/** Calls `add` with each phrase of the text (a phrase may come more than once). */
function forEachPhrase(text: string, add: (phrase: string) => void): void {
  // Phrases never cross a sentence or clause boundary.
  for (const clause of normaliseText(text).split(/[.!?,;:()"\n]+/)) {
    const words = clause.match(/[a-z][a-z0-9']*/g);
    if (words === null) continue;
    for (let i = 0; i < words.length; i++) {
      const first = words[i]!;
      if (STOP_WORDS.has(first) || first.length < 3) continue;
      add(first);
      // Longer phrases grow word by word; a stop word may sit inside one but not end it.
      let phrase = first;
      for (let n = 2; n <= 3 && i + n <= words.length; n++) {
        const last = words[i + n - 1]!;
        phrase = `${phrase} ${last}`;
        if (!STOP_WORDS.has(last)) add(phrase);
      }
    }
  }
}

export interface ThemeCorpus {
  /** Each message's phrases as ids into `vocabulary`, each once, in the order they first occur. */
  phrases: Int32Array[];
  vocabulary: string[];
  /** How many messages hold each phrase, by id. */
  documentFrequency: Int32Array;
  size: number;
}

/** Phrases are numbered once for the whole corpus: counting them per group is then array arithmetic. */
export function buildCorpus(texts: string[]): ThemeCorpus {
  const ids = new Map<string, number>();
  const vocabulary: string[] = [];
  const frequency: number[] = [];
  const lastMessage: number[] = [];
  const found: number[] = [];
  const phrases = texts.map((text, message) => {
    found.length = 0;
    forEachPhrase(text, (phrase) => {
      let id = ids.get(phrase);
      if (id === undefined) {
        id = vocabulary.length;
        ids.set(phrase, id);
        vocabulary.push(phrase);
        frequency.push(0);
        lastMessage.push(-1);
      }
      if (lastMessage[id] === message) return;
      lastMessage[id] = message;
      frequency[id]!++;
      found.push(id);
    });
    return Int32Array.from(found);
  });
  return { phrases, vocabulary, documentFrequency: Int32Array.from(frequency), size: texts.length };
}

/** Top themes of the messages at `members` (indices into the corpus). */
export function themesOf(
  corpus: ThemeCorpus,
  members: number[],
  messages: ThemeMessage[],
  options: { top?: number; examples?: number; minMessages?: number } = {},
): Theme[] {
  const { top = 5, examples = 3, minMessages = 2 } = options;
  const counts = new Int32Array(corpus.vocabulary.length);
  // Phrases in the order they first occur among the members (ties keep that order).
  const seen: number[] = [];
  for (const i of members) for (const id of corpus.phrases[i]!) if (counts[id]!++ === 0) seen.push(id);
  const size = Math.max(1, members.length);
  const scored: Array<{ id: number; phrase: string; words: number; count: number; weight: number }> = [];
  for (const id of seen) {
    const count = counts[id]!;
    if (count < minMessages) continue;
    const overall = corpus.documentFrequency[id]!;
    const lift = (count + 0.5) / size / ((overall + 0.5) / Math.max(1, corpus.size));
    const weight = count * Math.log(lift);
    if (weight > 0) {
      const phrase = corpus.vocabulary[id]!;
      scored.push({ id, phrase, words: phrase.split(" ").length, count, weight });
    }
  }
  scored.sort((a, b) => b.weight - a.weight || b.words - a.words);
  const kept: typeof scored = [];
  for (const candidate of scored) {
    // Overlapping phrases of about the same count are one theme ("page crashed twice", "payment page crashed").
    const words = new Set(candidate.phrase.split(" "));
    const covered = kept.some((k) => {
      const similarCount = Math.min(k.count, candidate.count) >= Math.max(k.count, candidate.count) / 1.25;
      const shared = k.phrase.split(" ").filter((w) => words.has(w)).length;
      return similarCount && shared >= Math.min(words.size, k.words, 2);
    });
    if (covered) continue;
    kept.push(candidate);
    if (kept.length === top) break;
  }
  return kept.map(({ id, phrase, count, weight }) => {
    const holding: ThemeMessage[] = [];
    for (const i of members) {
      if (holding.length === examples) break;
      if (corpus.phrases[i]!.includes(id)) holding.push(messages[i]!);
    }
    return { phrase, messages: count, weight: Math.round(weight * 100) / 100, examples: holding };
  });
}
