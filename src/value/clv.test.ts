/** The CLV models reproduce the published CDNOW results (reference_values.json in the shared data). */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { bgnbd, gammaGamma, mbgnbd, paretoNbd } from "./btyd.js";
import { type CustomerRfm, fitGammaGamma, fitModel, predict, summarise, type Transaction } from "./clv.js";
import { hyp2f1 } from "./special.js";

const CLV_DATA = join(process.cwd(), "..", "shared", "data", "clv");
const skip = existsSync(CLV_DATA) ? false : `SKIPPED: ${CLV_DATA} is absent (the shared reference data)`;
if (skip) console.log(`# ${skip}`);

const close = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${what}: ${actual} vs ${expected}`,
  );

function cdnow(): { rows: CustomerRfm[]; reference: any } {
  const transactions: Transaction[] = [];
  for (const line of readFileSync(join(CLV_DATA, "CDNOW_sample.txt"), "utf8").split("\n")) {
    const [, customer, date, , usd] = line.trim().split(/\s+/);
    if (!customer || !date) continue;
    transactions.push({
      customer,
      time: Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8)),
      amount: Number(usd),
    });
  }
  const rows = summarise(transactions, Date.UTC(1997, 8, 30), "week");
  return { rows, reference: JSON.parse(readFileSync(join(CLV_DATA, "reference_values.json"), "utf8")) };
}

test("hyp2f1 matches closed forms", () => {
  // 2F1(1,1;2;z) = -ln(1-z)/z ; 2F1(a,b;b;z) = (1-z)^-a
  close(hyp2f1(1, 1, 2, 0.5), -Math.log(0.5) / 0.5, 1e-12, "2F1(1,1;2;.5)");
  close(hyp2f1(2.5, 3, 3, 0.9), 0.1 ** -2.5, 1e-10, "2F1(2.5,3;3;.9)");
});

test("RFM summary of the CDNOW transactions equals the published summary table", { skip }, () => {
  const { rows } = cdnow();
  const published = readFileSync(join(CLV_DATA, "cdnow_customers_summary.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1);
  assert.equal(rows.length, published.length);
  const byId = new Map(rows.map((r) => [String(Number(r.customer)), r]));
  for (const line of published) {
    const [id, frequency, recency, T] = line.split(",");
    const row = byId.get(id!)!;
    assert.equal(row.x, Number(frequency), `frequency of ${id}`);
    assert.ok(Math.abs(row.tx - Number(recency)) < 0.006, `recency of ${id}`);
    assert.ok(Math.abs(row.T - Number(T)) < 0.006, `T of ${id}`);
  }
});

test("BG/NBD on CDNOW: the published parameters, log-likelihood and predictions", { skip }, () => {
  const { rows, reference } = cdnow();
  const fit = fitModel(bgnbd, rows);
  const published = reference.cdnow_bgnbd.published_FHL2005;
  for (const name of ["r", "alpha", "a", "b"]) close(fit.params[name]!, published[name], 0.005, name);
  close(fit.logLikelihood, published.LL, 1e-5, "LL");
  const walkthrough =
    reference.cdnow_bgnbd.BTYD_2_4_3_walkthrough ?? reference.cdnow_bgnbd["BTYD_2.4.3_walkthrough"];
  const p = [walkthrough.r, walkthrough.alpha, walkthrough.a, walkthrough.b];
  const c = walkthrough.cust1516;
  close(bgnbd.conditionalExpected(p, 52, c.x, c.t_x, c.T), c.E_Y_52, 1e-5, "E[Y(52)] of customer 1516");
  close(bgnbd.pAlive(p, c.x, c.t_x, c.T), c.P_alive, 1e-5, "P(alive) of customer 1516");
  close(bgnbd.unconditionalExpected(p, 52), walkthrough.E_X_52, 1e-5, "E[X(52)]");
  for (const se of Object.values(fit.standardErrors)) assert.ok(se !== null && se > 0);
});

test("Pareto/NBD on CDNOW: the published log-likelihood, parameters and predictions", { skip }, () => {
  const { rows, reference } = cdnow();
  const fit = fitModel(paretoNbd, rows);
  const clvtools = reference.cdnow_pareto_nbd.CLVTools_tests;
  close(fit.logLikelihood, clvtools.LL, 1e-6, "LL");
  for (const name of ["r", "alpha", "s", "beta"]) close(fit.params[name]!, clvtools[name], 0.005, name);
  for (const name of ["r", "alpha", "s", "beta"])
    close(fit.standardErrors[name]!, clvtools.se[name], 0.05, `se ${name}`);
  const walkthrough = reference.cdnow_pareto_nbd["BTYD_2.4.3_walkthrough"];
  const p = [walkthrough.r, walkthrough.alpha, walkthrough.s, walkthrough.beta];
  const c = walkthrough.cust1516;
  close(paretoNbd.conditionalExpected(p, 52, c.x, c.t_x, c.T), c.E_Y_52, 1e-4, "E[Y(52)] of customer 1516");
  close(paretoNbd.pAlive(p, c.x, c.t_x, c.T), c.P_alive, 1e-5, "P(alive) of customer 1516");
  // The walkthrough prints rounded parameters, so its E[X(52)] is met to 0.2%; the exact curve below.
  close(paretoNbd.unconditionalExpected(p, 52), walkthrough.E_X_52, 2e-3, "E[X(52)]");
  const curve = reference.cdnow_pareto_nbd["BTYD_doc_pnbd.Expectation"];
  curve.t.forEach((t: number, i: number) => {
    close(
      paretoNbd.unconditionalExpected(curve.params, t),
      curve.E_X_t_computed_independently[i],
      1e-6,
      `E[X(${t})]`,
    );
  });
});

test("MBG/NBD on CDNOW matches the independent fit", { skip }, () => {
  const { rows, reference } = cdnow();
  const fit = fitModel(mbgnbd, rows);
  const expected = reference.cdnow_mbgnbd.computed_independently_MLE_on_lifetimes_csv;
  close(fit.logLikelihood, expected.LL, 1e-5, "LL");
  for (const name of ["r", "alpha", "a", "b"]) close(fit.params[name]!, expected[name], 0.005, name);
});

test("Gamma-Gamma on the 946 CDNOW repeat buyers: the published parameters and expected spend", {
  skip,
}, () => {
  const { rows, reference } = cdnow();
  const fit = fitGammaGamma(rows);
  assert.equal(fit.customers, 946);
  const published = reference.cdnow_gamma_gamma.published_FH2013;
  for (const name of ["p", "q", "gamma"]) close(fit.params[name]!, published[name], 0.005, name);
  const params = [fit.params.p!, fit.params.q!, fit.params.gamma!];
  const firstTen = [...rows].sort((a, b) => Number(a.customer) - Number(b.customer)).slice(0, 10);
  const expected = reference.cdnow_gamma_gamma.conditional_expected_avg_spend_first10.lifetimes_docs_fitted;
  firstTen.forEach((row, i) => {
    close(gammaGamma.expectedSpend(params, row.x, row.monetary), expected[i], 0.002, `spend ${row.customer}`);
  });
  const predictions = predict(bgnbd, [0.243, 4.414, 0.793, 2.426], firstTen, {
    horizon: 52,
    discount: 0.01,
    spendParams: params,
  });
  for (const p of predictions) {
    assert.ok(
      p.clv! > 0 && p.clv! < p.expectedPurchases * p.expectedSpend!,
      `discounted CLV below undiscounted for ${p.customer}`,
    );
  }
});
