/**
 * Customer lifetime value from transactions: RFM summaries (same-day purchases merged, as lifetimes and
 * BTYD do), model fits, and per-customer predictions with a discounted CLV.
 */

import digamma from "@stdlib/math-base-special-digamma";
import { type BtydModel, gammaGamma, type RfmData, totalLogLikelihood } from "./btyd.js";
import { type FitResult, maximise } from "./fit.js";
import { gammaln } from "./special.js";

export interface Transaction {
  customer: string;
  /** Epoch milliseconds (UTC). */
  time: number;
  amount?: number;
}

export interface CustomerRfm {
  customer: string;
  /** Repeat purchases (distinct purchase days after the first). */
  x: number;
  /** Time of the last purchase since the first, in periods. */
  tx: number;
  /** Time from the first purchase to the end of calibration, in periods. */
  T: number;
  /** Mean value of the repeat purchases (0 without repeats). */
  monetary: number;
}

export type Period = "day" | "week";
const DAY = 86_400_000;
export const PERIOD_DAYS: Record<Period, number> = { day: 1, week: 7 };

/** One row per customer whose first purchase is on or before the calibration end. */
export function summarise(
  transactions: Iterable<Transaction>,
  calibrationEnd: number,
  period: Period,
): CustomerRfm[] {
  const endDay = Math.floor(calibrationEnd / DAY);
  const days = new Map<string, Map<number, number>>();
  for (const t of transactions) {
    const day = Math.floor(t.time / DAY);
    if (day > endDay) continue;
    const byDay = days.get(t.customer) ?? new Map<number, number>();
    days.set(t.customer, byDay);
    byDay.set(day, (byDay.get(day) ?? 0) + (t.amount ?? 0));
  }
  const size = PERIOD_DAYS[period];
  const rows: CustomerRfm[] = [];
  for (const [customer, byDay] of days) {
    const sorted = [...byDay.keys()].sort((a, b) => a - b);
    const first = sorted[0]!;
    const last = sorted[sorted.length - 1]!;
    const repeats = sorted.slice(1);
    rows.push({
      customer,
      x: repeats.length,
      tx: (last - first) / size,
      T: (endDay - first) / size,
      monetary: repeats.length > 0 ? repeats.reduce((sum, d) => sum + byDay.get(d)!, 0) / repeats.length : 0,
    });
  }
  return rows;
}

/** Groups customers with equal (x, t_x, T): the likelihood is evaluated once per group. */
export function compress(rows: readonly Pick<CustomerRfm, "x" | "tx" | "T">[]): RfmData {
  const groups = new Map<string, number>();
  const data: Required<RfmData> = { x: [], tx: [], T: [], weight: [] };
  for (const row of rows) {
    const key = `${row.x}|${row.tx}|${row.T}`;
    const index = groups.get(key);
    if (index !== undefined) data.weight[index]!++;
    else {
      groups.set(key, data.x.length);
      data.x.push(row.x);
      data.tx.push(row.tx);
      data.T.push(row.T);
      data.weight.push(1);
    }
  }
  return data;
}

export function fitModel(model: BtydModel, rows: readonly Pick<CustomerRfm, "x" | "tx" | "T">[]): FitResult {
  const data = compress(rows);
  const valueAndGradient = model.valueAndGradient;
  return maximise(
    (params) => totalLogLikelihood(model, params, data),
    model.paramNames,
    model.initial,
    valueAndGradient ? (params) => valueAndGradient(params, data) : undefined,
  );
}

/**
 * Gamma-Gamma on the repeat buyers (x > 0, mean repeat spend > 0). The gamma-function terms depend on x
 * alone, so they are evaluated once per distinct x; only ln(x m + gamma) is per customer.
 */
export function fitGammaGamma(
  rows: readonly Pick<CustomerRfm, "x" | "monetary">[],
): FitResult & { customers: number } {
  const repeaters = rows.filter((r) => r.x > 0 && r.monetary > 0);
  const groups = new Map<number, { count: number; sumLogM: number }>();
  for (const r of repeaters) {
    const g = groups.get(r.x) ?? { count: 0, sumLogM: 0 };
    g.count++;
    g.sumLogM += Math.log(r.monetary);
    groups.set(r.x, g);
  }
  const xs = Float64Array.from(repeaters, (r) => r.x);
  const xm = Float64Array.from(repeaters, (r) => r.x * r.monetary);
  // Value and gradient in one pass (d ln Γ = ψ); the likelihood alone is its first part.
  const valueAndGradient = ([p, q, gamma]: number[]) => {
    let value = 0;
    const gradient = [0, 0, 0];
    const psiQ = digamma(q);
    const lnGamma = Math.log(gamma);
    for (const [x, g] of groups) {
      const px = p * x;
      const psiPxQ = digamma(px + q);
      value +=
        g.count * (gammaln(px + q) - gammaln(px) - gammaln(q) + q * lnGamma + px * Math.log(x)) +
        (px - 1) * g.sumLogM;
      gradient[0] += g.count * x * (psiPxQ - digamma(px) + Math.log(x)) + x * g.sumLogM;
      gradient[1] += g.count * (psiPxQ - psiQ + lnGamma);
      gradient[2] += (g.count * q) / gamma;
    }
    for (let i = 0; i < xs.length; i++) {
      const ln = Math.log(xm[i] + gamma);
      value -= (p * xs[i] + q) * ln;
      gradient[0] -= xs[i] * ln;
      gradient[1] -= ln;
      gradient[2] -= (p * xs[i] + q) / (xm[i] + gamma);
    }
    return { value, gradient };
  };
  const result = maximise(
    (params) => valueAndGradient(params).value,
    gammaGamma.paramNames,
    gammaGamma.initial,
    valueAndGradient,
  );
  return { ...result, customers: repeaters.length };
}

export interface Prediction {
  customer: string;
  expectedPurchases: number;
  pAlive: number;
  expectedSpend: number | null;
  clv: number | null;
}

/**
 * Per-customer predictions over `horizon` periods. CLV = Σ_{i=1..horizon} (E[Y(i)] - E[Y(i-1)]) × expected
 * spend / (1 + discount)^i: expected purchases in each period, valued at the Gamma-Gamma expected spend and
 * discounted per period (as lifetimes' customer_lifetime_value, with the period as the step).
 */
export function predict(
  model: BtydModel,
  params: number[],
  rows: readonly CustomerRfm[],
  options: { horizon: number; discount?: number; spendParams?: number[] },
): Prediction[] {
  const discount = options.discount ?? 0;
  return rows.map((row) => {
    const expectedPurchases = model.conditionalExpected(params, options.horizon, row.x, row.tx, row.T);
    const pAlive = model.pAlive(params, row.x, row.tx, row.T);
    if (!options.spendParams)
      return { customer: row.customer, expectedPurchases, pAlive, expectedSpend: null, clv: null };
    const expectedSpend = gammaGamma.expectedSpend(options.spendParams, row.x, row.monetary);
    let clv = 0;
    let previous = 0;
    for (let i = 1; i <= Math.ceil(options.horizon); i++) {
      const cumulative = model.conditionalExpected(
        params,
        Math.min(i, options.horizon),
        row.x,
        row.tx,
        row.T,
      );
      clv += ((cumulative - previous) * expectedSpend) / (1 + discount) ** i;
      previous = cumulative;
    }
    return { customer: row.customer, expectedPurchases, pAlive, expectedSpend, clv };
  });
}
