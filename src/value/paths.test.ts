import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../seeded-random.js";
import type { PathRow } from "./attribution.js";
import { PathBuilder, type PathCase } from "./paths.js";

interface Touch {
  time: number;
  step: string;
  conversion: boolean;
  value: number;
}

/** The definition read literally: every conversion takes the earlier touches since the last one within the lookback. */
function referencePaths(customers: Touch[][], lookbackMs: number): PathRow[] {
  const paths = new Map<string, PathRow>();
  const count = (path: string[], converted: boolean, value: number) => {
    if (path.length === 0) return;
    const key = JSON.stringify(path);
    const row = paths.get(key) ?? { path, conversions: 0, nulls: 0, value: 0 };
    if (converted) {
      row.conversions++;
      row.value += value;
    } else row.nulls++;
    paths.set(key, row);
  };
  for (const touches of customers) {
    let since = 0;
    touches.forEach((touch, i) => {
      if (!touch.conversion) return;
      const before = touches.slice(since, i).filter((t) => touch.time - t.time <= lookbackMs);
      count(
        before.map((t) => t.step),
        true,
        touch.value,
      );
      since = i + 1;
    });
    count(
      touches.slice(since).map((t) => t.step),
      false,
      0,
    );
  }
  return [...paths.values()];
}

/** A customer's touches as the engine sends them (journeys/sequences: time order, compact). */
function compact(touches: Touch[]): PathCase {
  const distinct = [...new Set(touches.map((t) => t.step))];
  return {
    d: touches.map((t, i) => t.time - (i === 0 ? 0 : touches[i - 1]!.time)),
    s: touches.map((t) => distinct.indexOf(t.step) + 1),
    sd: distinct,
    k: touches.map((t) => (t.conversion ? 1 : 0)),
    v: touches.filter((t) => t.conversion).map((t) => t.value),
  };
}

const sorted = (rows: PathRow[]) =>
  rows
    .map((row) => ({ ...row, value: Math.round(row.value * 1e6) }))
    .sort((a, b) => (JSON.stringify(a.path) < JSON.stringify(b.path) ? -1 : 1));

test("paths cut at each conversion within the lookback, on random journeys, equal the definition", () => {
  const random = seededRandom(11);
  const steps = ["web", "email", "store", "phone", "social"];
  for (let round = 0; round < 30; round++) {
    const lookbackMs = 1 + Math.floor(random() * 10) * 1000;
    const customers = Array.from({ length: 40 }, () => {
      let time = Math.floor(random() * 5000);
      return Array.from({ length: Math.floor(random() * 12) }, () => {
        // Ties (two touches at the same time) happen: journeys are ordered by time, then sequence.
        time += random() < 0.2 ? 0 : Math.floor(random() * 4000);
        const conversion = random() < 0.25;
        return {
          time,
          step: steps[Math.floor(random() * steps.length)]!,
          conversion,
          value: conversion ? Math.round(random() * 100) : 0,
        };
      });
    });
    const builder = new PathBuilder(lookbackMs);
    for (const touches of customers) builder.add(compact(touches));
    assert.deepEqual(sorted(builder.rows()), sorted(referencePaths(customers, lookbackMs)), `round ${round}`);
  }
});
