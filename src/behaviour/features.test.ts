import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DENSE_BASE,
  DENSE_FEATURES,
  endsWithQuestion,
  featurise,
  MAX_CLASSIFIED_CHARS,
  WORD_SLOTS,
  withoutCharacterGrams,
} from "./features.js";

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

const denseNames = (text: string) => {
  const x = featurise(text);
  const names: string[] = [];
  for (let i = 0; i < x.length; i++)
    if (x.indices[i]! >= DENSE_BASE) names.push(DENSE_FEATURES[x.indices[i]! - DENSE_BASE]!);
  return names;
};

test("the question form is read clause by clause, with or without a question mark", () => {
  const mid = denseNames("WHAT?! The trams again. Does the 7 run on sundays");
  for (const name of ["q_wh_clause", "q_inversion", "q_marks_1", "q_exclaimed", "q_form_with_mark"])
    assert.ok(mid.includes(name), `${name} in ${mid}`);
  assert.ok(!mid.includes("q_one_mark_at_end"));
  const bare = denseNames("@jk_rowling was harry's ability to use crucio due to anger");
  assert.ok(
    bare.includes("q_inversion") && bare.includes("q_form_without_mark") && bare.includes("q_marks_0"),
  );
  const asked = denseNames("Please, anyone know a good plumber? @user #help");
  for (const name of ["q_asking", "q_please_mark", "q_one_mark_at_end", "q_marks_1"])
    assert.ok(asked.includes(name), `${name} in ${asked}`);
  assert.ok(!asked.includes("q_inversion"));
  const many = denseNames("for real???? https://t.co/x");
  assert.ok(many.includes("q_repeated_mark") && many.includes("q_marks_3"));
  assert.ok(!denseNames("lovely day, thanks").some((name) => name.startsWith("q_form")));
});

test("character n-grams stay in their own slots, and the question head's view leaves exactly them out", () => {
  const x = featurise("Does the 7:15 bus still stop at Elm Street? Asking for my gran");
  const view = withoutCharacterGrams(x);
  let characters = 0;
  for (let i = 0; i < x.length; i++)
    if (x.indices[i]! >= WORD_SLOTS && x.indices[i]! < DENSE_BASE) characters++;
  assert.ok(characters > 50, String(characters));
  assert.equal(view.length, x.length - characters);
  for (let i = 0; i < view.length; i++)
    assert.ok(view.indices[i]! < WORD_SLOTS || view.indices[i]! >= DENSE_BASE);
  // Words alone (no character n-grams in that text's view) keep their order and values.
  const kept = [...x.indices].filter((index) => index < WORD_SLOTS || index >= DENSE_BASE);
  assert.deepEqual([...view.indices], kept);
});
