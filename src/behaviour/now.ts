/**
 * Who matters now: a live ranking of customers by what they are doing. Pure: mentions and values in,
 * ranking and its history out.
 *
 *   score = behaviour x value x reach
 *   behaviour = sum over the person's messages in the lookback window of weight[space] * 0.5^(age / halfLife)
 *   value     = 1 + ln(1 + customerValue / typicalValue)   (CLV when stored, else spend; typical = median > 0)
 *   reach     = 1 + log10(1 + followers) / 2                (largest audience seen on their messages)
 */
import type { BehaviourLabel } from "./model.js";

export interface NowConfig {
  weights: Record<BehaviourLabel, number>;
  halfLifeHours: number;
  lookbackHours: number;
  limit: number;
  /** History: snapshots every stepHours over historyHours before `at`. */
  stepHours: number;
  historyHours: number;
}

export const DEFAULT_NOW_CONFIG: NowConfig = {
  weights: { complaint: 3, question: 2, suggestion: 1.5, praise: 1, other: 0.25 },
  halfLifeHours: 24,
  lookbackHours: 7 * 24,
  limit: 10,
  stepHours: 6,
  historyHours: 7 * 24,
};

export interface Mention {
  customerId: string;
  ms: number;
  behaviour: BehaviourLabel;
  followers: number;
  text: string;
  channel: string;
  touchpoint: string;
}

export interface CustomerValue {
  value: number;
  basis: "clv" | "spend" | "none";
}

export interface NowEntry {
  rank: number;
  customerId: string;
  score: number;
  components: {
    behaviour: number;
    value: number;
    reach: number;
    messages: number;
    bySpace: Partial<Record<BehaviourLabel, number>>;
    customerValue: number;
    valueBasis: CustomerValue["basis"];
    followers: number;
  };
  lastMessage: { at: string; behaviour: BehaviourLabel; text: string; channel: string; touchpoint: string };
  /** Start of the unbroken run of snapshots that had this person on the list (bounded by the history). */
  onListSince: string;
}

export interface ListChange {
  at: string;
  customerId: string;
  change: "entered" | "left";
  rank?: number;
  score?: number;
}

export interface NowResult {
  at: string;
  config: NowConfig;
  typicalValue: number;
  entries: NowEntry[];
  history: ListChange[];
}

const HOUR = 3_600_000;
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

function median(values: number[]): number {
  const sorted = values.filter((v) => v > 0).sort((a, b) => a - b);
  if (sorted.length === 0) return 1;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

type Ranked = Omit<NowEntry, "onListSince">;

/** The list at one instant: mentions must be sorted by time. */
function rankAt(
  mentions: Mention[],
  at: number,
  values: Map<string, CustomerValue>,
  typicalValue: number,
  config: NowConfig,
  limit: number,
): Ranked[] {
  const from = at - config.lookbackHours * HOUR;
  const people = new Map<
    string,
    {
      behaviour: number;
      bySpace: Partial<Record<BehaviourLabel, number>>;
      messages: number;
      followers: number;
      last: Mention;
    }
  >();
  // The first mention after `from` (they are sorted by time).
  let lo = 0;
  let hi = mentions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (mentions[mid]!.ms <= from) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < mentions.length; i++) {
    const m = mentions[i]!;
    if (m.ms > at) break;
    const weight = config.weights[m.behaviour] ?? 0;
    const contribution = weight * 0.5 ** ((at - m.ms) / (config.halfLifeHours * HOUR));
    let person = people.get(m.customerId);
    if (!person) {
      person = { behaviour: 0, bySpace: {}, messages: 0, followers: 0, last: m };
      people.set(m.customerId, person);
    }
    person.behaviour += contribution;
    person.bySpace[m.behaviour] = (person.bySpace[m.behaviour] ?? 0) + 1;
    person.messages++;
    person.followers = Math.max(person.followers, m.followers);
    person.last = m;
  }
  // Scores first; the full entries (components, last message) only for the few that make the list.
  const scored: Array<{ customerId: string; score: number; valueFactor: number; reach: number }> = [];
  for (const [customerId, p] of people) {
    if (p.behaviour <= 0) continue;
    const value = values.get(customerId)?.value ?? 0;
    const valueFactor = 1 + Math.log1p(Math.max(0, value) / typicalValue);
    const reach = 1 + Math.log10(1 + p.followers) / 2;
    scored.push({ customerId, score: round(p.behaviour * valueFactor * reach), valueFactor, reach });
  }
  scored.sort((a, b) => b.score - a.score || a.customerId.localeCompare(b.customerId));
  return scored.slice(0, limit).map(({ customerId, score, valueFactor, reach }, i) => {
    const p = people.get(customerId)!;
    const value = values.get(customerId) ?? { value: 0, basis: "none" as const };
    return {
      rank: i + 1,
      customerId,
      score,
      components: {
        behaviour: round(p.behaviour),
        value: round(valueFactor),
        reach: round(reach),
        messages: p.messages,
        bySpace: p.bySpace,
        customerValue: round(value.value, 2),
        valueBasis: value.basis,
        followers: p.followers,
      },
      lastMessage: {
        at: new Date(p.last.ms).toISOString(),
        behaviour: p.last.behaviour,
        text: p.last.text,
        channel: p.last.channel,
        touchpoint: p.last.touchpoint,
      },
    };
  });
}

export function whoMattersNow(
  mentions: Mention[],
  values: Map<string, CustomerValue>,
  at: number,
  config: NowConfig = DEFAULT_NOW_CONFIG,
): NowResult {
  const sorted = [...mentions].sort((a, b) => a.ms - b.ms);
  const typicalValue = median([...values.values()].map((v) => v.value));
  const steps = Math.max(0, Math.floor(config.historyHours / config.stepHours));
  const snapshots: Array<{ at: number; list: Ranked[] }> = [];
  for (let k = steps; k >= 0; k--) {
    const t = at - k * config.stepHours * HOUR;
    snapshots.push({ at: t, list: rankAt(sorted, t, values, typicalValue, config, config.limit) });
  }
  const history: ListChange[] = [];
  for (let i = 1; i < snapshots.length; i++) {
    const before = new Set(snapshots[i - 1].list.map((e) => e.customerId));
    const after = new Set(snapshots[i].list.map((e) => e.customerId));
    const when = new Date(snapshots[i].at).toISOString();
    for (const e of snapshots[i].list) {
      if (!before.has(e.customerId))
        history.push({ at: when, customerId: e.customerId, change: "entered", rank: e.rank, score: e.score });
    }
    for (const id of before) if (!after.has(id)) history.push({ at: when, customerId: id, change: "left" });
  }
  const current = snapshots[snapshots.length - 1].list;
  const entries: NowEntry[] = current.map((entry) => {
    let since = snapshots.length - 1;
    while (since > 0 && snapshots[since - 1].list.some((e) => e.customerId === entry.customerId)) since--;
    return { ...entry, onListSince: new Date(snapshots[since].at).toISOString() };
  });
  return {
    at: new Date(at).toISOString(),
    config,
    typicalValue: round(typicalValue, 2),
    entries,
    history: history.reverse(),
  };
}
