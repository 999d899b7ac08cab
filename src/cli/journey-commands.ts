/** `customer-flow journeys ...`: the maps customers actually take, from the store. */
import { type Command, Option } from "commander";
// Each command loads the journey module it runs (start-up stays short).
import type { FunnelBreakdown, FunnelStep } from "../journeys/funnel.js";
import type { JourneyModel } from "../journeys/journey-model.js";
import type { JourneyFilter } from "../journeys/query.js";
import { action, type GlobalOptions, withStore, withStoreOptions } from "./common.js";
import { emit, UsageError } from "./output.js";

interface FilterOptions extends GlobalOptions {
  by: NonNullable<JourneyFilter["by"]>;
  from?: string;
  to?: string;
  channel?: string[];
  source?: string[];
  did?: string;
  sessionGap?: number;
  collapse?: boolean;
  hold?: string;
  segment?: number;
  brand?: boolean;
}

function withFilters(command: Command): Command {
  return withStoreOptions(command)
    .addOption(
      new Option("--by <dimension>", "what a step is")
        .choices(["touchpoint", "channel", "channel:touchpoint", "event", "behaviour"])
        .default("touchpoint"),
    )
    .option("--from <time>", "events at or after this time (ISO 8601)")
    .option("--to <time>", "events before this time")
    .option("--channel <name...>", "only events on these channels")
    .option("--source <name...>", "only events from these sources (e.g. import:receipt.csv, demo)")
    .option("--did <step>", "only customers who did this (touchpoint or event name)")
    .option("--session-gap <minutes>", "split journeys after this much inactivity", Number)
    .option("--collapse", "treat immediate repeats of a step as one")
    .option(
      "--hold <property>",
      "one case per value of this event property (e.g. order_id: each order's journey); touches without it are left out",
    )
    .option("--no-brand", "leave the brand's replies out (the customer's own touches only)")
    .option("--segment <id>", "only customers of this segment (latest `segments discover`)", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--segment: "${v}" is not a segment id`);
      return n;
    });
}

function filterOf(options: FilterOptions): JourneyFilter {
  return {
    by: options.by,
    from: options.from,
    to: options.to,
    channel: options.channel,
    source: options.source,
    didEvent: options.did,
    sessionGapMinutes: options.sessionGap,
    collapseRepeats: Boolean(options.collapse),
    hold: options.hold,
    segment: options.segment,
    brand: options.brand !== false,
  };
}

export function registerJourneyCommands(program: Command): void {
  const exporter = program.command("export").description("export data for other tools");
  withFilters(exporter.command("xes").description("journeys as an XES event log (pm4py, ProM)"))
    .argument("<file>", "the .xes file to write")
    .action(
      action(async (file: string, options: FilterOptions) => {
        await withStore(options, async (store) => {
          const { exportXes } = await import("../journeys/xes-export.js");
          const result = await exportXes(store.engine, file, filterOf(options));
          emit(
            Boolean(options.json),
            { file, ...result },
            () => `wrote ${result.cases} traces, ${result.events} events to ${file}`,
          );
        });
      }),
    );

  const journeys = program
    .command("journeys")
    .description("process maps, variants and flows of the journeys customers take");

  withFilters(
    journeys
      .command("dfg")
      .description("the directly-follows graph: edge counts and waiting times, starts, ends"),
  ).action(
    action(async (options: FilterOptions) => {
      await withStore(options, async (store) => {
        const { processMap } = await import("../journeys/views.js");
        const map = await processMap(store.engine, filterOf(options));
        emit(Boolean(options.json), map, () =>
          [
            `${map.cases} cases, ${map.events} events, ${Object.keys(map.activities).length} steps`,
            `start: ${Object.entries(map.start)
              .map(([a, n]) => `${a} ${n}`)
              .join(", ")}`,
            `end:   ${Object.entries(map.end)
              .map(([a, n]) => `${a} ${n}`)
              .join(", ")}`,
            ...map.edges
              .slice(0, 40)
              .map(
                (e) =>
                  `  ${e.from} -> ${e.to}: ${e.count}  (median ${formatDuration(e.medianSeconds)}, p90 ${formatDuration(e.p90Seconds)})`,
              ),
            map.edges.length > 40 ? `  ... ${map.edges.length - 40} more edges (use --json)` : "",
          ].join("\n"),
        );
      });
    }),
  );

  withFilters(journeys.command("variants").description("distinct full journeys with counts and shares"))
    .option("--top <n>", "variants to list; the rest are summed as other", Number, 10)
    .action(
      action(async (options: FilterOptions & { top: number }) => {
        await withStore(options, async (store) => {
          const { variants } = await import("../journeys/views.js");
          const result = await variants(store.engine, filterOf(options), options.top);
          emit(Boolean(options.json), result, () =>
            [
              `${result.cases} cases, ${result.total} variants`,
              ...result.variants.map(
                (v) =>
                  `${String(v.count).padStart(7)} ${(100 * v.share).toFixed(1).padStart(5)}%  ${v.activities.join(" > ")}`,
              ),
              `${String(result.other.count).padStart(7)} ${(100 * result.other.share).toFixed(1).padStart(5)}%  (${result.other.variants} other variants)`,
            ].join("\n"),
          );
        });
      }),
    );

  funnelCommand(journeys);
  conformanceCommand(journeys);
  blueprintCommand(journeys);

  withFilters(
    journeys
      .command("friction")
      .description("steps and transitions ranked by friction (drop, loop, hop, repeat, wait)"),
  )
    .option("--outcome-event <name...>", "events that count as the outcome", ["Order Completed"])
    .option("--top <n>", "items to list", Number, 20)
    .action(
      action(async (options: FilterOptions & { outcomeEvent: string[]; top: number }) => {
        await withStore(options, async (store) => {
          const { friction } = await import("../journeys/friction.js");
          const result = await friction(store.engine, filterOf(options), {
            outcomeEvents: options.outcomeEvent,
            top: options.top,
          });
          emit(Boolean(options.json), result, () =>
            [
              `${result.cases} cases; friction = mean of drop, loop, hop, repeat, wait and fail shares`,
              ...result.items.map(
                (i) =>
                  `  ${i.friction.toFixed(3)}  ${i.kind.padEnd(10)} ${i.item.slice(0, 48).padEnd(48)} ${i.explanation}`,
              ),
            ].join("\n"),
          );
        });
      }),
    );

  withFilters(
    journeys
      .command("outcomes")
      .description("steps and transitions over- or under-represented among cases reaching an outcome"),
  )
    .requiredOption(
      "--outcome <step>",
      "the outcome step (in the --by dimension), e.g. 'Order Completed' with --by event",
    )
    .option("--top <n>", "items to list", Number, 20)
    .action(
      action(async (options: FilterOptions & { outcome: string; top: number }) => {
        await withStore(options, async (store) => {
          const { outcomes } = await import("../journeys/outcomes.js");
          const result = await outcomes(store.engine, filterOf(options), options.outcome, {
            top: options.top,
          });
          emit(Boolean(options.json), result, () =>
            [
              `${result.reached} of ${result.cases} cases reach ${result.outcome}`,
              ...result.items.map(
                (i) =>
                  `  ${i.kind.padEnd(10)} ${i.item.slice(0, 50).padEnd(50)} OR ${i.oddsRatio.toFixed(2).padStart(7)}  (${i.withOutcome}/${i.withOutcome + i.withoutOutcome} reach it, p ${i.pValue.toExponential(1)})`,
              ),
            ].join("\n"),
          );
        });
      }),
    );

  withFilters(journeys.command("paths").description("flows (Sankey) after or before a step"))
    .option("--from-step <step>", "flows after the first occurrence of this step")
    .option("--to-step <step>", "flows before the last occurrence of this step")
    .option("--steps <n>", "steps to follow", Number, 5)
    .option("--width <n>", "activities kept per step; the rest are other", Number, 8)
    .option(
      "--where <property=value>",
      "only an anchor step whose event has this property value (e.g. reason=checkout)",
    )
    .option("--group-by <property>", "tell steps apart by this event property (e.g. reason)")
    .action(
      action(
        async (
          options: FilterOptions & {
            fromStep?: string;
            toStep?: string;
            steps: number;
            width: number;
            where?: string;
            groupBy?: string;
          },
        ) => {
          const anchor = options.fromStep ?? options.toStep;
          if (!anchor || (options.fromStep && options.toStep))
            throw new UsageError("give one of --from-step or --to-step");
          if (options.where !== undefined && !/^[^=]+=/.test(options.where))
            throw new UsageError(`--where: "${options.where}" is not PROPERTY=VALUE`);
          await withStore(options, async (store) => {
            const { flows, propertyEquals } = await import("../journeys/views.js");
            const flow = await flows(store.engine, filterOf(options), {
              anchor,
              direction: options.fromStep ? "after" : "before",
              steps: options.steps,
              width: options.width,
              where: options.where === undefined ? undefined : propertyEquals(options.where),
              groupBy: options.groupBy,
            });
            emit(Boolean(options.json), flow, () =>
              flow.links
                .sort((a, b) => b.value - a.value)
                .slice(0, 40)
                .map((l) => `${l.source} -> ${l.target}: ${l.value}`)
                .join("\n"),
            );
          });
        },
      ),
    );
}

function funnelCommand(journeys: Command): void {
  withFilters(
    journeys
      .command("funnel")
      .description("ordered steps: conversion, time to convert, and what people did instead"),
  )
    .requiredOption(
      "--step <step...>",
      'steps in order; "a|b" for any of, "step@2h" for a step window, "step!x|y" when x and y must not happen since the previous step, "step?" for an optional step (not first or last)',
    )
    .option("--window <duration>", "conversion window of the whole funnel (30m, 2h, 7d)", "30d")
    .addOption(
      new Option(
        "--breakdown <by>",
        "the funnel per channel of the first step, per week or month it started, or per segment (latest segments discover)",
      ).choices(["channel", "week", "month", "segment"]),
    )
    .action(
      action(
        async (options: FilterOptions & { step: string[]; window: string; breakdown?: FunnelBreakdown }) => {
          const { funnel, parseDuration, parseStep } = await import("../journeys/funnel.js");
          let steps: FunnelStep[];
          let windowMs: number;
          try {
            steps = options.step.map(parseStep);
            windowMs = parseDuration(options.window);
          } catch (error) {
            throw new UsageError((error as Error).message);
          }
          if (steps.length < 2) throw new UsageError("a funnel needs at least two --step");
          await withStore(options, async (store) => {
            const result = await funnel(store.engine, filterOf(options), steps, {
              windowMs,
              breakdown: options.breakdown,
            });
            emit(Boolean(options.json), result, () =>
              [
                `${result.cases} cases; ${result.converted} converted (${(100 * result.conversion).toFixed(1)}% of those who started), median ${formatDuration(result.medianSecondsToConvert ?? 0)}`,
                ...(result.breakdown?.groups.map(
                  (g) =>
                    `  ${result.breakdown!.by} ${g.value.padEnd(14)} ${g.entered.map((n) => String(n).padStart(7)).join(" ")}  ${(100 * g.conversion).toFixed(1).padStart(5)}%`,
                ) ?? []),
                ...result.steps.map(
                  (s) =>
                    `  ${s.step.padEnd(24)} ${String(s.entered).padStart(8)}  ${(100 * s.conversionFromPrevious).toFixed(1).padStart(5)}%` +
                    (s.droppedAfter > 0
                      ? `   dropped ${s.droppedAfter}; next instead: ${s.nextInstead.map((n) => `${n.step} ${n.count}`).join(", ")} | ${s.nextChannelsInstead.map((n) => `${n.channel} ${n.count}`).join(", ")}`
                      : ""),
                ),
              ].join("\n"),
            );
          });
        },
      ),
    );
}

/** `--model FILE`: a JSON journey map, or BPMN whose tasks are read in the --by dimension; a usage error names the file. */
async function readJourneyMap(file: string, by: FilterOptions["by"]): Promise<JourneyModel> {
  const [{ readFileSync }, { journeyModelFromText }] = await Promise.all([
    import("node:fs"),
    import("../journeys/bpmn.js"),
  ]);
  try {
    return journeyModelFromText(readFileSync(file, "utf8"), by);
  } catch (error) {
    throw new UsageError(`--model ${file}: ${(error as Error).message}`);
  }
}

function conformanceCommand(journeys: Command): void {
  withFilters(
    journeys
      .command("conformance")
      .description(
        "how far journeys stray from a designed journey map: optimal alignments, fitness, skipped steps, unexpected touches, SLA breaches",
      ),
  )
    .requiredOption(
      "--model <file>",
      "the journey map (JSON: steps, flows, start, end, slas; see docs/journey-maps.md)",
    )
    .option("--cases <n>", "also give the first N cases with their alignment", Number, 0)
    .action(
      action(async (options: FilterOptions & { model: string; cases: number }) => {
        const model = await readJourneyMap(options.model, options.by);
        if (!Number.isInteger(options.cases) || options.cases < 0 || options.cases > 10_000)
          throw new UsageError("--cases: a whole number from 0 to 10000");
        await withStore(options, async (store) => {
          const { journeyConformance } = await import("../journeys/designed.js");
          const result = await journeyConformance(store.engine, filterOf(options), model, {
            cases: options.cases,
          });
          const top = (counts: Record<string, number>) =>
            Object.entries(counts)
              .slice(0, 8)
              .map(([k, n]) => `${k} ${n}`)
              .join(", ") || "none";
          emit(Boolean(options.json), result, () =>
            [
              `${result.model}: ${result.cases} cases, ${result.perfectlyFitting} fit perfectly (${(100 * (result.perfectlyFitting / Math.max(1, result.cases))).toFixed(1)}%)`,
              `average trace fitness ${result.averageTraceFitness.toFixed(4)}, log fitness ${result.logFitness.toFixed(4)}, total cost ${result.cost}`,
              `skipped:     ${top(result.deviations.skipped)}`,
              `unexpected:  ${top(result.deviations.unexpected)}`,
              `SLA breaches: ${top(result.deviations.slaBreaches)}`,
            ].join("\n"),
          );
        });
      }),
    );
}

function blueprintCommand(journeys: Command): void {
  withFilters(
    journeys
      .command("blueprint")
      .description(
        "a service blueprint from the data: per stage, customer actions, the brand's front stage, needs, pain points, drop-off and outcomes",
      ),
  )
    .option(
      "--model <file>",
      "stages from this journey map (JSON or BPMN); without one, the most common steps",
    )
    .option("--columns <n>", "without a map: how many of the most common steps", Number, 6)
    .action(
      action(async (options: FilterOptions & { model?: string; columns: number }) => {
        const model = options.model ? await readJourneyMap(options.model, options.by) : undefined;
        if (!Number.isInteger(options.columns) || options.columns < 1 || options.columns > 30)
          throw new UsageError("--columns: a whole number from 1 to 30");
        await withStore(options, async (store) => {
          const [{ serviceBlueprint }, { inlineCompute }] = await Promise.all([
            import("../journeys/blueprint.js"),
            import("../lanes/compute.js"),
          ]);
          const result = await serviceBlueprint(
            store.engine,
            inlineCompute(store.engine),
            filterOf(options),
            {
              model,
              columns: options.columns,
            },
          );
          const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
          emit(Boolean(options.json), result, () =>
            result.stages
              .map((s) =>
                [
                  `== ${s.stage} (${s.steps.join(", ")})`,
                  `  customers:  reach ${s.customerActions.reach}, ${s.customerActions.touches} touches; ${s.customerActions.channels
                    .slice(0, 4)
                    .map((c) => `${c.channel} ${c.touches}`)
                    .join(", ")}`,
                  `  brand:      ${s.frontStage.responded} replies${s.frontStage.medianResponseSeconds === null ? "" : `, median ${formatDuration(s.frontStage.medianResponseSeconds)}`}; ${s.frontStage.actions
                    .map((a) => `${a.action} ${a.count}`)
                    .join(", ")}`,
                  `  needs:      ${s.needs.map((t) => `${t.phrase} (${t.messages})`).join(", ") || "-"}`,
                  `  pains:      ${[...s.painPoints.complaints.map((t) => `${t.phrase} (${t.messages})`), ...s.painPoints.friction.map((f) => `friction ${f.step} ${f.friction.toFixed(2)}`), ...Object.entries(s.painPoints.slaBreaches).map(([k, n]) => `SLA ${k} ${n}`)].join(", ") || "-"}`,
                  `  drop-off ${pct(s.dropOff)}, outcome ${pct(s.outcomeRate)}; e.g. ${s.examples.slice(0, 3).join(", ")}`,
                ].join("\n"),
              )
              .join("\n"),
          );
        });
      }),
    );
}

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(0)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}
