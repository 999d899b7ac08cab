/**
 * Throughput of the scaled-out topology (issue 21), all processes on this machine, in one run:
 *  1. `serve` alone: HTTP ingest of the demo's events (batches of 100, acknowledged after commit);
 *  2. two `collect` processes and one `serve --queue` store node, the same load split over the collectors:
 *     the rate the collectors acknowledge (durable in JetStream), and the rate until the store holds it all;
 *  3. the loader alone: the store node started on a stream already holding the events, timed until it has
 *     loaded them, against the engine inserting the same stored rows itself (its own insert rate); with the
 *     CPU seconds each used (the store node, the NATS server when it runs here, the peer's process).
 * Needs NATS with JetStream (nats://127.0.0.1:4222 or CUSTOMER_FLOW_TEST_NATS).
 * Usage: node dist/bench/queue-throughput.js [events=200000] [concurrency=32]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { NatsQueue } from "../src/queue/nats.js";
import { ChdbEngine } from "../src/store/chdb-engine.js";
import { startCollector, startStoreNode, TEST_NATS } from "./queue-crash.js";
import {
  demoEvents,
  processCpuSeconds,
  ratio,
  rawInsertRate,
  spawnServer,
  stopServer,
  timed,
} from "./util.js";

const total = Number(process.argv[2] ?? 200_000);
const concurrency = Number(process.argv[3] ?? 32);
const events = demoEvents(total);
const bodies: string[] = [];
for (let i = 0; i < events.length; i += 100) bodies.push(JSON.stringify({ batch: events.slice(i, i + 100) }));
const auth = `Basic ${Buffer.from("wk:").toString("base64")}`;

/** Sends every body, `concurrency` at a time, spread over the urls; returns the failures. */
async function send(urls: string[]): Promise<number> {
  let failures = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const response = await fetch(`${urls[w % urls.length]}/v1/batch`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: auth },
          body,
        });
        if (response.status !== 200) failures++;
        await response.arrayBuffer();
      }
    }),
  );
  return failures;
}

async function storedEvents(dataDir: string): Promise<number> {
  const engine = await ChdbEngine.open(dataDir, "customer_flow");
  try {
    const [row] = await engine.query<{ n: number }>("SELECT count() AS n FROM events FINAL");
    return Number(row?.n ?? 0);
  } finally {
    await engine.close();
  }
}

async function untilLoaded(queue: NatsQueue): Promise<void> {
  for (;;) {
    const status = await queue.status();
    // Acknowledged up to the stream's last message (the pending counts alone can lag behind a burst).
    if (status.lastSequence > 0 && status.ackedSequence >= status.lastSequence) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The NATS server's process when it runs on this machine (its CPU is part of the loader's cost here). */
function localNatsServerPid(): number {
  try {
    return Number(execFileSync("pgrep", ["-o", "nats-server"], { encoding: "utf8" }).trim());
  } catch {
    return Number.NaN;
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function topology(tag: string) {
  const stream = `CF_BENCH_${tag}_${process.pid}`;
  const subjectPrefix = `cf-bench-${tag}-${process.pid}`;
  return {
    queueOptions: { url: TEST_NATS, stream, subjectPrefix },
    queueArgs: ["--queue", TEST_NATS, "--queue-stream", stream, "--queue-subjects", subjectPrefix],
    dataDir: mkdtempSync(join(tmpdir(), `cf-bench-queue-${tag}-`)),
  };
}

// 1. serve alone.
const aloneDir = mkdtempSync(join(tmpdir(), "cf-bench-alone-"));
const alone = await spawnServer(aloneDir);
const aloneRun = await timed(() => send([alone.url]));
await stopServer(alone.child);
rmSync(aloneDir, { recursive: true, force: true });

// 2. two collectors and a store node.
const scaled = topology("scaled");
const scaledQueue = await NatsQueue.open(scaled.queueOptions);
const store = await startStoreNode(scaled);
const collectors = [await startCollector(scaled), await startCollector(scaled)];
const started = process.hrtime.bigint();
const collected = await timed(() => send(collectors.map((c) => c.url)));
await untilLoaded(scaledQueue);
const endToEndSeconds = Number(process.hrtime.bigint() - started) / 1e9;
for (const c of collectors) await stopServer(c.child);
await stopServer(store.child);
const scaledStored = await storedEvents(scaled.dataDir);

// 3. the loader alone, on the stream the collectors filled (a new consumer from its first message).
const replay = topology("replay");
const replayQueue = await NatsQueue.open(replay.queueOptions);
const collector = await startCollector(replay);
await send([collector.url]);
await stopServer(collector.child);
const natsPid = localNatsServerPid();
const loading = await timed(async () => {
  const node = await startStoreNode(replay);
  // From the moment it listens (its loader starts just before): the process's start is not loading.
  const loadStarted = process.hrtime.bigint();
  const pid = node.child.pid!;
  const cpuBefore = {
    storeNode: processCpuSeconds(pid),
    mainThread: processCpuSeconds(pid, true),
    nats: processCpuSeconds(natsPid),
  };
  await untilLoaded(replayQueue);
  const cpu = {
    storeNode: processCpuSeconds(pid) - cpuBefore.storeNode,
    mainThread: processCpuSeconds(pid, true) - cpuBefore.mainThread,
    nats: processCpuSeconds(natsPid) - cpuBefore.nats,
  };
  return { node, cpu, seconds: Number(process.hrtime.bigint() - loadStarted) / 1e9 };
});
await stopServer(loading.result.node.child);
const loaderRate = Math.round(events.length / loading.result.seconds);
const replayStored = await storedEvents(replay.dataDir);

// The engine's own insert rate of the same stored rows.
const raw = await rawInsertRate(events);

for (const q of [scaledQueue, replayQueue]) {
  await q.destroy();
  await q.close();
}
for (const dir of [scaled.dataDir, replay.dataDir]) rmSync(dir, { recursive: true, force: true });

const rate = (seconds: number) => Math.round(events.length / seconds);
console.log(
  JSON.stringify(
    {
      bench: "queue-throughput",
      events: events.length,
      concurrency,
      serveAlone: { eventsPerSecond: rate(aloneRun.seconds), failures: aloneRun.result },
      twoCollectors: {
        acknowledgedPerSecond: rate(collected.seconds),
        storedPerSecond: rate(endToEndSeconds),
        failures: collected.result,
        stored: scaledStored,
      },
      ratioAcknowledgedToServeAlone: Number(ratio(rate(collected.seconds), rate(aloneRun.seconds))),
      ratioStoredToServeAlone: Number(ratio(rate(endToEndSeconds), rate(aloneRun.seconds))),
      loader: {
        eventsPerSecond: loaderRate,
        withStartPerSecond: rate(loading.seconds),
        stored: replayStored,
      },
      rawInsertEventsPerSecond: raw.eventsPerSecond,
      ratioLoaderToRawInsert: Number(ratio(loaderRate, raw.eventsPerSecond)),
      // Where the cores went: on one machine the NATS server, the store node and the peer share them.
      cpuSeconds: {
        loaderStoreNode: round2(loading.result.cpu.storeNode),
        loaderMainThread: round2(loading.result.cpu.mainThread),
        natsServer: round2(loading.result.cpu.nats),
        rawInsert: round2(raw.cpuSeconds),
        cores: availableParallelism(),
      },
      // The loader's rate if its store node had the cores the peer used to itself, in proportion of CPU.
      ratioLoaderToRawInsertPerCpuSecond: Number(
        ratio(events.length / loading.result.cpu.storeNode, events.length / raw.cpuSeconds),
      ),
    },
    null,
    2,
  ),
);
