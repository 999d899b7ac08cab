/**
 * Per-customer features of how people use channels and tools, from the counts the store returns. Pure.
 *
 * | feature | meaning |
 * |---|---|
 * | share_<channel> | share of the customer's inbound events on that channel |
 * | channel_entropy | Shannon entropy of the channel shares / ln(number of channels): 0 one channel, 1 all equally |
 * | hops_per_journey | channel changes within 24 h between consecutive touches, per journey (journeys split at 24 h of silence) |
 * | share_praise ... share_suggestion | share of the customer's messages with that behaviour label (0 without messages) |
 * | messages_per_journey | messages (texts) per journey |
 * | log_frequency | ln(1 + events per active week) |
 * | recency_days | days from the last event to the store's last event |
 * | tenure_days | days from the first event to the last |
 * | log_value | ln(1 + CLV) when stored, else ln(1 + spend) |
 *
 * Every feature is standardised (z-score over the customers clustered) before clustering.
 */
import { KNOWN_CHANNELS } from "../collect/event-schema.js";
/** Every known channel but "other" (its share is what the others leave). */
export const CHANNEL_FEATURES = KNOWN_CHANNELS.filter((c) => c !== "other");

export const SPACES = ["praise", "complaint", "question", "suggestion"] as const;

export const FEATURE_NAMES = [
  ...CHANNEL_FEATURES.map((c) => `share_${c}`),
  "channel_entropy",
  "hops_per_journey",
  ...SPACES.map((s) => `share_${s}`),
  "messages_per_journey",
  "log_frequency",
  "recency_days",
  "tenure_days",
  "log_value",
];

/** What the store returns per customer. */
export interface CustomerCounts {
  customerId: string;
  events: number;
  /** Inbound events per channel, in CHANNEL_FEATURES order. */
  channels: number[];
  hops: number;
  journeys: number;
  messages: number;
  behaviour: Record<(typeof SPACES)[number], number>;
  activeWeeks: number;
  firstMs: number;
  lastMs: number;
  spend: number;
  clv: number | null;
}

const DAY = 86_400_000;

export function featureVector(c: CustomerCounts, storeLastMs: number): number[] {
  const shares = CHANNEL_FEATURES.map((_, i) => (c.events > 0 ? (c.channels[i] ?? 0) / c.events : 0));
  const all = c.channels.filter((n) => n > 0);
  const entropy = all.reduce((h, n) => {
    const p = n / c.events;
    return h - p * Math.log(p);
  }, 0);
  const journeys = Math.max(1, c.journeys);
  return [
    ...shares,
    entropy / Math.log(CHANNEL_FEATURES.length),
    c.hops / journeys,
    ...SPACES.map((s) => (c.messages > 0 ? c.behaviour[s] / c.messages : 0)),
    c.messages / journeys,
    Math.log1p(c.events / Math.max(1, c.activeWeeks)),
    (storeLastMs - c.lastMs) / DAY,
    (c.lastMs - c.firstMs) / DAY,
    Math.log1p(Math.max(0, c.clv ?? c.spend)),
  ];
}

export interface Standardised {
  rows: Float64Array[];
  mean: number[];
  sd: number[];
}

/** z-scores per column; a constant column becomes 0 everywhere. */
export function standardise(rows: number[][]): Standardised {
  const width = rows[0]?.length ?? 0;
  const mean = new Array(width).fill(0);
  const sd = new Array(width).fill(0);
  for (const row of rows) for (let j = 0; j < width; j++) mean[j] += row[j] / rows.length;
  for (const row of rows) for (let j = 0; j < width; j++) sd[j] += (row[j] - mean[j]) ** 2 / rows.length;
  for (let j = 0; j < width; j++) sd[j] = Math.sqrt(sd[j]);
  // One buffer for all rows (each row a view of it): clustering reads it as one matrix without copying.
  const flat = new Float64Array(rows.length * width);
  rows.forEach((row, i) => {
    for (let j = 0; j < width; j++) flat[i * width + j] = sd[j] > 0 ? (row[j] - mean[j]) / sd[j] : 0;
  });
  return {
    rows: rows.map((_, i) => flat.subarray(i * width, (i + 1) * width)),
    mean,
    sd,
  };
}
