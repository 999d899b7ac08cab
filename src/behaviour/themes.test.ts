import assert from "node:assert/strict";
import { test } from "node:test";
import { buildCorpus, themesOf } from "./themes.js";

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
