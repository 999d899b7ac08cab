/**
 * Clustering: k-means++ (ml-kmeans) with restarts on a seeded sample, then every customer assigned to the
 * nearest centre and the centres refined by full passes (Lloyd) over everyone — the sample keeps large sets
 * fast, the full passes keep them exact enough. k chosen by the mean silhouette over 2..10 on a sample: the
 * largest k within 5% of the best score.
 * Deterministic for a given seed. Silhouette and the adjusted Rand index are written here: ml-kmeans has
 * neither, and both are a few lines.
 */
import { kmeans } from "ml-kmeans";
import { seededRandom } from "../seeded-random.js";

/** Indices of a seeded sample without replacement (all of them when n <= size). */
export function sampleIndices(n: number, size: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= size) return all;
  const random = seededRandom(seed);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, size).sort((a, b) => a - b);
}

function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum;
}

function nearest(row: ArrayLike<number>, centroids: number[][]): { index: number; distance: number } {
  let index = 0;
  let distance = Number.POSITIVE_INFINITY;
  for (let c = 0; c < centroids.length; c++) {
    const d = squaredDistance(row, centroids[c]);
    if (d < distance) {
      distance = d;
      index = c;
    }
  }
  return { index, distance };
}

export interface Clustering {
  k: number;
  assignments: Int32Array;
  centroids: number[][];
  inertia: number;
}

export interface ClusterOptions {
  seed?: number;
  /** Start from these centres (e.g. a sample's) and only refine over everyone. */
  initial?: number[][];
  /** Rows k-means++ runs on; the rest are assigned and refine the centres. */
  sampleSize?: number;
  restarts?: number;
  refinePasses?: number;
  /** Rows the refining passes run over (mini-batch style); then everyone is assigned once. */
  refineSample?: number;
}

/**
 * Rows of one width side by side in one array: the assignment loops run several times faster over it than
 * over row objects, and a million rows as objects cost seconds of garbage collection.
 */
export class Matrix {
  constructor(
    readonly data: Float64Array,
    readonly width: number,
  ) {}

  get length(): number {
    return this.width > 0 ? this.data.length / this.width : 0;
  }

  row(i: number): Float64Array {
    return this.data.subarray(i * this.width, (i + 1) * this.width);
  }

  /** A new matrix of the given rows, in that order. */
  pick(indices: readonly number[]): Matrix {
    const data = new Float64Array(indices.length * this.width);
    indices.forEach((index, i) => {
      data.set(this.row(index), i * this.width);
    });
    return new Matrix(data, this.width);
  }

  /** The rows as a matrix (a copy of plain rows). */
  static of(rows: Matrix | ArrayLike<number>[]): Matrix {
    if (rows instanceof Matrix) return rows;
    const width = rows[0]?.length ?? 0;
    const data = new Float64Array(rows.length * width);
    for (let i = 0; i < rows.length; i++) data.set(rows[i]!, i * width);
    return new Matrix(data, width);
  }
}

/**
 * One Lloyd pass: each row to its nearest centre (a centre stops being summed once it is already farther than
 * the best so far), with the per-centre sums and counts for the next centres. Returns the inertia.
 */
function assignPass(
  flat: Float64Array,
  width: number,
  centres: Float64Array,
  k: number,
  assignments: Int32Array,
  sums: Float64Array,
  counts: Float64Array,
): number {
  sums.fill(0);
  counts.fill(0);
  let inertia = 0;
  const n = assignments.length;
  for (let i = 0; i < n; i++) {
    const base = i * width;
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      const centre = c * width;
      let d = 0;
      for (let j = 0; j < width && d < bestDistance; j++) {
        const diff = flat[base + j]! - centres[centre + j]!;
        d += diff * diff;
      }
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    assignments[i] = best;
    inertia += bestDistance;
    counts[best]!++;
    const target = best * width;
    for (let j = 0; j < width; j++) sums[target + j]! += flat[base + j]!;
  }
  return inertia;
}

export function cluster(
  input: Matrix | ArrayLike<number>[],
  k: number,
  options: ClusterOptions = {},
): Clustering {
  const rows = Matrix.of(input);
  const { seed = 42, sampleSize = 20_000, restarts = 5, refinePasses = 3, refineSample = 100_000 } = options;
  if (rows.length < k) throw new Error(`cannot make ${k} segments of ${rows.length} customers`);
  const sample = options.initial
    ? []
    : sampleIndices(rows.length, sampleSize, seed).map((i) => Array.from(rows.row(i)));
  let best: { centroids: number[][]; inertia: number } | undefined = options.initial
    ? { centroids: options.initial, inertia: 0 }
    : undefined;
  for (let r = 0; r < restarts && !options.initial; r++) {
    const result = kmeans(sample, k, {
      initialization: "kmeans++",
      seed: seed + r * 7919,
      maxIterations: 100,
    });
    const inertia = sample.reduce((sum, row) => sum + nearest(row, result.centroids).distance, 0);
    if (!best || inertia < best.inertia) best = { centroids: result.centroids, inertia };
  }
  const width = rows.width;
  const centres = Matrix.of(best!.centroids).data.slice();
  const sums = new Float64Array(k * width);
  const counts = new Float64Array(k);
  // Refining passes over a large seeded sample move the centres as far as passes over everyone would (to
  // well within the noise of a million rows) at a fraction of the cost; then everyone is assigned once.
  const refineRows =
    rows.length > refineSample ? rows.pick(sampleIndices(rows.length, refineSample, seed + 5)) : rows;
  const refineAssignments = new Int32Array(refineRows.length);
  for (let pass = 0; pass < refinePasses; pass++) {
    assignPass(refineRows.data, width, centres, k, refineAssignments, sums, counts);
    for (let c = 0; c < k; c++) {
      if (counts[c]! === 0) continue;
      for (let j = 0; j < width; j++) centres[c * width + j] = sums[c * width + j]! / counts[c]!;
    }
  }
  const assignments = new Int32Array(rows.length);
  const inertia = assignPass(rows.data, width, centres, k, assignments, sums, counts);
  const centroids = Array.from({ length: k }, (_, c) =>
    Array.from(centres.subarray(c * width, (c + 1) * width)),
  );
  return { k, assignments, centroids, inertia };
}

/** Euclidean distances between every pair of rows (n x n, row-major). */
export function distanceMatrix(rows: ArrayLike<number>[]): Float64Array {
  const n = rows.length;
  const distances = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const d = Math.sqrt(squaredDistance(rows[i]!, rows[j]!));
      distances[i * n + j] = d;
      distances[j * n + i] = d;
    }
  return distances;
}

/** Mean silhouette from a distance matrix (computed once, scored for every k tried). */
export function silhouetteOf(distances: Float64Array, assignments: ArrayLike<number>, k: number): number {
  const n = assignments.length;
  if (n < 2 || k < 2) return 0;
  const sizes = new Array(k).fill(0);
  for (let i = 0; i < n; i++) sizes[assignments[i]!]++;
  let total = 0;
  const sums = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let j = 0; j < n; j++) if (j !== i) sums[assignments[j]!]! += distances[i * n + j]!;
    const own = assignments[i]!;
    if (sizes[own] <= 1) continue;
    const a = sums[own]! / (sizes[own] - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c] > 0) b = Math.min(b, sums[c]! / sizes[c]);
    if (Number.isFinite(b)) total += (b - a) / Math.max(a, b);
  }
  return total / n;
}

/** Mean silhouette of the given rows (O(n^2): pass a sample). */
export function silhouette(rows: ArrayLike<number>[], assignments: ArrayLike<number>, k: number): number {
  return silhouetteOf(distanceMatrix(rows), assignments, k);
}

export interface ChosenK {
  k: number;
  silhouette: number;
  tried: Array<{ k: number; silhouette: number; inertia: number }>;
  clustering: Clustering;
}

/**
 * Tries k = from..to (or just k) on a seeded sample (k-means++ with restarts, silhouette on a sub-sample),
 * keeps the largest k within 5% of the best mean silhouette, then clusters everyone with that k.
 */
export function chooseK(
  input: Matrix | ArrayLike<number>[],
  options: ClusterOptions & {
    k?: number;
    from?: number;
    to?: number;
    selectionSample?: number;
    silhouetteSample?: number;
  } = {},
): ChosenK {
  const { seed = 42, selectionSample = 4000, silhouetteSample = 1200 } = options;
  const rows = Matrix.of(input);
  const candidates = options.k
    ? [options.k]
    : Array.from(
        { length: (options.to ?? 10) - (options.from ?? 2) + 1 },
        (_, i) => (options.from ?? 2) + i,
      ).filter((k) => k <= rows.length);
  if (candidates.length === 0) throw new Error("no k to try: need at least 2 customers");
  const selection = rows.pick(sampleIndices(rows.length, selectionSample, seed + 1));
  const scored = sampleIndices(selection.length, silhouetteSample, seed + 2);
  const scoredDistances = distanceMatrix(scored.map((i) => selection.row(i)));
  const tried: ChosenK["tried"] = [];
  const trials = new Map<number, Clustering>();
  for (const k of candidates) {
    const trial = cluster(selection, k, {
      ...options,
      sampleSize: selectionSample,
      restarts: 3,
      refinePasses: 1,
    });
    trials.set(k, trial);
    if (options.k) break;
    const score = silhouetteOf(
      scoredDistances,
      scored.map((i) => trial.assignments[i]!),
      k,
    );
    tried.push({ k, silhouette: score, inertia: trial.inertia });
  }
  // Silhouette favours splitting off one very distinct group (k = 2); segments are for acting on, so among
  // scores within 5% of the best the finer split wins.
  const best = Math.max(...tried.map((t) => t.silhouette));
  const bestK = options.k ?? Math.max(...tried.filter((t) => t.silhouette >= best * 0.95).map((t) => t.k));
  // Everyone is assigned from the sample's centres, which full passes then refine (mini-batch in spirit).
  const clustering = cluster(rows, bestK, { ...options, initial: trials.get(bestK)?.centroids });
  const check = sampleIndices(rows.length, silhouetteSample, seed + 3);
  const final = silhouette(
    check.map((i) => rows.row(i)),
    check.map((i) => clustering.assignments[i]),
    bestK,
  );
  if (options.k) tried.push({ k: bestK, silhouette: final, inertia: clustering.inertia });
  return { k: bestK, silhouette: final, tried, clustering };
}

/** Adjusted Rand index (Hubert and Arabie 1985) between two labelings of the same items. */
export function adjustedRandIndex(a: ArrayLike<string | number>, b: ArrayLike<string | number>): number {
  const n = a.length;
  const pairs = (x: number) => (x * (x - 1)) / 2;
  const table = new Map<string, number>();
  const rowsCount = new Map<string | number, number>();
  const colsCount = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]}\u0000${b[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rowsCount.set(a[i], (rowsCount.get(a[i]) ?? 0) + 1);
    colsCount.set(b[i], (colsCount.get(b[i]) ?? 0) + 1);
  }
  let index = 0;
  for (const v of table.values()) index += pairs(v);
  let rowSum = 0;
  for (const v of rowsCount.values()) rowSum += pairs(v);
  let colSum = 0;
  for (const v of colsCount.values()) colSum += pairs(v);
  const expected = (rowSum * colSum) / pairs(n);
  const max = (rowSum + colSum) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}
