/** Attribution paths counted in the engine against the definition read literally, on random journeys. */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { normaliseEvent, Sequence } from "../src/collect/normalise.js";
import { EngineSink } from "../src/collect/sink.js";
import { seededRandom } from "../src/seeded-random.js";
import type { Engine } from "../src/store/engine.js";
import type { PathRow } from "../src/value/attribution.js";
import { journeyPaths } from "../src/value/store.js";
import { testDatabase } from "../testing/helpers.js";

interface Touch {
  time: number;
  channel: string;
  touchpoint: string;
  conversion: boolean;
  value: number;
  outbound: boolean;
}

const HOUR = 3_600_000;
const CHANNELS = ["web", "email", "store", "phone", "social"];
const customers: Touch[][] = [];
let engine: Engine;

before(async () => {
  engine = await testDatabase("value_paths_test");
  const random = seededRandom(11);
  const sequence = new Sequence();
  const sink = new EngineSink(engine);
  for (let c = 0; c < 300; c++) {
    let time = Date.UTC(2026, 0, 1) + Math.floor(random() * 100 * HOUR);
    const touches = Array.from({ length: Math.floor(random() * 14) }, (): Touch => {
      // Ties (two touches at the same time) happen: journeys are ordered by time, then arrival.
      time += random() < 0.2 ? 0 : Math.floor(random() * 40 * HOUR);
      const conversion = random() < 0.2;
      const channel = CHANNELS[Math.floor(random() * CHANNELS.length)]!;
      return {
        time,
        channel,
        touchpoint: `${channel} ${Math.floor(random() * 3)}`,
        conversion,
        value: conversion ? Math.round(random() * 10_000) / 100 : 0,
        // The brand's own touches (outbound) are not part of any path.
        outbound: !conversion && random() < 0.15,
      };
    });
    customers.push(touches);
    const stored = touches.flatMap((touch, i) => {
      const result = normaliseEvent(
        {
          type: "track",
          event: touch.conversion ? "Order Completed" : "Touched",
          userId: `u${c}`,
          messageId: `m${c}-${i}`,
          timestamp: new Date(touch.time).toISOString(),
          properties: {
            channel: touch.channel,
            touchpoint: touch.touchpoint,
            ...(touch.conversion ? { revenue: touch.value } : {}),
            ...(touch.outbound ? { direction: "outbound" } : {}),
          },
        },
        { source: "test", receivedAt: Date.now(), sequence },
      );
      assert.ok("ok" in result, JSON.stringify(result));
      return [result.ok];
    });
    await sink.writeEvents(stored);
  }
  await sink.close();
});

/** The definition: every conversion takes the earlier touches since the last one within the lookback. */
function referencePaths(lookbackMs: number, stepOf: (touch: Touch) => string): PathRow[] {
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
  for (const all of customers) {
    const touches = all.filter((touch) => !touch.outbound);
    let since = 0;
    touches.forEach((touch, i) => {
      if (!touch.conversion) return;
      const before = touches.slice(since, i).filter((t) => touch.time - t.time <= lookbackMs);
      count(before.map(stepOf), true, touch.value);
      since = i + 1;
    });
    count(touches.slice(since).map(stepOf), false, 0);
  }
  return [...paths.values()];
}

const sorted = (rows: PathRow[]) =>
  rows
    .map((row) => ({ ...row, value: Math.round(row.value * 100) }))
    .sort((a, b) => (JSON.stringify(a.path) < JSON.stringify(b.path) ? -1 : 1));

test("paths cut at each conversion within the lookback equal the definition, by channel and by touchpoint", async () => {
  for (const lookbackMs of [HOUR, 24 * HOUR, 72 * HOUR + 0.5, 3650 * 24 * HOUR]) {
    const byChannel = await journeyPaths(engine, { by: "channel", lookbackMs });
    assert.deepEqual(
      sorted(byChannel),
      sorted(referencePaths(lookbackMs, (t) => t.channel)),
      `channel, ${lookbackMs}`,
    );
    const byTouchpoint = await journeyPaths(engine, { by: "touchpoint", lookbackMs });
    assert.deepEqual(
      sorted(byTouchpoint),
      sorted(referencePaths(lookbackMs, (t) => t.touchpoint)),
      `touchpoint, ${lookbackMs}`,
    );
  }
  // Both kinds of path occur: the comparisons above are not of empty or one-sided lists.
  const paths = await journeyPaths(engine, { by: "channel", lookbackMs: 72 * HOUR });
  assert.ok(paths.some((row) => row.conversions > 0) && paths.some((row) => row.nulls > 0));
});
