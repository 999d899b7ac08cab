/** Identity stitching, split, and the customer 360 over HTTP and in code, on the real engine. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { customer360, findCustomer } from "../src/identity/customer360.js";
import { linksOfCustomer, splitLink } from "../src/identity/identity-store.js";
import type { Engine } from "../src/store/engine.js";
import { get, sendAccepted, startTestServer, type TestServer, testEngine, uid } from "../testing/helpers.js";

let engine: Engine;
let server: TestServer;

before(async () => {
  engine = await testEngine();
  server = await startTestServer(engine);
});
after(async () => {
  await server.close();
});

const send = (batch: object[]) => sendAccepted(server, batch);

test("anonymous visits, identify, a social mention and a phone call become one customer", async () => {
  const user = uid("ann");
  const anon = uid("visitor");
  const handle = uid("annie").replace(/-/g, "_");
  await send([
    { type: "page", anonymousId: anon, name: "home", timestamp: "2024-01-01T10:00:00Z" },
    { type: "page", anonymousId: anon, name: "pricing", timestamp: "2024-01-01T10:01:00Z" },
    {
      type: "track",
      anonymousId: `tw-${handle}`,
      event: "Mention",
      timestamp: "2024-01-02T09:00:00Z",
      context: { traits: { twitter: handle } },
      properties: { channel: "social", text: "love it" },
    },
  ]);
  // Not merged yet: three separate people as far as the store knows.
  assert.equal(await findCustomer(engine, anon), `anon:${anon}`);
  await send([
    {
      type: "identify",
      userId: user,
      anonymousId: anon,
      traits: { email: `${user}@Example.com`, twitter: `@${handle}` },
      timestamp: "2024-01-03T08:00:00Z",
    },
    {
      type: "track",
      userId: user,
      event: "Call Started",
      timestamp: "2024-01-04T08:00:00Z",
      properties: { channel: "phone", touchpoint: "support call" },
    },
  ]);
  for (const identifier of [user, anon, `${user}@example.com`, `@${handle}`, `tw-${handle}`]) {
    assert.equal(await findCustomer(engine, identifier), `user:${user}`, identifier);
  }
  const profile = await customer360(engine, `user:${user}`);
  assert.deepEqual(profile.channels, { web: 2, social: 1, other: 1, phone: 1 });
  assert.deepEqual(
    profile.timeline.map((e) => e.touchpoint),
    ["home", "pricing", "Mention", "identify", "support call"],
  );
  assert.equal(profile.traits.email, `${user}@Example.com`);
  assert.equal(profile.firstSeen, "2024-01-01 10:00:00.000");
  assert.ok(profile.identifiers.includes(`social:twitter:${handle}`));
});

test("an alias joins an old id; a split undoes exactly that merge and stays split", async () => {
  const user = uid("bob");
  const old = uid("bob-old");
  await send([
    { type: "track", userId: old, event: "Store Visited", properties: { channel: "store" } },
    { type: "alias", userId: user, previousId: old },
  ]);
  assert.equal(await findCustomer(engine, old), `user:${user}`);
  const merges = await linksOfCustomer(engine, `user:${user}`);
  const aliasLink = merges.find((m) => m.right === `user:${old}`);
  assert.ok(aliasLink, "the alias merge is recorded");
  assert.equal(aliasLink.reason, "alias");
  const result = await splitLink(engine, aliasLink.link_id);
  assert.equal(result.before, `user:${user}`);
  assert.equal(await findCustomer(engine, old), `user:${old}`);
  await assert.rejects(splitLink(engine, aliasLink.link_id), /already split/);
  // The same evidence again does not silently undo a person's split.
  await send([{ type: "alias", userId: user, previousId: old }]);
  assert.equal(await findCustomer(engine, old), `user:${old}`);
});

test("two customers sharing an email merge, with the reason recorded", async () => {
  const email = `${uid("shared")}@example.com`;
  const [a, b] = [uid("a"), uid("b")];
  await send([
    { type: "identify", userId: a, traits: { email } },
    { type: "identify", userId: b, traits: { email } },
  ]);
  const customer = await findCustomer(engine, email);
  assert.equal(customer, a < b ? `user:${a}` : `user:${b}`);
  assert.equal(await findCustomer(engine, a), customer);
  assert.equal(await findCustomer(engine, b), customer);
  const reasons = (await linksOfCustomer(engine, customer!)).map((m) => m.reason);
  assert.deepEqual(reasons, ["trait:email", "trait:email"]);
});

test("GET /v1/customers/{id}: any identifier, paginated timeline, clear errors", async () => {
  const user = uid("carol");
  await send(
    Array.from({ length: 7 }, (_, i) => ({
      type: "track",
      userId: user,
      event: `Step ${i}`,
      timestamp: new Date(Date.UTC(2024, 1, 1, 0, 0, 0)).toISOString(), // all at the same instant: order by arrival
      properties: { channel: "web" },
    })),
  );
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response: { status: number; body: any } = await get(
      `${server.url}/v1/customers/${encodeURIComponent(user)}?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
    );
    assert.equal(response.status, 200);
    assert.equal(response.body.total, 7);
    seen.push(...response.body.timeline.map((e: { name: string }) => e.name));
    cursor = response.body.next;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.deepEqual(
    seen,
    Array.from({ length: 7 }, (_, i) => `Step ${i}`),
  );
  assert.equal((await get(`${server.url}/v1/customers/nobody-${uid("x")}`)).status, 404);
  const badLimit = await get(`${server.url}/v1/customers/${user}?limit=0`);
  assert.equal(badLimit.status, 400);
  assert.equal(badLimit.body.field, "limit");
  assert.equal((await get(`${server.url}/v1/customers/${user}?cursor=garbage`)).status, 400);
});
