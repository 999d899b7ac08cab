/**
 * 2x2 tables: odds ratio with a 95% confidence interval (Woolf's log method, with Haldane's 0.5 correction
 * when a cell is 0) and the Pearson chi-square p-value (1 degree of freedom, @stdlib's chi-square CDF).
 */
import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";

export interface TwoByTwo {
  /** Did the thing and reached the outcome. */
  a: number;
  /** Did the thing, did not reach it. */
  b: number;
  /** Did not do the thing, reached it. */
  c: number;
  /** Neither. */
  d: number;
}

export interface OddsRatio {
  oddsRatio: number;
  ci95: [number, number];
  pValue: number;
}

export function oddsRatio({ a, b, c, d }: TwoByTwo): OddsRatio {
  const zero = a === 0 || b === 0 || c === 0 || d === 0;
  const [A, B, C, D] = zero ? [a + 0.5, b + 0.5, c + 0.5, d + 0.5] : [a, b, c, d];
  const ratio = (A * D) / (B * C);
  const se = Math.sqrt(1 / A + 1 / B + 1 / C + 1 / D);
  const n = a + b + c + d;
  const expected = [
    ((a + b) * (a + c)) / n,
    ((a + b) * (b + d)) / n,
    ((c + d) * (a + c)) / n,
    ((c + d) * (b + d)) / n,
  ];
  const chi = [a, b, c, d].reduce(
    (sum, observed, i) => sum + (expected[i]! > 0 ? (observed - expected[i]!) ** 2 / expected[i]! : 0),
    0,
  );
  return {
    oddsRatio: ratio,
    ci95: [Math.exp(Math.log(ratio) - 1.96 * se), Math.exp(Math.log(ratio) + 1.96 * se)],
    pValue: n > 0 ? 1 - chisquareCdf(chi, 1) : 1,
  };
}
