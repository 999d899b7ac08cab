/**
 * Loads the generated demo data: through the same collector contract as live traffic, or as an NDJSON file
 * imported by the engine (the same rows, about twice as fast, where this process holds the folder).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Collector } from "../collect/collector.js";
import { importFile } from "../collect/import.js";
import type { EventSink } from "../collect/sink.js";
import type { Engine } from "../store/engine.js";
import { writeDemoFile } from "./file.js";
import { generateDemo } from "./generator.js";

export const DEMO_SOURCE = "demo";

export interface DemoLoadSummary {
  customers: number;
  events: number;
  rejected: number;
}

export async function loadDemo(
  sink: EventSink,
  options: { customers: number; seed: number; onProgress?: (customersDone: number, events: number) => void },
): Promise<DemoLoadSummary> {
  const collector = new Collector(sink);
  let pending: unknown[] = [];
  let events = 0;
  let rejected = 0;
  let done = 0;
  const inFlight: Promise<void>[] = [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    inFlight.push(
      // The generator is the brand's own writer: its replies (direction outbound) are the brand's.
      collector.collect(batch, DEMO_SOURCE, { allowOutbound: true }).then((result) => {
        events += result.processed;
        rejected += result.errors;
      }),
    );
    if (inFlight.length >= 2) await inFlight.shift();
  };
  for (const { events: customerEvents } of generateDemo(options)) {
    pending.push(...customerEvents);
    done++;
    if (pending.length >= 20_000) {
      await flush();
      options.onProgress?.(done, events);
    }
  }
  await flush();
  await Promise.all(inFlight);
  options.onProgress?.(done, events);
  return { customers: done, events, rejected };
}

/**
 * The demo written to a temporary NDJSON file and imported by `engine` (the engine-side path of
 * `customer-flow import`; lines it does not take go through `sink`). Only for an engine that reads this
 * machine's files and a store that does not hash identifiers (the engine-side path stores traits as given).
 */
export async function loadDemoInEngine(
  engine: Engine,
  sink: EventSink,
  options: {
    customers: number;
    seed: number;
    onGenerated?: (customersDone: number, events: number) => void;
    /** The import's progress as a share of its work (0-1), with the events generated. */
    onImport?: (share: number, events: number) => void;
  },
): Promise<DemoLoadSummary> {
  const folder = mkdtempSync(join(tmpdir(), "customer-flow-demo-"));
  try {
    const file = join(folder, "demo.ndjson");
    const written = await writeDemoFile(file, {
      customers: options.customers,
      seed: options.seed,
      onProgress: options.onGenerated,
    });
    const imported = await importFile(sink, {
      file,
      engine,
      source: DEMO_SOURCE,
      onProgress: ({ bytes, totalBytes }) =>
        options.onImport?.(bytes / Math.max(1, totalBytes), written.events),
    });
    return { customers: written.customers, events: imported.imported, rejected: imported.rejected };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
