/**
 * Every check on the ingest and classify paths takes time linear in its input: 32 KB strings built to make
 * regexes with overlapping quantifiers backtrack (the kind that took 0.8-1.2 s per item before) go
 * through each one. The bound is the 50 ms per item, far above linear time (a few ms), measured as
 * the fastest of three runs so a pause of the machine cannot fail it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadModel } from "../behaviour/classifier.js";
import { endsWithQuestion, featurise, normaliseText } from "../behaviour/features.js";
import { candidateIdentifiers, linksOf, normaliseEmail, normalisePhone } from "../identity/identifiers.js";
import { parseTimestamp } from "../store/time.js";
import { normaliseEvent, Sequence } from "./normalise.js";

const SIZE = 32 * 1024;
const fill = (unit: string, prefix = "", suffix = "") =>
  prefix + unit.repeat(Math.ceil((SIZE - prefix.length - suffix.length) / unit.length)) + suffix;

/** Strings that make backtracking regexes slow: long runs of what overlapping quantifiers both accept. */
const ADVERSARIAL = [
  fill(".", "a@"),
  fill(".", "a@", "@"),
  fill("a.", "a@", " "),
  fill(" ", "?", "x"),
  fill(" @user", "?", "x"),
  fill("#a ", "?", "!"),
  fill("url", "?", "!"),
  fill(" ", "", "x"),
  fill("@user ", "", "x"),
  fill("1", "+", "x"),
  fill("1 ", "", "a"),
  fill("0", "", "Z+"),
  fill("1", "2024-01-01T", "+0"),
  fill("www.", "http://"),
  fill("please add ", "", "!"),
  fill("😀"),
  fill("\u2019a"),
  fill("a", "", "\ud800"),
];

function fastest(work: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    work();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

test("32 KB adversarial strings cost well under 50 ms in every ingest and classify check", () => {
  const model = loadModel();
  const sequence = new Sequence();
  const checks: Array<[string, (text: string) => unknown]> = [
    ["normaliseEmail", normaliseEmail],
    ["normalisePhone", normalisePhone],
    ["candidateIdentifiers", candidateIdentifiers],
    ["parseTimestamp", parseTimestamp],
    ["normaliseText", normaliseText],
    ["endsWithQuestion", endsWithQuestion],
    ["featurise", featurise],
    ["classify", (text) => model.classify(text)],
    [
      "normaliseEvent + linksOf",
      (text) => {
        const result = normaliseEvent(
          {
            type: "identify",
            userId: "u1",
            event: text.slice(0, 500),
            timestamp: text.slice(0, 64),
            traits: { email: text, phone: text, twitter: text },
            properties: { text, channel: text.slice(0, 40), touchpoint: text },
          },
          { source: "test", receivedAt: Date.now(), sequence, maxEventBytes: 1024 * 1024 },
        );
        return "ok" in result ? linksOf(result.ok) : result;
      },
    ],
  ];
  for (const [name, check] of checks)
    for (const text of ADVERSARIAL) {
      const ms = fastest(() => check(text));
      assert.ok(ms < 50, `${name} took ${ms.toFixed(1)} ms on ${JSON.stringify(text.slice(0, 12))}…`);
    }
});
