/**
 * The demo data set as an NDJSON file of Segment-shaped events (what `customer-flow import` reads): the
 * demo command loads it through the engine-side import, and the benches import it as a user's file.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { generateDemo } from "./generator.js";

export async function writeDemoFile(
  file: string,
  options: {
    customers: number;
    seed: number;
    /** Each customer's first events only (the benches' sizes). */
    perCustomer?: number;
    onProgress?: (customersDone: number, events: number) => void;
  },
): Promise<{ customers: number; events: number }> {
  // Readable by this user only: the demo's people are made up, but a file of identities is treated as real.
  const out = createWriteStream(file, { mode: 0o600 });
  let customers = 0;
  let events = 0;
  let text = "";
  for (const { events: customerEvents } of generateDemo({
    customers: options.customers,
    seed: options.seed,
  })) {
    for (const event of customerEvents.slice(0, options.perCustomer ?? customerEvents.length)) {
      text += `${JSON.stringify(event)}\n`;
      events++;
    }
    customers++;
    // Written a megabyte at a time: one write per customer costs more than generating them.
    if (text.length >= 1 << 20) {
      if (!out.write(text)) await once(out, "drain");
      text = "";
      options.onProgress?.(customers, events);
    }
  }
  out.end(text);
  await once(out, "finish");
  options.onProgress?.(customers, events);
  return { customers, events };
}
