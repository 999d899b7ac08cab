import assert from "node:assert/strict";
import { test } from "node:test";
import { bfgs } from "./bfgs.js";

test("BFGS finds the minimum of the Rosenbrock function from the textbook start", () => {
  const rosenbrock = ([x, y]: number[]) => ({
    value: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    gradient: [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
  });
  const result = bfgs(rosenbrock, [-1.2, 1]);
  assert.ok(result.converged);
  assert.ok(Math.abs(result.x[0] - 1) < 1e-5 && Math.abs(result.x[1] - 1) < 1e-5, String(result.x));
  assert.ok(result.evaluations < 200, `${result.evaluations} evaluations`);
});
