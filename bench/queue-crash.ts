/**
 * Crash test of the scaled-out topology (issue 21): two `customer-flow collect` processes in front of a NATS
 * JetStream queue, one `customer-flow serve --queue` store node loading it. Sustained load goes through both
 * collectors; each cycle `kill -9`s the store node or one collector (alternately) mid-stream and starts it
 * again. At the end the loader drains the queue, and every acknowledged messageId must be stored exactly once.
 * Retries of acknowledged events are mixed in, so deduplication is checked across crashes too.
 * Needs NATS with JetStream (default nats://127.0.0.1:4222, or CUSTOMER_FLOW_TEST_NATS).
 * Usage: node dist/bench/queue-crash.js [cycles=20]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NatsQueue } from "../src/queue/nats.js";
import { CrashLoad, reckon } from "./crash-load.js";
import { spawnCli, spawnServer } from "./util.js";

export const TEST_NATS = process.env.CUSTOMER_FLOW_TEST_NATS ?? "nats://127.0.0.1:4222";

type Started = Awaited<ReturnType<typeof spawnCli>>;

async function kill(started: Started): Promise<void> {
  const exited = new Promise((resolve) => started.child.once("exit", resolve));
  started.child.kill("SIGKILL");
  await exited;
}

export interface QueueTopology {
  queueArgs: string[];
  dataDir: string;
}

export const startStoreNode = (t: QueueTopology) => spawnServer(t.dataDir, t.queueArgs);
export const startCollector = (t: QueueTopology) =>
  spawnCli(["collect", "--port", "0", "--write-key", "wk", ...t.queueArgs]);

export interface QueueCrashResult {
  cycles: number;
  kills: { storeNode: number; collector: number };
  acknowledged: number;
  missing: number;
  duplicated: number;
  retriesSent: number;
  drainSeconds: number;
  /** The last store node's loader: its retries and last error. */
  lastLoader: { retries: number; lastError: string | null };
}

/** Waits until the loader has acknowledged everything the stream holds. */
async function drained(queue: NatsQueue, timeoutMs = 120_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const status = await queue.status();
    if (status.pending === 0 && status.ackPending === 0 && status.ackedSequence >= status.lastSequence)
      return;
    if (Date.now() - started > timeoutMs)
      throw new Error(`the loader did not drain: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function runQueueCrashTest(options: {
  cycles: number;
  concurrency?: number;
  log?: (line: string) => void;
}): Promise<QueueCrashResult> {
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const stream = `CF_CRASH_${tag}`;
  const queueArgs = ["--queue", TEST_NATS, "--queue-stream", stream, "--queue-subjects", `cf-crash-${tag}`];
  const topology = { queueArgs, dataDir: mkdtempSync(join(tmpdir(), "cf-queue-crash-")) };
  const queue = await NatsQueue.open({ url: TEST_NATS, stream, subjectPrefix: `cf-crash-${tag}` });
  const load = new CrashLoad("queue", 50, "Queue Crash Test");
  const kills = { storeNode: 0, collector: 0 };
  let store = await startStoreNode(topology);
  const collectors = [await startCollector(topology), await startCollector(topology)];
  try {
    let running = true;
    const workers = Array.from({ length: options.concurrency ?? 8 }, async (_, w) => {
      // Half the senders use each collector (whichever process serves it now); a refusal waits a little.
      while (running)
        if (!(await load.send(collectors[w % 2]!.url)))
          await new Promise((resolve) => setTimeout(resolve, 50));
    });
    for (let cycle = 0; cycle < options.cycles; cycle++) {
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.random() * 1200));
      if (cycle % 2 === 0) {
        await kill(store);
        kills.storeNode++;
        store = await startStoreNode(topology);
      } else {
        const which = (cycle >> 1) % 2;
        await kill(collectors[which]!);
        kills.collector++;
        collectors[which] = await startCollector(topology);
      }
      options.log?.(`cycle ${cycle + 1}/${options.cycles}: ${load.acknowledged.length} acknowledged so far`);
    }
    running = false;
    await Promise.all(workers);
    const drainStarted = Date.now();
    await drained(queue);
    const drainSeconds = (Date.now() - drainStarted) / 1000;
    // What the last store node's loader went through (retries after broken takes or writes).
    const health = (await fetch(`${store.url}/health`).then((r) => r.json())) as {
      queue: { loaded: { retries: number; lastError: string | null } };
    };
    // A clean stop (SIGTERM) commits what the loader holds; then the folder is free to read.
    const exited = new Promise((resolve) => store.child.once("exit", resolve));
    store.child.kill("SIGTERM");
    await exited;
    return {
      cycles: options.cycles,
      kills,
      ...(await reckon(topology.dataDir, load.acknowledged)),
      retriesSent: load.retriesSent,
      drainSeconds,
      lastLoader: health.queue.loaded,
    };
  } finally {
    for (const started of [store, ...collectors])
      if (started.child.exitCode === null) started.child.kill("SIGKILL");
    await queue.destroy().catch(() => undefined);
    await queue.close();
    rmSync(topology.dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cycles = Number(process.argv[2] ?? 20);
  const result = await runQueueCrashTest({ cycles, log: (line) => process.stderr.write(`${line}\n`) });
  console.log(JSON.stringify(result));
  process.exit(result.missing === 0 && result.duplicated === 0 ? 0 : 1);
}
