/**
 * "Buy till you die" models of repeat purchasing, as pure functions of (x, t_x, T): x repeat purchases,
 * the last at t_x, observed for T periods since the first purchase.
 * - BG/NBD: Fader, Hardie & Lee (2005) "Counting your customers the easy way", Marketing Science 24(2).
 * - Pareto/NBD: Schmittlein, Morrison & Colombo (1987); likelihood as in Fader, Hardie & Lee (2005)
 *   "A note on deriving the Pareto/NBD model and related expressions", with the A0 term of their
 *   "Implementing the Pareto/NBD model given interval-censored data" note (the form lifetimes uses).
 * - MBG/NBD: Batislam, Denizel & Filiztekin (2007), IJRM 24(3).
 * No kept npm library implements them; each formula is written from the paper.
 */
import digamma from "@stdlib/math-base-special-digamma";
import { gammaln, hyp2f1, logAddExp, logSubExp } from "./special.js";

export interface RfmData {
  x: number[];
  tx: number[];
  T: number[];
  /** How many customers share this (x, t_x, T); 1 when absent. */
  weight?: number[];
}

export interface BtydModel {
  name: "bgnbd" | "pareto-nbd" | "mbgnbd";
  paramNames: string[];
  /** A start that converges on typical data. */
  initial: number[];
  /** The part of a customer's log-likelihood that depends on x alone (gamma functions). */
  frequencyTerms(params: number[], x: number): number;
  /** The rest: a customer's log-likelihood is frequencyTerms + timeTerms. */
  timeTerms(params: number[], x: number, tx: number, T: number): number;
  pAlive(params: number[], x: number, tx: number, T: number): number;
  /** E[purchases in (T, T + t] | x, t_x, T]. */
  conditionalExpected(params: number[], t: number, x: number, tx: number, T: number): number;
  /** E[purchases in (0, t]] for a new customer. */
  unconditionalExpected(params: number[], t: number): number;
  /** The total log-likelihood and its gradient in the natural parameters, where derived (BG/NBD). */
  valueAndGradient?(params: number[], data: RfmData): { value: number; gradient: number[] };
}

export const bgnbd: BtydModel = {
  name: "bgnbd",
  paramNames: ["r", "alpha", "a", "b"],
  initial: [1, 1, 1, 1],
  frequencyTerms([r, alpha, a, b], x) {
    const a1 = gammaln(r! + x) - gammaln(r!) + r! * Math.log(alpha!);
    return a1 + gammaln(a! + b!) + gammaln(b! + x) - gammaln(b!) - gammaln(a! + b! + x);
  },
  timeTerms([r, alpha, a, b], x, tx, T) {
    const a3 = -(r! + x) * Math.log(alpha! + T);
    const a4 =
      x > 0
        ? Math.log(a!) - Math.log(b! + x - 1) - (r! + x) * Math.log(alpha! + tx)
        : Number.NEGATIVE_INFINITY;
    return logAddExp(a3, a4);
  },
  pAlive([r, alpha, a, b], x, tx, T) {
    if (x === 0) return 1;
    return 1 / (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x));
  },
  /**
   * Differentiating Fader, Hardie & Lee (2005) eq. 6 term by term: d ln Γ = ψ (digamma); the last term is
   * ln(e^A3 + e^A4), whose derivative weighs dA3 and dA4 by their shares of the sum.
   */
  valueAndGradient([r, alpha, a, b], data) {
    const byX = new Map<number, number[]>();
    const lnAlpha = Math.log(alpha);
    const psiR = digamma(r);
    const psiAB = digamma(a + b);
    const psiB = digamma(b);
    let value = 0;
    const g = [0, 0, 0, 0];
    for (let i = 0; i < data.x.length; i++) {
      const x = data.x[i];
      const w = data.weight?.[i] ?? 1;
      let f = byX.get(x);
      if (f === undefined) {
        const psiABX = digamma(a + b + x);
        f = [
          gammaln(r + x) -
            gammaln(r) +
            r * lnAlpha +
            gammaln(a + b) +
            gammaln(b + x) -
            gammaln(b) -
            gammaln(a + b + x),
          digamma(r + x) - psiR + lnAlpha,
          r / alpha,
          psiAB - psiABX,
          psiAB + digamma(b + x) - psiB - psiABX,
        ];
        byX.set(x, f);
      }
      const lnT = Math.log(alpha + data.T[i]);
      const a3 = -(r + x) * lnT;
      let l = a3;
      let w4 = 0;
      let lnTx = 0;
      if (x > 0) {
        lnTx = Math.log(alpha + data.tx[i]);
        const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * lnTx;
        l = logAddExp(a3, a4);
        w4 = Math.exp(a4 - l);
      }
      const w3 = 1 - w4;
      value += w * (f[0] + l);
      g[0] += w * (f[1] - w3 * lnT - w4 * lnTx);
      g[1] +=
        w *
        (f[2] - w3 * ((r + x) / (alpha + data.T[i])) - (x > 0 ? w4 * ((r + x) / (alpha + data.tx[i])) : 0));
      g[2] += w * (f[3] + w4 / a);
      g[3] += w * (f[4] - (x > 0 ? w4 / (b + x - 1) : 0));
    }
    return { value, gradient: g };
  },
  conditionalExpected([r, alpha, a, b], t, x, tx, T) {
    const hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
    const numerator = ((a + b + x - 1) / (a - 1)) * (1 - hyp * ((alpha + T) / (alpha + t + T)) ** (r + x));
    const denominator = 1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 0);
    return numerator / denominator;
  },
  unconditionalExpected([r, alpha, a, b], t) {
    return (
      ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    );
  },
};

/** ln A0 of the Pareto/NBD likelihood (FHL 2005 note, eq. for alpha >= beta and alpha < beta). */
function paretoLogA0([r, alpha, s, beta]: number[], x: number, tx: number, T: number): number {
  const [minAB, maxAB, t] = alpha < beta ? [alpha, beta, r + x] : [beta, alpha, s + 1];
  const diff = maxAB - minAB;
  const rsx = r + s + x;
  const q1 = maxAB + tx;
  const q2 = maxAB + T;
  const p1 = hyp2f1(rsx, t, rsx + 1, diff / q1);
  const p2 = hyp2f1(rsx, t, rsx + 1, diff / q2);
  return (
    logSubExp(Math.log(p1) + rsx * Math.log(q2), Math.log(p2) + rsx * Math.log(q1)) -
    rsx * (Math.log(q1) + Math.log(q2))
  );
}

function paretoPAlive(params: number[], x: number, tx: number, T: number): number {
  const [r, alpha, s, beta] = params as [number, number, number, number];
  const logRatio =
    Math.log(s / (r + s + x)) +
    (r + x) * Math.log(alpha + T) +
    s * Math.log(beta + T) +
    paretoLogA0(params, x, tx, T);
  return 1 / (1 + Math.exp(logRatio));
}

export const paretoNbd: BtydModel = {
  name: "pareto-nbd",
  paramNames: ["r", "alpha", "s", "beta"],
  initial: [1, 1, 1, 1],
  frequencyTerms([r, alpha, s, beta], x) {
    return gammaln(r! + x) - gammaln(r!) + r! * Math.log(alpha!) + s! * Math.log(beta!);
  },
  timeTerms(params, x, tx, T) {
    const [r, alpha, s, beta] = params as [number, number, number, number];
    return logAddExp(
      -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T),
      Math.log(s) + paretoLogA0(params, x, tx, T) - Math.log(r + s + x),
    );
  },
  pAlive: paretoPAlive,
  conditionalExpected(params, t, x, tx, T) {
    const [r, alpha, s, beta] = params as [number, number, number, number];
    const scale = ((r + x) * (beta + T)) / ((alpha + T) * (s - 1));
    return scale * (1 - ((beta + T) / (beta + T + t)) ** (s - 1)) * paretoPAlive(params, x, tx, T);
  },
  unconditionalExpected([r, alpha, s, beta], t) {
    return ((r * beta) / (alpha * (s - 1))) * (1 - (beta / (beta + t)) ** (s - 1));
  },
};

export const mbgnbd: BtydModel = {
  name: "mbgnbd",
  paramNames: ["r", "alpha", "a", "b"],
  initial: [1, 1, 1, 1],
  frequencyTerms([r, alpha, a, b], x) {
    const a1 = gammaln(r! + x) - gammaln(r!) + r! * Math.log(alpha!);
    return a1 + gammaln(a! + b!) + gammaln(b! + x + 1) - gammaln(b!) - gammaln(a! + b! + x + 1);
  },
  timeTerms([r, alpha, a, b], x, tx, T) {
    const a3 = -(r! + x) * Math.log(alpha! + T);
    const a4 = Math.log(a!) - Math.log(b! + x) + (r! + x) * (Math.log(alpha! + T) - Math.log(alpha! + tx));
    return a3 + logAddExp(a4, 0);
  },
  pAlive([r, alpha, a, b], x, tx, T) {
    return 1 / (1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x));
  },
  conditionalExpected([r, alpha, a, b], t, x, tx, T) {
    const hyp = hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t));
    const numerator = ((a + b + x) / (a - 1)) * (1 - hyp * ((alpha + T) / (alpha + t + T)) ** (r + x));
    return numerator / (1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x));
  },
  unconditionalExpected([r, alpha, a, b], t) {
    return (b / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, t / (alpha + t)));
  },
};

export const MODELS = { bgnbd, "pareto-nbd": paretoNbd, mbgnbd } as const;

export function totalLogLikelihood(model: BtydModel, params: number[], data: RfmData): number {
  // The terms that depend on x alone repeat across customers: evaluate them once per x.
  const byX = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i]!;
    let xTerms = byX.get(x);
    if (xTerms === undefined) {
      xTerms = model.frequencyTerms(params, x);
      byX.set(x, xTerms);
    }
    total += (data.weight?.[i] ?? 1) * (xTerms + model.timeTerms(params, x, data.tx[i]!, data.T[i]!));
  }
  return total;
}

/**
 * Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): for a customer
 * with x repeat purchases of mean value m.
 */
export const gammaGamma = {
  paramNames: ["p", "q", "gamma"],
  initial: [1, 1, 1],
  logLikelihood([p, q, gamma]: number[], x: number, m: number): number {
    const px = p! * x;
    return (
      gammaln(px + q!) -
      gammaln(px) -
      gammaln(q!) +
      q! * Math.log(gamma!) +
      (px - 1) * Math.log(m) +
      px * Math.log(x) -
      (px + q!) * Math.log(x * m + gamma!)
    );
  },
  /** E[mean spend | x, m]; with x = 0 the population mean. */
  expectedSpend([p, q, gamma]: number[], x: number, m: number): number {
    return (p! * (gamma! + x * m)) / (p! * x + q! - 1);
  },
};
