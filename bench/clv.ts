/**
 * BG/NBD + Gamma-Gamma fit on N synthetic customers (drawn from the BG/NBD and Gamma-Gamma generative
 * processes at the published CDNOW parameters, purchases on whole days, 39-week window), against scipy
 * fitting the same likelihoods on the same data in the same run; and attribution on 1M journeys.
 * Usage: node dist/bench/clv.js [customers=1000000] [paths=1000000]   (python3 with scipy for the peer)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Random } from "../src/demo/random.js";
import { attribute, type PathRow } from "../src/value/attribution.js";
import { bgnbd } from "../src/value/btyd.js";
import { type CustomerRfm, compress, fitGammaGamma, fitModel } from "../src/value/clv.js";

const customers = Number(process.argv[2] ?? 1_000_000);
const pathCount = Number(process.argv[3] ?? 1_000_000);
const random = new Random(2024);

/** Gamma(shape, 1) by Marsaglia & Tsang (shape >= 1; boosted for shape < 1). */
function gamma(shape: number): number {
  if (shape < 1) return gamma(shape + 1) * random.next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      const u1 = 1 - random.next();
      const u2 = random.next();
      x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random.next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}
const beta = (a: number, b: number) => {
  const x = gamma(a);
  return x / (x + gamma(b));
};

function synthetic(n: number): CustomerRfm[] {
  const [r, alpha, a, b] = [0.243, 4.414, 0.793, 2.426];
  const [p, q, g] = [6.25, 3.74, 15.44];
  const rows: CustomerRfm[] = [];
  for (let i = 0; i < n; i++) {
    const lambda = gamma(r) / alpha;
    const dropout = beta(a, b);
    const T = Math.round(7 * (26 + random.next() * 13)) / 7;
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += -Math.log(1 - random.next()) / lambda;
      if (t > T) break;
      x++;
      tx = Math.round(7 * t) / 7;
      if (random.next() < dropout) break;
    }
    const nu = gamma(q) / g;
    let total = 0;
    for (let k = 0; k < x; k++) total += gamma(p) / nu;
    rows.push({ customer: String(i), x, tx, T, monetary: x > 0 ? total / x : 0 });
  }
  return rows;
}

const rows = synthetic(customers);
const started = process.hrtime.bigint();
const fit = fitModel(bgnbd, rows);
const spend = fitGammaGamma(rows);
const oursSeconds = Number(process.hrtime.bigint() - started) / 1e9;

const dir = mkdtempSync(join(tmpdir(), "cf-bench-clv-"));
const data = compress(rows);
const repeaters = rows.filter((row) => row.x > 0 && row.monetary > 0);
const file = join(dir, "data.json");
writeFileSync(
  file,
  JSON.stringify({ ...data, ggx: repeaters.map((r) => r.x), ggm: repeaters.map((r) => r.monetary) }),
);
const script = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "bench", "scipy_bgnbd.py");
const python = spawnSync("python3", [script, file], { encoding: "utf8" });
rmSync(dir, { recursive: true, force: true });
const scipy =
  python.status === 0
    ? (JSON.parse(python.stdout) as { seconds: number; params: number[]; logLikelihood: number })
    : null;

const paths: PathRow[] = [];
const channels = ["web", "email", "phone", "store", "social", "chat", "app", "post"];
for (let i = 0; i < pathCount; i++) {
  const length = 1 + Math.floor(-Math.log(1 - random.next()) * 2.5);
  const path = Array.from({ length }, () => channels[Math.floor(random.next() ** 1.6 * channels.length)]!);
  const converted = random.next() < 0.05 + 0.04 * path.filter((c) => c === "phone" || c === "store").length;
  paths.push({ path, conversions: converted ? 1 : 0, nulls: converted ? 0 : 1, value: converted ? 50 : 0 });
}
const attributionStart = process.hrtime.bigint();
const attribution = attribute(paths);
const attributionSeconds = Number(process.hrtime.bigint() - attributionStart) / 1e9;

console.log(
  JSON.stringify(
    {
      bench: "clv-fit",
      customers,
      uniqueRfmRows: data.x.length,
      repeatBuyers: spend.customers,
      oursSeconds: Number(oursSeconds.toFixed(3)),
      ours: { params: fit.params, logLikelihood: fit.logLikelihood, spend: spend.params },
      scipySeconds: scipy ? Number(scipy.seconds.toFixed(3)) : null,
      scipy: scipy ?? `python3 with scipy not available: ${python.stderr?.slice(0, 200)}`,
      speedupVsScipy: scipy ? Number((scipy.seconds / oursSeconds).toFixed(2)) : null,
      attribution: {
        paths: pathCount,
        seconds: Number(attributionSeconds.toFixed(3)),
        removalEffects: attribution.markov.removalEffects,
      },
    },
    null,
    2,
  ),
);
