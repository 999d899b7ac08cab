/**
 * Crash test: sustained ingest into a real `customer-flow serve` process, `kill -9` mid-stream, restart,
 * and check that every acknowledged messageId is stored exactly once. Retries of acknowledged events are
 * mixed in, so deduplication is checked across crashes too.
 * Usage: node dist/bench/crash.js [cycles=20]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChdbEngine } from "../src/store/chdb-engine.js";

const CLI = join(fileURLToPath(new URL(".", import.meta.url)), "..", "src", "cli", "main.js");

interface Started {
  child: ChildProcess;
  url: string;
}

async function startServer(dataDir: string): Promise<Started> {
  const child = spawn(
    process.execPath,
    [CLI, "serve", "--data", dataDir, "--port", "0", "--write-key", "wk", "--read-key", "rk", "--json"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  let errors = "";
  child.stderr!.on("data", (chunk) => (errors += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${errors}`)), 60_000);
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      try {
        const parsed = JSON.parse(output) as { url: string };
        clearTimeout(timer);
        resolve(parsed.url);
      } catch {}
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${errors}`)));
  });
  return { child, url };
}

const auth = `Basic ${Buffer.from("wk:").toString("base64")}`;

async function sendBatch(url: string, ids: string[]): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: auth },
      body: JSON.stringify({
        // A retry resends the identical event, so everything is derived from the id.
        batch: ids.map((id) => ({
          type: "track",
          messageId: id,
          userId: `crash-user-${Number(id.slice(6)) % 37}`,
          event: "Crash Test",
          properties: { channel: "web", id },
        })),
      }),
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

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
  const acknowledged: string[] = [];
  let retriesSent = 0;
  let next = 0;
  try {
    for (let cycle = 0; cycle < options.cycles; cycle++) {
      const { child, url } = await startServer(dataDir);
      const exited = new Promise((resolve) => child.once("exit", resolve));
      let running = true;
      const workers = Array.from({ length: options.concurrency ?? 8 }, async () => {
        while (running) {
          const ids = Array.from({ length: 100 }, () => `crash-${next++}`);
          // Every fifth batch also resends acknowledged ids, as an SDK retry would.
          if (acknowledged.length > 0 && next % 5 === 0) {
            const start = Math.floor(Math.random() * acknowledged.length);
            const retries = acknowledged.slice(start, start + 20);
            retriesSent += retries.length;
            ids.push(...retries);
          }
          if (await sendBatch(url, ids)) acknowledged.push(...ids);
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.random() * 1200));
      child.kill("SIGKILL");
      await exited;
      running = false;
      await Promise.all(workers);
      options.log?.(`cycle ${cycle + 1}/${options.cycles}: ${acknowledged.length} acknowledged so far`);
    }
    const engine = await ChdbEngine.open(dataDir, "customer_flow");
    try {
      const counts = new Map<string, number>();
      for await (const row of engine.stream<{ event_id: string; n: string }>(
        "SELECT event_id, count() AS n FROM events FINAL GROUP BY event_id",
      )) {
        counts.set(row.event_id, Number(row.n));
      }
      const unique = [...new Set(acknowledged)];
      const missing = unique.filter((id) => !counts.has(id)).length;
      const duplicated = [...counts.values()].filter((n) => n > 1).length;
      return { cycles: options.cycles, acknowledged: unique.length, missing, duplicated, retriesSent };
    } finally {
      await engine.close();
    }
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
