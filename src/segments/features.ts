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
import { Matrix } from "./cluster.js";
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

/** The counts the store returns per customer, in this order (one flat array row per customer). */
export const COUNT_FIELDS = [
  "events",
  ...CHANNEL_FEATURES.map((c) => `channel:${c}`),
  "messages",
  ...SPACES,
  "active_weeks",
  "first_ms",
  "last_ms",
  "spend_cents",
  "hops",
  "journeys",
] as const;
const COUNT_WIDTH = COUNT_FIELDS.length;
const at = (field: (typeof COUNT_FIELDS)[number]) => COUNT_FIELDS.indexOf(field);
const COUNT = {
  events: at("events"),
  channels: CHANNEL_FEATURES.map((c) => at(`channel:${c}`)),
  messages: at("messages"),
  spaces: SPACES.map(at),
  weeks: at("active_weeks"),
  first: at("first_ms"),
  last: at("last_ms"),
  spendCents: at("spend_cents"),
  hops: at("hops"),
  journeys: at("journeys"),
};

/**
 * What the store returns for the customers segmented: their ids, their counts (n rows of COUNT_FIELDS, side by
 * side in one array: a million customers as objects cost seconds of garbage collection) and CLV (NaN: none).
 */
export interface CustomerCounts {
  ids: string[];
  counts: Float64Array;
  clv: Float64Array;
}

const DAY = 86_400_000;

/** Customer i's value: CLV when stored, else spend. */
export function customerValue(c: CustomerCounts, i: number): number {
  const clv = c.clv[i]!;
  return Math.max(0, Number.isNaN(clv) ? c.counts[i * COUNT_WIDTH + COUNT.spendCents]! / 100 : clv);
}

/** Every customer's raw features (FEATURE_NAMES order), one row per customer. */
export function featureMatrix(c: CustomerCounts): Matrix {
  const n = c.ids.length;
  const width = FEATURE_NAMES.length;
  const flat = new Float64Array(n * width);
  let storeLastMs = 0;
  for (let i = 0; i < n; i++) storeLastMs = Math.max(storeLastMs, c.counts[i * COUNT_WIDTH + COUNT.last]!);
  const maxEntropy = Math.log(CHANNEL_FEATURES.length);
  const counts = c.counts;
  for (let i = 0; i < n; i++) {
    const row = i * COUNT_WIDTH;
    const out = i * width;
    let f = 0;
    const events = counts[row + COUNT.events]!;
    let entropy = 0;
    for (let ch = 0; ch < COUNT.channels.length; ch++) {
      const count = counts[row + COUNT.channels[ch]!]!;
      flat[out + f++] = events > 0 ? count / events : 0;
      if (count > 0) entropy -= (count / events) * Math.log(count / events);
    }
    const journeys = Math.max(1, counts[row + COUNT.journeys]!);
    const messages = counts[row + COUNT.messages]!;
    flat[out + f++] = entropy / maxEntropy;
    flat[out + f++] = counts[row + COUNT.hops]! / journeys;
    for (let sp = 0; sp < COUNT.spaces.length; sp++)
      flat[out + f++] = messages > 0 ? counts[row + COUNT.spaces[sp]!]! / messages : 0;
    flat[out + f++] = messages / journeys;
    flat[out + f++] = Math.log1p(events / Math.max(1, counts[row + COUNT.weeks]!));
    flat[out + f++] = (storeLastMs - counts[row + COUNT.last]!) / DAY;
    flat[out + f++] = (counts[row + COUNT.last]! - counts[row + COUNT.first]!) / DAY;
    flat[out + f++] = Math.log1p(customerValue(c, i));
  }
  return new Matrix(flat, width);
}

export interface Standardised {
  matrix: Matrix;
  mean: number[];
  sd: number[];
}

/** Each column's mean and standard deviation (over all rows, as the population's). */
export function columnStats(matrix: Matrix): { mean: Float64Array; sd: Float64Array } {
  const { data, width } = matrix;
  const n = matrix.length;
  const mean = new Float64Array(width);
  const sd = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) mean[j]! += data[i * width + j]! / n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < width; j++) sd[j]! += (data[i * width + j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < width; j++) sd[j] = Math.sqrt(sd[j]!);
  return { mean, sd };
}

/** z-scores per column; a constant column becomes 0 everywhere. */
export function standardise(rows: Matrix | ArrayLike<number>[]): Standardised {
  const source = Matrix.of(rows);
  const n = source.length;
  const width = source.width;
  const { mean, sd } = columnStats(source);
  const flat = source.data.slice();
  for (let i = 0; i < n; i++)
    for (let j = 0; j < width; j++) {
      const at = i * width + j;
      flat[at] = sd[j]! > 0 ? (flat[at]! - mean[j]!) / sd[j]! : 0;
    }
  return {
    matrix: new Matrix(flat, width),
    mean: Array.from(mean),
    sd: Array.from(sd),
  };
}
