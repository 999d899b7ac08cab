/**
 * Multi-touch attribution of conversions to channels (or touchpoints), from journeys given as paths with
 * their conversion and null (non-converting) counts.
 * - Heuristics: first touch, last touch, linear (each touch an equal share), time decay (a touch's weight
 *   halves every `halfLife` steps before the conversion).
 * - Shapley value with v(S) = conversions of the journeys whose set of channels lies within S (Zhao et al.
 *   2018, "Shapley value methods for attribution modeling in online advertising"); this game is a sum of
 *   unanimity games, so a channel's value is Σ over journeys containing it of conversions / |channels|.
 * - Markov chain removal effects as ChannelAttribution defines them (start, conversion and null states;
 *   repeated consecutive channels collapsed), computed exactly: absorption probabilities of the absorbing
 *   chain by a linear solve (ml-matrix), not by simulation. Order k uses the last k channels as the state.
 * - Bounded cost: each removal effect is a dense solve over the chain's states, so the channels beyond the
 *   top `maxStates` by volume (default 50) are folded into one "(other)" channel first, and fewer are kept
 *   when a higher order would still give the chain more than MAX_MARKOV_STATES states.
 */
import { Matrix, solve } from "ml-matrix";
import { DEFAULT_MAX_STATES } from "./defaults.js";

export interface PathRow {
  path: string[];
  conversions: number;
  value: number;
  nulls: number;
}

export type Shares = Record<string, number>;

export const OTHER_STATE = "(other)";
/** Most transient states of the Markov chain: each removal effect solves a dense system of this size. */
export const MAX_MARKOV_STATES = 200;

export interface AttributionResult {
  /** Channels kept by volume; the `folded` others count as "(other)". */
  states: { kept: number; folded: number };
  markov: {
    order: number;
    conversionProbability: number;
    removalEffects: Shares;
    conversions: Shares;
    value: Shares;
  };
  shapley: { conversions: Shares; value: Shares };
  firstTouch: { conversions: Shares; value: Shares };
  lastTouch: { conversions: Shares; value: Shares };
  linear: { conversions: Shares; value: Shares };
  timeDecay: { halfLife: number; conversions: Shares; value: Shares };
}

export function parsePath(text: string, separator = ">"): string[] {
  return text
    .split(separator)
    .map((s) => s.replace(/^>+|>+$/g, "").trim())
    .filter(Boolean);
}

/** Sums per channel in a Map (an object keyed by arbitrary names is slow to grow), in insertion order. */
function add(target: Map<string, number>, key: string, amount: number): void {
  target.set(key, (target.get(key) ?? 0) + amount);
}

const shares = (sums: Map<string, number>): Shares => Object.fromEntries(sums);

/** The channels the paths go through. */
function channelsOf(rows: readonly PathRow[]): Set<string> {
  const channels = new Set<string>();
  for (const row of rows) for (const channel of row.path) channels.add(channel);
  return channels;
}

function heuristic(
  rows: readonly PathRow[],
  weights: (length: number) => number[],
): { conversions: Shares; value: Shares } {
  const conversions = new Map<string, number>();
  const value = new Map<string, number>();
  // Paths share lengths: each length's weights and their sum once (the same numbers, so the same sums).
  const byLength = new Map<number, { w: number[]; total: number }>();
  for (const row of rows) {
    const length = row.path.length;
    if (length === 0 || (row.conversions === 0 && row.value === 0)) continue;
    let weighted = byLength.get(length);
    if (!weighted) {
      const w = weights(length);
      weighted = { w, total: w.reduce((a, b) => a + b, 0) };
      byLength.set(length, weighted);
    }
    const { w, total } = weighted;
    for (let i = 0; i < length; i++) {
      const channel = row.path[i]!;
      add(conversions, channel, (row.conversions * w[i]!) / total);
      add(value, channel, (row.value * w[i]!) / total);
    }
  }
  return { conversions: shares(conversions), value: shares(value) };
}

export function shapley(rows: readonly PathRow[]): { conversions: Shares; value: Shares } {
  const conversions = new Map<string, number>();
  const value = new Map<string, number>();
  for (const row of rows) {
    const set = new Set(row.path);
    for (const channel of set) {
      add(conversions, channel, row.conversions / set.size);
      add(value, channel, row.value / set.size);
    }
  }
  return { conversions: shares(conversions), value: shares(value) };
}

const START = "(start)";
/** Joins the channels of a higher-order state; a character no channel name contains. */
const STATE_SEPARATOR = "\u0001";
const CONVERSION = "(conversion)";
const NULL = "(null)";

function collapse(path: readonly string[]): string[] {
  return path.filter((channel, i) => i === 0 || channel !== path[i - 1]);
}

/** Transition counts between states of order k (a state = the last k channels). */
function transitions(rows: readonly PathRow[], order: number): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  const bump = (from: string, to: string, n: number) => {
    if (n === 0) return;
    const row = counts.get(from) ?? new Map<string, number>();
    counts.set(from, row);
    row.set(to, (row.get(to) ?? 0) + n);
  };
  for (const row of rows) {
    const path = collapse(row.path);
    if (path.length === 0) continue;
    const weight = row.conversions + row.nulls;
    // Order 1 (the default): a state is its channel.
    const states =
      order === 1
        ? path
        : path.map((_, i) => path.slice(Math.max(0, i - order + 1), i + 1).join(STATE_SEPARATOR));
    bump(START, states[0]!, weight);
    for (let i = 1; i < states.length; i++) bump(states[i - 1]!, states[i]!, weight);
    bump(states[states.length - 1]!, CONVERSION, row.conversions);
    bump(states[states.length - 1]!, NULL, row.nulls);
  }
  return counts;
}

/** P(reaching conversion from start); states in `removed` send their traffic to null. */
function conversionProbability(
  counts: Map<string, Map<string, number>>,
  removed: (state: string) => boolean,
): number {
  const transient = [...counts.keys()].filter((s) => !removed(s));
  const index = new Map(transient.map((s, i) => [s, i]));
  const n = transient.length;
  const system = Matrix.eye(n, n);
  const target = Matrix.zeros(n, 1);
  transient.forEach((state, i) => {
    const row = counts.get(state)!;
    let total = 0;
    for (const count of row.values()) total += count;
    for (const [to, count] of row) {
      const p = count / total;
      if (to === CONVERSION) target.set(i, 0, target.get(i, 0) + p);
      else if (to !== NULL && !removed(to)) {
        const j = index.get(to);
        // A state with no outgoing counts (it only ever converts or drops) is absent; its traffic is absorbed.
        if (j !== undefined) system.set(i, j, system.get(i, j) - p);
      }
    }
  });
  const start = index.get(START);
  if (start === undefined || n === 0) return 0;
  return solve(system, target).get(start, 0);
}

export function markov(
  rows: readonly PathRow[],
  order = 1,
  counts = transitions(rows, order),
): AttributionResult["markov"] {
  const channels = [...channelsOf(rows)].sort();
  const base = conversionProbability(counts, () => false);
  const removalEffects: Shares = {};
  for (const channel of channels) {
    const without = conversionProbability(
      counts,
      (state) => state !== START && state.split(STATE_SEPARATOR).includes(channel),
    );
    removalEffects[channel] = base > 0 ? 1 - without / base : 0;
  }
  const totalEffect = Object.values(removalEffects).reduce((a, b) => a + b, 0);
  const totalConversions = rows.reduce((sum, r) => sum + r.conversions, 0);
  const totalValue = rows.reduce((sum, r) => sum + r.value, 0);
  const conversions: Shares = {};
  const value: Shares = {};
  for (const channel of channels) {
    const share = totalEffect > 0 ? removalEffects[channel]! / totalEffect : 0;
    conversions[channel] = totalConversions * share;
    value[channel] = totalValue * share;
  }
  return { order, conversionProbability: base, removalEffects, conversions, value };
}

/**
 * The paths with every channel outside the `maxStates` of highest volume (journeys through it, converting
 * or not) renamed "(other)", identical paths merged.
 */
export function foldRareStates(rows: readonly PathRow[], maxStates: number): PathRow[] {
  const volume = new Map<string, number>();
  for (const row of rows)
    for (const state of new Set(row.path))
      volume.set(state, (volume.get(state) ?? 0) + row.conversions + row.nulls);
  if (volume.size <= maxStates) return [...rows];
  const kept = new Set(
    [...volume]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxStates)
      .map(([state]) => state),
  );
  const merged = new Map<string, PathRow>();
  for (const row of rows) {
    const path = row.path.map((state) => (kept.has(state) ? state : OTHER_STATE));
    const key = path.join("\u0000");
    const into = merged.get(key);
    if (into) {
      into.conversions += row.conversions;
      into.nulls += row.nulls;
      into.value += row.value;
    } else merged.set(key, { path, conversions: row.conversions, nulls: row.nulls, value: row.value });
  }
  return [...merged.values()];
}

export function attribute(
  input: readonly PathRow[],
  options: { order?: number; halfLife?: number; maxStates?: number } = {},
): AttributionResult {
  const halfLife = options.halfLife ?? 1;
  const order = options.order ?? 1;
  const channels = channelsOf(input).size;
  let kept = Math.max(1, options.maxStates ?? DEFAULT_MAX_STATES);
  let rows = foldRareStates(input, kept);
  let counts = transitions(rows, order);
  // A higher order multiplies the states (the last k channels): keep fewer channels until the chain fits.
  while (kept > 2 && counts.size > MAX_MARKOV_STATES) {
    kept = Math.max(2, Math.floor(kept * 0.7));
    rows = foldRareStates(input, kept);
    counts = transitions(rows, order);
  }
  return {
    states: { kept: Math.min(kept, channels), folded: Math.max(0, channels - kept) },
    markov: markov(rows, order, counts),
    shapley: shapley(rows),
    firstTouch: heuristic(rows, (n) => Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0))),
    lastTouch: heuristic(rows, (n) => Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0))),
    linear: heuristic(rows, (n) => Array.from({ length: n }, () => 1)),
    timeDecay: {
      halfLife,
      ...heuristic(rows, (n) => Array.from({ length: n }, (_, i) => 2 ** (-(n - 1 - i) / halfLife))),
    },
  };
}
