import assert from "node:assert/strict";
import { test } from "node:test";
import { endsWithQuestion, featurise, MAX_CLASSIFIED_CHARS } from "./features.js";

/** The regex endsWithQuestion replaces (it backtracks on long tails, so it is only run on short ones here). */
const REFERENCE = /\?\s*(url|@user|#\w+|\s)*$/;

test("endsWithQuestion answers as the regex it replaces, on every short text over its alphabet", () => {
  const alphabet = ["?", " ", "u", "r", "l", "@", "s", "e", "#", "a", "_", "x", "\t"];
  let checked = 0;
  const visit = (text: string, depth: number) => {
    assert.equal(endsWithQuestion(text), REFERENCE.test(text), JSON.stringify(text));
    checked++;
    if (depth > 0) for (const c of alphabet) visit(text + c, depth - 1);
  };
  visit("", 5);
  for (const text of [
    "do you ship? url",
    "why? @user #help #now",
    "what?url",
    "ok?#url",
    "ok? @userurl",
    "x? y",
  ])
    assert.equal(endsWithQuestion(text), REFERENCE.test(text), text);
  assert.ok(checked > 400_000);
});

test("the classifier reads a text up to MAX_CLASSIFIED_CHARS", () => {
  const head = "the parcel never arrived and nobody answers ";
  const long = head + "x ".repeat(MAX_CLASSIFIED_CHARS);
  const same = `${head}${"x ".repeat(MAX_CLASSIFIED_CHARS)}and then some more words at the end`;
  assert.deepEqual(featurise(long).indices, featurise(same).indices);
});
