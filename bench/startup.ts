/**
 * CLI start-up as a user times it: fresh processes, the median of N runs each, of `customer-flow --help`
 * and of `customer-flow journeys dfg` on the receipt log (8,577 events, imported first into a new folder),
 * against the peer a script cannot beat: a bare `node -e 0` in the same run. Prints seconds and ratios.
 * Usage: node dist/bench/startup.js [runs=7]   (CF_BENCH_CLI=path/to/main.js times another build's CLI)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, ratio } from "./util.js";

const runs = Number(process.argv[2] ?? 7);
const cli = process.env.CF_BENCH_CLI ?? CLI;
const receipt = join(process.cwd(), "..", "shared", "data", "journeys", "08_receipt.xes.gz");
const dir = mkdtempSync(join(tmpdir(), "cf-bench-startup-"));
const data = join(dir, "data");
execFileSync(process.execPath, [cli, "import", receipt, "--data", data, "--json"], { stdio: "ignore" });

function median(args: string[]): number {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    execFileSync(process.execPath, args, { stdio: "ignore" });
    seconds.push((performance.now() - started) / 1000);
  }
  seconds.sort((a, b) => a - b);
  return Number(seconds[Math.floor(runs / 2)]!.toFixed(3));
}

const bareNode = median(["-e", "0"]);
const help = median([cli, "--help"]);
const dfg = median([cli, "journeys", "dfg", "--data", data, "--json"]);
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      bench: `fresh CLI processes, median of ${runs}`,
      cli,
      seconds: { bareNode, help, journeysDfgReceipt: dfg },
      ratioToBareNode: {
        help: Number(ratio(help, bareNode)),
        journeysDfgReceipt: Number(ratio(dfg, bareNode)),
      },
    },
    null,
    2,
  ),
);
