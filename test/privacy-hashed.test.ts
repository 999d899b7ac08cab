/**
 * A store with identifiers hashed (serve --hash-pii): no email, phone or handle in clear in any table, yet
 * a person is found by email, phone or handle, merged across channels, erased and suppressed as usual.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { importFile } from "../src/collect/import.js";
import { EngineSink } from "../src/collect/sink.js";
import type { Engine } from "../src/store/engine.js";
import { startTestServer, TEST_KEYS, type TestServer, tempDir, testEngine } from "../testing/helpers.js";
import { callServer, eventsOf, person, rowsContaining } from "../testing/people.js";

let engine: Engine;
let server: TestServer;
let url: string;

before(async () => {
  engine = await testEngine();
  server = await startTestServer(engine, { hashPii: true });
  url = server.url;
});
after(() => server.close());

const call = (method: string, path: string, key: string, body?: unknown) =>
  callServer(url, method, path, key, body);
const waitFor = async (id: string) => {
  for (let i = 0; i < 600; i++) {
    const { body } = await call("GET", `/v1/regulations/${id}`, TEST_KEYS.admin);
    if (body.status === "finished" || body.status === "failed") return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the regulation did not finish");
};

test("with --hash-pii no email, phone or handle is stored in clear, and look-ups by each still find the person", async () => {
  const ann = person("ann");
  const batch = [
    ...eventsOf(ann),
    // The same email in a context's traits, as browser SDKs send it.
    {
      type: "track",
      userId: ann.user,
      event: "Viewed",
      context: { traits: { email: ann.email, phone: ann.phone } },
      properties: { channel: "web" },
    },
  ];
  assert.equal((await call("POST", "/v1/batch", "wk_test", { batch })).status, 200);
  // A rejected item with her email and phone, and a body that is not JSON at all.
  const bad = await call("POST", "/v1/batch", "wk_test", {
    batch: [
      { type: "identify", userId: ann.user, traits: { email: ann.email, phone: ann.phone }, timestamp: "no" },
    ],
  });
  assert.equal(bad.body.errors, 1);
  const notJson = await fetch(`${url}/v1/batch`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from("wk_test:").toString("base64")}`,
      "content-type": "application/json",
    },
    body: `{"batch": [ ${ann.email} ${ann.phone}`,
  });
  assert.equal(notJson.status, 400);

  assert.deepEqual(await rowsContaining(engine, [ann.email, ann.phoneDigits, ann.phone, ann.handle]), []);
  const stored = await engine.query<{ identifier: string }>(
    "SELECT identifier FROM identity_map FINAL WHERE customer_id = {c:String}",
    { c: `user:${ann.user}` },
  );
  assert.ok(
    stored.some((s) => /^email:sha256:[0-9a-f]{64}$/.test(s.identifier)),
    JSON.stringify(stored),
  );
  assert.ok(stored.some((s) => /^social:twitter:sha256:[0-9a-f]{64}$/.test(s.identifier)));

  for (const typed of [ann.email, ann.email.toUpperCase(), ann.phone, `@${ann.handle}`]) {
    const found = await call("GET", `/v1/customers/${encodeURIComponent(typed)}`, "rk_test");
    assert.equal(found.status, 200, `${typed}: ${JSON.stringify(found.body)}`);
    assert.equal(found.body.id, `user:${ann.user}`);
    // The 360 shows masked identifiers; every channel merged (web, email, contact center, social).
    assert.ok(found.body.identifiers.every((id: string) => !id.includes(ann.email)));
    assert.equal(found.body.total, batch.length);
  }
  const health = await call("GET", "/health", "rk_test");
  assert.equal(health.body.privacy.identifiersHashed, true);
});

test("with --hash-pii an NDJSON import given the engine still stores no identifier in clear", async () => {
  const bo = person("bo");
  const file = join(tempDir("cf-hashed-import-"), "people.ndjson");
  writeFileSync(
    file,
    `${eventsOf(bo)
      .map((e) => JSON.stringify(e))
      .join("\n")}\n`,
  );
  const sink = new EngineSink(engine);
  const summary = await importFile(sink, { file, engine });
  await sink.close();
  assert.equal(summary.imported, eventsOf(bo).length);
  assert.deepEqual(await rowsContaining(engine, [bo.email, bo.phoneDigits, bo.phone, bo.handle]), []);
  const found = await call("GET", `/v1/customers/${encodeURIComponent(bo.email)}`, "rk_test");
  assert.equal(found.body.id, `user:${bo.user}`);
});

test("with --hash-pii, erasure and suppression by email still reach every row", async () => {
  const bea = person("bea");
  assert.equal((await call("POST", "/v1/batch", "wk_test", { batch: eventsOf(bea) })).status, 200);
  const sent = await call("POST", "/v1/regulations", TEST_KEYS.admin, {
    type: "suppress_and_delete",
    subjects: [bea.email],
  });
  const done = await waitFor(sent.body.id);
  assert.equal(done.status, "finished", JSON.stringify(done));
  assert.equal(done.rows.events, eventsOf(bea).length);
  assert.deepEqual(await rowsContaining(engine, [bea.user, bea.anon, bea.socialAnon, bea.complaint]), []);
  // Suppressed by her (hashed) email: a new anonymous visitor giving it is dropped.
  const again = await call("POST", "/v1/batch", "wk_test", {
    batch: [{ type: "identify", anonymousId: `${bea.anon}-2`, traits: { email: bea.email } }],
  });
  assert.equal(again.status, 200);
  assert.deepEqual(await rowsContaining(engine, [`${bea.anon}-2`]), []);
});
