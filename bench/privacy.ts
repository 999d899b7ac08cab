/**
 * Erasure on the full demo store (20,000 customers, CLV fitted, segments discovered): one customer in one
 * regulation, then 1,000 customers in one regulation, each to `finished` (every table's rows gone from the
 * parts). Peer in the same run: rewriting the whole events table (OPTIMIZE TABLE events FINAL), the work an
 * erasure's mutation does at most per table. Prints seconds, rows erased and the ratios.
 * Usage: node dist/bench/privacy.js [customers=20000] [many=1000]
 */
import { rmSync } from "node:fs";
import { Regulations } from "../src/privacy/regulations.js";
import { activeSuppressions, getRegulation, privacySalt } from "../src/privacy/store.js";
import { Suppressions } from "../src/privacy/suppressions.js";
import { ChdbEngine } from "../src/store/chdb-engine.js";
import { loadedDemoFolder, ratio, timed } from "./util.js";

const customers = Number(process.argv[2] ?? 20_000);
const many = Number(process.argv[3] ?? 1_000);
const { dir, data } = await loadedDemoFolder("privacy", customers, { values: true });
const engine = await ChdbEngine.open(data, "customer_flow");
const regulations = new Regulations(
  engine,
  new Suppressions(await privacySalt(engine), await activeSuppressions(engine)),
  { forget: () => undefined },
);
// People by email, as a data-subject request names them (the demo's customer{N}@example.com).
const known = await engine.query<{ identifier: string }>(
  `SELECT identifier FROM identity_map FINAL WHERE startsWith(identifier, 'email:customer')
   ORDER BY cityHash64(identifier) LIMIT {n:UInt32}`,
  { n: many + 1 },
);
const emails = known.map((k) => k.identifier.slice("email:".length));
const [eventsBefore] = await engine.query<{ n: number }>("SELECT count() AS n FROM events");

async function erase(subjects: string[]) {
  const { seconds, result } = await timed(async () => {
    const submitted = await regulations.submit("delete", subjects);
    await regulations.idle();
    return (await getRegulation(engine, submitted.id))!;
  });
  if (result.status !== "finished") throw new Error(`the regulation ended ${result.status}: ${result.error}`);
  return { seconds: Number(seconds.toFixed(2)), customers: result.customers, rows: result.rows };
}

const one = await erase(emails.slice(0, 1));
const thousand = await erase(emails.slice(1, 1 + many));
const optimize = await timed(() => engine.command("OPTIMIZE TABLE events FINAL"));
await engine.close();
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify(
    {
      bench: `erasure on the demo store of ${customers} customers (${Number(eventsBefore?.n)} events)`,
      oneCustomer: one,
      manyCustomers: thousand,
      peer: { rewriteEventsTableSeconds: Number(optimize.seconds.toFixed(2)) },
      ratios: {
        oneVsRewrite: Number(ratio(one.seconds, optimize.seconds)),
        manyVsRewrite: Number(ratio(thousand.seconds, optimize.seconds)),
        manyVsOne: Number(ratio(thousand.seconds, one.seconds)),
      },
    },
    null,
    2,
  ),
);
