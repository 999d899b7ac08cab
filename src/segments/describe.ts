/**
 * Segments described in words from what sets them apart. Pure.
 *
 * Effect size of a feature in a segment = (segment mean - everyone's mean) / everyone's standard deviation
 * (a standardised mean difference). The distinguishing features are the largest |effect sizes|; the label
 * names the dominant channel use (e.g. "store-first", "channel-hopping"), the behaviour that stands out
 * (e.g. "complaint-heavy") and activity ("lapsed"); the description adds ratios to the average and value.
 */
import { Matrix } from "./cluster.js";
import { CHANNEL_FEATURES, columnStats, FEATURE_NAMES } from "./features.js";

export interface Distinguishing {
  feature: string;
  segmentMean: number;
  overallMean: number;
  effectSize: number;
  /** segment mean / overall mean (null when the overall mean is 0). */
  ratio: number | null;
}

export interface SegmentSummary {
  id: number;
  size: number;
  share: number;
  label: string;
  description: string;
  /** Mean of each feature in its own units. */
  centroid: Record<string, number>;
  distinguishing: Distinguishing[];
  meanValue: number;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

const BEHAVIOUR_WORDS: Record<string, string> = {
  share_complaint: "complaint-heavy",
  share_question: "question-asking",
  share_praise: "praise-giving",
  share_suggestion: "suggestion-making",
};

const CHANNEL_WORDS: Record<string, string> = {
  contact_center: "contact-center",
  web: "web",
  app: "app",
  email: "email",
  phone: "phone",
  store: "store",
  social: "social",
  chat: "chat",
  post: "post",
  peer: "referral",
};

function times(ratio: number | null): string {
  if (ratio === null) return "";
  return ratio >= 1 ? `${ratio.toFixed(1)}x` : `${(ratio * 100).toFixed(0)}% of`;
}

export function describeSegments(
  rawRows: Matrix | ArrayLike<number>[],
  values: ArrayLike<number>,
  assignments: ArrayLike<number>,
  k: number,
): SegmentSummary[] {
  const width = FEATURE_NAMES.length;
  const raw = Matrix.of(rawRows);
  const n = raw.length;
  const x = raw.data;
  const { mean: overallMean, sd: overallSd } = columnStats(raw);
  let overallValue = 0;
  for (let i = 0; i < n; i++) overallValue += values[i]! / Math.max(1, n);

  const summaries: SegmentSummary[] = [];
  for (let c = 0; c < k; c++) {
    const members: number[] = [];
    for (let i = 0; i < n; i++) if (assignments[i] === c) members.push(i);
    const size = members.length;
    const mean = new Array(width).fill(0);
    for (const i of members) for (let j = 0; j < width; j++) mean[j] += x[i * width + j]! / Math.max(1, size);
    const meanValue = members.reduce((s, i) => s + values[i]!, 0) / Math.max(1, size);
    const effects: Distinguishing[] = FEATURE_NAMES.map((feature, j) => ({
      feature,
      segmentMean: round(mean[j]),
      overallMean: round(overallMean[j]),
      effectSize: round(overallSd[j] > 0 ? (mean[j] - overallMean[j]) / overallSd[j] : 0),
      ratio: overallMean[j] !== 0 ? round(mean[j] / overallMean[j]) : null,
    }));
    const distinguishing = [...effects]
      .sort((a, b) => Math.abs(b.effectSize) - Math.abs(a.effectSize))
      .slice(0, 6);
    const byName = Object.fromEntries(effects.map((e) => [e.feature, e]));

    const words: string[] = [];
    const details: string[] = [];
    const channelShares = CHANNEL_FEATURES.map((ch) => ({ ch, e: byName[`share_${ch}`] })).sort(
      (a, b) => b.e.segmentMean - a.e.segmentMean,
    );
    const top = channelShares[0];
    if (byName.channel_entropy.effectSize > 0.8 || byName.hops_per_journey.effectSize > 0.8) {
      words.push("channel-hopping");
      details.push(
        `${byName.hops_per_journey.segmentMean.toFixed(1)} channel hops per journey (${times(byName.hops_per_journey.ratio)} average)`,
      );
    } else if (top.e.segmentMean >= 0.35) {
      words.push(`${CHANNEL_WORDS[top.ch]}-first`);
      details.push(
        `${(top.e.segmentMean * 100).toFixed(0)}% of touches on ${CHANNEL_WORDS[top.ch]} (${times(top.e.ratio)} average)`,
      );
    } else {
      words.push(`${CHANNEL_WORDS[top.ch]} and ${CHANNEL_WORDS[channelShares[1].ch]}`);
    }
    const behaviour = Object.keys(BEHAVIOUR_WORDS)
      .map((f) => byName[f])
      .sort((a, b) => b.effectSize - a.effectSize)[0];
    if (behaviour.effectSize > 0.5) {
      words.push(BEHAVIOUR_WORDS[behaviour.feature]);
      details.push(`${times(behaviour.ratio)} the ${behaviour.feature.replace("share_", "")}s`);
    }
    if (byName.recency_days.effectSize > 0.8) {
      words.push("lapsed");
      details.push(`last seen ${byName.recency_days.segmentMean.toFixed(0)} days ago on average`);
    }
    if (overallValue > 0) {
      const change = meanValue / overallValue - 1;
      details.push(`value ${Math.abs(change * 100).toFixed(0)}% ${change >= 0 ? "above" : "below"} average`);
    }
    summaries.push({
      id: c,
      size,
      share: round(size / Math.max(1, n), 4),
      label: words.join(", "),
      description: `${words.join(", ")}: ${details.join(", ")}; ${size} customers (${((100 * size) / Math.max(1, n)).toFixed(0)}%)`,
      centroid: Object.fromEntries(FEATURE_NAMES.map((f, j) => [f, round(mean[j])])),
      distinguishing,
      meanValue: round(meanValue, 2),
    });
  }
  return summaries;
}
