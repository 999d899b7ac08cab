/** Loads the generated demo data through the same collector contract as live traffic. */
import { Collector } from "../collect/collector.js";
import type { EventSink } from "../collect/sink.js";
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
