/**
 * What a user times: `customer-flow journeys dfg` in a fresh process on a large store, against DuckDB
 * answering the same directly-follows question in a fresh process (bench/duckdb-dfg.ts) on the same rows,
 * twice: from Parquet files, and from DuckDB's own database file with the rows loaded. The demo generator's customers, each cut to their first `perCustomer` events; both
 * read the customers' own touches (`--no-brand`). Median of N fresh processes each, answers compared.
 * Usage: node dist/bench/cli-dfg.js [customers=300000] [perCustomer=10] [runs=5]
 * (CF_BENCH_DATA=DIR keeps the store for the next run; CF_BENCH_CLI=path/to/main.js times another build.)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CLI, demoStore, ratio } from "./util.js";

const customers = Number(process.argv[2] ?? 300_000);
const perCustomer = Number(process.argv[3] ?? 10);
const runs = Number(process.argv[4] ?? 5);
const cli = process.env.CF_BENCH_CLI ?? CLI;
const duckdbPeer = join(fileURLToPath(new URL(".", import.meta.url)), "duckdb-dfg.js");

const store = await demoStore("cli-dfg", customers, perCustomer);
const scratch = mkdtempSync(join(tmpdir(), "cf-bench-cli-dfg-"));
const eventsParquet = join(scratch, "events.parquet");
const mapParquet = join(scratch, "identity_map.parquet");
await store.engine.command(
  `INSERT INTO FUNCTION file('${eventsParquet}', 'Parquet')
   SELECT identity_key, toUnixTimestamp64Milli(timestamp) AS ts, seq, touchpoint FROM events FINAL WHERE direction = 'inbound'`,
);
await store.engine.command(
  `INSERT INTO FUNCTION file('${mapParquet}', 'Parquet') SELECT identifier, customer_id FROM identity_map FINAL`,
);
const duckdbFile = join(scratch, "journeys.duckdb");
{
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(duckdbFile);
  const duck = await instance.connect();
  await duck.run(`CREATE TABLE events AS SELECT * FROM read_parquet('${eventsParquet}')`);
  await duck.run(`CREATE TABLE idmap AS SELECT * FROM read_parquet('${mapParquet}')`);
  await duck.run("CHECKPOINT");
  duck.closeSync();
  instance.closeSync(); // releases the file's lock for the fresh processes
}
const { events, dir } = store;
await store.engine.close(); // the CLI opens the folder itself

interface Dfg {
  edges: { from: string; to: string; count: number; medianSeconds: number }[];
  start: Record<string, number>;
  end: Record<string, number>;
}
function timedRuns(args: string[]): { seconds: number; answer: Dfg } {
  const seconds: number[] = [];
  let output = "";
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    output = execFileSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 28 });
    seconds.push((performance.now() - started) / 1000);
  }
  seconds.sort((a, b) => a - b);
  return { seconds: Number(seconds[Math.floor(runs / 2)]!.toFixed(3)), answer: JSON.parse(output) as Dfg };
}

// Alternated so that neither side gets a warmer page cache: one untimed run each first.
const oursArgs = [cli, "journeys", "dfg", "--no-brand", "--data", join(dir, "data"), "--json"];
const parquetArgs = [duckdbPeer, eventsParquet, mapParquet];
const databaseArgs = [duckdbPeer, duckdbFile];
for (const args of [oursArgs, parquetArgs, databaseArgs])
  execFileSync(process.execPath, args, { stdio: "ignore" });
const ours = timedRuns(oursArgs);
const duckdbParquet = timedRuns(parquetArgs);
const duckdbDatabase = timedRuns(databaseArgs);

const sameCounts = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, n]) => b[k] === n);
const agrees = (peer: Dfg) =>
  ours.answer.edges.length === peer.edges.length &&
  peer.edges.every((p) => {
    const mine = ours.answer.edges.find((e) => e.from === p.from && e.to === p.to);
    return (
      mine !== undefined && mine.count === p.count && Math.abs(mine.medianSeconds - p.medianSeconds) < 1e-3
    );
  }) &&
  sameCounts(ours.answer.start, peer.start) &&
  sameCounts(ours.answer.end, peer.end);

rmSync(scratch, { recursive: true, force: true });
if (!process.env.CF_BENCH_DATA) rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      bench: `journeys dfg in a fresh process, ${customers} customers, ${events} events, median of ${runs}`,
      cli,
      seconds: {
        ours: ours.seconds,
        duckdbParquet: duckdbParquet.seconds,
        duckdbDatabase: duckdbDatabase.seconds,
      },
      ratio: {
        toDuckdbParquet: Number(ratio(ours.seconds, duckdbParquet.seconds)),
        toDuckdbDatabase: Number(ratio(ours.seconds, duckdbDatabase.seconds)),
      },
      answersAgree: {
        duckdbParquet: agrees(duckdbParquet.answer),
        duckdbDatabase: agrees(duckdbDatabase.answer),
      },
    },
    null,
    2,
  ),
);
