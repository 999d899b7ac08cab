/**
 * The behaviour model: linear heads over hashed features. A 3-class sentiment head (negative, neutral,
 * positive) gives complaint and praise; binary heads give question and suggestion; cue rules are features
 * the heads weigh, not overrides. Multi-label: every space whose score passes its threshold is a label;
 * the primary label is the one furthest past its threshold.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import {
  DENSE_BASE,
  DIMENSIONS,
  denseIndex,
  FEATURE_LAYOUT,
  featurise,
  HASH_BITS,
  type SparseVector,
} from "./features.js";

export const SPACES = ["praise", "complaint", "question", "suggestion"] as const;
export type Space = (typeof SPACES)[number];
export type BehaviourLabel = Space | "other";

export const SENTIMENT_CLASSES = ["negative", "neutral", "positive"] as const;

export interface Classification {
  behaviour: BehaviourLabel;
  labels: Space[];
  scores: Record<Space, number>;
}

export interface ModelHeads {
  /** Row-major [class][feature] for SENTIMENT_CLASSES. */
  sentiment: Float32Array;
  question: Float32Array;
  suggestion: Float32Array;
}

export interface ModelCard {
  trainedAt: string;
  data: Array<{ name: string; examples: number; licence: string }>;
  notes: string;
  metrics?: Record<string, unknown>;
}

export interface BehaviourModelParts {
  heads: ModelHeads;
  thresholds: Record<Space, number>;
  card: ModelCard;
  version: string;
}

export class BehaviourModel {
  constructor(
    readonly heads: ModelHeads,
    readonly thresholds: Record<Space, number>,
    readonly card: ModelCard,
    readonly version = "behaviour-v3",
  ) {
    const { sentiment, question, suggestion } = heads;
    this.interleaved = new Float32Array(DIMENSIONS * 5);
    for (let j = 0; j < DIMENSIONS; j++) {
      this.interleaved[j * 5] = sentiment[j];
      this.interleaved[j * 5 + 1] = sentiment[DIMENSIONS + j];
      this.interleaved[j * 5 + 2] = sentiment[2 * DIMENSIONS + j];
      this.interleaved[j * 5 + 3] = question[j];
      this.interleaved[j * 5 + 4] = suggestion[j];
    }
  }

  /** The five weight rows interleaved per feature, so scoring a feature touches one cache line, not five. */
  private readonly interleaved: Float32Array;

  /** Sentiment probabilities and the two binary heads' probabilities for one featurised text. */
  rawScores(x: SparseVector): { sentiment: [number, number, number]; question: number; suggestion: number } {
    const w = this.interleaved;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let q = 0;
    let g = 0;
    for (let i = 0; i < x.length; i++) {
      const at = x.indices[i] * 5;
      const v = x.values[i];
      s0 += w[at] * v;
      s1 += w[at + 1] * v;
      s2 += w[at + 2] * v;
      q += w[at + 3] * v;
      g += w[at + 4] * v;
    }
    const m = Math.max(s0, s1, s2);
    const e0 = Math.exp(s0 - m);
    const e1 = Math.exp(s1 - m);
    const e2 = Math.exp(s2 - m);
    const z = e0 + e1 + e2;
    return { sentiment: [e0 / z, e1 / z, e2 / z], question: sigmoid(q), suggestion: sigmoid(g) };
  }

  classify(text: string): Classification {
    return this.classifyFeatures(featurise(text));
  }

  /** The four spaces' scores of a featurised text (before thresholds). */
  scoreFeatures(x: SparseVector): Record<Space, number> {
    const raw = this.rawScores(x);
    const rule = ruleFloors(x);
    return {
      // "It would be great if ..." is a wish, not praise: a strong suggestion form halves the praise score.
      praise: round(rule.suggestion >= STRONG_FLOOR ? raw.sentiment[2] / 2 : raw.sentiment[2]),
      complaint: round(Math.max(raw.sentiment[0], rule.complaint)),
      question: round(raw.question),
      suggestion: round(Math.max(raw.suggestion, rule.suggestion)),
    };
  }

  /** classify() for a text already featurised (training and evaluation featurise once). */
  classifyFeatures(x: SparseVector): Classification {
    const scores = this.scoreFeatures(x);
    const labels: Space[] = [];
    let behaviour: BehaviourLabel = "other";
    let best = 1;
    for (const space of SPACES) {
      const margin = scores[space] / this.thresholds[space];
      if (margin < 1) continue;
      labels.push(space);
      if (margin > best) {
        best = margin;
        behaviour = space;
      }
    }
    // Praise and complaint are opposite ends of one head; both can pass a low threshold only in theory.
    if (labels.includes("praise") && labels.includes("complaint")) {
      labels.splice(labels.indexOf(scores.praise >= scores.complaint ? "complaint" : "praise"), 1);
      if (!labels.includes(behaviour as Space)) behaviour = labels[0] ?? "other";
    }
    return { behaviour, labels, scores };
  }

  /** The model as plain data for a worker thread (structured clone copies the weights; no gzip). */
  parts(): BehaviourModelParts {
    return { heads: this.heads, thresholds: this.thresholds, card: this.card, version: this.version };
  }

  static fromParts(parts: BehaviourModelParts): BehaviourModel {
    return new BehaviourModel(parts.heads, parts.thresholds, parts.card, parts.version);
  }

  serialise(): Buffer {
    const encode = (w: Float32Array) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString("base64");
    const json = JSON.stringify({
      format: "customer-flow-behaviour",
      version: this.version,
      hashBits: HASH_BITS,
      featureLayout: FEATURE_LAYOUT,
      thresholds: this.thresholds,
      card: this.card,
      heads: {
        sentiment: encode(this.heads.sentiment),
        question: encode(this.heads.question),
        suggestion: encode(this.heads.suggestion),
      },
    });
    return gzipSync(json, { level: 9 });
  }

  static deserialise(bytes: Buffer): BehaviourModel {
    const parsed = JSON.parse(gunzipSync(bytes).toString("utf8"));
    if (parsed.format !== "customer-flow-behaviour")
      throw new Error("not a customer-flow behaviour model file");
    if (parsed.hashBits !== HASH_BITS) {
      throw new Error(`model uses ${parsed.hashBits} hash bits; this build featurises with ${HASH_BITS}`);
    }
    const layout = parsed.featureLayout ?? 1;
    if (layout !== FEATURE_LAYOUT) throw new OutdatedModelError(layout);
    const decode = (text: string) => {
      const buffer = Buffer.from(text, "base64");
      return new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
    };
    return new BehaviourModel(
      {
        sentiment: decode(parsed.heads.sentiment),
        question: decode(parsed.heads.question),
        suggestion: decode(parsed.heads.suggestion),
      },
      parsed.thresholds,
      parsed.card,
      parsed.version,
    );
  }
}

/** A model trained on features this build no longer computes (an older release's retrained model). */
export class OutdatedModelError extends Error {
  constructor(readonly layout: number) {
    super(
      `the model was trained on feature layout ${layout} and this build computes layout ${FEATURE_LAYOUT}: retrain it (customer-flow behaviour train, or train --from-labels for a brand's labels)`,
    );
  }
}

const STRONG_FLOOR = 0.85;
const STRONG_SUGGESTION = [
  "s_please_add",
  "s_imperative",
  "s_would_be",
  "s_should",
  "s_see",
  "s_modal",
  "s_maybe",
].map(denseIndex);
const SUGGESTION_SUPPORT = ["s_wish", "s_feature"].map(denseIndex);
const STRONG_COMPLAINT = ["c_fail", "c_service"].map(denseIndex);
const PRAISE_CUES = ["p_love", "p_thanks", "emo_pos"].map(denseIndex);

/**
 * Cue rules set a floor under a score: suggestion forms ("please add", "it would be great if", an imperative
 * opening) are reliable across domains where a small training set is not; failure and service-anger words
 * mark a complaint even when the sentiment head reads the text as neutral.
 */
function ruleFloors(x: SparseVector): { suggestion: number; complaint: number } {
  const present = new Set<number>();
  for (let i = 0; i < x.length; i++) if (x.indices[i] >= DENSE_BASE) present.add(x.indices[i]);
  const strongSuggestion = STRONG_SUGGESTION.some((i) => present.has(i));
  const supported = SUGGESTION_SUPPORT.filter((i) => present.has(i)).length;
  const complaint = STRONG_COMPLAINT.some((i) => present.has(i)) && !PRAISE_CUES.some((i) => present.has(i));
  return {
    suggestion: strongSuggestion ? STRONG_FLOOR : supported >= 2 ? 0.7 : 0,
    complaint: complaint ? 0.6 : 0,
  };
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function round(p: number): number {
  return Math.round(p * 1e4) / 1e4;
}
