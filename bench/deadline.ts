/**
 * A runaway analysis against its deadline: a served demo store (20,000 customers) with
 * `--query-timeout 1`, asked for a 20-step funnel over ten years, each step after the first excluding
 * two others in between (7-8 s of engine work on this store; the friction ranking this bench first asked
 * for now takes 0.4 s), while /health is polled every 50 ms. Peer: the same request on a server with the default 30 s
 * deadline, same run. Prints the status and time of both and the serving thread's event-loop delay and
 * /health latency while the stopped task ran.
 * Usage: node dist/bench/deadline.js [customers=20000]
 */
import { rmSync } from "node:fs";
import { loadedDemoFolder, spawnServer, stopServer } from "./util.js";

const customers = Number(process.argv[2] ?? 20_000);
const { dir, data } = await loadedDemoFolder("deadline", customers);
const auth = { authorization: `Basic ${Buffer.from("rk:").toString("base64")}` };
const FUNNEL_STEPS = ["home", "product page", "cart", "checkout", "order"];
const HEAVY_FUNNEL = [
  ...Array.from({ length: 20 }, (_, i) => {
    const step = FUNNEL_STEPS[i % FUNNEL_STEPS.length]!;
    return `step=${encodeURIComponent(i === 0 ? step : `${step}!chat|store finder`)}`;
  }),
  "window=3650d",
].join("&");

async function measure(extra: string[]) {
  const { child, url } = await spawnServer(data, extra);
  // Let the start-up warming finish, so only the measured request runs.
  for (;;) {
    const health = (await (await fetch(`${url}/health`)).json()) as { lane: { readsInFlight: number } };
    if (health.lane.readsInFlight === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const healthLatencies: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const started = performance.now();
      await (await fetch(`${url}/health`)).arrayBuffer();
      healthLatencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const started = performance.now();
  const response = await fetch(`${url}/v1/journeys/funnel?${HEAVY_FUNNEL}`, { headers: auth });
  const body = (await response.json()) as { message?: string };
  const seconds = (performance.now() - started) / 1000;
  polling = false;
  await poller;
  const health = (await (await fetch(`${url}/health`)).json()) as {
    lane: { eventLoopDelay: { p99Ms: number; maxMs: number }; analytic: unknown };
  };
  await stopServer(child);
  healthLatencies.sort((a, b) => a - b);
  return {
    status: response.status,
    message: body.message,
    seconds: Number(seconds.toFixed(2)),
    eventLoopDelay: health.lane.eventLoopDelay,
    healthPolls: healthLatencies.length,
    healthMaxMs: Math.round(healthLatencies[healthLatencies.length - 1] ?? 0),
    lane: health.lane.analytic,
  };
}

const stopped = await measure(["--query-timeout", "1"]);
const full = await measure([]);
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ bench: "analysis past its deadline", customers, stopped, full }, null, 2));
