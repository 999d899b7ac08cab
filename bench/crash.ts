/**
 * Crash test: sustained ingest into a real `customer-flow serve` process, `kill -9` mid-stream, restart,
 * and check that every acknowledged messageId is stored exactly once. Retries of acknowledged events are
 * mixed in, so deduplication is checked across crashes too.
 * Usage: node dist/bench/crash.js [cycles=20]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CrashLoad, reckon } from "./crash-load.js";
import { spawnServer } from "./util.js";

export interface CrashResult {
  cycles: number;
  acknowledged: number;
  missing: number;
  duplicated: number;
  retriesSent: number;
}

export async function runCrashTest(options: {
  cycles: number;
  concurrency?: number;
  log?: (line: string) => void;
}): Promise<CrashResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "cf-crash-"));
  const load = new CrashLoad("crash", 100, "Crash Test");
  try {
    for (let cycle = 0; cycle < options.cycles; cycle++) {
      const { child, url } = await spawnServer(dataDir);
      const exited = new Promise((resolve) => child.once("exit", resolve));
      let running = true;
      const workers = Array.from({ length: options.concurrency ?? 8 }, async () => {
        while (running) await load.send(url);
      });
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.random() * 1200));
      child.kill("SIGKILL");
      await exited;
      running = false;
      await Promise.all(workers);
      options.log?.(`cycle ${cycle + 1}/${options.cycles}: ${load.acknowledged.length} acknowledged so far`);
    }
    return {
      cycles: options.cycles,
      ...(await reckon(dataDir, load.acknowledged)),
      retriesSent: load.retriesSent,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cycles = Number(process.argv[2] ?? 20);
  const result = await runCrashTest({ cycles, log: (line) => process.stderr.write(`${line}\n`) });
  console.log(JSON.stringify(result));
  process.exit(result.missing === 0 && result.duplicated === 0 ? 0 : 1);
}
