/**
 * Behaviour that learns from the brand (issue 20), on the real engine and a real server: labels posted
 * through the API and an inbox relabel change the model in use after a retrain; a worse candidate is not
 * adopted; a version can be rolled back.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { chooseModel, chosenModelVersion, saveModelVersion } from "../src/behaviour/brand-store.js";
import { loadModel } from "../src/behaviour/classifier.js";
import { isHeldOut } from "../src/behaviour/corpus.js";
import { ModelInUse } from "../src/behaviour/model-in-use.js";
import { HELD_BACK_SHARE, retrainFromLabels } from "../src/behaviour/retrain.js";
import {
  basic,
  get,
  post,
  sendAccepted,
  serverForFile,
  startTestServer,
  uid,
  until,
} from "../testing/helpers.js";

const state = serverForFile();
const asAgent = { authorization: basic("ak_test") };
const SUBJECTS = [
  "my parcel",
  "the app",
  "my booking",
  "the courier",
  "your checkout",
  "the new card",
  "my refund",
  "the store visit",
  "the driver",
  "your website",
  "the delivery",
  "my order",
  "the helpline",
  "the upgrade",
];
const WHEN = [
  "again",
  "today",
  "this morning",
  "on monday",
  "last night",
  "for the third time",
  "this week",
  "at last",
];
const subject = (i: number) => SUBJECTS[i % 14];
const when = (i: number) => WHEN[Math.floor(i / 14) % 8];
/** In this brand's customers' slang, "wicked sick, brutal" is high praise; the public model reads a complaint. */
const slang = (i: number) => `${subject(i)} was wicked sick ${when(i)}, brutal`;
const plain = (i: number) => `${subject(i)} arrives ${when(i)}`;
/** Texts no label holds. */
const UNSEEN = "the parking lot was wicked sick yesterday, brutal";

/** The server re-reads the model in use every few seconds: wait until it names this version. */
const serverUses = (version: string) =>
  until(
    `the server to use ${version}`,
    () => get(`${state.server.url}/v1/behaviour/models`).then((r) => r.body.inUse),
    (inUse) => inUse === version,
  );

test("labels and a relabel retrain the model in use; a worse candidate is not adopted; a version rolls back", async () => {
  const publicModel = loadModel();
  assert.ok(
    publicModel.classify(UNSEEN).labels.includes("complaint"),
    "the public model reads the slang as a complaint",
  );

  // A stored message, its inbox relabel, and a label by message id.
  const user = uid("zork");
  const messages = [0, 1].map((i) => ({ id: uid("msg"), text: slang(500 + i) }));
  await sendAccepted(
    state.server,
    messages.map((m) => ({
      type: "track",
      userId: user,
      messageId: m.id,
      event: "Message Received",
      properties: { channel: "social", text: m.text },
    })),
  );
  const relabel = await post(
    `${state.server.url}/v1/inbox/${messages[0]!.id}`,
    { action: "relabel", labels: ["praise"], actor: "ana" },
    asAgent,
  );
  assert.equal(relabel.status, 200, JSON.stringify(relabel.body));
  assert.equal(relabel.body.item.behaviour, "praise", "the item shows the agent's label");
  assert.equal(relabel.body.history.at(-1).action, "relabel");
  // The inbox filters by the labels it shows.
  const praised = await get(`${state.server.url}/v1/inbox?behaviour=praise&days=3650&limit=1000`);
  assert.ok(praised.body.items.some((i: { id: string }) => i.id === messages[0]!.id));
  const complaints = await get(`${state.server.url}/v1/inbox?behaviour=complaint&days=3650&limit=1000`);
  assert.ok(!complaints.body.items.some((i: { id: string }) => i.id === messages[0]!.id));
  assert.ok(complaints.body.items.some((i: { id: string }) => i.id === messages[1]!.id));

  const items = [
    { messageId: messages[1]!.id, labels: ["praise"] },
    ...Array.from({ length: 110 }, (_, i) => ({ text: slang(i), labels: ["praise"] })),
    ...Array.from({ length: 110 }, (_, i) => ({ text: plain(i), labels: [] })),
  ];
  const posted = await post(
    `${state.server.url}/v1/behaviour/labels`,
    { labels: items, actor: "ana" },
    asAgent,
  );
  assert.equal(posted.status, 200, JSON.stringify(posted.body));
  assert.equal(posted.body.labelled, 221);

  // Clear errors: a read key may not label; an unknown message names its field; nothing is stored then.
  const readKey = await post(`${state.server.url}/v1/behaviour/labels`, items.slice(0, 1), {
    authorization: basic("rk_test"),
  });
  assert.equal(readKey.status, 403);
  const unknown = await post(
    `${state.server.url}/v1/behaviour/labels`,
    [
      { text: "fine", labels: ["praise"] },
      { messageId: "no-such-message", labels: [] },
    ],
    asAgent,
  );
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.field, "1.messageId");
  const badLabel = await post(
    `${state.server.url}/v1/behaviour/labels`,
    [{ text: "x", labels: ["angry"] }],
    asAgent,
  );
  assert.equal(badLabel.status, 400);
  assert.match(badLabel.body.field, /^0\.labels/);

  const stats = (await get(`${state.server.url}/v1/behaviour/labels/stats`)).body;
  assert.equal(stats.texts, 222);
  assert.equal(stats.perLabel.praise, 112);
  assert.equal(stats.perLabel.none, 110);
  assert.deepEqual(stats.perSource, { api: 221, relabel: 1 });

  // Retrain: the candidate beats the public model on held-back labels and is put in use.
  const inUse = await ModelInUse.of(state.engine, publicModel);
  const first = await retrainFromLabels(state.engine, inUse, "test");
  assert.equal(first.judgement.method, "held-back");
  assert.ok(first.adopted, JSON.stringify(first.judgement));
  assert.ok(first.judgement.candidate.score > first.judgement.inUse.score);
  await serverUses(first.version);
  const classified = await post(
    `${state.server.url}/v1/behaviour/classify`,
    { text: UNSEEN },
    {
      authorization: basic("rk_test"),
    },
  );
  assert.ok(classified.body.labels.includes("praise"), JSON.stringify(classified.body));
  // Ingest labels new messages with the model in use.
  const fresh = uid("msg");
  await sendAccepted(state.server, [
    {
      type: "track",
      userId: user,
      messageId: fresh,
      event: "Message Received",
      properties: { channel: "social", text: "the lounge was wicked sick tonight, brutal" },
    },
  ]);
  const [stored] = await state.engine.query<{ behaviour: string }>(
    "SELECT behaviour FROM events WHERE event_id = {id:String}",
    {
      id: fresh,
    },
  );
  assert.equal(stored?.behaviour, "praise");

  // Labels that contradict the held-back ones, on the texts it may train on: the candidate is worse, not adopted.
  const poisoned = Array.from({ length: 110 }, (_, i) => slang(i))
    .filter((text) => !isHeldOut(text, HELD_BACK_SHARE))
    .map((text) => ({ text, labels: ["complaint"] }));
  assert.equal((await post(`${state.server.url}/v1/behaviour/labels`, poisoned, asAgent)).status, 200);
  const second = await retrainFromLabels(state.engine, inUse, "test");
  assert.equal(second.adopted, false, JSON.stringify(second.judgement));
  assert.ok(second.judgement.candidate.score < second.judgement.inUse.score);
  assert.equal(inUse.version, first.version);

  const models = (await get(`${state.server.url}/v1/behaviour/models`)).body;
  assert.equal(models.inUse, first.version);
  assert.deepEqual(
    models.versions.map((v: { version: string; adopted: boolean }) => [v.version, v.adopted]),
    [
      [first.version, true],
      [second.version, false],
    ],
  );

  // Roll back to the public model.
  await chooseModel(state.engine, "", "test", "roll back");
  await serverUses(publicModel.version);
  const back = await post(
    `${state.server.url}/v1/behaviour/classify`,
    { text: UNSEEN },
    { authorization: basic("rk_test") },
  );
  assert.ok(back.body.labels.includes("complaint"));
});

test("with --retrain-every, a server retrains in its analytic lane once enough labels came, and adopts a better model", async () => {
  const server = await startTestServer(state.engine, { retrainEvery: 40 });
  try {
    const before = (await get(`${server.url}/v1/behaviour/models`)).body;
    assert.equal(before.retraining.every, 40);
    const versionsBefore = before.versions.length;
    // Slang of another brand: "proper feral" is praise there; the model in use reads a complaint.
    const feral = (i: number) => `${subject(i)} was proper feral ${when(i)}, savage`;
    const items = [
      ...Array.from({ length: 60 }, (_, i) => ({ text: feral(i), labels: ["praise"] })),
      ...Array.from({ length: 60 }, (_, i) => ({
        text: `${subject(i)} is scheduled ${when(i)}`,
        labels: [],
      })),
    ];
    assert.equal((await post(`${server.url}/v1/behaviour/labels`, items, asAgent)).status, 200);
    const after = await until(
      "a background retrain",
      () => get(`${server.url}/v1/behaviour/models`).then((r) => r.body),
      (body) => body.versions.length > versionsBefore && !body.retraining.running,
    );
    const latest = after.versions.at(-1);
    assert.equal(after.retraining.last.version, latest.version);
    assert.equal(latest.adopted, true, JSON.stringify(latest.report.judgement));
    assert.equal(after.inUse, latest.version);
    const classified = await post(
      `${server.url}/v1/behaviour/classify`,
      { text: "the parking lot was proper feral yesterday, savage" },
      { authorization: basic("rk_test") },
    );
    assert.ok(classified.body.labels.includes("praise"), JSON.stringify(classified.body));
  } finally {
    await server.close();
  }
});

test("a chosen version trained on another feature layout is not used: the public model serves and says why", async () => {
  const publicModel = loadModel();
  const parsed = JSON.parse(gunzipSync(publicModel.serialise()).toString("utf8"));
  delete parsed.featureLayout; // as an earlier release wrote its models
  await saveModelVersion(
    state.engine,
    { version: "brand-old-layout", base: "behaviour-v1", labels: 0, adopted: true, report: {} },
    gzipSync(JSON.stringify(parsed)),
  );
  const before = await chosenModelVersion(state.engine);
  await chooseModel(state.engine, "brand-old-layout", "test", "an upgrade left it behind");
  try {
    const inUse = await ModelInUse.of(state.engine, publicModel);
    assert.equal(inUse.current, publicModel);
    assert.equal(inUse.version, publicModel.version);
    assert.match(inUse.problem ?? "", /brand-old-layout: the model was trained on feature layout 1/);
    const models = await until(
      "the server to read the choice",
      () => get(`${state.server.url}/v1/behaviour/models`).then((r) => r.body),
      (body) => typeof body.problem === "string",
    );
    assert.equal(models.inUse, publicModel.version);
    assert.match(models.problem, /retrain it/);
  } finally {
    await chooseModel(state.engine, before, "test", "restore");
  }
});
