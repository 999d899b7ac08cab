/**
 * The context API under load: a served demo store (CLV fitted), autocannon at a fixed 1,000 requests/s on
 * GET /v1/context/{email} for random demo customers, against the same rate on GET /health (a route that
 * does nothing) as the peer, after a 5 s warm-up. Prints p50/p99 latency of both and the ratio of the p99s.
 * Then the mixed phase: the same context load while one analyst reads uncached analytic views back to back
 * (process map, friction, touchpoint table, variants, segment comparison, overview, each with a date
 * filter that changes every round so no cached answer serves it); says how many reads completed. Last,
 * HTTP ingest (32 clients, batches of 100) for the same time alone and while the analyst reads: the ratio.
 * Usage: node dist/bench/context.js [customers=20000] [seconds=20] [rate=1000]
 * CF_BENCH_SERVE_ARGS adds server settings under test, e.g. "--workers 2" (bench/util.ts spawnServer).
 */
import { rmSync } from "node:fs";
import autocannon from "autocannon";
import { loadedDemoFolder, ratio, serverEventLoopDelay, spawnServer, stopServer } from "./util.js";

const customers = Number(process.argv[2] ?? 20_000);
const seconds = Number(process.argv[3] ?? 20);
const rate = Number(process.argv[4] ?? 1000);
const { dir, data } = await loadedDemoFolder("context", customers, { values: true });

const { child, url } = await spawnServer(data);
const auth = `Basic ${Buffer.from("rk:").toString("base64")}`;
// Ready: the context index is loaded and the dashboard's start-up warming has finished (no read in
// flight for two seconds; a server without that figure gets 30 s), so the first phase really is alone.
let idleSince = 0;
const startedWaiting = Date.now();
for (;;) {
  const health = (await (await fetch(`${url}/health`)).json()) as {
    contextIndex: { loaded: boolean };
    lane?: { readsInFlight: number };
  };
  const idle = health.lane ? health.lane.readsInFlight === 0 : Date.now() - startedWaiting > 30_000;
  idleSince = health.contextIndex.loaded && idle ? idleSince || Date.now() : 0;
  if (idleSince && Date.now() - idleSince >= 2000) break;
  await new Promise((r) => setTimeout(r, 250));
}

async function load(path: () => string, duration = seconds): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: 50,
    overallRate: rate,
    duration,
    requests: [
      { method: "GET", headers: { authorization: auth }, setupRequest: (req) => ({ ...req, path: path() }) },
    ],
  });
}

const randomCustomer = () =>
  `/v1/context/customer${1 + Math.floor(Math.random() * customers)}%40example.com?touchpoint=support%20call`;
await load(randomCustomer, 5); // warm-up: JIT and caches, not measured
const context = await load(randomCustomer);
const health = await load(() => "/health");
const loopDelayAlone = await serverEventLoopDelay(url);

/** One analyst clicking through the analytic views, each request new to the server's cache. */
const ANALYST_VIEWS: Array<(round: number, from: string) => string> = [
  (_, from) => `/v1/journeys/dfg?from=${from}`,
  (_, from) => `/v1/journeys/friction?from=${from}`,
  (round) => `/v1/value/touchpoints?lookback=${30 + round}`,
  (_, from) => `/v1/journeys/variants?from=${from}`,
  // Segment comparison takes no filter: after the first round it is answered from the cache.
  () => "/v1/segments/compare?a=0&b=1",
  (_, from) => `/v1/overview?from=${from}`,
];
let round = 0;
/** Starts the analyst; `stop()` ends the loop and gives what it read. Rounds go on across phases (no cache hits). */
function startAnalyst() {
  const stats = { reads: 0, statuses: {} as Record<number, number>, seconds: [] as number[] };
  let analysing = true;
  const loop = (async () => {
    for (; analysing; round++) {
      const from = new Date(Date.UTC(2025, 10, 1) + round * 86_400_000).toISOString().slice(0, 10);
      for (const view of ANALYST_VIEWS) {
        if (!analysing) break;
        const started = performance.now();
        const response = await fetch(`${url}${view(round, from)}`, { headers: { authorization: auth } });
        await response.arrayBuffer();
        stats.reads++;
        stats.statuses[response.status] = (stats.statuses[response.status] ?? 0) + 1;
        stats.seconds.push((performance.now() - started) / 1000);
      }
    }
  })();
  return {
    async stop() {
      analysing = false;
      await loop;
      stats.seconds.sort((x, y) => x - y);
      return {
        reads: stats.reads,
        statuses: stats.statuses,
        medianSeconds: stats.seconds[Math.floor(stats.seconds.length / 2)] ?? null,
      };
    },
  };
}

/** HTTP ingest for `duration` s: 32 clients posting batches of 100 new events back to back; events/s acknowledged. */
async function ingestFor(duration: number): Promise<number> {
  const write = `Basic ${Buffer.from("wk:").toString("base64")}`;
  const until = performance.now() + duration * 1000;
  let acknowledged = 0;
  let batchNo = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() < until) {
        const n = batchNo++;
        const batch = Array.from({ length: 100 }, (_, i) => ({
          type: "track",
          userId: `ingest-${n % 5000}-${i % 4}`,
          event: "Page Viewed",
          messageId: `ingest-${process.pid}-${n}-${i}`,
          properties: { channel: "web", touchpoint: "product page" },
        }));
        const response = await fetch(`${url}/v1/batch`, {
          method: "POST",
          headers: { authorization: write, "content-type": "application/json" },
          body: JSON.stringify({ batch }),
        });
        await response.arrayBuffer();
        if (response.status === 200) acknowledged += 100;
      }
    }),
  );
  return Math.round(acknowledged / duration);
}

const contextAnalyst = startAnalyst();
const mixed = await load(randomCustomer);
const loopDelayWhileAnalysing = await serverEventLoopDelay(url);
const analyst = await contextAnalyst.stop();
const ingestAlone = await ingestFor(seconds);
const ingestAnalyst = startAnalyst();
const ingestWhileAnalysing = await ingestFor(seconds);
const analystDuringIngest = await ingestAnalyst.stop();
await stopServer(child);
rmSync(dir, { recursive: true, force: true });

const summary = (r: autocannon.Result) => ({
  requests: r.requests.total,
  perSecond: Math.round(r.requests.average),
  non2xx: r.non2xx,
  errors: r.errors,
  p50ms: r.latency.p50,
  p99ms: r.latency.p99,
  maxMs: r.latency.max,
});
console.log(
  JSON.stringify(
    {
      bench: `context API at ${rate} requests/s for ${seconds} s, ${customers} demo customers`,
      context: summary(context),
      health: summary(health),
      p99RatioVsHealth: Number(ratio(context.latency.p99, Math.max(1, health.latency.p99))),
      contextWhileAnalysing: summary(mixed),
      serverEventLoopDelay: { alone: loopDelayAlone, whileAnalysing: loopDelayWhileAnalysing },
      analyst,
      ingest: {
        eventsPerSecondAlone: ingestAlone,
        eventsPerSecondWhileAnalysing: ingestWhileAnalysing,
        ratio: Number(ratio(ingestWhileAnalysing, ingestAlone)),
        analystReads: analystDuringIngest.reads,
      },
    },
    null,
    2,
  ),
);
