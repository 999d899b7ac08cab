/**
 * The in-memory identity index (identity-index.ts) against the store and against brute force, on the real
 * engine: random merges and splits give the components of the active links, whether stitching reads the
 * index (an embedded store) or asks the engine (a store shared with other writers).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalIdentifier, type IdentityLink } from "../src/identity/identifiers.js";
import { applyLinks, linkId, splitLink } from "../src/identity/identity-store.js";
import { UnionFind } from "../src/identity/union-find.js";
import { erasePeople } from "../src/privacy/store.js";
import { seededRandom } from "../src/seeded-random.js";
import type { Engine } from "../src/store/engine.js";
import { testEngine, uid } from "../testing/helpers.js";

/** The same store seen as one that other processes also write: no index, every look-up asked of the engine. */
function sharedView(engine: Engine): Engine {
  return {
    description: `${engine.description} (shared)`,
    exclusive: false,
    query: (sql, params) => engine.query(sql, params),
    command: (sql, params) => engine.command(sql, params),
    insert: (table, rows) => engine.insert(table, rows),
    stream: (sql, params) => engine.stream(sql, params),
    streamChunks: (sql, params) => engine.streamChunks(sql, params),
    close: async () => undefined,
  };
}

/** Counts the engine's look-ups (a view of the same store, with the store as its base). */
function countingView(engine: Engine): Engine & { reads: number } {
  const view = {
    ...sharedView(engine),
    base: engine,
    reads: 0,
    query: <T>(sql: string, params?: Record<string, unknown>) => {
      view.reads++;
      return engine.query<T>(sql, params);
    },
  };
  return view;
}

async function storedCustomers(engine: Engine, identifiers: string[]): Promise<Map<string, string>> {
  const rows = await engine.query<{ identifier: string; customer_id: string }>(
    "SELECT identifier, customer_id FROM identity_map FINAL WHERE identifier IN {ids:Array(String)}",
    { ids: identifiers },
  );
  return new Map(rows.map((r) => [r.identifier, r.customer_id]));
}

/** Random merges (batches of links, some repeated) and splits; after each step the store must give the components. */
async function randomWalk(engine: Engine, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const prefix = uid(`walk${seed}`);
  const kinds = ["user", "anon", "email", "phone"];
  const identifiers = Array.from({ length: 40 }, (_, i) => `${kinds[i % kinds.length]}:${prefix}-${i}`);
  const active = new Map<string, IdentityLink>();
  const split = new Set<string>();
  for (let step = 0; step < 25; step++) {
    if (step % 5 === 4 && active.size > 0) {
      const ids = [...active.keys()];
      const id = ids[Math.floor(random() * ids.length)]!;
      await splitLink(engine, id);
      active.delete(id);
      split.add(id);
    } else {
      const batch: IdentityLink[] = [];
      for (let i = 0; i < 6; i++) {
        const left = identifiers[Math.floor(random() * identifiers.length)]!;
        const right = identifiers[Math.floor(random() * identifiers.length)]!;
        if (left === right) continue;
        batch.push({ left, right, reason: "alias", eventId: `e${step}-${i}` });
      }
      await applyLinks(engine, batch, { maxIdentifiers: 1_000 });
      // A link split once stays split when the same evidence comes again.
      for (const link of batch) {
        const id = linkId(link.left, link.right);
        if (!split.has(id)) active.set(id, link);
      }
    }
    const components = new UnionFind();
    for (const id of identifiers) components.add(id);
    for (const link of active.values()) components.union(link.left, link.right);
    const stored = await storedCustomers(engine, identifiers);
    for (const group of components.groups()) {
      const expected = canonicalIdentifier(group);
      for (const id of group) assert.equal(stored.get(id) ?? id, expected, `step ${step}: ${id}`);
    }
  }
}

test("stitching from the index gives the components of the active links, as the engine's look-ups do", async () => {
  const engine = await testEngine();
  await randomWalk(engine, 1);
  await randomWalk(sharedView(engine), 2);
  await randomWalk(engine, 3);
});

test("once loaded, the index answers a batch's look-ups: stitching only writes", async () => {
  const engine = await testEngine();
  const view = countingView(engine);
  const a = uid("index-a");
  await applyLinks(view, [{ left: `user:${a}`, right: `anon:${a}`, reason: "identify", eventId: "e1" }]);
  view.reads = 0;
  await applyLinks(view, [
    { left: `user:${a}`, right: `email:${a}@example.com`, reason: "trait:email", eventId: "e2" },
    { left: `user:${a}`, right: `anon:${a}`, reason: "identify", eventId: "e3" },
  ]);
  assert.equal(view.reads, 0);
  const stored = await storedCustomers(engine, [`anon:${a}`, `email:${a}@example.com`]);
  assert.equal(stored.get(`anon:${a}`), `user:${a}`);
  assert.equal(stored.get(`email:${a}@example.com`), `user:${a}`);
});

test("after an erasure the index is rebuilt: the same evidence merges the person again", async () => {
  const engine = await testEngine();
  const b = uid("erased");
  const link = { left: `user:${b}`, right: `anon:${b}`, reason: "identify", eventId: "e1" };
  assert.equal(await applyLinks(engine, [link]), 1);
  await erasePeople(engine, { customers: [`user:${b}`], identifiers: [`user:${b}`, `anon:${b}`] });
  assert.equal((await storedCustomers(engine, [`anon:${b}`])).size, 0);
  // The person comes back (a new consent): their identify merges them again instead of being skipped as known.
  assert.equal(await applyLinks(engine, [link]), 1);
  assert.equal((await storedCustomers(engine, [`anon:${b}`])).get(`anon:${b}`), `user:${b}`);
});
