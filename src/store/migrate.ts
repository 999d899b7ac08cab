import type { Engine } from "./engine.js";
import {
  type DeployMode,
  MIGRATIONS,
  MIGRATIONS_TABLE,
  type Migration,
  renderMigration,
  renderTable,
} from "./schema.js";
import { formatTime } from "./time.js";

/** Applies every migration not yet recorded, in order. Safe to run at every start and from many processes. */
export async function migrate(
  engine: Engine,
  mode: DeployMode = { kind: "single" },
  migrations: Migration[] = MIGRATIONS,
): Promise<number[]> {
  for (const sql of renderTable(MIGRATIONS_TABLE, mode)) await engine.command(sql);
  const done = new Set(
    (await engine.query<{ version: number }>("SELECT version FROM schema_migrations")).map((r) =>
      Number(r.version),
    ),
  );
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    for (const sql of renderMigration(migration, mode)) await engine.command(sql);
    await engine.insert("schema_migrations", [
      { version: migration.version, name: migration.name, applied_at: formatTime(Date.now()) },
    ]);
    applied.push(migration.version);
  }
  return applied;
}
