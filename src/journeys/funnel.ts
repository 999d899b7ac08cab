/**
 * Funnels: ordered steps (each step one activity or any of several), a conversion window for the whole
 * funnel and optionally per step. For each case every occurrence of the first step is tried as a start and
 * the one that gets furthest (earliest on ties) counts, so a late successful attempt is not hidden by an
 * early failed one. At each drop-off, what those people did instead: their next step, and the channel they
 * hopped to (the first later touch on another channel within the window; "(stayed)" when none).
 *
 * Optional steps (neither the first nor the last) never stop anyone: the required steps make the funnel, and
 * an optional step counts for a case when it happens after the previous step reached and before the next
 * required step's touch (or, for a case that stops there, at all within the windows). A required step's own
 * window and exclusions run from the previous required step; an optional step's from the previous step hit.
 */
import { LATEST_SEGMENT_MEMBERS } from "../segments/sql.js";
import type { Engine } from "../store/engine.js";
import { type JourneyFilter, journeyCases, type Touch } from "./query.js";

export interface FunnelStep {
  /** Activities that count as this step (any of them). */
  anyOf: string[];
  /** Most time allowed since the previous step (ms). */
  windowMs?: number;
  /**
   * Exclusions: activities that must not happen between the previous step and this one ("did not do X
   * between A and B"). An attempt that meets one there does not get past the previous step.
   */
  exclude?: string[];
  /** Skippable: people who do not do it still go on to the next step. */
  optional?: boolean;
}

export interface FunnelResult {
  /** With a breakdown: the funnel per channel of its first step's touch, per week or month it started, or per segment. */
  breakdown?: {
    by: FunnelBreakdown;
    groups: { value: string; entered: number[]; converted: number; conversion: number }[];
  };
  cases: number;
  converted: number;
  conversion: number;
  medianSecondsToConvert: number | null;
  p90SecondsToConvert: number | null;
  steps: {
    step: string;
    entered: number;
    conversionFromPrevious: number;
    conversionFromStart: number;
    medianSecondsFromPrevious: number | null;
    p90SecondsFromPrevious: number | null;
    droppedAfter: number;
    nextInstead: { step: string; count: number }[];
    nextChannelsInstead: { channel: string; count: number }[];
    /** Present (true) for an optional step. */
    optional?: boolean;
  }[];
}

/**
 * The furthest the case gets through the funnel: the index of each step's touch, up to the last required
 * step reached and any optional steps done after it (-1: an optional step skipped). The reading definition
 * the engine's funnel is tested against.
 */
export function walk(journey: readonly Touch[], steps: readonly FunnelStep[], windowMs: number): number[] {
  const required = (hits: number[]) => hits.filter((h, s) => h >= 0 && !steps[s]!.optional).length;
  let best: number[] = [];
  for (let start = 0; start < journey.length; start++) {
    if (!steps[0]!.anyOf.includes(journey[start]![2])) continue;
    // The first touch of `step` after `from`, within the windows (its own from `from`), before `bound`.
    const search = (step: FunnelStep, from: number, bound = journey.length) => {
      for (let i = from + 1; i < bound; i++) {
        const touch = journey[i]!;
        if (touch[0] - journey[start]![0] > windowMs) break;
        if (step.windowMs !== undefined && touch[0] - journey[from]![0] > step.windowMs) break;
        if (step.anyOf.includes(touch[2])) return i;
        if (step.exclude?.includes(touch[2])) break;
      }
      return -1;
    };
    const hits = [start];
    let lastRequired = start;
    for (let s = 1; s < steps.length; ) {
      let next = s;
      while (steps[next]!.optional) next++;
      const found = search(steps[next]!, lastRequired);
      let previous = lastRequired;
      for (let o = s; o < next; o++) {
        const hit = search(steps[o]!, previous, found >= 0 ? found : journey.length);
        hits.push(hit);
        if (hit >= 0) previous = hit;
      }
      if (found < 0) break;
      hits.push(found);
      lastRequired = found;
      s = next + 1;
    }
    while (hits.at(-1) === -1) hits.pop();
    if (required(hits) > required(best)) best = hits;
    if (best.length === steps.length && required(best) === steps.filter((step) => !step.optional).length)
      break;
  }
  return best;
}

const top = <K extends string>(counts: Map<string, number>, key: K, limit = 5) =>
  [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([value, count]) => ({ [key]: value, count }) as { [P in K]: string } & { count: number });

/**
 * The funnel walk of `walk` above, in the engine over each case's arrays, and everything the result needs in
 * one pass: cases grouped by how far they got, what they did next and the channel they hopped to, with the
 * waiting-time quantiles kept as partial states and merged over all groups.
 * From each start (a touch of step 1) each next step is that step's first touch after the previous hit; a
 * hit past the funnel window or the step's own window ends the attempt (touches are in time order, so no
 * later one could be inside). The furthest attempt counts, the earliest among equals. Every start's
 * chain of required hits is read from arrays over all touches (funnelSql), so a case costs its touches x
 * the steps squared, not its starts x its touches.
 */
/**
 * What a funnel can be broken down by: the channel of its first step's touch, when that touch was, or the
 * customer's segment in the latest segmentation run ("(none)" for customers it did not place).
 */
export type FunnelBreakdown = "channel" | "week" | "month" | "segment";

/** Each case's group, from its hits (a case that never entered has none). */
const BREAKDOWN_KEY: Record<FunnelBreakdown | "none", string> = {
  none: "''",
  channel: "if(level = 0, '', channels[hits[1]])",
  week: "if(level = 0, '', toString(toMonday(fromUnixTimestamp64Milli(toInt64(times[hits[1]])))))",
  month: "if(level = 0, '', toString(toStartOfMonth(fromUnixTimestamp64Milli(toInt64(times[hits[1]])))))",
  segment: "if(level = 0, '', segment)",
};

/** Each case's segment (its customer's), for the segment breakdown. */
const withSegment = (cases: string) => `
  SELECT c.*, if(m.customer_id = '', '(none)', toString(m.segment_id)) AS segment
  FROM (${cases}) AS c
  LEFT JOIN ${LATEST_SEGMENT_MEMBERS} AS m ON m.customer_id = c.customer`;

/**
 * How the steps are walked: `chain`, the required steps (1-based step numbers) in order; each optional step
 * with the chain positions of the required steps around it; the steps with exclusions before them.
 */
interface FunnelPlan {
  stepCount: number;
  chain: number[];
  optional: { step: number; after: number; before: number }[];
  excluding: number[];
}

function funnelPlan(steps: readonly FunnelStep[]): FunnelPlan {
  const chain: number[] = [];
  const optional: FunnelPlan["optional"] = [];
  steps.forEach((step, i) => {
    if (step.optional) optional.push({ step: i + 1, after: chain.length, before: chain.length + 1 });
    else chain.push(i + 1);
  });
  const excluding = steps.flatMap((step, i) => (step.exclude?.length ? [i + 1] : []));
  return { stepCount: steps.length, chain, optional, excluding };
}

function funnelSql(cases: string, plan: FunnelPlan, breakdown: FunnelBreakdown | "none"): string {
  const { chain, excluding } = plan;
  const stepCount = chain.length;
  // Chain positions 1 ... N (the required steps in order).
  const perStep = Array.from({ length: stepCount }, (_, i) => i + 1);
  // next_s[i]: the first touch at or after i that counts as step s (0: none), so each search is one lookup.
  const firstAfter = (step: number, from: string) =>
    `if(${from} = 0 OR ${from} >= length(times), 0, next_${step}[${from} + 1])`;
  // What ends an attempt at a step's hit: none found, past the funnel's window from the start or the step's
  // own from the hit before, or one of the step's exclusions between the two hits (only steps with any).
  const ends = (
    step: number,
    hit: { missing: string; time: string; start: string; previous: string; excludedBetween: string },
  ) =>
    `${hit.missing} OR ${hit.time} - ${hit.start} > {window:Int64} OR ${hit.time} - ${hit.previous} > {stepWindows:Array(Int64)}[${step}]${excluding.includes(step) ? ` OR ${hit.excludedBetween} > 0` : ""}`;
  // excluded_s[i]: how many of step s's exclusions happened up to touch i.
  const outside = (step: number, from: string, start = "h1") =>
    ends(step, {
      missing: "k = 0",
      time: "times[k]",
      start: `times[${start}]`,
      previous: `times[${from}]`,
      excludedBetween: `excluded_${step}[k - 1] - excluded_${step}[${from}]`,
    });
  // Every start's required chain, found without a lambda that reads another array (such a lambda copies
  // that array once per element: starts x touches per case). chain_c_d[j] is the hit of chain position d
  // when position c is searched after touch j: position c's hit is the first touch of its step after j, and
  // each later one is chain_(c+1)_d read at that touch, so each is the value at c's step's touches carried
  // back to the touches before them by a reverse fill and shifted by one. A hit is (touch + 1, time,
  // exclusions of its step before it, exclusions of the next chain step up to it); touch + 1 is 0 where c's
  // step never comes after j and 1 where it does but position d is not found from there.
  // A step's exclusions before each touch, and up to each touch: arrays only for steps with exclusions.
  // The chains run over the funnel's own touches only (`c...` arrays: the touches that count as a step or an
  // exclusion, about a quarter of the demo's): no other touch can be a hit or move an exclusion count, and
  // `cidx` keeps each one's place in the whole journey, so hits still index `times`, `steps`, `channels`.
  const exclusionsBefore = (step: number | undefined) =>
    step !== undefined && excluding.includes(step)
      ? `arraySlice(arrayPushFront(cexcluded_${step}, toUInt64(0)), 1, length(cexcluded_${step}))`
      : undefined;
  const exclusionsUpTo = (step: number | undefined) =>
    step !== undefined && excluding.includes(step) ? `cexcluded_${step}` : undefined;
  // (Shifted by appending and dropping the first: a case without the funnel's touches keeps its empty array.)
  const carriedBack = (hits: string) =>
    `arraySlice(arrayPushBack(arrayReverseFill(x -> x.1 > 0, ${hits}), (0, 0, 0, 0)), 2)`;
  const chains: string[] = [];
  for (let c = stepCount; c >= 2; c--) {
    const step = chain[c - 1]!;
    const before = exclusionsBefore(step);
    const upTo = exclusionsUpTo(chain[c]);
    chains.push(
      `${carriedBack(`arrayMap((code, k, t${before ? ", ob" : ""}${upTo ? ", na" : ""}) ->
                    if(bitTest(code, ${step - 1}), (k + 1, t, ${before ? "ob" : "toUInt64(0)"}, ${upTo ? "na" : "toUInt64(0)"}), (0, 0, 0, 0)),
                  ccodes, cidx, ctimes${before ? `, ${before}` : ""}${upTo ? `, ${upTo}` : ""})`)} AS chain_${c}_${c}`,
    );
    for (let d = c + 1; d <= stepCount; d++)
      chains.push(
        `${carriedBack(`arrayMap((code, y) -> if(bitTest(code, ${step - 1}), (greatest(y.1, 1), y.2, y.3, y.4), (0, 0, 0, 0)),
                    ccodes, chain_${c + 1}_${d})`)} AS chain_${c}_${d}`,
      );
  }
  // From start h1 (time t1, the second chain step's exclusions up to it e1), y_d its chain: the first hit
  // missing or outside a window (the funnel's from h1, the step's own from the hit before) or after an
  // exclusion ends the attempt; the attempt is the hits before it, zeros after.
  const levels = perStep.slice(1);
  const broken = levels.map((d) =>
    ends(chain[d - 1]!, {
      missing: `y${d}.1 <= 1`,
      time: `y${d}.2`,
      start: "t1",
      previous: d === 2 ? "t1" : `y${d - 1}.2`,
      excludedBetween: `y${d}.3 - ${d === 2 ? "e1" : `y${d - 1}.4`}`,
    }),
  );
  const starts = (array: string) => `arrayFilter((v, c) -> bitTest(c, 0), ${array}, ccodes)`;
  const startExclusions = exclusionsUpTo(chain[1]);
  const attempts = `arrayMap((h1, t1, ${startExclusions ? "e1, " : ""}${levels.map((d) => `y${d}`).join(", ")}) ->
      arrayConcat([h1], arrayResize(arraySlice([${levels.map((d) => `toUInt32(greatest(y${d}.1, 1) - 1)`).join(", ")}], 1, arrayFirstIndex(b -> b, [${broken.join(", ")}, 1]) - 1), ${stepCount - 1})),
      ${starts("cidx")}, ${starts("ctimes")}, ${startExclusions ? `${starts(startExclusions)}, ` : ""}${levels.map((d) => starts(`chain_2_${d}`)).join(", ")})`;
  // Optional steps, each from the previous step hit (an optional one before it, or the required one), before
  // the next required step's touch when the case reached it; o_s is its touch (0: skipped or not reached).
  let previousHit = "";
  const optionalHits = plan.optional.map(({ step, after, before }, j) => {
    const previousOptional = plan.optional[j - 1];
    const from =
      previousOptional && previousOptional.after === after
        ? `if(o_${previousOptional.step} > 0, o_${previousOptional.step}, ${previousHit})`
        : `hits[${after}]`;
    previousHit = from;
    return `if(level < ${after}, 0, arrayMap(prev -> arrayMap(k -> if(${outside(step, "prev", "hits[1]")} OR (level >= ${before} AND k >= hits[${before}]), 0, k), [${firstAfter(step, "prev")}])[1], [${from}])[1]) AS o_${step},
            if(o_${step} > 0, (times[o_${step}] - times[${from}]) / 1000, 0) AS ogap_${step}`;
  });
  const optionalMask =
    plan.optional.length > 0
      ? plan.optional.map(({ step }, j) => `bitShiftLeft(toUInt64(o_${step} > 0), ${j})`).join(" + ")
      : "toUInt64(0)";
  // What the optional steps' searches read, carried out of the subquery that builds it.
  const carried = plan.optional
    .flatMap(({ step }) => [`next_${step},`, ...(excluding.includes(step) ? [`excluded_${step},`] : [])])
    .join(" ");
  // Each touch's funnel steps as bits (bit s-1: it counts as step s), one map lookup per touch; the same
  // for exclusions (bit s-1: it must not happen before step s).
  const stepCodes = "arrayMap(x -> {stepBits:Map(String, UInt64)}[x], steps)";
  const exclusionCodes =
    excluding.length > 0 ? ", arrayMap(x -> {excludeBits:Map(String, UInt64)}[x], steps) AS xcodes" : "";
  return `
    SELECT groupArray((level, next, hop, n, group_key, optional_mask)) AS groups,
           ${[
             ...perStep
               .slice(1)
               .map(
                 (c) =>
                   `quantilesExactInclusiveIfMerge(0.5, 0.9)(gap_${chain[c - 1]}) AS gap_${chain[c - 1]}`,
               ),
             ...plan.optional.map(
               ({ step }) => `quantilesExactInclusiveIfMerge(0.5, 0.9)(gap_${step}) AS gap_${step}`,
             ),
           ].join(", ")},
           quantilesExactInclusiveIfMerge(0.5, 0.9)(convert) AS convert
    FROM (
    SELECT level, next, hop, group_key, optional_mask, count() AS n,
           ${[
             ...perStep
               .slice(1)
               .map(
                 (c) =>
                   `quantilesExactInclusiveIfState(0.5, 0.9)(gaps[${c - 1}], level >= ${c}) AS gap_${chain[c - 1]}`,
               ),
             ...plan.optional.map(
               ({ step }) =>
                 `quantilesExactInclusiveIfState(0.5, 0.9)(ogap_${step}, o_${step} > 0) AS gap_${step}`,
             ),
           ].join(", ")},
           quantilesExactInclusiveIfState(0.5, 0.9)(to_convert, level = ${stepCount}) AS convert
    FROM (
      SELECT length(hits) AS level, ${BREAKDOWN_KEY[breakdown]} AS group_key,
             ${optionalHits.map((o) => `${o},`).join(" ")}
             ${optionalMask} AS optional_mask,
             arrayMap((h, p) -> (times[h] - times[p]) / 1000, arrayPopFront(hits), arrayPopBack(hits)) AS gaps,
             if(level > 0, (times[hits[-1]] - times[hits[1]]) / 1000, 0) AS to_convert,
             hits[-1] AS last, channels[last] AS last_channel, times[last] AS last_time,
             if(level = 0 OR level = ${stepCount}, '', if(last < length(steps), steps[last + 1], '(end)')) AS next,
             if(level = 0 OR level = ${stepCount}, '',
                arraySlice(channels, last + 1)[arrayFirstIndex((c, t) -> c != last_channel AND t - last_time <= {window:Int64},
                                                                arraySlice(channels, last + 1), arraySlice(times, last + 1))]) AS hop_channel,
             if(hop_channel = '' AND level > 0 AND level < ${stepCount}, '(stayed)', hop_channel) AS hop
      FROM (
        SELECT steps, times, channels, ${breakdown === "segment" ? "segment," : ""} ${carried}
               ${attempts} AS attempts,
               arrayMap(a -> arrayCount(h -> h > 0, a), attempts) AS reached,
               if(length(attempts) = 0, [], arrayFilter(h -> h > 0, attempts[indexOf(reached, arrayMax(reached))])) AS hits
        FROM (
          SELECT steps, times, channels, ${breakdown === "segment" ? "segment," : ""} arrayEnumerate(steps) AS idx, ${stepCodes} AS codes${exclusionCodes},
                 ${excluding.map((s) => `arrayCumSum(arrayMap(c -> toUInt32(bitTest(c, ${s - 1})), xcodes)) AS excluded_${s},`).join(" ")}
                 ${excluding.length > 0 ? "arrayMap((c, x) -> c > 0 OR x > 0, codes, xcodes)" : "arrayMap(c -> c > 0, codes)"} AS own,
                 arrayFilter((v, keep) -> keep, codes, own) AS ccodes, arrayFilter((v, keep) -> keep, idx, own) AS cidx,
                 arrayFilter((v, keep) -> keep, times, own) AS ctimes,
                 ${excluding.map((s) => `arrayFilter((v, keep) -> keep, excluded_${s}, own) AS cexcluded_${s},`).join(" ")}
                 ${[
                   // The optional steps search from a known hit: next_s[i], the first touch of s at or after i.
                   ...plan.optional.map(
                     ({ step: s }) =>
                       `arrayReverseFill(x -> x > 0, arrayMap((c, i) -> if(bitTest(c, ${s - 1}), i, 0), codes, idx)) AS next_${s}`,
                   ),
                   ...chains,
                 ].join(",\n")}
          FROM (${breakdown === "segment" ? withSegment(cases) : cases})
        )
      )
    )
    GROUP BY level, next, hop, group_key, optional_mask
    )`;
}

/** One bit per step in a 32-bit integer (JS bit operations). */
const MAX_FUNNEL_STEPS = 30;

/** Each activity of the funnel with its steps as bits (bit s-1: it counts as step s, or is excluded before it). */
function stepBits(
  steps: FunnelStep[],
  of: (step: FunnelStep) => string[] = (step) => step.anyOf,
): Record<string, number> {
  const bits: Record<string, number> = {};
  steps.forEach((step, s) => {
    for (const activity of of(step)) bits[activity] = (bits[activity] ?? 0) | (1 << s);
  });
  return bits;
}

export async function funnel(
  engine: Engine,
  filter: JourneyFilter,
  steps: FunnelStep[],
  options: { windowMs?: number; breakdown?: FunnelBreakdown } = {},
): Promise<FunnelResult> {
  if (steps.length < 2) throw new RangeError("a funnel needs at least two steps");
  if (steps.length > MAX_FUNNEL_STEPS) throw new RangeError(`a funnel has at most ${MAX_FUNNEL_STEPS} steps`);
  const windowMs = options.windowMs ?? 30 * 86_400_000;
  if (steps[0]!.exclude?.length) throw new RangeError("the first step has no previous step to exclude from");
  if (steps[0]!.optional || steps.at(-1)!.optional)
    throw new RangeError("the first and the last step cannot be optional");
  const plan = funnelPlan(steps);
  const { sql, params } = await journeyCases(engine, filter);
  const [result] = await engine.query<
    {
      groups: Array<[level: number, next: string, hop: string, n: number, key: string, optional: number]>;
    } & Record<string, number[]>
  >(funnelSql(sql, plan, options.breakdown ?? "none"), {
    ...params,
    stepBits: stepBits(steps),
    excludeBits: stepBits(steps, (step) => step.exclude ?? []),
    window: windowMs,
    // No step window: the funnel's own is the bound.
    stepWindows: steps.map((s) => Math.round(s.windowMs ?? windowMs)),
  });
  const groups = (result?.groups ?? []).map(([level, next, hop, n, key, optional]) => ({
    level: Number(level),
    next,
    hop,
    n: Number(n),
    key,
    optional: Number(optional),
  }));
  const entered = steps.map((_, s) => groups.reduce((sum, g) => sum + (reached(plan, g, s) ? g.n : 0), 0));
  // The required step before step s (0-based), for its conversion.
  const requiredBefore = (s: number) => plan.chain.filter((step) => step <= s).at(-1)! - 1;
  const requiredAfter = (s: number) => plan.chain.find((step) => step > s + 1);
  const quantiles = (value: number[] | undefined, n: number) =>
    n > 0 && value ? value.map(Number) : [null, null];
  const converted = entered[steps.length - 1]!;
  const [medianConvert, p90Convert] = quantiles(result?.convert, converted);
  const tally = (kind: "next" | "hop", level: number) => {
    const counts = new Map<string, number>();
    for (const g of groups) if (g.level === level) counts.set(g[kind], (counts.get(g[kind]) ?? 0) + g.n);
    return counts;
  };
  const breakdown = options.breakdown
    ? { by: options.breakdown, groups: breakdownGroups(groups, plan, options.breakdown) }
    : undefined;
  return {
    ...(breakdown ? { breakdown } : {}),
    cases: groups.reduce((sum, g) => sum + g.n, 0),
    converted,
    conversion: entered[0]! > 0 ? converted / entered[0]! : 0,
    medianSecondsToConvert: medianConvert ?? null,
    p90SecondsToConvert: p90Convert ?? null,
    steps: steps.map((step, s) => {
      const [median, p90] = s === 0 ? [null, null] : quantiles(result?.[`gap_${s + 1}`], entered[s]!);
      // Conversion from the required step before; drop-off to the next required step (none for optional ones).
      const previous = s === 0 ? 0 : requiredBefore(s);
      const next = step.optional ? undefined : requiredAfter(s);
      const droppedAfter = next === undefined ? 0 : entered[s]! - entered[next - 1]!;
      const level = plan.chain.indexOf(s + 1) + 1;
      return {
        step:
          step.anyOf.join(" | ") +
          (step.exclude?.length ? ` (not after ${step.exclude.join(" | ")})` : "") +
          (step.optional ? " (optional)" : ""),
        ...(step.optional ? { optional: true } : {}),
        entered: entered[s]!,
        conversionFromPrevious: s === 0 ? 1 : entered[previous]! > 0 ? entered[s]! / entered[previous]! : 0,
        conversionFromStart: entered[0]! > 0 ? entered[s]! / entered[0]! : 0,
        medianSecondsFromPrevious: median ?? null,
        p90SecondsFromPrevious: p90 ?? null,
        droppedAfter,
        nextInstead: droppedAfter > 0 ? top(tally("next", level), "step") : [],
        nextChannelsInstead: droppedAfter > 0 ? top(tally("hop", level), "channel") : [],
      };
    }),
  };
}

/** Whether a group of cases reached step s (0-based): a required step by its level, an optional one by its bit. */
function reached(plan: FunnelPlan, group: { level: number; optional: number }, s: number): boolean {
  const optional = plan.optional.findIndex((o) => o.step === s + 1);
  if (optional >= 0) return (group.optional & (1 << optional)) !== 0;
  return group.level >= plan.chain.indexOf(s + 1) + 1;
}

/** Per group (channel, week or month of the first step), how many entered each step; channels by size, periods in order. */
function breakdownGroups(
  groups: Array<{ level: number; n: number; key: string; optional: number }>,
  plan: FunnelPlan,
  by: FunnelBreakdown,
): NonNullable<FunnelResult["breakdown"]>["groups"] {
  const stepCount = plan.stepCount;
  const entered = new Map<string, number[]>();
  for (const g of groups) {
    if (g.level === 0) continue;
    const counts = entered.get(g.key) ?? Array.from({ length: stepCount }, () => 0);
    for (let s = 0; s < stepCount; s++) if (reached(plan, g, s)) counts[s]! += g.n;
    entered.set(g.key, counts);
  }
  return [...entered.entries()]
    .map(([value, counts]) => ({
      value,
      entered: counts,
      converted: counts[stepCount - 1]!,
      conversion: counts[stepCount - 1]! / counts[0]!,
    }))
    .sort((a, b) =>
      by === "channel" || by === "segment"
        ? b.entered[0]! - a.entered[0]! || (a.value < b.value ? -1 : 1)
        : a.value < b.value
          ? -1
          : 1,
    );
}

/**
 * Parses "A", "A|B" (any of), with exclusions since the previous step after "!", an optional "@2h" step
 * window and a final "?" for an optional step: "order!checkout error|phone order@2h" (order within 2 h of
 * the previous step, with neither a checkout error nor a phone order in between); "catalogue?" (skippable).
 */
export function parseStep(input: string): FunnelStep {
  const optional = input.trimEnd().endsWith("?");
  const text = optional ? input.trimEnd().slice(0, -1) : input;
  const [names, window] = text.split("@");
  const [wanted, excluded] = names!.split("!");
  const list = (part: string | undefined) =>
    (part ?? "")
      .split("|")
      .map((s) => s.trim())
      .filter(Boolean);
  const anyOf = list(wanted);
  if (anyOf.length === 0) throw new RangeError(`step "${text}" names no activity`);
  const exclude = list(excluded);
  if (excluded !== undefined && exclude.length === 0)
    throw new RangeError(`step "${text}": "!" names no exclusion`);
  return {
    anyOf,
    windowMs: window ? parseDuration(window) : undefined,
    ...(exclude.length > 0 ? { exclude } : {}),
    ...(optional ? { optional } : {}),
  };
}

/** "90s", "30m", "2h", "7d" -> milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not a duration like 30m, 2h, 7d`);
  const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[match[2] as "s" | "m" | "h" | "d" | "w"];
  return Number(match[1]) * unit;
}

export interface SuggestedFunnel {
  /** The conversion's step on that path (where the purchase event happened), or null without any purchase. */
  conversion: string | null;
  /** The most common path to it: each customer's last distinct steps before their first conversion. */
  steps: string[];
  /** Customers whose path to the conversion ends with exactly these steps. */
  cases: number;
  /** Customers who converted at all. */
  converted: number;
}

/**
 * A sensible first funnel: the most common way customers reach the main conversion. For each case with a
 * purchase event, the steps before its first one are reduced to the last occurrence of each (a loop back to
 * the product page counts once, where it last happened), and the last `length` of them, conversion
 * included, form its path; the most common path wins (ties: the lexicographically first).
 */
export async function suggestedFunnel(
  engine: Engine,
  filter: JourneyFilter,
  purchaseEvents: string[],
  length = 4,
): Promise<SuggestedFunnel> {
  const { sql, params } = await journeyCases(engine, filter);
  const [row] = await engine.query<{ path: string[]; n: number; converted: number }>(
    `SELECT path, count() AS n, sum(count()) OVER () AS converted
     FROM (
       SELECT arrayFirstIndex(x -> has({purchases:Array(String)}, x), names) AS at,
              arrayReverse(arrayDistinct(arrayReverse(arraySlice(steps, 1, at)))) AS last_of_each,
              arraySlice(last_of_each, greatest(1, length(last_of_each) - {length:UInt32} + 1)) AS path
       FROM (${sql}) WHERE at > 0
     )
     GROUP BY path ORDER BY n DESC, path LIMIT 1`,
    { ...params, purchases: purchaseEvents, length },
  );
  if (!row) return { conversion: null, steps: [], cases: 0, converted: 0 };
  return {
    conversion: row.path.at(-1) ?? null,
    steps: row.path,
    cases: Number(row.n),
    converted: Number(row.converted),
  };
}
