/**
 * BFGS with a backtracking (Armijo) line search, for minimising a smooth function with its gradient
 * (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithm 6.1). Hand-written: the kept JS numeric
 * libraries offer no quasi-Newton minimiser; the CLV likelihoods are smooth, so a few dozen gradient steps
 * replace the hundreds of evaluations Nelder-Mead needs.
 */
export interface BfgsResult {
  x: number[];
  fx: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

export function bfgs(
  f: (x: number[]) => { value: number; gradient: number[] },
  start: number[],
  options: { maxIterations?: number; gradientTolerance?: number } = {},
): BfgsResult {
  const { maxIterations = 200, gradientTolerance = 1e-7 } = options;
  const n = start.length;
  let x = start.slice();
  let current = f(x);
  let evaluations = 1;
  // Inverse Hessian approximation, starting from the identity.
  let h: number[][] = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  );
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
  const norm = (a: number[]) => Math.sqrt(dot(a, a));
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const g = current.gradient;
    if (norm(g) <= gradientTolerance * Math.max(1, Math.abs(current.value))) {
      return { x, fx: current.value, iterations: iteration, evaluations, converged: true };
    }
    let direction = h.map((row) => -dot(row, g));
    let slope = dot(direction, g);
    if (!(slope < 0)) {
      // Not a descent direction (the approximation lost positive definiteness): restart from steepest descent.
      h = h.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
      direction = g.map((v) => -v);
      slope = dot(direction, g);
    }
    let step = 1;
    let next: { value: number; gradient: number[] } | undefined;
    let candidate = x;
    for (let tries = 0; tries < 60; tries++) {
      candidate = x.map((v, i) => v + step * direction[i]);
      next = f(candidate);
      evaluations++;
      if (Number.isFinite(next.value) && next.value <= current.value + 1e-4 * step * slope) break;
      next = undefined;
      step /= 2;
    }
    if (!next) return { x, fx: current.value, iterations: iteration, evaluations, converged: false };
    const s = candidate.map((v, i) => v - x[i]);
    const y = next.gradient.map((v, i) => v - g[i]);
    const sy = dot(s, y);
    x = candidate;
    const improvement = current.value - next.value;
    current = next;
    if (sy > 1e-12) {
      // H <- (I - rho s y') H (I - rho y s') + rho s s'
      const rho = 1 / sy;
      const hy = h.map((row) => dot(row, y));
      const yhy = dot(y, hy);
      h = h.map((row, i) =>
        row.map(
          (value, j) => value - rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j],
        ),
      );
    }
    if (improvement >= 0 && improvement < 1e-14 * Math.max(1, Math.abs(current.value)) && norm(s) < 1e-10) {
      return { x, fx: current.value, iterations: iteration + 1, evaluations, converged: true };
    }
  }
  return { x, fx: current.value, iterations: maxIterations, evaluations, converged: false };
}
