import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../seeded-random.js";
import { type FrictionCase, type FrictionItem, FrictionTally } from "./friction.js";

/** A touch as the definition reads it: time (ms), step, channel, event name, behaviour. */
type Touch = [time: number, step: string, channel: string, name: string, behaviour: string];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FAILURE = /(fail|error|declin|timeout|timed out|rejected)/i;
const OUTCOMES = new Set(["Order Completed"]);

/**
 * The documented signals, brute force: every visit looks at every other touch of its journey. The tally
 * must give exactly these shares.
 */
function bruteForce(journeys: Touch[][]): Map<string, number[]> {
  const tallies = new Map<string, number[]>();
  const add = (key: string, signals: boolean[]) => {
    const t = tallies.get(key) ?? [0, 0, 0, 0, 0, 0, 0];
    t[0]!++;
    signals.forEach((on, k) => {
      if (on) t[k + 1]!++;
    });
    tallies.set(key, t);
  };
  for (const journey of journeys) {
    journey.forEach((at, i) => {
      const later = journey.slice(i + 1);
      const within = (t: Touch, ms: number) => t[0] - at[0] <= ms;
      const next = journey[i + 1] && within(journey[i + 1]!, DAY) ? journey[i + 1] : undefined;
      const earlier = new Set(
        journey
          .slice(0, i)
          .filter((t) => at[0] - t[0] <= DAY)
          .map((t) => t[1]),
      );
      const signals = [
        !OUTCOMES.has(at[3]) && !later.some((t) => within(t, 7 * DAY) && OUTCOMES.has(t[3])),
        later.some((t) => within(t, DAY) && t[1] !== at[1] && earlier.has(t[1])),
        next !== undefined && next[2] !== at[2],
        later.some((t) => within(t, 7 * DAY) && t[1] === at[1]),
        next !== undefined && next[0] - at[0] > HOUR,
        FAILURE.test(at[3]) || later.some((t) => within(t, DAY) && t[4] === "complaint"),
      ];
      add(`step ${at[1]}`, signals);
      if (i > 0) add(`transition ${journey[i - 1]![1]} -> ${at[1]}`, signals);
    });
  }
  return tallies;
}

/** What the friction query sends for a journey (the same encoding, done in JS). */
function encode(journey: Touch[]): FrictionCase {
  const dense = (values: string[]) => {
    const ids = new Map<string, number>();
    return {
      ids: values.map((v) => {
        if (!ids.has(v)) ids.set(v, ids.size + 1);
        return ids.get(v)!;
      }),
      distinct: [...ids.keys()],
    };
  };
  const steps = dense(journey.map((t) => t[1]));
  return {
    d: journey.map((t, i) => (i === 0 ? 0 : t[0] - journey[i - 1]![0])),
    s: steps.ids,
    sd: steps.distinct,
    c: dense(journey.map((t) => t[2])).ids,
    f: journey.map(
      (t) => (OUTCOMES.has(t[3]) ? 1 : 0) + (FAILURE.test(t[3]) ? 2 : 0) + (t[4] === "complaint" ? 4 : 0),
    ),
  };
}

function randomJourneys(seed: number, count: number): Touch[][] {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
  const steps = ["home", "search", "cart", "checkout", "checkout error", "support call", "order"];
  const gaps = [0, 60_000, 30 * 60_000, 2 * HOUR, DAY, DAY + 1, 3 * DAY, 7 * DAY, 8 * DAY];
  return Array.from({ length: count }, () => {
    let time = 1_700_000_000_000;
    return Array.from({ length: 1 + Math.floor(random() * 25) }, () => {
      time += pick(gaps);
      const step = pick(steps);
      const name =
        step === "order" ? "Order Completed" : step === "checkout error" ? "Checkout Failed" : step;
      return [
        time,
        step,
        pick(["web", "phone", "email"]),
        name,
        pick(["", "", "complaint", "praise"]),
      ] as Touch;
    });
  });
}

test("friction: every signal of every step and transition as the brute-force definition counts it", () => {
  const journeys = randomJourneys(7, 400);
  const tally = new FrictionTally({ top: Number.MAX_SAFE_INTEGER });
  for (const journey of journeys) tally.add(encode(journey));
  const { cases, items } = tally.result();
  assert.equal(cases, journeys.length);
  const expected = [...bruteForce(journeys)].filter(([, t]) => t[0]! >= 20);
  assert.equal(items.length, expected.length);
  const byKey = new Map<string, FrictionItem>(items.map((i) => [`${i.kind} ${i.item}`, i]));
  for (const [key, [n, ...counts]] of expected) {
    const item = byKey.get(key);
    assert.ok(item, key);
    assert.equal(item.occurrences, n, key);
    const shares = Object.values(item.components).map((share) => Math.round(share * n!));
    assert.deepEqual(shares, counts, key);
  }
  // Every signal occurs somewhere, so none is checked only as zero.
  for (const k of [0, 1, 2, 3, 4, 5])
    assert.ok(
      expected.some(([, t]) => t[k + 1]! > 0),
      `signal ${k}`,
    );
});

test("friction: the ranking puts a failing, looping step above a smooth one and explains it", () => {
  const smooth: Touch[] = [
    [0, "home", "web", "home", ""],
    [60_000, "order", "web", "Order Completed", ""],
  ];
  const rough: Touch[] = [
    [0, "checkout error", "web", "Checkout Failed", ""],
    [2 * HOUR, "support call", "phone", "support call", "complaint"],
    [3 * HOUR, "checkout error", "web", "Checkout Failed", ""],
  ];
  const tally = new FrictionTally();
  for (let i = 0; i < 30; i++) {
    tally.add(encode(smooth));
    tally.add(encode(rough));
  }
  const { items } = tally.result();
  const rank = (name: string) => items.findIndex((i) => i.kind === "step" && i.item === name);
  assert.ok(rank("checkout error") < rank("home"), JSON.stringify(items.map((i) => i.item)));
  const error = items[rank("checkout error")]!;
  assert.equal(error.components.fail, 1);
  assert.equal(error.components.drop, 1);
  assert.match(error.explanation, /^drop 100%, fail 100%/);
});
