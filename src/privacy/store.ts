/**
 * Privacy's SQL: the salt, regulations and their pending subjects, suppression lists, finding a person's
 * identifiers, erasing every row about them, and gathering everything held about them for an export.
 */
import { randomBytes } from "node:crypto";
import { forgetIdentityIndex } from "../identity/identity-store.js";
import { lookupIdentifiers } from "../identity/lookup.js";
import { withRefreshesHeld } from "../journeys/sequences.js";
import { type Engine, MAX_BOUND_IDS, type QueryParams, queryInChunks } from "../store/engine.js";
import { eventsTtl } from "../store/schema.js";
import { formatTime, versionClock } from "../store/time.js";
import { payloadNeedles } from "./identifiers.js";

/** The store's salt for identifier hashes: created once (random, 32 bytes), the first row written wins. */
export async function privacySalt(engine: Engine): Promise<string> {
  const read = async () =>
    (
      await engine.query<{ salt: string }>("SELECT salt FROM privacy_salt ORDER BY created_at, salt LIMIT 1")
    )[0]?.salt;
  const stored = await read();
  if (stored) return stored;
  await engine.insert("privacy_salt", [
    { salt: randomBytes(32).toString("hex"), created_at: formatTime(Date.now()) },
  ]);
  return (await read())!;
}

/** How long events are kept: a TTL of `days` days on the events table, or none (0). */
export async function setEventRetention(engine: Engine, days: number): Promise<void> {
  if (!Number.isInteger(days) || days < 0) throw new Error("retention: a whole number of days >= 0");
  if (days > 0) {
    await engine.command(`ALTER TABLE events MODIFY TTL ${eventsTtl(days)}`);
    return;
  }
  try {
    await engine.command("ALTER TABLE events REMOVE TTL");
  } catch (error) {
    // None set: nothing to remove.
    if (!/doesn't have any table TTL/i.test((error as Error).message)) throw error;
  }
}

/** Whether this store keeps emails, phones and handles hashed (set once by `serve --hash-pii`; never unset). */
export async function hashesPii(engine: Engine): Promise<boolean> {
  const rows = await engine.query<{ n: number }>(
    "SELECT count() AS n FROM privacy_settings WHERE name = 'hash_pii' AND value = '1'",
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

export async function enablePiiHashing(engine: Engine): Promise<void> {
  if (!(await hashesPii(engine)))
    await engine.insert("privacy_settings", [
      { name: "hash_pii", value: "1", set_at: formatTime(Date.now()) },
    ]);
}

export type RegulationType = "suppress" | "delete" | "suppress_and_delete" | "unsuppress";
export type RegulationStatus = "initialized" | "running" | "finished" | "failed";

export interface Regulation {
  id: string;
  type: RegulationType;
  status: RegulationStatus;
  /** Salted hashes of the subjects as given (never the subjects). */
  subjectHashes: string[];
  subjects: number;
  customers: number;
  /** Rows erased per table. */
  rows: Record<string, number>;
  error: string;
  createdAt: string;
  finishedAt: string | null;
}

/** What a regulation says about itself (API and CLI): counts and states, not the subjects' hashes. */
export function regulationView(r: Regulation) {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    subjects: r.subjects,
    customers: r.customers,
    rows: r.rows,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
    ...(r.error ? { error: r.error } : {}),
  };
}
export type RegulationView = ReturnType<typeof regulationView>;

/** Row versions: the latest state of a regulation, or of a suppressed hash, wins. */
const version = versionClock();

export async function saveRegulation(engine: Engine, r: Regulation): Promise<void> {
  await engine.insert("regulations", [
    {
      id: r.id,
      type: r.type,
      status: r.status,
      subject_hashes: r.subjectHashes,
      subjects: r.subjects,
      customers: r.customers,
      rows: JSON.stringify(r.rows),
      error: r.error,
      created_at: r.createdAt,
      finished_at: r.finishedAt,
      version: version(),
    },
  ]);
}

interface RegulationRow {
  id: string;
  type: RegulationType;
  status: RegulationStatus;
  subject_hashes: string[];
  subjects: number;
  customers: number;
  rows: string;
  error: string;
  created_at: string;
  finished_at: string | null;
}

const toRegulation = (row: RegulationRow): Regulation => ({
  id: row.id,
  type: row.type,
  status: row.status,
  subjectHashes: row.subject_hashes,
  subjects: Number(row.subjects),
  customers: Number(row.customers),
  rows: JSON.parse(row.rows || "{}") as Record<string, number>,
  error: row.error,
  createdAt: row.created_at,
  finishedAt: row.finished_at,
});

/** Regulations, latest first: at most `limit` of them (all when none is given). */
export async function listRegulations(
  engine: Engine,
  options: { where?: string; params?: QueryParams; limit?: number } = {},
): Promise<Regulation[]> {
  const rows = await engine.query<RegulationRow>(
    `SELECT id, type, status, subject_hashes, subjects, customers, rows, error, created_at, finished_at
     FROM regulations FINAL WHERE ${options.where ?? "1"} ORDER BY created_at DESC, id
     ${options.limit === undefined ? "" : "LIMIT {limit:UInt32}"}`,
    { ...options.params, limit: options.limit ?? 0 },
  );
  return rows.map(toRegulation);
}

export async function getRegulation(engine: Engine, id: string): Promise<Regulation | undefined> {
  return (await listRegulations(engine, { where: "id = {id:String}", params: { id } }))[0];
}

/** Regulations a restart interrupted (or that never started): to be run again from their subjects. */
export function unfinishedRegulations(engine: Engine): Promise<Regulation[]> {
  return listRegulations(engine, { where: "status IN ('initialized', 'running')" });
}

export async function saveSubjects(engine: Engine, id: string, subjects: string[]): Promise<void> {
  await engine.insert(
    "regulation_subjects",
    subjects.map((subject) => ({ regulation_id: id, subject })),
  );
}

export async function loadSubjects(engine: Engine, id: string): Promise<string[]> {
  const rows = await engine.query<{ subject: string }>(
    "SELECT subject FROM regulation_subjects WHERE regulation_id = {id:String}",
    { id },
  );
  return rows.map((r) => r.subject);
}

/** The subjects in clear leave the store with the regulation's last step (the mutation is waited for). */
export async function dropSubjects(engine: Engine, id: string): Promise<void> {
  await engine.command(
    "ALTER TABLE regulation_subjects DELETE WHERE regulation_id = {id:String} SETTINGS mutations_sync = 1",
    { id },
  );
}

/** The suppressed hashes in force. */
export async function activeSuppressions(engine: Engine): Promise<string[]> {
  const rows = await engine.query<{ hash: string }>("SELECT hash FROM suppressions FINAL WHERE active = 1");
  return rows.map((r) => r.hash);
}

/** The regulations that suppressed any of these hashes (an unsuppress lifts everything they suppressed). */
export async function suppressingRegulations(engine: Engine, hashes: string[]): Promise<string[]> {
  const rows = await queryInChunks<{ regulation_id: string }>(
    engine,
    "SELECT DISTINCT regulation_id FROM suppressions FINAL WHERE active = 1 AND hash IN {hashes:Array(String)}",
    "hashes",
    hashes,
  );
  return [...new Set(rows.map((r) => r.regulation_id))];
}

/** The hashes those regulations suppressed. */
export async function hashesOfRegulations(engine: Engine, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await engine.query<{ hash: string }>(
    "SELECT hash FROM suppressions FINAL WHERE active = 1 AND regulation_id IN {ids:Array(String)}",
    { ids },
  );
  return rows.map((r) => r.hash);
}

export async function writeSuppressions(
  engine: Engine,
  hashes: string[],
  active: boolean,
  regulationId: string,
): Promise<void> {
  const v = version();
  await engine.insert(
    "suppressions",
    hashes.map((hash) => ({ hash, active: active ? 1 : 0, regulation_id: regulationId, version: v })),
  );
}

/** The people behind a regulation's subjects: their customer ids and every identifier merged into them. */
export interface People {
  customers: string[];
  /** Every identifier of those customers (their ids included) and the subjects' own typed forms. */
  identifiers: string[];
}

export async function resolvePeople(engine: Engine, subjects: string[]): Promise<People> {
  // Loaded here: the 360 brings the value models, which every command opening a store would load otherwise.
  const { findCustomers } = await import("../identity/customer360.js");
  const identifiers = new Set(subjects.flatMap((subject) => lookupIdentifiers(engine, subject)));
  const customers = new Set((await findCustomers(engine, subjects)).values());
  for (const customer of customers) identifiers.add(customer);
  const members = await queryInChunks<{ identifier: string }>(
    engine,
    "SELECT identifier FROM identity_map FINAL WHERE customer_id IN {ids:Array(String)}",
    "ids",
    [...customers],
  );
  for (const { identifier } of members) identifiers.add(identifier);
  return { customers: [...customers], identifiers: [...identifiers] };
}

/** Needles per multiSearchAny call (the function takes at most 255). */
const NEEDLES_PER_CALL = 200;

/**
 * A condition on a text column (failed_events' `payload`, a label's `text`): it carries one of these
 * identifiers (see payloadNeedles). `on(column)` gives the SQL; the needles are the params.
 */
export function carriesIdentifiers(identifiers: string[]): {
  on: (column: string) => string;
  params: QueryParams;
} {
  const needles = payloadNeedles(identifiers);
  const params: QueryParams = {};
  const names: string[] = [];
  for (let i = 0; i < needles.length; i += NEEDLES_PER_CALL) {
    names.push(`n${names.length}`);
    params[names[names.length - 1]!] = needles.slice(i, i + NEEDLES_PER_CALL);
  }
  const on = (column: string) =>
    names.length > 0
      ? names.map((name) => `multiSearchAnyCaseInsensitive(${column}, {${name}:Array(String)})`).join(" OR ")
      : "0";
  return { on, params };
}

/**
 * A person's behaviour labels (erased and exported alike): labels of their messages (`ids`: their
 * identifiers), and label texts posted on their own that carry one of their identifiers.
 */
export function behaviourLabelsOfPeople(carries: (column: string) => string): string {
  return `event_id IN (SELECT event_id FROM events WHERE identity_key IN {ids:Array(String)}) OR (event_id = '' AND (${carries("text")}))`;
}

/**
 * Where a person's rows are, table by table, in the order they are erased (inbox actions are found through
 * the person's events, so before them). Parameters: `ids` (identifiers), `customers`, `n0..nK` (payload
 * needles, see payloadNeedles). Every table of the database is either here or in HOLDS_NO_PERSONAL_DATA
 * (test/privacy.test.ts checks system.tables).
 */
export const ERASURE_PLAN: ReadonlyArray<{
  table: string;
  where: (carries: (column: string) => string) => string;
}> = [
  {
    table: "inbox_actions",
    where: () =>
      "item_id IN (SELECT event_id FROM events WHERE identity_key IN {ids:Array(String)}) OR reply_event_id IN (SELECT event_id FROM events WHERE identity_key IN {ids:Array(String)})",
  },
  { table: "behaviour_labels", where: (carries) => behaviourLabelsOfPeople(carries) },
  { table: "events", where: () => "identity_key IN {ids:Array(String)}" },
  {
    table: "customer_journeys",
    where: () => "customer_id IN {customers:Array(String)} OR hasAny(identity_keys, {ids:Array(String)})",
  },
  { table: "identity_links", where: () => "left IN {ids:Array(String)} OR right IN {ids:Array(String)}" },
  {
    table: "identity_map",
    where: () => "identifier IN {ids:Array(String)} OR customer_id IN {customers:Array(String)}",
  },
  { table: "customer_value", where: () => "customer_id IN {customers:Array(String)}" },
  { table: "segment_members", where: () => "customer_id IN {customers:Array(String)}" },
  { table: "failed_events", where: (carries) => carries("payload") },
];

/** Tables that hold no personal data (aggregates, bookkeeping, hashes), so an erasure leaves them be. */
export const HOLDS_NO_PERSONAL_DATA: ReadonlySet<string> = new Set([
  "schema_migrations",
  "segment_runs", // sizes, centroids and labels of segments
  "journey_refreshes", // block numbers and counts
  "regulations", // salted hashes and counts
  "suppressions", // salted hashes
  "privacy_salt",
  "privacy_settings",
  "journey_models", // designed journey maps: steps, flows, labels
  "behaviour_models", // hashed-feature weights and scores, no texts
  "behaviour_model_choices", // version names
  "regulation_subjects", // subjects in clear while their regulation runs, then deleted (dropSubjects)
]);

/**
 * Deletes every row about these people (ALTER TABLE ... DELETE, waited for: the rows leave the table's
 * parts, not only its reads) and counts them per table. Past MAX_BOUND_IDS identifiers or customers the
 * work goes in passes (each condition is an OR of identifier and customer terms, so the passes' union is
 * the whole). No journey refresh overlaps it (withRefreshesHeld).
 */
export async function erasePeople(engine: Engine, people: People): Promise<Record<string, number>> {
  return withRefreshesHeld(engine, () => eraseRows(engine, people));
}

async function eraseRows(engine: Engine, people: People): Promise<Record<string, number>> {
  const rows: Record<string, number> = Object.fromEntries(ERASURE_PLAN.map(({ table }) => [table, 0]));
  const passes: People[] = [];
  for (let i = 0; i < people.identifiers.length; i += MAX_BOUND_IDS)
    passes.push({ identifiers: people.identifiers.slice(i, i + MAX_BOUND_IDS), customers: [] });
  for (let i = 0; i < people.customers.length; i += MAX_BOUND_IDS)
    passes.push({ identifiers: [], customers: people.customers.slice(i, i + MAX_BOUND_IDS) });
  for (const pass of passes) {
    const carried = carriesIdentifiers(pass.identifiers);
    const params: QueryParams = { ids: pass.identifiers, customers: pass.customers, ...carried.params };
    for (const { table, where } of ERASURE_PLAN) {
      const condition = where(carried.on);
      const [counted] = await engine.query<{ n: number }>(
        `SELECT count() AS n FROM ${table} WHERE ${condition}`,
        params,
      );
      const n = Number(counted?.n ?? 0);
      rows[table]! += n;
      if (n > 0)
        await engine.command(
          `ALTER TABLE ${table} DELETE WHERE ${condition} SETTINGS mutations_sync = 1`,
          params,
        );
    }
  }
  // Their identifiers left identity_map and identity_links: the in-memory identity index reloads.
  await forgetIdentityIndex(engine);
  return rows;
}
