import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AnalyticLane, LaneError } from "./pool.js";

const TEST_WORKER = new URL("../../testing/lane-test-worker.js", import.meta.url);
const lanes: AnalyticLane[] = [];
const lane = (options: ConstructorParameters<typeof AnalyticLane>[0] = {}) => {
  const made = new AnalyticLane({ workers: 1, module: TEST_WORKER, ...options });
  lanes.push(made);
  return made;
};
after(() => Promise.all(lanes.map((l) => l.close())));

async function* chunks(...texts: string[]): AsyncIterable<string> {
  for (const text of texts) yield text;
}

/** Rows {"n": 1..count} as JSONEachRow text cut into chunks that split lines. */
function numbers(count: number): string[] {
  const text = Array.from({ length: count }, (_, i) => `{"n":${i + 1}}\n`).join("");
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 37) out.push(text.slice(i, i + 37));
  return out;
}

const sum = (pool: AnalyticLane, key = "k") =>
  pool.run<number>({ kind: "sum", input: {}, chunks: chunks(...numbers(1000)), key });

test("a task's rows are parsed and computed in the worker, whatever the chunk boundaries", async () => {
  assert.equal(await sum(lane()), 500_500);
});

test("bytes cut inside a UTF-8 character are decoded whole", async () => {
  const words = ["café", "naïve", "日本", "😀"];
  const bytes = new TextEncoder().encode(words.map((s) => `${JSON.stringify({ s })}\n`).join(""));
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 3) pieces.push(bytes.slice(i, i + 3));
  async function* feed(): AsyncIterable<Uint8Array> {
    yield* pieces;
  }
  assert.equal(
    await lane().run<string>({ kind: "joins", input: {}, chunks: feed(), key: "k" }),
    words.join(""),
  );
});

test("a task that throws, passes its deadline or runs out of memory ends with a 503; the lane goes on", async () => {
  const pool = lane({ deadlineMs: 1500, maxMemoryMb: 48 });
  const cases: Array<[string, RegExp]> = [
    ["throws", /failed: a bug in the consumer/],
    ["spins", /passed its 1.5 s deadline/],
    ["allocates", /memory limit/],
  ];
  for (const [kind, message] of cases) {
    await assert.rejects(
      pool.run({ kind, input: {}, chunks: chunks('{"n":1}\n'), key: "k" }),
      (error) => error instanceof LaneError && error.status === 503 && message.test(error.message),
      kind,
    );
    assert.equal(await sum(pool), 500_500, `the lane answers after "${kind}"`);
  }
  assert.deepEqual(pool.ended, { deadline: 1, memory: 1, error: 1, cancelled: 0 });
  assert.deepEqual(pool.stats, { workers: 1, busy: 0, waiting: 0 });
});

test("tasks queue per key: past the cap a 429 with Retry-After, while other keys still run", async () => {
  // Wide margins: the waiting task has 1.5 s after the runaway's stop for a new worker to start, on a
  // machine that may be busy with other tests.
  const pool = lane({ queuePerKey: 1, deadlineMs: 2000 });
  const slow = pool.run({ kind: "spins", input: {}, chunks: chunks("x"), key: "busy" }).catch((e) => e);
  await assert.rejects(
    sum(pool, "busy"),
    (e) => e instanceof LaneError && e.status === 429 && e.retryAfterSeconds === 1,
  );
  // Another key waits for the worker and is answered once the runaway task is stopped (waiting counts
  // against its own deadline, so it asks a little later).
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(pool.stats.busy, 1);
  assert.equal(await sum(pool, "other"), 500_500);
  assert.equal(((await slow) as LaneError).status, 503);
});

test("an engine error while feeding reaches the caller as it is", async () => {
  async function* failing(): AsyncIterable<string> {
    yield '{"n":1}\n';
    throw new Error("Code: 159. TIMEOUT_EXCEEDED");
  }
  const pool = lane();
  await assert.rejects(pool.run({ kind: "sum", input: {}, chunks: failing(), key: "k" }), /TIMEOUT_EXCEEDED/);
  assert.equal(await sum(pool), 500_500);
});

test("a task whose deadline passes while it waits for a worker is answered 503 and the lane goes on", async () => {
  // Long enough for a replaced worker to start and sum 1,000 rows on a busy machine.
  const pool = lane({ deadlineMs: 1500 });
  const runaway = pool.run({ kind: "spins", input: {}, chunks: chunks("x"), key: "a" }).catch((e) => e);
  const waiting = sum(pool, "b").catch((e) => e);
  for (const outcome of [await runaway, await waiting])
    assert.ok(outcome instanceof LaneError && outcome.status === 503, String(outcome));
  assert.equal(await sum(pool), 500_500);
});

test("a task nobody waits for any more is stopped: its worker replaced, its rows' stream closed", async () => {
  const pool = lane();
  let closed = false;
  async function* endless(): AsyncIterable<string> {
    try {
      for (;;) yield '{"n":1}\n';
    } finally {
      closed = true;
    }
  }
  const gone = new AbortController();
  const task = pool.run({ kind: "spins", input: {}, chunks: endless(), key: "k", signal: gone.signal });
  setTimeout(() => gone.abort(), 100);
  await assert.rejects(task, (e) => e instanceof LaneError && /cancelled/.test(e.message));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(closed, "the stream of rows was closed");
  assert.equal(pool.ended.cancelled, 1);
  assert.equal(await sum(pool), 500_500);
});

test("a consumer may answer through a promise, and a lane warms up the kinds it is told to in every worker", async () => {
  assert.deepEqual(await lane().run({ kind: "later", input: {}, key: "k" }), { warmed: false });
  const warm = lane({ warmUp: ["later"] });
  assert.deepEqual(await warm.run({ kind: "later", input: {}, key: "k" }), { warmed: true });
  await assert.rejects(
    warm.run({ kind: "failsLater", input: {}, key: "k" }),
    (error) =>
      error instanceof LaneError && error.status === 503 && /an asynchronous failure/.test(error.message),
  );
  assert.equal(await sum(warm), 500_500, "the lane answers after an asynchronous failure");
});
