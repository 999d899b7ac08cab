/**
 * This thread's elkjs, loaded on first use (1.4 MB of JavaScript: a CLI command that draws no map never
 * loads it), and its warm-up for a process that will lay maps out (the server's lane workers).
 */
import type { ELK } from "elkjs/lib/elk-api.js";
import { type LaidOut, type LayoutInput, layoutMap, warmUpLayout } from "./map-layout.js";

let instance: Promise<ELK> | undefined;

export function elkInstance(): Promise<ELK> {
  instance ??= import("elkjs/lib/elk.bundled.js")
    // elkjs is CommonJS: its class is both the module and its `default`.
    .then((module) => new module.default.default())
    .catch((error: unknown) => {
      // Not kept: the next layout tries again (and reports its own failure).
      instance = undefined;
      throw error;
    });
  return instance;
}

/** Lays a map out with this thread's elkjs. */
export async function layOut(input: LayoutInput): Promise<LaidOut> {
  return layoutMap(await elkInstance(), input);
}

/** Loads elkjs and lays out a small map a few times, so the first map someone waits for is laid out hot. */
export async function warmUpElk(): Promise<void> {
  await warmUpLayout(await elkInstance());
}
