/**
 * Segments at scale: the demo generator's customers (first `perCustomer` events each) imported into the
 * embedded engine; featurising (SQL) and clustering (k chosen over 2..10) timed, and the clustering compared
 * with scikit-learn's MiniBatchKMeans on the same standardised matrix in the same run (python3 + sklearn).
 * Usage: node dist/bench/segments.js [customers=1000000] [perCustomer=10]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chooseK } from "../src/segments/cluster.js";
import { featureMatrix, standardise } from "../src/segments/features.js";
import { customerCounts } from "../src/segments/store.js";
import { demoStore, ratio, timed } from "./util.js";

const customers = Number(process.argv[2] ?? 1_000_000);
const perCustomer = Number(process.argv[3] ?? 10);
const store = await demoStore("segments", customers, perCustomer);
const { engine } = store;
// Scratch files of this run (the store itself may be kept for the next run).
const scratch = mkdtempSync(join(tmpdir(), "cf-bench-scratch-"));

const memoryBefore = process.memoryUsage().rss;
const featurise = await timed(async () => {
  const counts = await customerCounts(engine);
  return standardise(featureMatrix(counts));
});
const clustering = await timed(async () => chooseK(featurise.result.matrix, { seed: 42 }));
const rows = featurise.result.matrix;
const matrix = join(scratch, "features.f64");
writeFileSync(matrix, Buffer.from(rows.data.buffer, rows.data.byteOffset, rows.data.byteLength));
const script = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "bench", "sklearn_kmeans.py");
const python = spawnSync("python3", [script, matrix, String(rows.length), String(rows.width), "42"], {
  encoding: "utf8",
});
const peer = python.status === 0 ? (JSON.parse(python.stdout) as { seconds: number; k: number }) : null;

console.log(
  JSON.stringify(
    {
      bench: "segments: featurise (SQL) + cluster (k over 2..10), embedded engine",
      customers: rows.length,
      events: store.events,
      sequencesSeconds: Number(store.sequencesSeconds.toFixed(1)),
      featuriseSeconds: Number(featurise.seconds.toFixed(2)),
      clusterSeconds: Number(clustering.seconds.toFixed(2)),
      totalSeconds: Number((featurise.seconds + clustering.seconds).toFixed(2)),
      k: clustering.result.k,
      sklearn: peer ?? `python3 with scikit-learn not available: ${python.stderr?.slice(0, 200)}`,
      clusterRatioVsSklearn: peer ? Number(ratio(clustering.seconds, peer.seconds)) : null,
      rssGrowthMB: Math.round((process.memoryUsage().rss - memoryBefore) / 1e6),
    },
    null,
    2,
  ),
);
await store.close();
rmSync(scratch, { recursive: true, force: true });
