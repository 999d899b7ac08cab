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
import { DEFAULT_PURCHASE_EVENTS } from "../value/defaults.js";
import { compactSteps, type JourneyFilter, journeyCases } from "./query.js";

/** Items kept when a caller names no `top`. */
export const DEFAULT_FRICTION_TOP = 50;

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

/** Failure events by name (the engine's regular expressions, RE2; case-insensitive). */
const FAILURE_PATTERN = "(?i)(fail|error|declin|timeout|timed out|rejected)";

/** A touch's flags as the friction query sends them (bits). */
const OUTCOME = 1;
const FAILURE = 2;
const COMPLAINT = 4;

const DAY = 86_400_000;

/**
 * One case as the friction query sends it, compact so the engine writes and the worker parses little
 * (about a fifth of the bytes of the touches as tuples of strings): `d` the milliseconds since the previous
 * touch, `s` each touch's step as an index (from 1) into `sd`, the case's distinct steps, `c` each touch's
 * channel as an index (only equality matters), `f` the touch's flags (outcome, failure, complaint).
 */
export interface FrictionCase {
  d: number[];
  s: number[];
  sd: string[];
  c: number[];
  f: number[];
}

function emptyTally(): Tally {
  return { n: 0, drop: 0, loop: 0, hop: 0, repeat: 0, wait: 0, fail: 0 };
}

/** Transition keys: two step ids in one number (ids stay far below 2^21). */
const PAIR = 2 ** 21;

/**
 * The tallies behind the friction ranking, fed one case at a time (no IO): the route's worker and the
 * direct call share it. Each signal is found from the nearest later touch of a kind (scanned backwards once
 * per case), so a case costs its length, plus the touches within `sameNeed` for loops.
 */
export class FrictionTally {
  private readonly outcomeWindow: number;
  private readonly sameNeed: number;
  private readonly longWait: number;
  private readonly stepIds = new Map<string, number>();
  private readonly stepNames: string[] = [];
  private readonly steps = new Map<number, Tally>();
  private readonly transitions = new Map<number, Tally>();
  private cases = 0;

  constructor(private readonly options: FrictionOptions = {}) {
    this.outcomeWindow = options.outcomeWindowMs ?? 7 * DAY;
    this.sameNeed = options.sameNeedMs ?? DAY;
    this.longWait = options.longWaitMs ?? 3_600_000;
  }

  private stepId(name: string): number {
    let id = this.stepIds.get(name);
    if (id === undefined) {
      id = this.stepNames.length;
      this.stepIds.set(name, id);
      this.stepNames.push(name);
    }
    return id;
  }

  add(row: FrictionCase): void {
    this.cases++;
    const n = row.s.length;
    if (n === 0) return;
    const { sameNeed, outcomeWindow, longWait } = this;
    const ids = row.sd.map((name) => this.stepId(name));
    const local = row.s;
    const times = new Float64Array(n);
    for (let i = 1; i < n; i++) times[i] = times[i - 1]! + row.d[i]!;
    // From the end: the time of the nearest later outcome, complaint and touch of the same step.
    const nextOutcome = new Float64Array(n);
    const nextComplaint = new Float64Array(n);
    const nextSame = new Float64Array(n);
    const seenAt = new Float64Array(row.sd.length + 1).fill(Number.POSITIVE_INFINITY);
    let outcomeAt = Number.POSITIVE_INFINITY;
    let complaintAt = Number.POSITIVE_INFINITY;
    for (let i = n - 1; i >= 0; i--) {
      nextOutcome[i] = outcomeAt;
      nextComplaint[i] = complaintAt;
      nextSame[i] = seenAt[local[i]!]!;
      seenAt[local[i]!] = times[i]!;
      if (row.f[i]! & OUTCOME) outcomeAt = times[i]!;
      if (row.f[i]! & COMPLAINT) complaintAt = times[i]!;
    }
    // Forwards: when each step was last taken before the touch at hand (for loops).
    const lastAt = seenAt.fill(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < n; i++) {
      if (i > 0) lastAt[local[i - 1]!] = times[i - 1]!;
      const at = times[i]!;
      const step = local[i]!;
      let loops = false;
      for (let j = i + 1; j < n && times[j]! - at <= sameNeed; j++) {
        const later = local[j]!;
        if (later !== step && at - lastAt[later]! <= sameNeed) {
          loops = true;
          break;
        }
      }
      const hasNext = i + 1 < n && times[i + 1]! - at <= sameNeed;
      const signals = {
        drop: !(row.f[i]! & OUTCOME) && nextOutcome[i]! - at > outcomeWindow,
        loop: loops,
        hop: hasNext && row.c[i + 1] !== row.c[i],
        repeat: nextSame[i]! - at <= outcomeWindow,
        wait: hasNext && times[i + 1]! - at > longWait,
        fail: (row.f[i]! & FAILURE) !== 0 || nextComplaint[i]! - at <= sameNeed,
      };
      const id = ids[step - 1]!;
      count(this.steps, id, signals);
      if (i > 0) count(this.transitions, ids[local[i - 1]! - 1]! * PAIR + id, signals);
    }
  }

  result(): { cases: number; items: FrictionItem[] } {
    const minimum = Math.max(20, Math.round(this.cases * 0.005));
    const items: FrictionItem[] = [];
    const name = (id: number) => this.stepNames[id]!;
    for (const [id, t] of this.steps) if (t.n >= minimum) items.push(item("step", name(id), t));
    for (const [pair, t] of this.transitions)
      if (t.n >= minimum)
        items.push(item("transition", `${name(Math.floor(pair / PAIR))} -> ${name(pair % PAIR)}`, t));
    items.sort((a, b) => b.friction - a.friction || b.occurrences - a.occurrences);
    return { cases: this.cases, items: items.slice(0, this.options.top ?? DEFAULT_FRICTION_TOP) };
  }
}

function count(tallies: Map<number, Tally>, key: number, signals: Record<keyof Omit<Tally, "n">, boolean>) {
  let tally = tallies.get(key);
  if (!tally) {
    tally = emptyTally();
    tallies.set(key, tally);
  }
  tally.n++;
  if (signals.drop) tally.drop++;
  if (signals.loop) tally.loop++;
  if (signals.hop) tally.hop++;
  if (signals.repeat) tally.repeat++;
  if (signals.wait) tally.wait++;
  if (signals.fail) tally.fail++;
}

function item(kind: FrictionItem["kind"], name: string, t: Tally): FrictionItem {
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
    .map(([part, v]) => `${part} ${(100 * v).toFixed(0)}%`);
  return {
    kind,
    item: name,
    occurrences: t.n,
    friction: score,
    components,
    explanation:
      parts.length > 0 ? `${parts.join(", ")} of ${t.n} visits` : `no strong signal over ${t.n} visits`,
  };
}

/** The SQL whose rows (FrictionCase) feed a FrictionTally. */
export async function frictionQuery(
  engine: Engine,
  filter: JourneyFilter,
  options: FrictionOptions = {},
): Promise<{ sql: string; params: QueryParams }> {
  const { sql, params } = await journeyCases(engine, filter);
  return {
    sql: `SELECT arrayDifference(times) AS d, ${compactSteps("steps")}, arrayEnumerateDense(channels) AS c,
                 arrayMap((n, b) -> if(has({friction_outcomes:Array(String)}, n), ${OUTCOME}, 0)
                                    + if(match(n, {friction_failure:String}), ${FAILURE}, 0)
                                    + if(b = 'complaint', ${COMPLAINT}, 0), names, behaviours) AS f
          FROM (${sql})`,
    params: {
      ...params,
      friction_outcomes: options.outcomeEvents ?? DEFAULT_PURCHASE_EVENTS,
      friction_failure: FAILURE_PATTERN,
    },
  };
}

export async function friction(
  engine: Engine,
  filter: JourneyFilter,
  options: FrictionOptions = {},
): Promise<{ cases: number; items: FrictionItem[] }> {
  const tally = new FrictionTally(options);
  const { sql, params } = await frictionQuery(engine, filter, options);
  for await (const row of engine.stream<FrictionCase>(sql, params)) tally.add(row);
  return tally.result();
}
