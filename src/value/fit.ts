/**
 * Maximum likelihood for the CLV models on log parameters: BFGS (bfgs.ts) where the model gives its
 * gradient, else Nelder–Mead (nelder-mead.ts) restarted from its own result until the likelihood stops improving; standard errors from the inverse of the observed
 * information (a central-difference Hessian on the natural scale, inverted with ml-matrix).
 */

import { inverse, Matrix } from "ml-matrix";
import { bfgs } from "./bfgs.js";
import { nelderMead } from "./nelder-mead.js";

export interface FitResult {
  params: Record<string, number>;
  standardErrors: Record<string, number | null>;
  logLikelihood: number;
  iterations: number;
}

/**
 * With `valueAndGradient` (the log-likelihood and its gradient in the natural parameters) the search is
 * BFGS on log parameters, continued by Nelder-Mead from its result when it does not converge; without,
 * Nelder-Mead alone.
 */
export function maximise(
  logLikelihood: (params: number[]) => number,
  names: string[],
  initial: number[],
  valueAndGradient?: (params: number[]) => { value: number; gradient: number[] },
): FitResult {
  // Log parameters stay within ±15 (3e-7 .. 3e6): beyond, a flat likelihood (e.g. no heterogeneity in the
  // data, where r and alpha grow together) would have the simplex wander without end.
  const outOfBounds = (logParams: number[]) => logParams.some((v) => Math.abs(v) > 15);
  const objective = (logParams: number[]) => {
    if (outOfBounds(logParams)) return 1e300;
    const value = -logLikelihood(logParams.map(Math.exp));
    return Number.isFinite(value) ? value : 1e300;
  };
  let start = initial.map(Math.log);
  let best = Number.POSITIVE_INFINITY;
  let iterations = 0;
  let gradientConverged = false;
  if (valueAndGradient) {
    const result = bfgs((logParams) => {
      if (outOfBounds(logParams)) return { value: 1e300, gradient: logParams.map(() => 0) };
      const params = logParams.map(Math.exp);
      const { value, gradient } = valueAndGradient(params);
      // d(-LL)/d ln p = -p dLL/dp
      return Number.isFinite(value)
        ? { value: -value, gradient: gradient.map((d, i) => -d * params[i]) }
        : { value: 1e300, gradient: logParams.map(() => 0) };
    }, start);
    iterations += result.iterations;
    start = result.x;
    best = result.fx;
    gradientConverged = result.converged;
  }
  // A converged gradient search needs no simplex; otherwise Nelder-Mead continues from where it stopped.
  for (let restart = 0; !gradientConverged && restart < 5; restart++) {
    const result = nelderMead(objective, start, { maxIterations: 1500, tolerance: 1e-12, step: 0.5 });
    iterations += result.iterations;
    const improved = best - result.fx;
    start = result.x;
    best = Math.min(best, result.fx);
    if (improved < 1e-7 * Math.abs(best)) break;
  }
  const params = start.map(Math.exp);
  return {
    params: Object.fromEntries(names.map((n, i) => [n, params[i]!])),
    // The analytic-gradient Hessian where the gradient search ended the fit; else central differences of
    // the likelihood at the simplex's optimum.
    standardErrors: standardErrors(
      logLikelihood,
      params,
      names,
      gradientConverged ? valueAndGradient : undefined,
    ),
    logLikelihood: -best,
    iterations,
  };
}

function standardErrors(
  logLikelihood: (p: number[]) => number,
  params: number[],
  names: string[],
  valueAndGradient?: (params: number[]) => { value: number; gradient: number[] },
): Record<string, number | null> {
  const n = params.length;
  const h = params.map((p) => Math.max(Math.abs(p) * 1e-4, 1e-7));
  if (valueAndGradient) {
    // Central differences of the analytic gradient: 2n evaluations instead of 2n^2 + 1.
    const hessian = Matrix.zeros(n, n);
    for (let j = 0; j < n; j++) {
      const up = params.slice();
      const down = params.slice();
      up[j] += h[j];
      down[j] -= h[j];
      const gUp = valueAndGradient(up).gradient;
      const gDown = valueAndGradient(down).gradient;
      for (let i = 0; i < n; i++) hessian.set(i, j, -(gUp[i] - gDown[i]) / (2 * h[j]));
    }
    const symmetric = hessian.add(hessian.transpose()).div(2);
    return covarianceErrors(symmetric, names);
  }
  const at = (shifts: [number, number][]) => {
    const p = params.slice();
    for (const [i, d] of shifts) p[i] = p[i]! + d;
    return logLikelihood(p);
  };
  const hessian = Matrix.zeros(n, n);
  const center = logLikelihood(params);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const value =
        i === j
          ? (at([[i, h[i]!]]) - 2 * center + at([[i, -h[i]!]])) / (h[i]! * h[i]!)
          : (at([
              [i, h[i]!],
              [j, h[j]!],
            ]) -
              at([
                [i, h[i]!],
                [j, -h[j]!],
              ]) -
              at([
                [i, -h[i]!],
                [j, h[j]!],
              ]) +
              at([
                [i, -h[i]!],
                [j, -h[j]!],
              ])) /
            (4 * h[i]! * h[j]!);
      hessian.set(i, j, -value);
      hessian.set(j, i, -value);
    }
  }
  return covarianceErrors(hessian, names);
}

/** Standard errors: square roots of the diagonal of the inverse observed information. */
function covarianceErrors(hessian: Matrix, names: string[]): Record<string, number | null> {
  try {
    const covariance = inverse(hessian);
    return Object.fromEntries(
      names.map((name, i) => {
        const v = covariance.get(i, i);
        return [name, v > 0 && Number.isFinite(v) ? Math.sqrt(v) : null];
      }),
    );
  } catch {
    return Object.fromEntries(names.map((name) => [name, null]));
  }
}
