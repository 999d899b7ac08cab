/**
 * The analytic lane with the real engine: a task nobody waits for any more stops its engine query (the
 * query leaves system.processes), as when the client of an analytic request disconnects.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AnalyticLane, LaneError } from "../src/lanes/pool.js";
import { testEngine } from "../testing/helpers.js";

const lane = new AnalyticLane({
  workers: 1,
  module: new URL("../testing/lane-test-worker.js", import.meta.url),
});
after(() => lane.close());

test("a cancelled task's engine query stops (system.processes)", async () => {
  const engine = await testEngine();
  const marker = `cf-slow-${Date.now()}`;
  const running = () =>
    engine.query<{ query: string }>(
      "SELECT query FROM system.processes WHERE position(query, {m:String}) > 0 AND position(query, 'system.processes') = 0",
      { m: marker },
    );
  const gone = new AbortController();
  const task = lane.run({
    kind: "sum",
    input: {},
    // About 1,000 s of rows, 10 per block: it runs until stopped.
    chunks: engine.streamChunks(
      `SELECT number AS n, sleepEachRow(0.01) AS s, '${marker}' AS m FROM numbers(100000) SETTINGS max_block_size = 10`,
    ),
    key: "k",
    signal: gone.signal,
  });
  for (let i = 0; i < 50 && (await running()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await running()).length, 1, "the query runs");
  gone.abort();
  await assert.rejects(task, (e) => e instanceof LaneError && /cancelled/.test(e.message));
  for (let i = 0; i < 50 && (await running()).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await running(), [], "the query was stopped");
});

test("a client that disconnects from an analytic request stops its engine query, and the server serves on", async (t) => {
  const { buildServer } = await import("../src/api/server.js");
  const { TEST_KEYS, basic } = await import("../testing/helpers.js");
  const { request } = await import("node:http");
  const engine = await testEngine();
  const marker = `cf-gone-${Date.now()}`;
  // The store is real; only its journey stream is replaced by one that runs for about 1,000 s (empty
  // journeys, 10 rows per block), so the request is still computing when its client leaves.
  const slowJourneys: typeof engine = {
    ...engine,
    description: engine.description,
    query: (sql, params) => engine.query(sql, params),
    stream: (sql, params) => engine.stream(sql, params),
    command: (sql, params) => engine.command(sql, params),
    insert: (table, rows) => engine.insert(table, rows),
    close: () => engine.close(),
    streamChunks: (sql, params) =>
      // Friction's cases (journeys/friction.ts: d, s, sd, c, f), empty.
      /arrayDifference\(times\) AS d/.test(sql)
        ? engine.streamChunks(
            `SELECT CAST([], 'Array(Int64)') AS d, CAST([], 'Array(UInt32)') AS s, CAST([], 'Array(String)') AS sd,
                    CAST([], 'Array(UInt32)') AS c, CAST([], 'Array(UInt8)') AS f,
                    sleepEachRow(0.01) AS slow, '${marker}' AS m FROM numbers(100000) SETTINGS max_block_size = 10`,
          )
        : engine.streamChunks(sql, params),
  };
  const { app } = await buildServer({ engine: slowJourneys, keys: TEST_KEYS, preloadContexts: false });
  t.after(() => app.close()); // also when an assertion fails, so the run ends
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const running = () =>
    engine.query<{ query: string }>(
      "SELECT query FROM system.processes WHERE position(query, {m:String}) > 0 AND position(query, 'system.processes') = 0",
      { m: marker },
    );
  const client = request({
    host: "127.0.0.1",
    port,
    path: "/v1/journeys/friction?top=5",
    headers: { authorization: basic("rk_test") },
  });
  client.on("error", () => undefined); // the socket is destroyed on purpose
  client.end();
  for (let i = 0; i < 100 && (await running()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await running()).length, 1, "the analysis's query runs");
  client.destroy();
  for (let i = 0; i < 100 && (await running()).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await running(), [], "the query stopped when its client left");
  const health = await app.inject({ method: "GET", url: "/health" });
  assert.equal(health.statusCode, 200);
  assert.equal(JSON.parse(health.body).lane.analytic.ended.cancelled, 1);
  // The read that was left counts no more (an aborted request gets no response: it must still be let go).
  assert.equal(JSON.parse(health.body).lane.readsInFlight, 0);
});
