/** Segment discovery's computation (pure): counts in, clustering and described segments out. */
import { chooseK } from "./cluster.js";
import { describeSegments, type SegmentSummary } from "./describe.js";
import { type CustomerCounts, customerValue, featureMatrix, standardise } from "./features.js";

/** What clustering the customers' counts gives (pure: the analytic lane's workers run it for a server). */
export interface Clustered {
  k: number;
  silhouette: number;
  tried: Array<{ k: number; silhouette: number }>;
  assignments: number[];
  segments: SegmentSummary[];
}

/** Features, z-scores, k-means++ with k chosen by silhouette (or given), and the described segments. */
export function clusterCustomers(counts: CustomerCounts, options: { k?: number; seed: number }): Clustered {
  const raw = featureMatrix(counts);
  const { matrix } = standardise(raw);
  const chosen = chooseK(matrix, { k: options.k, seed: options.seed });
  const values = counts.ids.map((_, i) => customerValue(counts, i));
  return {
    k: chosen.k,
    silhouette: chosen.silhouette,
    tried: chosen.tried.map((t) => ({ k: t.k, silhouette: t.silhouette })),
    assignments: Array.from(chosen.clustering.assignments),
    segments: describeSegments(raw, values, chosen.clustering.assignments, chosen.k),
  };
}
