/** The CLI as a user runs it: on its own data folder, and on a folder that a running server holds. */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { tempDir } from "../testing/helpers.js";

const CLI = join(process.cwd(), "dist", "src", "cli", "main.js");

function run(
  args: string[],
  input?: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.stdin.end(input ?? "");
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const json = (text: string) => JSON.parse(text);
const dir = tempDir("cf-cli-");
const data = join(dir, "data");
const file = join(dir, "calls.csv");
writeFileSync(
  file,
  [
    "customer,timestamp,touchpoint,channel,text",
    "c1,2024-05-01T10:00:00Z,support call,phone,my order is late",
    "c1,2024-05-02T10:00:00Z,store visit,store,",
    ",2024-05-03,visit,web,",
  ].join("\n"),
);

let server: ChildProcess | undefined;
after(() => {
  server?.kill("SIGTERM");
});

test("import prints a JSON summary with rejected rows by line", async () => {
  const result = await run(["import", file, "--data", data, "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const summary = json(result.stdout);
  assert.deepEqual([summary.imported, summary.rejected, summary.customers], [2, 1, 1]);
  assert.deepEqual(summary.rejections, [
    { line: 4, field: "userId", reason: "either userId or anonymousId is required" },
  ]);
});

test("query runs reading SQL and refuses writes", async () => {
  const result = await run([
    "query",
    "SELECT channel, count() AS n FROM events GROUP BY channel ORDER BY channel",
    "--data",
    data,
    "--json",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(json(result.stdout), [
    { channel: "phone", n: 1 },
    { channel: "store", n: 1 },
  ]);
  const refused = await run(["query", "DROP TABLE events", "--data", data, "--json"]);
  assert.equal(refused.code, 1);
  assert.match(json(refused.stdout).error, /only reading statements/);
});

test("customer shows the 360 by id; unknown ids fail clearly", async () => {
  const result = await run(["customer", "c1", "--data", data, "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const profile = json(result.stdout);
  assert.equal(profile.id, "user:c1");
  assert.deepEqual(
    profile.timeline.map((e: { touchpoint: string }) => e.touchpoint),
    ["support call", "store visit"],
  );
  const missing = await run(["customer", "nobody", "--data", data, "--json"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no customer is known by nobody/);
});

test("--timings, anywhere on the line, prints the command's phases to stderr and leaves its output alone", async () => {
  const result = await run(["query", "SELECT 1 AS one", "--data", data, "--json", "--timings"]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(json(result.stdout), [{ one: 1 }]);
  const phases = [...result.stderr.matchAll(/^timings: (.+?)\s+([\d.]+) ms$/gm)].map((m) => m[1]);
  for (const phase of [
    "node start and the CLI's modules",
    "open the store (embedded)",
    "the command's work",
    "total",
  ])
    assert.ok(phases.includes(phase), `${phase} in ${phases.join(" | ")}`);
  // Without it, nothing is printed.
  assert.doesNotMatch((await run(["query", "SELECT 1", "--data", data])).stderr, /timings:/);
});

test("while a server holds the folder, every command goes through it: no lock error", async () => {
  server = spawn(
    process.execPath,
    [CLI, "serve", "--data", data, "--port", "0", "--json", "--write-key", "wk", "--read-key", "rk"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server!.stdout!.on("data", (c) => {
      out += c;
      try {
        resolve(json(out).url);
      } catch {}
    });
    server!.once("exit", (code) => reject(new Error(`serve exited ${code}`)));
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);

  const second = join(dir, "more.ndjson");
  writeFileSync(
    second,
    `${JSON.stringify({ type: "identify", userId: "c1", traits: { email: "c1@example.com" } })}\n`,
  );
  // Through the server its rows go through the server's sink, so its context index sees them (CF_TRACE
  // names the engine-side import's steps, which an import into a folder of its own takes).
  const imported = await run(["import", second, "--data", data, "--json"], undefined, { CF_TRACE: "1" });
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(json(imported.stdout).imported, 1);
  assert.doesNotMatch(imported.stderr, /reading in the engine/);
  const own = await run(["import", second, "--data", join(dir, "own"), "--json"], undefined, {
    CF_TRACE: "1",
  });
  assert.equal(own.code, 0, own.stderr);
  assert.equal(json(own.stdout).imported, 1);
  assert.match(own.stderr, /reading in the engine/);

  const profile = await run(["customer", "c1@example.com", "--data", data, "--json"]);
  assert.equal(profile.code, 0, profile.stderr);
  assert.equal(json(profile.stdout).id, "user:c1");

  const counted = await run(["query", "SELECT count() AS n FROM events", "--data", data, "--json"]);
  assert.equal(counted.code, 0, counted.stderr);
  assert.deepEqual(json(counted.stdout), [{ n: 3 }]);

  const merges = await run(["identity", "merges", "c1", "--data", data, "--json"]);
  assert.equal(json(merges.stdout).merges.length, 1);

  for (const r of [imported, profile, counted, merges]) assert.doesNotMatch(r.stderr, /lock|Cannot/i);

  const again = await run(["serve", "--data", data, "--port", "0", "--json"]);
  assert.equal(again.code, 1);
  assert.match(json(again.stdout).error, /already serves this data folder/);

  // The server answers reads with its read key.
  const response = await fetch(`${url}/v1/customers/c1`, { headers: { authorization: "Bearer rk" } });
  assert.equal(response.status, 200);
});

test("demo: the engine imports it into a folder of its own; a store that keeps identifiers hashed takes it through the collector", async () => {
  const count = async (folder: string, where: string) =>
    json(
      (await run(["query", `SELECT count() AS n FROM events WHERE ${where}`, "--data", folder, "--json"]))
        .stdout,
    )[0].n as number;
  const own = join(dir, "demo-own");
  const loaded = await run(["demo", "--data", own, "--no-serve", "--customers", "30", "--json"], undefined, {
    CF_TRACE: "1",
  });
  assert.equal(loaded.code, 0, loaded.stderr);
  assert.match(loaded.stderr, /reading in the engine/);
  const { events, rejected } = json(loaded.stdout);
  assert.ok(events > 300 && rejected === 0, loaded.stdout);
  assert.equal(await count(own, "source = 'demo'"), events);

  // A folder whose server was started with --hash-pii once keeps identifiers hashed from then on.
  const hashed = join(dir, "demo-hashed");
  const serving = spawn(
    process.execPath,
    [CLI, "serve", "--data", hashed, "--port", "0", "--hash-pii", "--json"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  await new Promise<void>((resolve) => serving.stdout!.once("data", () => resolve()));
  serving.kill("SIGTERM");
  await new Promise((resolve) => serving.once("exit", resolve));
  const collected = await run(
    ["demo", "--data", hashed, "--no-serve", "--customers", "30", "--json"],
    undefined,
    {
      CF_TRACE: "1",
    },
  );
  assert.equal(collected.code, 0, collected.stderr);
  assert.doesNotMatch(collected.stderr, /reading in the engine/);
  assert.equal(json(collected.stdout).events, events);
  assert.equal(await count(hashed, "source = 'demo'"), events);
  assert.equal((await count(own, "position(traits, '@example.com') > 0")) > 0, true);
  assert.equal(await count(hashed, "position(traits, '@example.com') > 0"), 0);
});
