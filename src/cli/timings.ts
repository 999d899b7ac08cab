/**
 * `--timings`: where a command's time went, printed to stderr when it ends: Node's own start, loading the
 * CLI, then each phase the command marks (loading its modules, opening the store, its work, closing).
 */
import { performance } from "node:perf_hooks";

const phases: Array<{ name: string; at: number }> = [];
let enabled = false;

export function enableTimings(): void {
  enabled = true;
}

/** The end of a phase, in milliseconds since the process started. */
export function mark(name: string): void {
  if (enabled) phases.push({ name, at: performance.now() });
}

/** The phases so far, each with its own duration (the first from the process's start). */
export function timingsReport(): Array<{ phase: string; ms: number }> {
  let previous = 0;
  return phases.map(({ name, at }) => {
    const ms = Math.round((at - previous) * 10) / 10;
    previous = at;
    return { phase: name, ms };
  });
}

export function printTimings(): void {
  if (!enabled) return;
  mark("output and exit");
  for (const { phase, ms } of timingsReport())
    process.stderr.write(`timings: ${phase.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms\n`);
  process.stderr.write(`timings: ${"total".padEnd(34)} ${performance.now().toFixed(1).padStart(8)} ms\n`);
}
