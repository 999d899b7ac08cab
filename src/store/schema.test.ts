import assert from "node:assert/strict";
import { test } from "node:test";
import { EVENTS_TABLE, IDENTITY_MAP_TABLE, MIGRATIONS, renderMigration, renderTable } from "./schema.js";
import { parseTimestamp } from "./time.js";

test("single-node DDL is one idempotent CREATE per table", () => {
  const [sql, ...rest] = renderTable(EVENTS_TABLE, { kind: "single" });
  assert.equal(rest.length, 0);
  assert.match(sql!, /^CREATE TABLE IF NOT EXISTS events \(/);
  assert.match(sql!, /ENGINE = ReplacingMergeTree\(\) ORDER BY \(identity_key, event_id\)$/);
  assert.doesNotMatch(sql!, /ON CLUSTER|Replicated|Distributed/);
});

test("cluster DDL: replicated local table plus a Distributed table sharded by identity", () => {
  const mode = { kind: "cluster", cluster: "cf", database: "customer_flow" } as const;
  const [local, distributed] = renderTable(EVENTS_TABLE, mode);
  assert.match(local!, /^CREATE TABLE IF NOT EXISTS events_local ON CLUSTER 'cf' \(/);
  assert.match(
    local!,
    /ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/customer_flow\/events', '\{replica\}'\)/,
  );
  assert.equal(
    distributed,
    "CREATE TABLE IF NOT EXISTS events ON CLUSTER 'cf' AS events_local ENGINE = Distributed('cf', 'customer_flow', 'events_local', cityHash64(identity_key))",
  );
});

test("cluster DDL: lookup tables are replicated whole to every shard, keeping their version column", () => {
  const statements = renderTable(IDENTITY_MAP_TABLE, { kind: "cluster", cluster: "cf", database: "db" });
  assert.equal(statements.length, 1);
  assert.match(
    statements[0]!,
    /ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/all\/db\/identity_map', '\{replica\}', version\)/,
  );
});

test("migrations have unique increasing versions and render for both modes", () => {
  const versions = MIGRATIONS.map((m) => m.version);
  assert.deepEqual(
    versions,
    [...new Set(versions)].sort((a, b) => a - b),
  );
  for (const migration of MIGRATIONS) {
    assert.ok(renderMigration(migration, { kind: "single" }).length >= migration.tables.length);
    assert.ok(
      renderMigration(migration, { kind: "cluster", cluster: "c", database: "d" }).length >=
        migration.tables.length,
    );
  }
});

test("timestamps: ISO, zone-less ISO as UTC, slash form, compact dates, epoch seconds and ms", () => {
  assert.equal(parseTimestamp("2024-03-01T10:00:00Z"), Date.UTC(2024, 2, 1, 10));
  assert.equal(parseTimestamp("2024-03-01T10:00:00+02:00"), Date.UTC(2024, 2, 1, 8));
  assert.equal(parseTimestamp("2024-03-01T10:00:00"), Date.UTC(2024, 2, 1, 10));
  assert.equal(parseTimestamp("2014/10/22 11:15:41.000"), Date.UTC(2014, 9, 22, 11, 15, 41));
  assert.equal(parseTimestamp("2024-03-01 10:00"), Date.UTC(2024, 2, 1, 10));
  assert.equal(parseTimestamp("19970101"), Date.UTC(1997, 0, 1));
  assert.equal(parseTimestamp(1700000000), 1700000000000);
  assert.equal(parseTimestamp("1700000000123"), 1700000000123);
  assert.ok(Number.isNaN(parseTimestamp("yesterday")));
  assert.ok(Number.isNaN(parseTimestamp("")));
});
