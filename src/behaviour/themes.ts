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

const STOP = new Set(
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

function phrasesOf(text: string): Set<string> {
  const found = new Set<string>();
  // Phrases never cross a sentence or clause boundary.
  for (const clause of normaliseText(text).split(/[.!?,;:()"\n]+/)) addPhrases(clause, found);
  return found;
}

function addPhrases(clause: string, found: Set<string>): void {
  const words = clause.match(/[a-z][a-z0-9']*/g) ?? [];
  for (let i = 0; i < words.length; i++) {
    if (STOP.has(words[i]) || words[i].length < 3) continue;
    for (let n = 1; n <= 3 && i + n <= words.length; n++) {
      const last = words[i + n - 1];
      if (n > 1 && STOP.has(last)) continue;
      found.add(words.slice(i, i + n).join(" "));
    }
  }
}

export interface ThemeCorpus {
  /** Phrase sets of every message, aligned with the messages. */
  phrases: Array<Set<string>>;
  documentFrequency: Map<string, number>;
  size: number;
}

export function buildCorpus(texts: string[]): ThemeCorpus {
  const phrases = texts.map(phrasesOf);
  const documentFrequency = new Map<string, number>();
  for (const set of phrases)
    for (const p of set) documentFrequency.set(p, (documentFrequency.get(p) ?? 0) + 1);
  return { phrases, documentFrequency, size: texts.length };
}

/** Top themes of the messages at `members` (indices into the corpus). */
export function themesOf(
  corpus: ThemeCorpus,
  members: number[],
  messages: ThemeMessage[],
  options: { top?: number; examples?: number; minMessages?: number } = {},
): Theme[] {
  const { top = 5, examples = 3, minMessages = 2 } = options;
  const counts = new Map<string, number>();
  for (const i of members) for (const p of corpus.phrases[i]) counts.set(p, (counts.get(p) ?? 0) + 1);
  const size = Math.max(1, members.length);
  const scored: Array<{ phrase: string; count: number; weight: number }> = [];
  for (const [phrase, count] of counts) {
    if (count < minMessages) continue;
    const overall = corpus.documentFrequency.get(phrase) ?? count;
    const lift = (count + 0.5) / size / ((overall + 0.5) / Math.max(1, corpus.size));
    const weight = count * Math.log(lift);
    if (weight > 0) scored.push({ phrase, count, weight });
  }
  scored.sort((a, b) => b.weight - a.weight || b.phrase.split(" ").length - a.phrase.split(" ").length);
  const kept: typeof scored = [];
  for (const candidate of scored) {
    // Overlapping phrases of about the same count are one theme ("page crashed twice", "payment page crashed").
    const words = new Set(candidate.phrase.split(" "));
    const covered = kept.some((k) => {
      const similarCount = Math.min(k.count, candidate.count) >= Math.max(k.count, candidate.count) / 1.25;
      const shared = k.phrase.split(" ").filter((w) => words.has(w)).length;
      return similarCount && shared >= Math.min(words.size, k.phrase.split(" ").length, 2);
    });
    if (covered) continue;
    kept.push(candidate);
    if (kept.length === top) break;
  }
  return kept.map(({ phrase, count, weight }) => ({
    phrase,
    messages: count,
    weight: Math.round(weight * 100) / 100,
    examples: members
      .filter((i) => corpus.phrases[i].has(phrase))
      .slice(0, examples)
      .map((i) => messages[i]),
  }));
}
