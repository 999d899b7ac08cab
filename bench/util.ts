/** Shared bits of the benchmark scripts: timing, a child `customer-flow serve`, demo events. */
import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { importFile } from "../src/collect/import.js";
import { normaliseEvent, Sequence } from "../src/collect/normalise.js";
import { EngineSink } from "../src/collect/sink.js";
import { writeDemoFile } from "../src/demo/file.js";
import { generateDemo } from "../src/demo/generator.js";
import { loadDemo } from "../src/demo/load.js";
import { type BackgroundRefresh, refreshJourneySequences } from "../src/journeys/sequences.js";
import { discoverSegments } from "../src/segments/store.js";
import { ChdbEngine } from "../src/store/chdb-engine.js";
import { migrate } from "../src/store/migrate.js";
import { runClv } from "../src/value/store.js";

export const CLI = join(fileURLToPath(new URL(".", import.meta.url)), "..", "src", "cli", "main.js");

export async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, result };
}

export interface DemoStore {
  engine: ChdbEngine;
  dir: string;
  events: number;
  /** Seconds the import took (null: reused from an earlier run). */
  importSeconds: number | null;
  /** Seconds to build every customer's journey sequence from the events (as the import command does). */
  sequencesSeconds: number;
  close(): Promise<void>;
}

/**
 * The demo generator's customers (first `perCustomer` events each) imported into an embedded store, with
 * events merged and the journey sequences built (timed). With CF_BENCH_DATA=DIR the store is kept there and
 * reused by the next run with the same sizes (generating and importing 10M events takes about 12 minutes);
 * otherwise it lives in a temporary folder removed on close.
 */
export async function demoStore(name: string, customers: number, perCustomer: number): Promise<DemoStore> {
  const kept = process.env.CF_BENCH_DATA
    ? join(process.env.CF_BENCH_DATA, `${customers}x${perCustomer}`)
    : undefined;
  const dir = kept ?? mkdtempSync(join(tmpdir(), `cf-bench-${name}-`));
  const reuse = kept !== undefined && existsSync(join(dir, "imported.json"));
  const engine = await ChdbEngine.open(join(dir, "data"), "customer_flow");
  await migrate(engine);
  let events: number;
  let importSeconds: number | null = null;
  if (reuse) {
    events = JSON.parse(readFileSync(join(dir, "imported.json"), "utf8")).events;
  } else {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "events.ndjson");
    await writeDemoFile(file, { customers, perCustomer, seed: 9 });
    const load = await timed(async () => {
      const sink = new EngineSink(engine);
      const summary = await importFile(sink, { file, engine });
      await sink.close();
      return summary;
    });
    rmSync(file);
    await engine.command("OPTIMIZE TABLE events FINAL");
    events = load.result.imported;
    importSeconds = load.seconds;
    writeFileSync(join(dir, "imported.json"), JSON.stringify({ events }));
  }
  // Kept at ingest (the import command does the same): each customer's sequence, built from all events.
  const sequences = await timed(() => refreshJourneySequences(engine, { full: true }));
  await engine.command("OPTIMIZE TABLE customer_journeys FINAL");
  return {
    engine,
    dir,
    events,
    importSeconds,
    sequencesSeconds: sequences.seconds,
    close: async () => {
      await engine.close();
      if (!kept) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function demoEvents(count: number, seed = 1): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const { events: batch } of generateDemo({ customers: Number.MAX_SAFE_INTEGER, seed })) {
    for (const event of batch) {
      events.push(event);
      if (events.length >= count) return events;
    }
  }
  return events;
}

/**
 * Starts a CLI command that prints `{"url": ...}` as JSON once it listens (`serve`, `collect`); its stderr
 * goes on to this process's. CF_BENCH_SERVER_NODE_ARGS: flags for its node (e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof", or "--trace-gc" with CF_BENCH_SERVER_STDOUT=FILE, where its stdout is copied);
 * CF_BENCH_CLI=path/to/main.js: another build's CLI, measured by this build's bench.
 */
export async function spawnCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const nodeArgs = process.env.CF_BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, process.env.CF_BENCH_CLI ?? CLI, ...args, "--json"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let errors = "";
  const copy = process.env.CF_BENCH_SERVER_STDOUT;
  if (copy) child.stdout!.on("data", (chunk) => appendFileSync(copy, chunk));
  child.stderr!.on("data", (chunk) => {
    errors += chunk;
    process.stderr.write(chunk);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${errors}`)), 60_000);
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      try {
        // From its first brace: V8's traces may come before the JSON.
        resolve((JSON.parse(output.slice(output.indexOf("{"))) as { url: string }).url);
        clearTimeout(timer);
      } catch {}
    });
    child.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}: ${errors}`)));
  });
  return { child, url };
}

export function spawnServer(
  dataDir: string,
  extra: string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  return spawnCli([
    "serve",
    "--data",
    dataDir,
    "--port",
    "0",
    "--write-key",
    "wk",
    "--read-key",
    "rk",
    ...extra,
    // Server settings under test, e.g. CF_BENCH_SERVE_ARGS="--workers 2".
    ...(process.env.CF_BENCH_SERVE_ARGS?.split(" ").filter(Boolean) ?? []),
  ]);
}

/** The peer of the ingest benches: the same events, validated beforehand, inserted by the engine in 50,000-row inserts. */
export async function rawInsertRate(
  events: Record<string, unknown>[],
): Promise<{ eventsPerSecond: number; stored: number; cpuSeconds: number }> {
  const sequence = new Sequence();
  const rows = events.map((e) => {
    const result = normaliseEvent(e, { source: "bench", receivedAt: Date.now(), sequence });
    if (!("ok" in result)) throw new Error("demo events are valid");
    return result.ok;
  });
  const dir = mkdtempSync(join(tmpdir(), "cf-bench-raw-"));
  const engine = await ChdbEngine.open(dir, "customer_flow");
  try {
    await migrate(engine);
    const cpuBefore = processCpuSeconds(process.pid);
    const raw = await timed(async () => {
      for (let i = 0; i < rows.length; i += 50_000) await engine.insert("events", rows.slice(i, i + 50_000));
    });
    const cpuSeconds = processCpuSeconds(process.pid) - cpuBefore;
    const [stored] = await engine.query<{ n: number }>("SELECT count() AS n FROM events");
    return {
      eventsPerSecond: Math.round(rows.length / raw.seconds),
      stored: Number(stored?.n ?? 0),
      cpuSeconds,
    };
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * CPU seconds (user + system) a process has used so far, every thread (the engine's included), or only its
 * main thread (`mainThread`: the one that runs JavaScript), from /proc (Linux); NaN where it cannot be read.
 */
export function processCpuSeconds(pid: number, mainThread = false): number {
  try {
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, "utf8");
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = stat.split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** The /health figures the benches read: the serving thread's event-loop delay (ms), the process's memory (MB), the background refreshes. */
export interface ServerHealth {
  eventLoopDelay: { p99Ms: number; maxMs: number };
  memory: { rss: number; heapUsed: number; external: number };
  journeyRefresh: BackgroundRefresh["stats"];
}

export async function serverHealth(url: string): Promise<ServerHealth> {
  const body = (await (await fetch(`${url}/health`)).json()) as {
    lane: Pick<ServerHealth, "eventLoopDelay" | "journeyRefresh">;
    memory: ServerHealth["memory"];
  };
  const { p99Ms, maxMs } = body.lane.eventLoopDelay;
  return { eventLoopDelay: { p99Ms, maxMs }, memory: body.memory, journeyRefresh: body.lane.journeyRefresh };
}

/** A server's own event-loop delay over the last 30-60 s (GET /health): a blocked serving thread, as against CPU contention. */
export async function serverEventLoopDelay(url: string): Promise<ServerHealth["eventLoopDelay"]> {
  return (await serverHealth(url)).eventLoopDelay;
}

export function ratio(a: number, b: number): string {
  return (a / b).toFixed(2);
}

/**
 * A new data folder (`DIR/data`) holding the demo's first `customers` customers, loaded through the
 * collector's sink; with `values`, CLV fitted and segments discovered as `npm start` does. Its parts are
 * merged, so background merges do not compete with what is measured next.
 */
export async function loadedDemoFolder(
  name: string,
  customers: number,
  options: { values?: boolean } = {},
): Promise<{ dir: string; data: string }> {
  const dir = mkdtempSync(join(tmpdir(), `cf-bench-${name}-`));
  const data = join(dir, "data");
  const engine = await ChdbEngine.open(data, "customer_flow");
  await migrate(engine);
  const sink = new EngineSink(engine);
  await loadDemo(sink, { customers, seed: 42 });
  await sink.close();
  if (options.values) {
    await runClv(engine);
    await discoverSegments(engine, { seed: 42 });
  }
  await engine.command("OPTIMIZE TABLE events FINAL");
  await engine.close();
  return { dir, data };
}
