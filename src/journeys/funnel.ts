/**
 * Funnels: ordered steps (each step one activity or any of several), a conversion window for the whole
 * funnel and optionally per step. For each case every occurrence of the first step is tried as a start and
 * the one that gets furthest (earliest on ties) counts, so a late successful attempt is not hidden by an
 * early failed one. At each drop-off, what those people did instead: their next step, and the channel they
 * hopped to (the first later touch on another channel within the window; "(stayed)" when none).
 */
import type { Engine } from "../store/engine.js";
import { casesQuery, type JourneyFilter, type Touch } from "./query.js";

export interface FunnelStep {
  /** Activities that count as this step (any of them). */
  anyOf: string[];
  /** Most time allowed since the previous step (ms). */
  windowMs?: number;
}

export interface FunnelResult {
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
  }[];
}

/** The furthest the case gets through the funnel, with the index of each step's event. */
export function walk(journey: readonly Touch[], steps: readonly FunnelStep[], windowMs: number): number[] {
  let best: number[] = [];
  for (let start = 0; start < journey.length; start++) {
    if (!steps[0]!.anyOf.includes(journey[start]![2])) continue;
    const hits = [start];
    for (let s = 1; s < steps.length; s++) {
      const previous = journey[hits[s - 1]!]!;
      let found = -1;
      for (let i = hits[s - 1]! + 1; i < journey.length; i++) {
        const touch = journey[i]!;
        if (touch[0] - journey[start]![0] > windowMs) break;
        const stepWindow = steps[s]!.windowMs;
        if (stepWindow !== undefined && touch[0] - previous[0] > stepWindow) break;
        if (steps[s]!.anyOf.includes(touch[2])) {
          found = i;
          break;
        }
      }
      if (found < 0) break;
      hits.push(found);
    }
    if (hits.length > best.length) best = hits;
    if (best.length === steps.length) break;
  }
  return best;
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

const top = <K extends string>(counts: Map<string, number>, key: K, limit = 5) =>
  [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([value, count]) => ({ [key]: value, count }) as { [P in K]: string } & { count: number });

export async function funnel(
  engine: Engine,
  filter: JourneyFilter,
  steps: FunnelStep[],
  options: { windowMs?: number } = {},
): Promise<FunnelResult> {
  if (steps.length < 2) throw new RangeError("a funnel needs at least two steps");
  const windowMs = options.windowMs ?? 30 * 86_400_000;
  const { sql, params } = casesQuery(filter);
  const entered = steps.map(() => 0);
  const gaps: number[][] = steps.map(() => []);
  const toConvert: number[] = [];
  const nextSteps = steps.map(() => new Map<string, number>());
  const nextChannels = steps.map(() => new Map<string, number>());
  let cases = 0;
  for await (const { journey } of engine.stream<{ journey: Touch[] }>(
    `SELECT journey FROM (${sql})`,
    params,
  )) {
    cases++;
    const hits = walk(journey, steps, windowMs);
    hits.forEach((index, s) => {
      entered[s]!++;
      if (s > 0) gaps[s]!.push((journey[index]![0] - journey[hits[s - 1]!]![0]) / 1000);
    });
    if (hits.length === steps.length)
      toConvert.push((journey[hits[hits.length - 1]!]![0] - journey[hits[0]!]![0]) / 1000);
    else if (hits.length > 0) {
      const last = hits.length - 1;
      const at = journey[hits[last]!]!;
      const next = journey[hits[last]! + 1];
      // Where they went: the first later touch on another channel within the window (a hop), if any.
      const hop = journey.slice(hits[last]! + 1).find((t) => t[3] !== at[3] && t[0] - at[0] <= windowMs);
      const nextKey = next ? next[2] : "(end)";
      const hopKey = hop ? hop[3] : "(stayed)";
      nextSteps[last]!.set(nextKey, (nextSteps[last]!.get(nextKey) ?? 0) + 1);
      nextChannels[last]!.set(hopKey, (nextChannels[last]!.get(hopKey) ?? 0) + 1);
    }
  }
  for (const g of gaps) g.sort((a, b) => a - b);
  toConvert.sort((a, b) => a - b);
  const converted = entered[steps.length - 1]!;
  return {
    cases,
    converted,
    conversion: entered[0]! > 0 ? converted / entered[0]! : 0,
    medianSecondsToConvert: quantile(toConvert, 0.5),
    p90SecondsToConvert: quantile(toConvert, 0.9),
    steps: steps.map((step, s) => ({
      step: step.anyOf.join(" | "),
      entered: entered[s]!,
      conversionFromPrevious: s === 0 ? 1 : entered[s - 1]! > 0 ? entered[s]! / entered[s - 1]! : 0,
      conversionFromStart: entered[0]! > 0 ? entered[s]! / entered[0]! : 0,
      medianSecondsFromPrevious: s === 0 ? null : quantile(gaps[s]!, 0.5),
      p90SecondsFromPrevious: s === 0 ? null : quantile(gaps[s]!, 0.9),
      droppedAfter: s < steps.length - 1 ? entered[s]! - entered[s + 1]! : 0,
      nextInstead: top(nextSteps[s]!, "step"),
      nextChannelsInstead: top(nextChannels[s]!, "channel"),
    })),
  };
}

/** Parses "A", "A|B" (any of), with an optional "@2h" step window: "checkout|cart@2h". */
export function parseStep(text: string): FunnelStep {
  const [names, window] = text.split("@");
  const anyOf = names!
    .split("|")
    .map((s) => s.trim())
    .filter(Boolean);
  if (anyOf.length === 0) throw new RangeError(`step "${text}" names no activity`);
  return { anyOf, windowMs: window ? parseDuration(window) : undefined };
}

/** "90s", "30m", "2h", "7d" -> milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not a duration like 30m, 2h, 7d`);
  const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[match[2] as "s" | "m" | "h" | "d" | "w"];
  return Number(match[1]) * unit;
}
