/**
 * Special functions for the BTYD models. ln Γ comes from @stdlib; the Gaussian hypergeometric function has no
 * kept npm implementation, so it is written here (power series, Abramowitz & Stegun 15.1.1).
 */
import gammalnStdlib from "@stdlib/math-base-special-gammaln";

export const gammaln: (x: number) => number = gammalnStdlib;

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  const max = Math.max(a, b);
  return max + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** ln(e^a - e^b) for a >= b. */
export function logSubExp(a: number, b: number): number {
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a + Math.log1p(-Math.exp(b - a));
}

/**
 * 2F1(a, b; c; z) for 0 <= z < 1 by its power series; every use in these models has z in [0, 1). Terms are
 * summed until they stop changing the sum (relative 1e-15), which takes longer as z approaches 1.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (z < 0 || z >= 1) throw new RangeError(`hyp2f1 needs 0 <= z < 1, got ${z}`);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 1_000_000; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    if (Math.abs(term) <= 1e-15 * Math.abs(sum)) return sum;
  }
  return sum;
}
