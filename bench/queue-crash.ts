/**
 * Crash test of the scaled-out topology (issue 21): two `customer-flow collect` processes in front of a NATS
 * JetStream queue, one `customer-flow serve --queue` store node loading it. Sustained load goes through both
 * collectors; each cycle `kill -9`s the store node or one collector (alternately) mid-stream and starts it
 * again. At the end the loader drains the queue, and every acknowledged messageId must be stored exactly once.
 * Retries of acknowledged events are mixed in, so deduplication is checked across crashes too.
 * Needs NATS with JetStream (default nats://127.0.0.1:4222, or CUSTOMER_FLOW_TEST_NATS).
 * Usage: node dist/bench/queue-crash.js [cycles=20]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NatsQueue } from "../src/queue/nats.js";
import { ChdbEngine } from "../src/store/chdb-engine.js";

const CLI = join(fileURLToPath(new URL(".", import.meta.url)), "..", "src", "cli", "main.js");
export const TEST_NATS = process.env.CUSTOMER_FLOW_TEST_NATS ?? "nats://127.0.0.1:4222";

interface Started {
  child: ChildProcess;
  url: string;
}

/** Starts a CLI command that prints {"url": ...} as JSON once it listens. */
export async function startProcess(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [CLI, ...args, "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let errors = "";
  child.stderr!.on("data", (chunk) => (errors += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${errors}`)), 60_000);
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      try {
        const parsed = JSON.parse(output) as { url: string };
        clearTimeout(timer);
        resolve(parsed.url);
      } catch {}
    });
    child.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}: ${errors}`)));
  });
  return { child, url };
}

async function kill(started: Started): Promise<void> {
  const exited = new Promise((resolve) => started.child.once("exit", resolve));
  started.child.kill("SIGKILL");
  await exited;
}

export interface QueueTopology {
  queueArgs: string[];
  dataDir: string;
}

export const startStoreNode = (t: QueueTopology) =>
  startProcess([
    "serve",
    "--data",
    t.dataDir,
    "--port",
    "0",
    "--write-key",
    "wk",
    "--read-key",
    "rk",
    ...t.queueArgs,
  ]);
export const startCollector = (t: QueueTopology) =>
  startProcess(["collect", "--port", "0", "--write-key", "wk", ...t.queueArgs]);

const auth = `Basic ${Buffer.from("wk:").toString("base64")}`;

async function sendBatch(url: string, ids: string[]): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: auth },
      body: JSON.stringify({
        // A retry resends the identical event, so everything is derived from the id.
        batch: ids.map((id) => ({
          type: "track",
          messageId: id,
          userId: `queue-user-${Number(id.slice(6)) % 37}`,
          event: "Queue Crash Test",
          properties: { channel: "web", id },
        })),
      }),
    });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export interface QueueCrashResult {
  cycles: number;
  kills: { storeNode: number; collector: number };
  acknowledged: number;
  missing: number;
  duplicated: number;
  retriesSent: number;
  drainSeconds: number;
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
  const acknowledged: string[] = [];
  const kills = { storeNode: 0, collector: 0 };
  let retriesSent = 0;
  let next = 0;
  let store = await startStoreNode(topology);
  const collectors = [await startCollector(topology), await startCollector(topology)];
  try {
    let running = true;
    const workers = Array.from({ length: options.concurrency ?? 8 }, async (_, w) => {
      while (running) {
        const ids = Array.from({ length: 50 }, () => `queue-${next++}`);
        // Every fifth batch also resends acknowledged ids, as an SDK retry would.
        if (acknowledged.length > 0 && next % 5 === 0) {
          const start = Math.floor(Math.random() * acknowledged.length);
          const retries = acknowledged.slice(start, start + 20);
          retriesSent += retries.length;
          ids.push(...retries);
        }
        // Half the senders use each collector (whichever process serves it now).
        if (await sendBatch(collectors[w % 2]!.url, ids)) acknowledged.push(...ids);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
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
      options.log?.(`cycle ${cycle + 1}/${options.cycles}: ${acknowledged.length} acknowledged so far`);
    }
    running = false;
    await Promise.all(workers);
    const drainStarted = Date.now();
    await drained(queue);
    const drainSeconds = (Date.now() - drainStarted) / 1000;
    // A clean stop (SIGTERM) commits what the loader holds; then the folder is free to read.
    const exited = new Promise((resolve) => store.child.once("exit", resolve));
    store.child.kill("SIGTERM");
    await exited;
    const engine = await ChdbEngine.open(topology.dataDir, "customer_flow");
    try {
      const counts = new Map<string, number>();
      for await (const row of engine.stream<{ event_id: string; n: string }>(
        "SELECT event_id, count() AS n FROM events FINAL GROUP BY event_id",
      ))
        counts.set(row.event_id, Number(row.n));
      const unique = [...new Set(acknowledged)];
      return {
        cycles: options.cycles,
        kills,
        acknowledged: unique.length,
        missing: unique.filter((id) => !counts.has(id)).length,
        duplicated: [...counts.values()].filter((n) => n > 1).length,
        retriesSent,
        drainSeconds,
      };
    } finally {
      await engine.close();
    }
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
