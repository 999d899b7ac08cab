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
import { importFile } from "../src/collect/import.js";
import { EngineSink } from "../src/collect/sink.js";
import { refreshJourneySequences } from "../src/journeys/sequences.js";
import { chooseK } from "../src/segments/cluster.js";
import { featureVector, standardise } from "../src/segments/features.js";
import { customerCounts } from "../src/segments/store.js";
import { ChdbEngine } from "../src/store/chdb-engine.js";
import { migrate } from "../src/store/migrate.js";
import { ratio, timed, writeDemoNdjson } from "./util.js";

const customers = Number(process.argv[2] ?? 1_000_000);
const perCustomer = Number(process.argv[3] ?? 10);
const dir = mkdtempSync(join(tmpdir(), "cf-bench-segments-"));
const file = join(dir, "events.ndjson");

await writeDemoNdjson(file, customers, perCustomer);

const engine = await ChdbEngine.open(join(dir, "data"), "customer_flow");
await migrate(engine);
const sink = new EngineSink(engine);
const summary = await importFile(sink, { file, engine });
await sink.close();
await engine.command("OPTIMIZE TABLE events FINAL");
// Kept at ingest (the import command does the same): each customer's sequence, built once from the events.
const sequences = await timed(() => refreshJourneySequences(engine));

const memoryBefore = process.memoryUsage().rss;
const featurise = await timed(async () => {
  const counts = await customerCounts(engine);
  const last = counts.reduce((max, c) => Math.max(max, c.lastMs), 0);
  return standardise(counts.map((c) => featureVector(c, last)));
});
const clustering = await timed(async () => chooseK(featurise.result.rows, { seed: 42 }));
const rows = featurise.result.rows;
const matrix = join(dir, "features.f64");
const flat = new Float64Array(rows.length * rows[0].length);
for (let i = 0; i < rows.length; i++) flat.set(rows[i], i * rows[i].length);
writeFileSync(matrix, Buffer.from(flat.buffer));
const script = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "bench", "sklearn_kmeans.py");
const python = spawnSync("python3", [script, matrix, String(rows.length), String(rows[0].length), "42"], {
  encoding: "utf8",
});
const peer = python.status === 0 ? (JSON.parse(python.stdout) as { seconds: number; k: number }) : null;

console.log(
  JSON.stringify(
    {
      bench: "segments: featurise (SQL) + cluster (k over 2..10), embedded engine",
      customers: rows.length,
      events: summary.imported,
      sequencesSeconds: Number(sequences.seconds.toFixed(1)),
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
await engine.close();
rmSync(dir, { recursive: true, force: true });
