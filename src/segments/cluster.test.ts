import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../seeded-random.js";
import { adjustedRandIndex, chooseK, cluster, silhouette } from "./cluster.js";
import { describeSegments } from "./describe.js";
import { FEATURE_NAMES, standardise } from "./features.js";

test("adjusted Rand index: 1 for the same partition under other names, about 0 for unrelated ones", () => {
  assert.equal(adjustedRandIndex([0, 0, 1, 1, 2, 2], ["b", "b", "a", "a", "c", "c"]), 1);
  // Hubert & Arabie's worked example value for this pair of labelings (checked with scikit-learn: 0.24242...).
  assert.ok(Math.abs(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) - 0.242424) < 1e-5);
  const random = seededRandom(3);
  const a = Array.from({ length: 4000 }, () => Math.floor(random() * 4));
  const b = Array.from({ length: 4000 }, () => Math.floor(random() * 4));
  assert.ok(Math.abs(adjustedRandIndex(a, b)) < 0.01);
});

function blobs(seed: number): { rows: Float64Array[]; truth: number[] } {
  const random = seededRandom(seed);
  const centres = [
    [0, 0],
    [6, 0],
    [0, 6],
  ];
  const rows: Float64Array[] = [];
  const truth: number[] = [];
  for (let i = 0; i < 900; i++) {
    const c = i % 3;
    rows.push(Float64Array.from(centres[c], (x) => x + (random() + random() + random() - 1.5)));
    truth.push(c);
  }
  return { rows, truth };
}

test("k-means finds separated blobs; k is chosen by silhouette; the same seed gives the same answer", () => {
  const { rows, truth } = blobs(1);
  const chosen = chooseK(rows, { seed: 9 });
  assert.equal(chosen.k, 3);
  assert.ok(chosen.silhouette > 0.7);
  assert.equal(adjustedRandIndex(truth, chosen.clustering.assignments), 1);
  const again = chooseK(rows, { seed: 9 });
  assert.deepEqual([...again.clustering.assignments], [...chosen.clustering.assignments]);
  // Sampling then refining over everyone gives the same partition as clustering everyone.
  const sampled = cluster(rows, 3, { seed: 9, sampleSize: 100 });
  assert.equal(adjustedRandIndex(truth, sampled.assignments), 1);
});

test("silhouette is near 1 for tight far clusters and near 0 for random labels", () => {
  const tight = [[0], [0.1], [10], [10.1]].map((r) => Float64Array.from(r));
  assert.ok(silhouette(tight, [0, 0, 1, 1], 2) > 0.98);
  const { rows } = blobs(2);
  const random = seededRandom(5);
  const labels = rows.map(() => Math.floor(random() * 3));
  assert.ok(Math.abs(silhouette(rows, labels, 3)) < 0.05);
});

test("segments are described by their distinguishing features, in words", () => {
  const width = FEATURE_NAMES.length;
  const at = (name: string) => FEATURE_NAMES.indexOf(name);
  const row = (store: number, complaint: number) => {
    const r = new Array(width).fill(0);
    r[at("share_store")] = store;
    r[at("share_web")] = 1 - store;
    r[at("share_complaint")] = complaint;
    return r;
  };
  const raw = [
    ...Array.from({ length: 50 }, () => row(0.9, 0.6)),
    ...Array.from({ length: 150 }, () => row(0.1, 0.1)),
  ];
  const values = [...new Array(50).fill(120), ...new Array(150).fill(100)];
  const assignments = raw.map((_, i) => (i < 50 ? 0 : 1));
  const [store] = describeSegments(raw, values, assignments, 2);
  assert.equal(store.label, "store-first, complaint-heavy");
  assert.match(store.description, /90% of touches on store \(3\.0x average\)/);
  assert.match(store.description, /value 14% above average/);
  assert.equal(store.size, 50);
  assert.ok(["share_store", "share_web", "share_complaint"].includes(store.distinguishing[0].feature));
  assert.ok(Math.abs(store.distinguishing[0].effectSize) > 1);
  assert.equal(standardise(raw).matrix.width, width);
});
