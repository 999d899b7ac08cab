/** `npm start`: load the demo data set once (with progress), then serve the API and home page. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_KEYS } from "../api/auth.js";
import { EngineSink } from "../collect/sink.js";
import { DEMO_SOURCE, type DemoLoadSummary, loadDemo, loadDemoInEngine } from "../demo/load.js";
import { saveJourneyModel } from "../journeys/models.js";
import { refreshJourneySequences } from "../journeys/sequences.js";
import { packageRoot } from "../package-root.js";
import { applyPrivacySettings } from "../privacy/settings.js";
import { hashesPii } from "../privacy/store.js";
import { discoverSegments } from "../segments/store.js";
import { type OpenedStore, openStore } from "../store/open.js";
import { runClv } from "../value/store.js";
import { emit, UsageError } from "./output.js";
import { type Progress, startProgress } from "./progress.js";
import { resolveKeys, serveStore } from "./serve.js";

/** The demo's journey maps, beside the playbook in config/. */
const DEMO_MAPS = join(packageRoot(), "config", "journey-maps");

export interface DemoOptions {
  data?: string;
  clickhouseUrl?: string;
  json?: boolean;
  customers: number;
  seed: number;
  port: number;
  host: string;
  serve: boolean;
}

/**
 * Generates the demo's events and stores them. Where this process holds the folder, they are written to
 * an NDJSON file and imported by the engine (as `customer-flow import` does, about twice as fast);
 * otherwise (a ClickHouse server, or a store that keeps identifiers hashed, which the engine-side import
 * would store in clear) they go through the collector, as live traffic does.
 */
async function loadDemoEvents(store: OpenedStore, options: DemoOptions): Promise<DemoLoadSummary> {
  const sink = new EngineSink(store.engine);
  try {
    if (store.via !== "embedded" || (await hashesPii(store.engine))) {
      const progress = startProgress("loading demo data", options.customers, "customers");
      const summary = await loadDemo(sink, {
        customers: options.customers,
        seed: options.seed,
        onProgress: (done, events) => progress.update(done, `${done} customers, ${events} events`),
      });
      progress.stop();
      return summary;
    }
    const writing = startProgress("generating demo data", options.customers, "customers");
    let loading: Progress | undefined;
    const summary = await loadDemoInEngine(store.engine, sink, {
      customers: options.customers,
      seed: options.seed,
      onGenerated: (done, events) => writing.update(done, `${done} customers, ${events} events`),
      onImport: (share, events) => {
        if (!loading) {
          writing.stop();
          loading = startProgress("loading demo data", 100, "%");
        }
        loading.update(Math.round(100 * share), `${events} events`);
      },
    });
    writing.stop();
    loading?.stop();
    return summary;
  } finally {
    await sink.close();
  }
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const store = await openStore({ dataDir: options.data, clickhouseUrl: options.clickhouseUrl });
  if (store.via === "server") {
    await store.engine.close();
    throw new UsageError(
      `a server already serves this data folder (${store.engine.description}); open it in a browser or stop it first`,
    );
  }
  // A store that keeps identifiers hashed gets the demo's hashed too.
  await applyPrivacySettings(store.engine);
  const [{ n }] = await store.engine.query<{ n: string }>(
    "SELECT count() AS n FROM events WHERE source = {s:String}",
    { s: DEMO_SOURCE },
  );
  let loaded = { customers: 0, events: Number(n), rejected: 0, seconds: 0, alreadyLoaded: Number(n) > 0 };
  if (Number(n) === 0) {
    const started = Date.now();
    const summary = await loadDemoEvents(store, options);
    // Journey views and segments read each customer's sequence: build them now, not on the first query.
    process.stderr.write("building journey sequences\n");
    await refreshJourneySequences(store.engine);
    // Every feature that ranks customers reads their lifetime value: compute it once with the data.
    process.stderr.write("fitting CLV models on the demo purchases\n");
    await runClv(store.engine);
    // The dashboard's segment filter and view read the latest segmentation run.
    process.stderr.write("discovering segments\n");
    await discoverSegments(store.engine, { seed: options.seed });
    // The demo's designed journeys (config/journey-maps/*.json), for conformance and the blueprint.
    for (const file of readdirSync(DEMO_MAPS).filter((f) => f.endsWith(".json")))
      await saveJourneyModel(store.engine, JSON.parse(readFileSync(join(DEMO_MAPS, file), "utf8")));
    loaded = { ...summary, seconds: (Date.now() - started) / 1000, alreadyLoaded: false };
  }
  if (!options.serve) {
    await store.engine.close();
    emit(
      Boolean(options.json),
      loaded,
      () =>
        `demo data: ${loaded.events} events${loaded.alreadyLoaded ? " (already loaded)" : ` loaded in ${loaded.seconds.toFixed(1)} s`}`,
    );
    return;
  }
  const keys = resolveKeys({
    writeKeys: process.env.CUSTOMER_FLOW_WRITE_KEYS ? [] : [DEMO_KEYS.write],
    readKeys: process.env.CUSTOMER_FLOW_READ_KEYS ? [] : [DEMO_KEYS.read],
    agentKeys: process.env.CUSTOMER_FLOW_AGENT_KEYS ? [] : [DEMO_KEYS.agent],
  });
  const server = await serveStore(store, keys, options);
  emit(
    Boolean(options.json),
    {
      url: server.url,
      ...loaded,
      writeKeys: [...keys.write],
      readKeys: [...keys.read],
      agentKeys: [...(keys.agent ?? [])],
    },
    () =>
      [
        `demo data: ${loaded.events} events${loaded.alreadyLoaded ? " (already loaded)" : ` loaded in ${loaded.seconds.toFixed(1)} s`}`,
        `Customer Flow is serving at ${server.url}  (API docs: ${server.url}/docs)`,
        `  dashboard: ${server.url}/?key=${[...keys.read][0]}`,
        `  write key: ${[...keys.write].join(", ")}`,
        `  read key:  ${[...keys.read].join(", ")}`,
        `  agent key: ${[...(keys.agent ?? [])].join(", ")}  (inbox actions and replies)`,
        `  try: curl -u ${[...keys.read][0]}: ${server.url}/v1/customers/customer1@example.com?limit=5`,
      ].join("\n"),
  );
}
