/** Behaviour end to end: floors on the public dev sets, labels at ingest, who matters now, themes, the CLI. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadModel } from "../src/behaviour/classifier.js";
import { readEvaluationSets, sharedBehaviourFolder } from "../src/behaviour/corpus.js";
import { evaluateSet } from "../src/behaviour/evaluate.js";
import { repliedMessages } from "../src/behaviour/store.js";
import { importFile } from "../src/collect/import.js";
import { EngineSink } from "../src/collect/sink.js";
import { processMap } from "../src/journeys/views.js";
import type { Engine } from "../src/store/engine.js";
import { get, post, startTestServer, type TestServer, tempDir, testEngine, uid } from "../testing/helpers.js";

const CLI = join(process.cwd(), "dist", "src", "cli", "main.js");
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", input });

let engine: Engine;
let server: TestServer;
before(async () => {
  engine = await testEngine();
  server = await startTestServer(engine);
});
after(() => server.close());

// Floors sit a little under what the shipped model scores (docs/benchmarks.md); they catch regressions.
const FLOORS: Record<string, number> = {
  complaints: 0.7,
  airline: 0.71,
  "tweeteval-sentiment": 0.69,
  "tweet-acts (held-out 20%)": 0.79,
  "semeval2019-suggestions": 0.73,
};
const sets = existsSync(sharedBehaviourFolder()) ? readEvaluationSets() : [];
if (sets.length === 0) {
  process.stderr.write(`\n*** SKIPPED behaviour evaluation: no data at ${sharedBehaviourFolder()} ***\n\n`);
}
for (const name of Object.keys(FLOORS)) {
  const set = sets.find((s) => s.name === name);
  test(`evaluation floor on ${name}`, { skip: set ? false : `SKIPPED: ${name} is absent` }, () => {
    const report = evaluateSet(loadModel(), set!);
    assert.ok(report.value >= FLOORS[name], `${report.figure} ${report.value} < ${FLOORS[name]}`);
  });
}

test("messages sent through the collector are labelled, ranked in who matters now, and themed", async () => {
  // An hour ago: event times may not lie in the future, and "now" is never later than the wall clock.
  const base = Date.now() - 3_600_000;
  const rich = uid("rich");
  const fan = uid("fan");
  const asker = uid("asker");
  const at = (hoursAgo: number) => new Date(base - hoursAgo * 3_600_000).toISOString();
  const message = (userId: string, text: string, hoursAgo: number, extra: Record<string, unknown> = {}) => ({
    type: "track",
    event: "Message Sent",
    userId,
    timestamp: at(hoursAgo),
    properties: { channel: "social", touchpoint: "mention", text, ...extra },
  });
  const batch = [
    {
      type: "track",
      event: "Order Completed",
      userId: rich,
      timestamp: at(500),
      properties: { channel: "web", touchpoint: "checkout", revenue: 2500 },
    },
    {
      type: "track",
      event: "Order Completed",
      userId: fan,
      timestamp: at(500),
      properties: { channel: "web", revenue: 40 },
    },
    message(rich, "The payment page crashed twice and I was charged anyway. Terrible service", 2),
    message(rich, "Still waiting for my refund, the payment page crashed again", 1),
    message(fan, "Love my new running shoes, thank you!", 0.5, { followers: 50 }),
    message(asker, "Do you ship the rain jacket to Ireland?", 3),
  ];
  const response = await post(`${server.url}/v1/batch`, { batch });
  assert.equal(response.status, 200, JSON.stringify(response.body));

  const stored = await engine.query<{
    user_id: string;
    behaviour: string;
    labels: string[];
    scores: number[];
  }>(
    "SELECT user_id, behaviour, behaviour_labels AS labels, behaviour_scores AS scores FROM events WHERE user_id IN {ids:Array(String)} AND text != '' ORDER BY timestamp",
    { ids: [rich, fan, asker] },
  );
  assert.deepEqual(
    stored.map((r) => r.behaviour),
    ["question", "complaint", "complaint", "praise"],
  );
  assert.equal(stored[0].scores.length, 4);
  const events = await engine.query<{ behaviour: string }>(
    "SELECT behaviour FROM events WHERE user_id = {id:String} AND text = ''",
    { id: rich },
  );
  assert.deepEqual(events, [{ behaviour: "" }]);

  // Journeys read by behaviour: a message is its space, any other event its touchpoint.
  const map = await processMap(engine, { by: "behaviour", from: at(600), to: at(-1) });
  const edges = map.edges.map((e) => `${e.from}>${e.to}:${e.count}`);
  assert.ok(edges.includes("checkout>complaint:1"), edges.join());
  assert.ok(edges.includes("complaint>complaint:1"), edges.join());

  const now = await get(`${server.url}/v1/behaviour/now?at=${encodeURIComponent(at(0))}&limit=3`);
  assert.equal(now.status, 200, JSON.stringify(now.body));
  const ids = now.body.entries.map((e: { customerId: string }) => e.customerId);
  assert.equal(ids[0], `user:${rich}`);
  assert.deepEqual(new Set(ids), new Set([`user:${rich}`, `user:${fan}`, `user:${asker}`]));
  const top = now.body.entries[0];
  assert.equal(top.components.valueBasis, "spend");
  assert.equal(top.components.customerValue, 2500);
  assert.equal(top.lastMessage.behaviour, "complaint");
  assert.ok(
    now.body.history.some(
      (h: { customerId: string; change: string }) =>
        h.customerId === `user:${rich}` && h.change === "entered",
    ),
  );

  const bad = await get(`${server.url}/v1/behaviour/now?weights=complaint:lots`);
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.body), /weights/);

  const themes = await get(
    `${server.url}/v1/behaviour/themes?touchpoint=mention&at=${encodeURIComponent(at(0))}&weeks=1`,
  );
  assert.equal(themes.status, 200);
  const [mention] = themes.body.touchpoints;
  const complaints = mention.spaces.find((s: { behaviour: string }) => s.behaviour === "complaint");
  assert.equal(complaints.volume, 2);
  assert.equal(complaints.themes[0].phrase.includes("payment page"), true, JSON.stringify(complaints.themes));
  assert.equal(complaints.themes[0].examples.length, 2);

  const classified = await post(
    `${server.url}/v1/behaviour/classify`,
    { texts: ["Please add a size guide"] },
    {
      authorization: `Basic ${Buffer.from("rk_test:").toString("base64")}`,
    },
  );
  assert.equal(classified.body.results[0].behaviour, "suggestion");
});

test("the engine-side NDJSON import labels texts too", async () => {
  const id = uid("bulk");
  const file = join(tempDir(), "messages.ndjson");
  writeFileSync(
    file,
    [
      {
        type: "track",
        event: "Message Sent",
        userId: id,
        timestamp: "2025-01-01T00:00:00Z",
        properties: { channel: "email", text: "Please add Apple Pay" },
      },
      {
        type: "track",
        event: "Page Viewed",
        userId: id,
        timestamp: "2025-01-01T00:01:00Z",
        properties: { channel: "web" },
      },
    ]
      .map((e) => JSON.stringify(e))
      .join("\n"),
  );
  const sink = new EngineSink(engine);
  const summary = await importFile(sink, { file, engine });
  await sink.close();
  assert.equal(summary.imported, 2);
  const rows = await engine.query<{ name: string; behaviour: string }>(
    "SELECT name, behaviour FROM events WHERE user_id = {id:String} ORDER BY timestamp",
    { id },
  );
  assert.deepEqual(rows, [
    { name: "Message Sent", behaviour: "suggestion" },
    { name: "Page Viewed", behaviour: "" },
  ]);
});

test("CLI classify writes one line per input in order, errors included; train and evaluate on a brand's CSV", () => {
  const out = run(
    ["behaviour", "classify"],
    '{"text":"Do you ship to Ireland?"}\nnot json\n{"text":"Love it, thanks!"}\n{"body":1}\n',
  );
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 4);
  assert.equal(lines[0].behaviour, "question");
  assert.match(lines[1].error, /not valid JSON/);
  assert.equal(lines[2].behaviour, "praise");
  assert.match(lines[3].error, /text: expected a string/);

  const folder = tempDir();
  const csv = join(folder, "labelled.csv");
  const rows = ["text,label"];
  for (let i = 0; i < 30; i++) {
    rows.push(`"the blue widget is superb ${i}",praise`);
    rows.push(`"widget snapped again ${i}",complaint`);
    rows.push(`"does the widget come in red ${i}",question`);
    rows.push(`"stock a bigger widget ${i}",suggestion`);
    rows.push(`"widget order ${i} dispatched",other`);
  }
  rows.push('"mystery",sarcasm');
  writeFileSync(csv, rows.join("\n"));
  const data = join(folder, "store");
  const trained = run(["behaviour", "train", "--input", csv, "--data", data, "--json"]);
  assert.equal(trained.status, 0, trained.stderr);
  const summary = JSON.parse(trained.stdout);
  assert.equal(summary.examples.sentiment, 150);
  assert.deepEqual(summary.rejected, [
    { line: 152, reason: 'label: "sarcasm" is not one of praise, complaint, question, suggestion, other' },
  ]);
  const evaluated = run(["behaviour", "evaluate", "--input", csv, "--data", data, "--json"]);
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const report = JSON.parse(evaluated.stdout);
  assert.equal(report.model, join(data, "behaviour-model.json.gz"));
  for (const space of ["praise", "complaint", "question", "suggestion"]) {
    assert.ok(report.perSpace[space].f1 >= 0.9, `${space} ${JSON.stringify(report.perSpace[space])}`);
  }
  assert.equal(report.primary.confusion.question.question, 30);
  // The data folder's model is the one classify uses from now on.
  const own = run(["behaviour", "classify", "--data", data], '{"text":"stock a bigger widget"}\n');
  assert.equal(JSON.parse(own.stdout).behaviour, "suggestion");
  const missing = run(["behaviour", "evaluate", "--json"]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stdout, /--input FILE or --public/);
});

test("train --from-replies learns from the store's messages the brand replied to, each labelled by its reply", async () => {
  const tag = uid("conv");
  const conversation = (i: number, text: string, reply: string) => [
    {
      type: "track",
      event: "Message Sent",
      messageId: `${tag}-m${i}`,
      userId: `${tag}-c${i}`,
      timestamp: `2025-02-01T10:${String(i).padStart(2, "0")}:00Z`,
      properties: { channel: "social", text: `${text} ${tag}` },
    },
    {
      type: "track",
      event: "Brand Replied",
      messageId: `${tag}-r${i}`,
      userId: `${tag}-c${i}`,
      timestamp: `2025-02-01T11:${String(i).padStart(2, "0")}:00Z`,
      properties: { channel: "social", direction: "outbound", text: reply, inReplyTo: `${tag}-m${i}` },
    },
  ];
  const events = [
    ...conversation(1, "my parcel never came", "So sorry about that, please DM us your order number."),
    ...conversation(2, "the new app is lovely", "We're so glad you like it!"),
    ...conversation(3, "do you open on sundays", "Hi, yes, from 10 to 4."),
    // A reply that reads both ways teaches nothing.
    ...conversation(4, "late but tasty", "Sorry for the wait, glad you enjoyed it!"),
  ];
  const file = join(tempDir(), "conversations.ndjson");
  writeFileSync(file, events.map((e) => JSON.stringify(e)).join("\n"));

  const sink = new EngineSink(engine);
  await importFile(sink, { file, engine });
  await sink.close();
  const pairs = (await repliedMessages(engine)).filter((p) => p.text.endsWith(tag));
  assert.deepEqual(pairs.map((p) => p.text.replace(` ${tag}`, "")).sort(), [
    "do you open on sundays",
    "late but tasty",
    "my parcel never came",
    "the new app is lovely",
  ]);

  // Through the CLI on a data folder of its own, with a small labelled CSV for the first pass.
  const folder = tempDir();
  const data = join(folder, "store");
  const imported = run(["import", file, "--data", data, "--json"]);
  assert.equal(imported.status, 0, imported.stderr);
  const csv = join(folder, "labelled.csv");
  const rows = ["text,label"];
  for (let i = 0; i < 20; i++) {
    rows.push(`"parcel broken ${i}",complaint`, `"lovely app ${i}",praise`, `"opening hours ${i}",question`);
    rows.push(`"add gift wrap ${i}",suggestion`, `"order ${i} sent",other`);
  }
  writeFileSync(csv, rows.join("\n"));
  const output = join(folder, "model.json.gz");
  const trainFromReplies = (dataDir: string, ...more: string[]) =>
    run(["behaviour", "train", "--input", csv, "--from-replies", "--data", dataDir, ...more]);
  const trained = trainFromReplies(data, "--output", output);
  assert.equal(trained.status, 0, trained.stderr);
  assert.match(trained.stdout, /reply-labelled/);
  const summary = JSON.parse(trainFromReplies(data, "--output", output, "--json").stdout);
  // Three conversations carry a label; the first pass keeps those it does not firmly contradict.
  assert.ok(summary.examples.distant >= 1 && summary.examples.distant <= 3, JSON.stringify(summary.examples));
  assert.equal(summary.examples.sentiment, 100 + summary.examples.distant);

  const empty = trainFromReplies(join(folder, "none"), "--json");
  assert.notEqual(empty.status, 0);
  assert.match(empty.stdout, /no replied messages/);
});
