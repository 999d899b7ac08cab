import assert from "node:assert/strict";
import { test } from "node:test";
import { normaliseText } from "./features.js";
import { buildCorpus, STOP_WORDS, themesOf } from "./themes.js";

test("themes are the phrases that set a group apart, one phrase per theme, with examples", () => {
  const texts = [
    "Please add Apple Pay at checkout",
    "please add apple pay, it would help",
    "Would love Apple Pay at checkout!",
    "Please add a size guide",
    "Do you ship to Ireland?",
    "Do you ship to Spain?",
    "Where is my parcel?",
  ];
  const messages = texts.map((text, i) => ({
    text,
    at: `2030-01-0${i + 1}T00:00:00.000Z`,
    customerId: `c${i}`,
  }));
  const corpus = buildCorpus(texts);
  const themes = themesOf(corpus, [0, 1, 2, 3], messages, { top: 3 });
  const applePay = themes.find((t) => t.phrase === "apple pay");
  assert.ok(applePay, JSON.stringify(themes));
  assert.equal(applePay.messages, 3);
  assert.equal(applePay.examples.length, 3);
  assert.ok(themes.some((t) => t.phrase === "please add"));
  // "apple" and "pay" alone are the same theme and are not repeated.
  assert.ok(!themes.some((t) => t.phrase === "apple" || t.phrase === "pay"));
  // Nothing of the question group leaks into the suggestion group's themes.
  assert.ok(!themes.some((t) => t.phrase.includes("ship")));
  const questions = themesOf(corpus, [4, 5, 6], messages, { top: 2 });
  assert.equal(questions[0].phrase, "ship");
});

/** The definition read literally: every phrase of every message as a string set, counted by scanning. */
function referenceThemes(texts: string[], members: number[], top: number): Array<[string, number]> {
  const phrasesOf = (text: string) => {
    const found = new Set<string>();
    for (const clause of normaliseText(text).split(/[.!?,;:()"\n]+/)) {
      const words = clause.match(/[a-z][a-z0-9']*/g) ?? [];
      for (let i = 0; i < words.length; i++) {
        if (STOP_WORDS.has(words[i]!) || words[i]!.length < 3) continue;
        for (let n = 1; n <= 3 && i + n <= words.length; n++)
          if (n === 1 || !STOP_WORDS.has(words[i + n - 1]!)) found.add(words.slice(i, i + n).join(" "));
      }
    }
    return found;
  };
  const sets = texts.map(phrasesOf);
  const inGroup = new Map<string, number>();
  for (const i of members) for (const p of sets[i]!) inGroup.set(p, (inGroup.get(p) ?? 0) + 1);
  const scored = [...inGroup]
    .filter(([, count]) => count >= 2)
    .map(([phrase, count]) => {
      const overall = sets.filter((set) => set.has(phrase)).length;
      const lift = (count + 0.5) / members.length / ((overall + 0.5) / texts.length);
      return { phrase, count, weight: count * Math.log(lift) };
    })
    .filter((scoredPhrase) => scoredPhrase.weight > 0)
    .sort((a, b) => b.weight - a.weight || b.phrase.split(" ").length - a.phrase.split(" ").length);
  const kept: typeof scored = [];
  for (const c of scored) {
    const words = new Set(c.phrase.split(" "));
    const covered = kept.some((k) => {
      const similar = Math.min(k.count, c.count) >= Math.max(k.count, c.count) / 1.25;
      const shared = k.phrase.split(" ").filter((w) => words.has(w)).length;
      return similar && shared >= Math.min(words.size, k.phrase.split(" ").length, 2);
    });
    if (covered) continue;
    kept.push(c);
    if (kept.length === top) break;
  }
  return kept.map((k) => [k.phrase, k.count]);
}

test("themes from numbered phrases equal the definition read literally, on random messages", () => {
  const words = [
    "parcel",
    "late",
    "the",
    "refund",
    "app",
    "crashed",
    "and",
    "to",
    "my",
    "is",
    "pay",
    "apple",
    "checkout",
    "broken",
    "not",
    "for",
    "driver",
    "rude",
    "a",
    "of",
    "you",
    "with",
    "size",
    "guide",
  ];
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let round = 0; round < 20; round++) {
    const texts = Array.from({ length: 60 }, () =>
      Array.from(
        { length: 3 + Math.floor(random() * 9) },
        () => words[Math.floor(random() * words.length)]!,
      ).join(random() < 0.2 ? ". " : " "),
    );
    const members = texts.map((_, i) => i).filter(() => random() < 0.4);
    const messages = texts.map((text, i) => ({ text, at: "2030-01-01T00:00:00.000Z", customerId: `c${i}` }));
    const themes = themesOf(buildCorpus(texts), members, messages, { top: 4 });
    assert.deepEqual(
      themes.map((t) => [t.phrase, t.messages]),
      referenceThemes(texts, members, 4),
      `round ${round}`,
    );
    for (const theme of themes)
      for (const example of theme.examples) assert.ok(members.includes(Number(example.customerId.slice(1))));
  }
});
