/** Shared bits of the benchmark scripts: timing, a child `customer-flow serve`, demo events. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDemo } from "../src/demo/generator.js";

export const CLI = join(fileURLToPath(new URL(".", import.meta.url)), "..", "src", "cli", "main.js");

export async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, result };
}

/** Writes the demo generator's customers, each cut to their first `perCustomer` events, as NDJSON. */
export async function writeDemoNdjson(
  file: string,
  customers: number,
  perCustomer: number,
  seed = 9,
): Promise<void> {
  const out = createWriteStream(file);
  for (const { events } of generateDemo({ customers, seed })) {
    let text = "";
    for (const event of events.slice(0, perCustomer)) text += `${JSON.stringify(event)}\n`;
    if (!out.write(text)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

export function demoEvents(count: number, seed = 1): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const { events: batch } of generateDemo({ customers: Number.MAX_SAFE_INTEGER, seed })) {
    for (const event of batch) {
      events.push(event);
      if (events.length >= count) return events;
    }
  }
  return events;
}

export async function spawnServer(
  dataDir: string,
  extra: string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      "serve",
      "--data",
      dataDir,
      "--port",
      "0",
      "--write-key",
      "wk",
      "--read-key",
      "rk",
      "--json",
      ...extra,
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      try {
        resolve((JSON.parse(output) as { url: string }).url);
      } catch {}
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url };
}

export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

export function ratio(a: number, b: number): string {
  return (a / b).toFixed(2);
}
