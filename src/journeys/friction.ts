/**
 * Friction: a ranked list of steps and transitions by a documented score. For every visit of a step (or
 * every occurrence of a transition) six signals of struggle are measured, each a share between 0 and 1:
 *
 * - drop:   no outcome (e.g. Order Completed) follows within `outcomeWindow` (7 days); 0 for outcome steps;
 * - loop:   within `sameNeed` (24 h) the customer returns to a step already taken in that stretch (rework);
 * - hop:    the next touch within `sameNeed` is on another channel (web -> phone on the same need);
 * - repeat: the same step comes again within `outcomeWindow` (a repeat contact);
 * - wait:   the next touch within `sameNeed` comes after more than `longWait` (1 h);
 * - fail:   the step is a failure the system reported (an event named like "Checkout Failed", "... Error",
 *           "... Declined") or the customer complains (a message labelled complaint) within `sameNeed` after it.
 *
 * friction = the mean of the six. Items seen fewer than max(20, 0.5% of cases) times are left out.
 * Each item carries its components and counts, so the score explains itself.
 */
import type { Engine, QueryParams } from "../store/engine.js";
import { type JourneyFilter, journeyCases, type Touch } from "./query.js";

export interface FrictionOptions {
  outcomeEvents?: string[];
  outcomeWindowMs?: number;
  sameNeedMs?: number;
  longWaitMs?: number;
  top?: number;
}

export interface FrictionItem {
  kind: "step" | "transition";
  item: string;
  occurrences: number;
  friction: number;
  components: { drop: number; loop: number; hop: number; repeat: number; wait: number; fail: number };
  explanation: string;
}

interface Tally {
  n: number;
  drop: number;
  loop: number;
  hop: number;
  repeat: number;
  wait: number;
  fail: number;
}

const FAILURE_EVENT = /(fail|error|declin|timeout|timed out|rejected)/i;

const DAY = 86_400_000;

/**
 * The tallies behind the friction ranking, fed one journey at a time (no IO): the route's worker and the
 * direct call share it.
 */
export class FrictionTally {
  private readonly outcomeEvents: Set<string>;
  private readonly outcomeWindow: number;
  private readonly sameNeed: number;
  private readonly longWait: number;
  private readonly tallies = new Map<string, Tally>();
  private cases = 0;

  constructor(private readonly options: FrictionOptions = {}) {
    this.outcomeEvents = new Set(options.outcomeEvents ?? ["Order Completed"]);
    this.outcomeWindow = options.outcomeWindowMs ?? 7 * DAY;
    this.sameNeed = options.sameNeedMs ?? DAY;
    this.longWait = options.longWaitMs ?? 3_600_000;
  }

  private count(key: string, journey: Touch[], i: number, isOutcome: boolean): void {
    const { sameNeed, outcomeWindow, outcomeEvents } = this;
    const at = journey[i]!;
    const next = journey[i + 1];
    const nextSoon = next && next[0] - at[0] <= sameNeed ? next : undefined;
    let reachesOutcome = isOutcome;
    let repeats = false;
    let loops = false;
    let fails = FAILURE_EVENT.test(at[4]);
    const earlier = new Set<string>();
    for (let j = i - 1; j >= 0 && at[0] - journey[j]![0] <= sameNeed; j--) earlier.add(journey[j]![2]);
    for (let j = i + 1; j < journey.length && journey[j]![0] - at[0] <= outcomeWindow; j++) {
      const later = journey[j]!;
      if (outcomeEvents.has(later[4])) reachesOutcome = true;
      if (later[2] === at[2]) repeats = true;
      if (later[0] - at[0] <= sameNeed && earlier.has(later[2]) && later[2] !== at[2]) loops = true;
      if (later[0] - at[0] <= sameNeed && later[5] === "complaint") fails = true;
    }
    const tally = this.tallies.get(key) ?? { n: 0, drop: 0, loop: 0, hop: 0, repeat: 0, wait: 0, fail: 0 };
    tally.n++;
    if (!reachesOutcome) tally.drop++;
    if (loops) tally.loop++;
    if (nextSoon && nextSoon[3] !== at[3]) tally.hop++;
    if (repeats) tally.repeat++;
    if (nextSoon && nextSoon[0] - at[0] > this.longWait) tally.wait++;
    if (fails) tally.fail++;
    this.tallies.set(key, tally);
  }

  add(journey: Touch[]): void {
    this.cases++;
    journey.forEach((touch, i) => {
      const isOutcome = this.outcomeEvents.has(touch[4]);
      this.count(`step\u0000${touch[2]}`, journey, i, isOutcome);
      if (i > 0) this.count(`transition\u0000${journey[i - 1]![2]} -> ${touch[2]}`, journey, i, isOutcome);
    });
  }

  result(): { cases: number; items: FrictionItem[] } {
    const minimum = Math.max(20, Math.round(this.cases * 0.005));
    const items: FrictionItem[] = [];
    for (const [key, t] of this.tallies) {
      if (t.n < minimum) continue;
      const [kind, item] = key.split("\u0000") as [FrictionItem["kind"], string];
      const components = {
        drop: t.drop / t.n,
        loop: t.loop / t.n,
        hop: t.hop / t.n,
        repeat: t.repeat / t.n,
        wait: t.wait / t.n,
        fail: t.fail / t.n,
      };
      const score =
        (components.drop +
          components.loop +
          components.hop +
          components.repeat +
          components.wait +
          components.fail) /
        6;
      const parts = Object.entries(components)
        .sort((a, b) => b[1] - a[1])
        .filter(([, v]) => v >= 0.1)
        .map(([name, v]) => `${name} ${(100 * v).toFixed(0)}%`);
      items.push({
        kind,
        item,
        occurrences: t.n,
        friction: score,
        components,
        explanation:
          parts.length > 0 ? `${parts.join(", ")} of ${t.n} visits` : `no strong signal over ${t.n} visits`,
      });
    }
    items.sort((a, b) => b.friction - a.friction || b.occurrences - a.occurrences);
    return { cases: this.cases, items: items.slice(0, this.options.top ?? 50) };
  }
}

/** The SQL whose rows (`{journey}`) feed a FrictionTally. */
export async function frictionQuery(
  engine: Engine,
  filter: JourneyFilter,
): Promise<{ sql: string; params: QueryParams }> {
  const { sql, params } = await journeyCases(engine, filter);
  return { sql: `SELECT journey FROM (${sql})`, params };
}

export async function friction(
  engine: Engine,
  filter: JourneyFilter,
  options: FrictionOptions = {},
): Promise<{ cases: number; items: FrictionItem[] }> {
  const tally = new FrictionTally(options);
  const { sql, params } = await frictionQuery(engine, filter);
  for await (const { journey } of engine.stream<{ journey: Touch[] }>(sql, params)) tally.add(journey);
  return tally.result();
}
