/** An analytic-lane worker with consumers that misbehave on purpose, for src/lanes/pool.test.ts. */
import { rowConsumer } from "../src/lanes/consumers.js";
import { serveConsumers } from "../src/lanes/worker-runtime.js";

/** Set by the `later` kind's warm-up, sent when the lane asks its workers to warm that kind up. */
let warmed = false;
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

serveConsumers(
  {
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
    /** Answers through a promise: whether its warm-up ran first. */
    later: () => ({
      push() {},
      finish: async () => {
        await tick();
        return { warmed };
      },
    }),
    failsLater: () => ({
      push() {},
      finish: async () => {
        await tick();
        throw new Error("an asynchronous failure");
      },
    }),
  },
  {
    later: async () => {
      warmed = true;
    },
  },
);
