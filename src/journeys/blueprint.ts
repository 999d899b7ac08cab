/**
 * A service blueprint built from the data: one column per stage (the journey map's stages, or the most
 * common steps in flow order when there is no map), and per column what customers do (touchpoints and
 * channels, with reach), what the brand does front-stage (its replies and outbound touches after the
 * stage's touches, and how fast), what customers need (question themes) and where it hurts (complaint
 * themes, friction, SLA breaches), how many journeys end there and how many reach a purchase after it.
 * Every column names example customers. The per-stage counts are three reads of the stored journeys; the
 * themes, friction and SLAs come from the analyses that compute them (in the lane on a server). The two
 * halves can be asked for apart (`blueprintCounts`, `blueprintPains`) so a view draws the counts at once
 * and the slower themes and friction when they come.
 */
import type { Theme } from "../behaviour/themes.js";
import type { AnalyticCompute } from "../lanes/compute.js";
import type { Engine } from "../store/engine.js";
import { DEFAULT_PURCHASE_EVENTS } from "../value/defaults.js";
import type { ConformanceResult } from "./conformance.js";
import type { JourneyModel } from "./journey-model.js";
import { flowOrder } from "./map-view.js";
import { type JourneyFilter, journeyCases } from "./query.js";
import { type ProcessCounts, processCounts } from "./views.js";

/** A stage's counts: what customers do, the brand's front stage, drop-off and outcome. */
export interface BlueprintStageCounts {
  stage: string;
  steps: string[];
  customerActions: {
    /** Cases with a touch in the stage. */
    reach: number;
    touches: number;
    steps: { step: string; reach: number }[];
    channels: { channel: string; touches: number }[];
  };
  frontStage: {
    /** The stage's touches followed by a brand touch within a week, and the median wait for it. */
    responded: number;
    medianResponseSeconds: number | null;
    actions: { action: string; count: number }[];
    /** Customers the brand answered in this stage. */
    examples: string[];
  };
  /** Of the cases reaching the stage: the share whose journey ends in it, and the share with a purchase after it. */
  dropOff: number;
  outcomeRate: number;
  /** Customers reaching the stage; those whose journey ends in it; those who purchase after it. */
  examples: string[];
  endedExamples: string[];
  purchasedExamples: string[];
}

/** A stage's needs and pain points: question and complaint themes, friction, service levels broken. */
export interface BlueprintStagePains {
  stage: string;
  steps: string[];
  needs: Theme[];
  painPoints: {
    complaints: Theme[];
    friction: { step: string; friction: number; explanation: string }[];
    slaBreaches: Record<string, number>;
    /** Customers who broke those service levels. */
    slaBreachExamples: Record<string, string[]>;
  };
}

export type BlueprintStage = BlueprintStageCounts & BlueprintStagePains;

export interface Blueprint<Stage = BlueprintStage> {
  model: string | null;
  by: string;
  cases: number;
  stages: Stage[];
}

/** The columns: the map's stages in the order of their first step (a step without a stage is its own), or the most common steps. */
export function blueprintStages(
  model: JourneyModel | undefined,
  map: { activities: Record<string, number>; edges: { from: string; to: string; count: number }[] },
  columns = 6,
): { stage: string; steps: string[] }[] {
  if (model) {
    const stages = new Map<string, string[]>();
    for (const step of model.steps) {
      const name = step.stage ?? step.label;
      stages.set(name, [...new Set([...(stages.get(name) ?? []), step.label])]);
    }
    return [...stages.entries()].map(([stage, steps]) => ({ stage, steps }));
  }
  const common = Object.entries(map.activities)
    .filter(([step]) => !step.startsWith("brand: "))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, columns)
    .map(([step]) => step);
  return flowOrder(common, map.edges).map((step) => ({ stage: step, steps: [step] }));
}

const WEEK_MS = 7 * 86_400_000;

export interface BlueprintOptions {
  model?: JourneyModel;
  purchaseEvents?: string[];
  columns?: number;
  /**
   * The process map's counts the columns come from; a server passes them through its result cache, so the two
   * halves of a blueprint asked together (counts, pains) compute it once. Default: computed here.
   */
  mapOf?: (filter: JourneyFilter) => Promise<ProcessCounts>;
}

/** The blueprint's journeys: brand touches are read too (the front stage is made of them). */
function blueprintJourneyFilter(filter: JourneyFilter, options: BlueprintOptions) {
  return { ...filter, by: options.model?.by ?? filter.by ?? "touchpoint", brand: true };
}

/** What both halves start from: the filter (brand touches included), the process map and the columns. */
async function blueprintBase(engine: Engine, filter: JourneyFilter, options: BlueprintOptions) {
  const journeyFilter = blueprintJourneyFilter(filter, options);
  const mapFilter = { ...journeyFilter, brand: false };
  const map = await (options.mapOf ? options.mapOf(mapFilter) : processCounts(engine, mapFilter));
  return { journeyFilter, map, stages: blueprintStages(options.model, map, options.columns) };
}

/** The whole blueprint: counts and pains, each stage with both. */
export async function serviceBlueprint(
  engine: Engine,
  compute: AnalyticCompute,
  filter: JourneyFilter,
  options: BlueprintOptions = {},
): Promise<Blueprint> {
  // Both halves start from the same process map: compute it once (a server's cache may already hold it).
  let map: Promise<ProcessCounts> | undefined;
  const shared = {
    ...options,
    mapOf: options.mapOf ?? ((f: JourneyFilter) => (map ??= processCounts(engine, f))),
  };
  const counts = await blueprintCounts(engine, filter, shared);
  const pains = await blueprintPains(engine, compute, filter, shared);
  return { ...counts, stages: counts.stages.map((stage, i) => ({ ...stage, ...pains.stages[i]! })) };
}

/** Per stage: reach, touches by channel, the brand's replies, drop-off, outcome and examples (reads of the stored journeys). */
export async function blueprintCounts(
  engine: Engine,
  filter: JourneyFilter,
  options: BlueprintOptions = {},
): Promise<Blueprint<BlueprintStageCounts>> {
  const model = options.model;
  const { journeyFilter, map, stages } = await blueprintBase(engine, filter, options);
  const stageOf: Record<string, number> = {};
  stages.forEach((s, i) => {
    for (const step of s.steps) stageOf[step] = i + 1;
  });
  const { sql, params } = await journeyCases(engine, journeyFilter);
  const bind = {
    ...params,
    stageOf,
    purchases: options.purchaseEvents ?? DEFAULT_PURCHASE_EVENTS,
    week: WEEK_MS,
  };
  const stageOfStep = "{stageOf:Map(String, UInt8)}";
  // Per case and stage: reached, ends there, a purchase after its first touch there, examples (each case is
  // one row per stage, so the five smallest ids are kept as they come instead of gathering every id).
  const reachRows = await engine.query<{
    stage: number;
    reach: number;
    ended: number;
    purchased: number;
    examples: string[];
    ended_examples: string[];
    purchased_examples: string[];
  }>(
    `SELECT stage, count() AS reach, countIf(last_stage = stage) AS ended,
            countIf(bought) AS purchased,
            groupArraySorted(5)(case_id) AS examples,
            groupArraySortedIf(5)(case_id, last_stage = stage) AS ended_examples,
            groupArraySortedIf(5)(case_id, bought) AS purchased_examples
     FROM (
       SELECT case_id, arrayMap(s -> ${stageOfStep}[s], steps) AS stage_of,
              stage_of[arrayLastIndex(s -> NOT startsWith(s, 'brand: '), steps)] AS last_stage,
              arrayLastIndex(n -> has({purchases:Array(String)}, n), names) AS last_purchase
       FROM (${sql})
     )
     ARRAY JOIN arrayFilter(x -> x > 0, arrayDistinct(stage_of)) AS stage
     -- A purchase at or after the stage's first touch: the last purchase is (0 when there is none).
     ARRAY JOIN [last_purchase >= indexOf(stage_of, stage)] AS bought
     GROUP BY stage`,
    bind,
  );
  // Per stage touch: its step and channel.
  const touchRows = await engine.query<{ stage: number; channel: string; touches: number }>(
    `SELECT ${stageOfStep}[t.1] AS stage, t.2 AS channel, count() AS touches
     FROM (SELECT steps, channels FROM (${sql})) ARRAY JOIN arrayZip(steps, channels) AS t
     WHERE stage > 0 GROUP BY stage, channel`,
    bind,
  );
  // Each stage touch's front stage: the brand's first touch after it within a week (if that is over a week
  // later, so are the others). Only the answered stage touches are unrolled; per stage and reply action one
  // row, whose partial quantile states and examples are merged per stage (one pass over the journeys).
  const replyRows = await engine.query<{
    stage: number;
    responded: number;
    median: number;
    examples: string[];
    actions: Array<[action: string, n: number]>;
  }>(
    `SELECT stage, sum(n) AS responded, quantileExactMerge(0.5)(waits) AS median,
            arraySlice(arraySort(arrayDistinct(arrayFlatten(groupArray(ids)))), 1, 5) AS examples,
            arraySlice(arraySort(x -> (-x.2, x.1), groupArray((action, n))), 1, 5) AS actions
     FROM (
       SELECT stage, action, count() AS n, quantileExactState(0.5)(wait) AS waits,
              arraySlice(arraySort(groupUniqArray(case_id)), 1, 5) AS ids
       FROM (
         SELECT case_id, ${stageOfStep}[t.1] AS stage, t.4 AS action, (t.3 - t.2) / 1000 AS wait
         FROM (
           -- Per touch, the next brand touch after it (its time and step, 0 and '' when none): filled back
           -- from the brand touches and shifted by one, so no lambda reads another array by index.
           SELECT case_id, steps, times,
                  arrayPushBack(arrayPopFront(arrayReverseFill(x -> x > 0, arrayMap((s, t) -> if(startsWith(s, 'brand: '), t, 0), steps, times))), 0) AS reply_time,
                  arrayPushBack(arrayPopFront(arrayReverseFill(x -> x != '', arrayMap(s -> if(startsWith(s, 'brand: '), s, ''), steps))), '') AS reply_step
           FROM (${sql})
         )
         ARRAY JOIN arrayFilter(x -> ${stageOfStep}[x.1] > 0 AND x.3 > 0 AND x.3 - x.2 <= {week:Int64},
                                arrayZip(steps, times, reply_time, reply_step)) AS t
       )
       GROUP BY stage, action
     )
     GROUP BY stage`,
    bind,
  );
  return {
    model: model?.name ?? null,
    by: journeyFilter.by,
    cases: map.cases,
    stages: stages.map((s, index) => {
      const n = index + 1;
      const reach = reachRows.find((r) => Number(r.stage) === n);
      const touches = touchRows.filter((r) => Number(r.stage) === n);
      const total = touches.reduce((sum, r) => sum + Number(r.touches), 0);
      const response = replyRows.find((r) => Number(r.stage) === n);
      const responded = Number(response?.responded ?? 0);
      return {
        stage: s.stage,
        steps: s.steps,
        customerActions: {
          reach: Number(reach?.reach ?? 0),
          touches: total,
          steps: s.steps.map((step) => ({ step, reach: map.activityCases[step] ?? 0 })),
          channels: touches
            .map((r) => ({ channel: r.channel, touches: Number(r.touches) }))
            .sort((a, b) => b.touches - a.touches || (a.channel < b.channel ? -1 : 1)),
        },
        frontStage: {
          responded,
          medianResponseSeconds: responded > 0 ? Number(response!.median) : null,
          examples: response?.examples ?? [],
          actions: (response?.actions ?? []).map(([action, count]) => ({
            action: action.replace(/^brand: /, ""),
            count: Number(count),
          })),
        },
        dropOff: reach && Number(reach.reach) > 0 ? Number(reach.ended) / Number(reach.reach) : 0,
        outcomeRate: reach && Number(reach.reach) > 0 ? Number(reach.purchased) / Number(reach.reach) : 0,
        examples: reach?.examples ?? [],
        endedExamples: reach?.ended_examples ?? [],
        purchasedExamples: reach?.purchased_examples ?? [],
      };
    }),
  };
}

/** Per stage: question themes (needs), complaint themes, friction and SLA breaches (pain points), from the analyses. */
export async function blueprintPains(
  engine: Engine,
  compute: AnalyticCompute,
  filter: JourneyFilter,
  options: BlueprintOptions = {},
): Promise<Blueprint<BlueprintStagePains>> {
  const model = options.model;
  const journeyFilter = blueprintJourneyFilter(filter, options);
  // The lane's tasks need no stages: they start while the engine reads the map (its worker and the engine
  // work side by side; alone on a fresh server, pains 1.03-1.04 s -> 0.94-0.99 s).
  const [{ map, stages }, [voice, friction, conformance]] = await Promise.all([
    blueprintBase(engine, filter, options),
    Promise.all([
      journeyFilter.by === "touchpoint"
        ? compute.voice({ weeks: 520, top: 3, segment: filter.segment })
        : Promise.resolve(undefined),
      compute.friction({ ...journeyFilter, brand: false }, { top: 1000 }),
      model && model.slas.length > 0
        ? compute.conformance({ ...journeyFilter, brand: false }, model, 0)
        : Promise.resolve(undefined as ConformanceResult | undefined),
    ]),
  ]);
  return {
    model: model?.name ?? null,
    by: journeyFilter.by,
    cases: map.cases,
    stages: stages.map((s) => {
      const spaces = (space: string) =>
        (voice?.touchpoints ?? [])
          .filter((t) => s.steps.includes(t.touchpoint))
          .flatMap((t) => t.spaces.filter((v) => v.behaviour === space).flatMap((v) => v.themes))
          .sort((a, b) => b.messages - a.messages)
          .slice(0, 5);
      const inStage = (key: string) => {
        const from = key.split("->")[0]!;
        const step = model?.steps.find((m) => m.id === from);
        return step !== undefined && s.steps.includes(step.label);
      };
      return {
        stage: s.stage,
        steps: s.steps,
        needs: spaces("question"),
        painPoints: {
          complaints: spaces("complaint"),
          friction: friction.items
            .filter((item) => item.kind === "step" && s.steps.includes(item.item))
            .map((item) => ({ step: item.item, friction: item.friction, explanation: item.explanation })),
          slaBreaches: Object.fromEntries(
            Object.entries(conformance?.deviations.slaBreaches ?? {}).filter(([key]) => inStage(key)),
          ),
          slaBreachExamples: Object.fromEntries(
            Object.entries(conformance?.deviations.slaBreachExamples ?? {}).filter(([key]) => inStage(key)),
          ),
        },
      };
    }),
  };
}
