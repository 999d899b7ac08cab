/** An analytic-lane worker with consumers that misbehave on purpose, for src/lanes/pool.test.ts. */
import { rowConsumer } from "../src/lanes/consumers.js";
import { serveConsumers } from "../src/lanes/worker-runtime.js";

serveConsumers({
  sum: () => {
    let total = 0;
    return rowConsumer<{ n: number }>(
      (row) => {
        total += row.n;
      },
      () => total,
    );
  },
  joins: () => {
    const parts: string[] = [];
    return rowConsumer<{ s: string }>(
      (row) => {
        parts.push(row.s);
      },
      () => parts.join(""),
    );
  },
  throws: () => ({
    push() {
      throw new Error("a bug in the consumer");
    },
    finish: () => 0,
  }),
  spins: () => ({
    push() {
      for (;;);
    },
    finish: () => 0,
  }),
  allocates: () => {
    const kept: number[][] = [];
    return {
      push() {
        for (;;) kept.push(new Array(1_000_000).fill(1));
      },
      finish: () => kept.length,
    };
  },
});
