/**
 * Soak: steady ingest and contexts together for N minutes. 5,000 events/s offered (batches of 100, one
 * batch every 20 ms, not waiting for answers) from 20,000 returning demo customers, and the context API at
 * 200 requests/s for those same customers, against a served demo store (20,000 customers, CLV and
 * segments). Each minute: context p50/p99/max, events acknowledged per second against the offered rate,
 * the server's RSS (after the minute, and the median and max of a sample every second), and its background
 * journey-sequence refreshes (runs so far, the last one's duration and customers), and the share of a core
 * used by the server's serving thread and by the whole server; at the end
 * the last minute's RSS against the first's, both ways.
 * Usage: node dist/bench/soak.js [minutes=10] [eventsPerSecond=5000] [contextsPerSecond=200]
 */
import { readFileSync, rmSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import autocannon from "autocannon";
import { ChdbEngine } from "../src/store/chdb-engine.js";
import { loadedDemoFolder, processCpuSeconds, serverHealth, spawnServer, stopServer } from "./util.js";

const minutes = Number(process.argv[2] ?? 10);
const eventsPerSecond = Number(process.argv[3] ?? 5000);
const contextsPerSecond = Number(process.argv[4] ?? 200);
const CUSTOMERS = 20_000;

const { dir, data } = await loadedDemoFolder("soak", CUSTOMERS, { values: true });
const userIds: string[] = [];
{
  const engine = await ChdbEngine.open(data, "customer_flow");
  const rows = await engine.query<{ id: string }>(
    "SELECT DISTINCT user_id AS id FROM events WHERE user_id != '' LIMIT {n:UInt32}",
    { n: CUSTOMERS },
  );
  for (const row of rows) userIds.push(row.id);
  await engine.close();
}

const { child, url } = await spawnServer(data);
const rssMb = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
};
// Ready once the index is loaded and the start-up warming is over.
for (let idleSince = 0; ; ) {
  const health = (await (await fetch(`${url}/health`)).json()) as {
    contextIndex: { loaded: boolean };
    lane: { readsInFlight: number };
  };
  const idle = health.contextIndex.loaded && health.lane.readsInFlight === 0;
  idleSince = idle ? idleSince || Date.now() : 0;
  if (idleSince && Date.now() - idleSince >= 2000) break;
  await new Promise((r) => setTimeout(r, 250));
}

const write = { authorization: `Basic ${Buffer.from("wk:").toString("base64")}` };
const read = { authorization: `Basic ${Buffer.from("rk:").toString("base64")}` };
const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
const TOUCHES = [
  ["web", "product page", "Product Viewed", ""],
  ["web", "cart", "Cart Viewed", ""],
  ["app", "home", "Screen Viewed", ""],
  ["email", "newsletter", "Email Opened", ""],
  ["chat", "live chat", "Message Sent", "where is my order? it is late again"],
  ["social", "mention", "Message Sent", "love the new jacket, thanks!"],
  ["phone", "support call", "Call Started", ""],
] as const;
let sequence = 0;
function batch(): string {
  const events = [];
  for (let i = 0; i < 100; i++) {
    const [channel, touchpoint, event, text] = pick(TOUCHES);
    events.push({
      type: "track",
      userId: pick(userIds),
      event,
      messageId: `soak-${process.pid}-${sequence++}`,
      properties: { channel, touchpoint, ...(text ? { text } : {}) },
    });
  }
  return JSON.stringify({ batch: events });
}

// Ingest: one batch per tick at the offered rate, each answered in its own time (at most 512 in flight).
const ingest = { acknowledged: 0, failed: 0, skipped: 0, inFlight: 0 };
const tickMs = 100_000 / eventsPerSecond;
let sending = true;
const ingestLoop = (async () => {
  let next = performance.now();
  while (sending) {
    next += tickMs;
    if (ingest.inFlight >= 512) ingest.skipped += 100;
    else {
      ingest.inFlight++;
      fetch(`${url}/v1/batch`, {
        method: "POST",
        headers: { ...write, "content-type": "application/json" },
        body: batch(),
      })
        .then(async (response) => {
          await response.arrayBuffer();
          if (response.status === 200) ingest.acknowledged += 100;
          else ingest.failed += 100;
        })
        .catch(() => {
          ingest.failed += 100;
        })
        .finally(() => {
          ingest.inFlight--;
        });
    }
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
})();

const perMinute = [];
for (let minute = 1; minute <= minutes; minute++) {
  const acknowledgedBefore = ingest.acknowledged;
  const benchLoop = monitorEventLoopDelay({ resolution: 10 });
  benchLoop.enable();
  // RSS swings by a gigabyte within a minute (the engine's merges and allocator): sampled every second too.
  const rssSamples: number[] = [];
  const sampler = setInterval(() => rssSamples.push(rssMb()), 1000);
  const started = performance.now();
  const cpuBefore = { serving: processCpuSeconds(child.pid!, true), server: processCpuSeconds(child.pid!) };
  const contexts = await autocannon({
    url,
    connections: 20,
    overallRate: contextsPerSecond,
    duration: 60,
    requests: [
      {
        method: "GET",
        headers: read,
        setupRequest: (request) => ({
          ...request,
          path: `/v1/context/${encodeURIComponent(pick(userIds))}?touchpoint=support%20call`,
        }),
      },
    ],
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuShare = (used: number) => Number((used / seconds).toFixed(2));
  const cpu = {
    servingThread: cpuShare(processCpuSeconds(child.pid!, true) - cpuBefore.serving),
    server: cpuShare(processCpuSeconds(child.pid!) - cpuBefore.server),
  };
  clearInterval(sampler);
  rssSamples.sort((a, b) => a - b);
  const health = await serverHealth(url);
  perMinute.push({
    minute,
    contextP50ms: contexts.latency.p50,
    contextP99ms: contexts.latency.p99,
    contextMaxMs: contexts.latency.max,
    contextNon2xx: contexts.non2xx,
    // The serving thread's own delay (a blocked thread), and the bench's (a late client), over the minute.
    serverEventLoopDelayMs: health.eventLoopDelay,
    benchEventLoopDelayP99Ms: Math.round(benchLoop.percentile(99) / 1e6 - 10),
    acknowledgedPerSecond: Math.round((ingest.acknowledged - acknowledgedBefore) / seconds),
    // Cores' worth of CPU over the minute: the serving thread (what a context waits behind) and the whole
    // server (every thread: the engine, lanes, V8's helpers). Steadier than a tail latency from run to run.
    cpuCores: cpu,
    rssMb: rssMb(),
    rssMedianMb: rssSamples[Math.floor(rssSamples.length / 2)] ?? 0,
    rssMaxMb: rssSamples.at(-1) ?? 0,
    // Of the RSS: V8's heap in use and memory outside it, after the minute (where a growth lives).
    heap: health.memory,
    // The background journey-sequence refreshes so far, and the last one's duration and customers.
    journeyRefresh: health.journeyRefresh,
  });
  process.stderr.write(`${JSON.stringify(perMinute.at(-1))}\n`);
}
sending = false;
await ingestLoop;
while (ingest.inFlight > 0) await new Promise((r) => setTimeout(r, 100));
await stopServer(child);
rmSync(dir, { recursive: true, force: true });

const first = perMinute[0]!;
const last = perMinute.at(-1)!;
console.log(
  JSON.stringify(
    {
      bench: `soak: ${eventsPerSecond} events/s offered and ${contextsPerSecond} contexts/s for ${minutes} min, ${CUSTOMERS} returning customers`,
      perMinute,
      worstMinuteContextP99ms: Math.max(...perMinute.map((m) => m.contextP99ms)),
      acknowledgedToOffered: Number(
        (
          perMinute.reduce((s, m) => s + m.acknowledgedPerSecond, 0) /
          perMinute.length /
          eventsPerSecond
        ).toFixed(2),
      ),
      ingest,
      rssLastToFirst: Number((last.rssMb / first.rssMb).toFixed(2)),
      rssMedianLastToFirst: Number((last.rssMedianMb / first.rssMedianMb).toFixed(2)),
    },
    null,
    2,
  ),
);
