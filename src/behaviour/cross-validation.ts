/**
 * Cross-validation inside a training pool (pure): out-of-fold scores for each setting, and the threshold
 * that a pool's out-of-fold scores support. The shipped model's settings are chosen this way, so the
 * evaluation sets stay unseen by every choice (bench/behaviour-choices.ts prints the tables).
 */

/** Items grouped into folds by a key (a topic, or a hash bucket): every item of a key is in one fold. */
export function foldsBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const folds = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    let fold = folds.get(key);
    if (!fold) {
      fold = [];
      folds.set(key, fold);
    }
    fold.push(item);
  }
  return [...folds.keys()].sort().map((key) => folds.get(key)!);
}

/** Where a text falls in [0, 1) by a hash of it (FNV-1a): the same text always at the same place. */
export function textShare(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

/** A fold's key by a hash of the text: k folds of about equal size, the same text always in the same one. */
export function hashFold(text: string, k: number): string {
  return String(Math.floor(textShare(text) * k));
}

/**
 * Trains on all folds but one and scores the one left out, for each fold: every item gets a score from a
 * model that never saw it. Returns the items and their scores in fold order.
 */
export function outOfFold<T, S>(
  folds: readonly T[][],
  train: (items: T[]) => (item: T) => S,
): { items: T[]; scores: S[] } {
  const items: T[] = [];
  const scores: S[] = [];
  folds.forEach((held, at) => {
    const score = train(folds.filter((_, other) => other !== at).flat());
    for (const item of held) {
      items.push(item);
      scores.push(score(item));
    }
  });
  return { items, scores };
}

/** Counts of the positive class when items scoring at least `threshold` are called positive. */
function confusionAt(gold: readonly boolean[], scores: readonly number[], threshold: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < gold.length; i++) {
    const predicted = scores[i]! >= threshold;
    if (predicted && gold[i]) tp++;
    else if (predicted) fp++;
    else if (gold[i]) fn++;
  }
  return { tp, fp, fn, tn: gold.length - tp - fp - fn };
}

const f1 = (hit: number, misses: number) => (hit === 0 ? 0 : (2 * hit) / (2 * hit + misses));

/** F1 of the positive class when items scoring at least `threshold` are called positive. */
export function f1At(gold: readonly boolean[], scores: readonly number[], threshold: number): number {
  const { tp, fp, fn } = confusionAt(gold, scores, threshold);
  return f1(tp, fp + fn);
}

/** The mean of both classes' F1 (a target stated as "complaint macro-F1": complaint and not). */
export function macroF1At(gold: readonly boolean[], scores: readonly number[], threshold: number): number {
  const { tp, fp, fn, tn } = confusionAt(gold, scores, threshold);
  return (f1(tp, fp + fn) + f1(tn, fp + fn)) / 2;
}

/** The candidate threshold with the highest figure (F1 unless told; the first candidate among equals). */
export function bestThreshold(
  gold: readonly boolean[],
  scores: readonly number[],
  candidates: readonly number[],
  figure: typeof f1At = f1At,
): { threshold: number; score: number } {
  let best = { threshold: candidates[0]!, score: -1 };
  for (const threshold of candidates) {
    const score = figure(gold, scores, threshold);
    if (score > best.score) best = { threshold, score };
  }
  return best;
}
