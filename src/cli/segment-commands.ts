/** `customer-flow segments ...`: discover, list and compare behavioural segments. */
import type { Command } from "commander";

import { actionAfter, type GlobalOptions, withStore, withStoreOptions } from "./common.js";
import { emit, parseOptions, UsageError } from "./output.js";
import { startProgress } from "./progress.js";

/** Segments' SQL and schemas: loaded when a segments command runs, not at start. */
async function loadSegmentModules() {
  const [m0, m1] = await Promise.all([import("../segments/routes.js"), import("../segments/store.js")]);
  return {
    compareSchema: m0.compareSchema,
    discoverSchema: m0.discoverSchema,
    compareSegments: m1.compareSegments,
    discoverSegments: m1.discoverSegments,
    latestSegments: m1.latestSegments,
    segmentRuns: m1.segmentRuns,
  };
}
let lazy: Awaited<ReturnType<typeof loadSegmentModules>>;

const run = actionAfter(async () => {
  lazy ??= await loadSegmentModules();
});

export function registerSegmentCommands(program: Command): void {
  const segments = program
    .command("segments")
    .description("segments by channel and tool use, found by clustering");

  withStoreOptions(segments.command("discover"))
    .description("cluster customers by channel use, behaviour and value; store the run (earlier runs stay)")
    .option("--k <n>", "number of segments (default: chosen by silhouette over 2..10)")
    .option("--seed <n>", "random seed (same seed, same segments)")
    .option("--min-events <n>", "customers with fewer inbound events are left out", "3")
    .option("--members", "also print each customer's segment")
    .action(
      run(
        async (
          options: GlobalOptions & { k?: string; seed?: string; minEvents?: string; members?: boolean },
        ) => {
          const query = parseOptions(lazy.discoverSchema, {
            k: options.k,
            seed: options.seed,
            minEvents: options.minEvents,
            members: options.members,
          });
          await withStore(options, async (store) => {
            const progress = startProgress("segments", 3, "steps");
            let step = 0;
            const result = await lazy.discoverSegments(store.engine, {
              k: query.k,
              seed: query.seed,
              minEvents: query.minEvents,
              onProgress: (detail) => progress.update(++step, detail),
            });
            progress.stop();
            if (!query.members) delete result.members;
            emit(Boolean(options.json), result, () =>
              [
                `${result.k} segments of ${result.customers} customers (silhouette ${result.silhouette}, seed ${result.seed}, run ${result.runId})`,
                ...result.segments.map((s) => `  ${s.id}. ${s.description}`),
              ].join("\n"),
            );
          });
        },
      ),
    );

  withStoreOptions(segments.command("list"))
    .description("the latest run's segments and the history of runs")
    .option("--run <id>", "a given run instead of the latest")
    .action(
      run(async (options: GlobalOptions & { run?: string }) => {
        await withStore(options, async (store) => {
          const latest = await lazy.latestSegments(store.engine, options.run);
          if (!latest) throw new UsageError("no segments yet: run `customer-flow segments discover` first");
          const runs = await lazy.segmentRuns(store.engine);
          emit(Boolean(options.json), { ...latest, runs }, () =>
            [
              `run ${latest.runId} (${latest.createdAt}): ${latest.k} segments of ${latest.customers} customers`,
              ...latest.segments.map((s) => `  ${s.id}. ${s.description}`),
              `${runs.length} run(s) in the history`,
            ].join("\n"),
          );
        });
      }),
    );

  withStoreOptions(segments.command("compare"))
    .description("compare two segments of the latest run: conversion, CLV, behaviour mix, top journeys")
    .argument("<a>", "segment id")
    .argument("<b>", "segment id")
    .action(
      run(async (a: string, b: string, options: GlobalOptions) => {
        const ids = parseOptions(lazy.compareSchema, { a, b });
        await withStore(options, async (store) => {
          const result = await lazy.compareSegments(store.engine, ids.a, ids.b);
          const line = (p: typeof result.a) =>
            `  ${p.id}. ${p.label}: ${p.customers} customers, conversion ${(p.conversion * 100).toFixed(1)}%, mean value ${p.meanClv.toFixed(2)}, complaints ${p.behaviour.complaint} of ${p.behaviour.messages} messages`;
          emit(Boolean(options.json), result, () =>
            [
              line(result.a),
              line(result.b),
              `conversion odds ratio ${result.conversion.oddsRatio.toFixed(2)} (p ${result.conversion.pValue.toExponential(2)})`,
              `value difference ${result.clv.difference.toFixed(2)} (z ${result.clv.z.toFixed(2)}, p ${result.clv.pValue.toExponential(2)})`,
              `complaint odds ratio ${result.complaints.oddsRatio.toFixed(2)} (p ${result.complaints.pValue.toExponential(2)})`,
            ].join("\n"),
          );
        });
      }),
    );
}
