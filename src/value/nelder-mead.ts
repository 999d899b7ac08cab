/**
 * Nelder–Mead downhill simplex minimisation (Nelder & Mead 1965; the standard coefficients 1, 2, 0.5, 0.5 as in
 * Lagarias et al. 1998). Written here because the kept npm package (fmin) ships a build Node's ES modules
 * cannot import, and its source uses extension-less imports.
 */
export interface NelderMeadResult {
  x: number[];
  fx: number;
  iterations: number;
}

export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  options: { maxIterations?: number; tolerance?: number; step?: number } = {},
): NelderMeadResult {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 200 * n;
  const tolerance = options.tolerance ?? 1e-10;
  const step = options.step ?? 0.1;
  let simplex = [
    start,
    ...start.map((_, i) => start.map((v, j) => (i === j ? v + (v !== 0 ? step * Math.abs(v) : step) : v))),
  ].map((x) => ({ x, fx: f(x) }));
  let iterations = 0;
  const combine = (a: number[], b: number[], t: number) => a.map((v, i) => v + t * (b[i]! - v));
  for (; iterations < maxIterations; iterations++) {
    simplex.sort((a, b) => a.fx - b.fx);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    const spread = Math.max(...simplex.map((p) => Math.max(...p.x.map((v, i) => Math.abs(v - best.x[i]!)))));
    // Converged: values agree and the simplex is small; or values agree to rounding (a flat valley, where the
    // simplex could wander for ever without changing the objective).
    const valueSpread = Math.abs(worst.fx - best.fx);
    const scale = Math.abs(best.fx) + tolerance;
    if ((valueSpread <= tolerance * scale && spread <= 1e-5) || valueSpread <= 1e-14 * scale) break;
    const centroid = start.map((_, i) => simplex.slice(0, n).reduce((sum, p) => sum + p.x[i]!, 0) / n);
    const reflected = combine(centroid, worst.x, -1);
    const fr = f(reflected);
    if (fr < best.fx) {
      const expanded = combine(centroid, worst.x, -2);
      const fe = f(expanded);
      simplex[n] = fe < fr ? { x: expanded, fx: fe } : { x: reflected, fx: fr };
    } else if (fr < simplex[n - 1]!.fx) {
      simplex[n] = { x: reflected, fx: fr };
    } else {
      const outside = fr < worst.fx;
      const contracted = combine(centroid, worst.x, outside ? -0.5 : 0.5);
      const fc = f(contracted);
      if (fc < (outside ? fr : worst.fx)) simplex[n] = { x: contracted, fx: fc };
      else
        simplex = simplex.map((p, i) =>
          i === 0 ? p : { x: combine(best.x, p.x, 0.5), fx: f(combine(best.x, p.x, 0.5)) },
        );
    }
  }
  simplex.sort((a, b) => a.fx - b.fx);
  return { x: simplex[0]!.x, fx: simplex[0]!.fx, iterations };
}
