/**
 * Conformance at scale: the demo generator's customers (first `perCustomer` events each) against a 20-step
 * map with loops (the 20 most frequent steps and every directly-follows edge among them), in the CLI's code
 * path (journeys/designed.ts: variants read from the store, each aligned once). Peer in the same run: the
 * process map of the same cases (one pass over the stored sequences).
 * Usage: node dist/bench/conformance.js [customers=1000000] [perCustomer=10]   (CF_BENCH_DATA keeps the store)
 */
import { journeyConformance } from "../src/journeys/designed.js";
import { compileJourneyModel } from "../src/journeys/journey-model.js";
import { processMap } from "../src/journeys/views.js";
import { demoStore, ratio, timed } from "./util.js";

const customers = Number(process.argv[2] ?? 1_000_000);
const perCustomer = Number(process.argv[3] ?? 10);
const store = await demoStore("conformance", customers, perCustomer);
const filter = { brand: false };
const peer = await timed(() => processMap(store.engine, filter));
const top = Object.entries(peer.result.activities)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 20)
  .map(([activity]) => activity);
const inMap = new Set(top);
const model = compileJourneyModel({
  name: "20 most frequent steps",
  steps: top.map((label, i) => ({ id: `s${i}`, label })),
  flows: peer.result.edges
    .filter((e) => inMap.has(e.from) && inMap.has(e.to))
    .map((e) => ({ from: `s${top.indexOf(e.from)}`, to: `s${top.indexOf(e.to)}` })),
  start: top.filter((a) => a in peer.result.start).map((a) => `s${top.indexOf(a)}`),
  end: top.filter((a) => a in peer.result.end).map((a) => `s${top.indexOf(a)}`),
});
const ours = await timed(() => journeyConformance(store.engine, filter, model));
await store.close();
console.log(
  JSON.stringify(
    {
      bench: `conformance of ${customers} customers (${store.events} events) to a ${model.steps.length}-step map with ${model.next.flat().length} flows`,
      seconds: { conformance: Number(ours.seconds.toFixed(3)), processMap: Number(peer.seconds.toFixed(3)) },
      ratioToProcessMap: Number(ratio(ours.seconds, peer.seconds)),
      cases: ours.result.cases,
      perfectlyFitting: ours.result.perfectlyFitting,
      logFitness: Number(ours.result.logFitness.toFixed(4)),
      loops: model.next.filter((targets, i) => targets.includes(i)).length,
    },
    null,
    2,
  ),
);
