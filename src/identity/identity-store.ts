/**
 * Identity stitching on the store: identity_links records every merge with its reason (ReplacingMergeTree,
 * the highest version wins, so a split is a new version with active = 0); identity_map gives each merged
 * identifier its customer id. Identifiers never merged map to themselves and have no row.
 * All SQL for identity lives in this file.
 */
import { createHash } from "node:crypto";
import { type Engine, queryInChunks } from "../store/engine.js";
import { formatTime, versionClock } from "../store/time.js";
import { canonicalIdentifier, type IdentityLink } from "./identifiers.js";
import { IdentityIndex } from "./identity-index.js";
import { UnionFind } from "./union-find.js";

export function linkId(a: string, b: string): string {
  const [x, y] = a < b ? [a, b] : [b, a];
  return createHash("sha1").update(`${x}\u0000${y}`).digest("hex").slice(0, 20);
}

const nextVersion = versionClock();

export interface StoredLink {
  link_id: string;
  left: string;
  right: string;
  reason: string;
  event_id: string;
  created_at: string;
  active: number;
}

/**
 * SQL expression giving an event's customer id (use with `LEFT JOIN identity_map AS m ON m.identifier =
 * e.identity_key`). An event without a map row is its own key's: the unmatched side is '' by default and
 * NULL under `join_use_nulls = 1`, which the context index's load uses (a NULL there once put every
 * never-linked customer under one NULL id, unknown to the context API).
 */
export const CUSTOMER_OF_EVENT =
  "if(ifNull(m.customer_id, '') = '', e.identity_key, ifNull(m.customer_id, ''))";
export const IDENTITY_JOIN =
  "LEFT JOIN (SELECT identifier, customer_id FROM identity_map FINAL) AS m ON m.identifier = e.identity_key";

const queryByIds = <T>(engine: Engine, sql: string, ids: readonly string[]) =>
  queryInChunks<T>(engine, sql, "ids", ids);

async function customersOf(engine: Engine, identifiers: string[]): Promise<Map<string, string>> {
  const rows = await queryByIds<{ identifier: string; customer_id: string }>(
    engine,
    "SELECT identifier, customer_id FROM identity_map FINAL WHERE identifier IN {ids:Array(String)}",
    identifiers,
  );
  return new Map(rows.map((r) => [r.identifier, r.customer_id]));
}

async function membersOf(
  engine: Engine,
  customerIds: string[],
): Promise<{ identifier: string; customer_id: string }[]> {
  return queryByIds(
    engine,
    "SELECT identifier, customer_id FROM identity_map FINAL WHERE customer_id IN {ids:Array(String)}",
    customerIds,
  );
}

/** Writes the customer id of every identifier in the given groups (and tells the store's index, if it has one). */
async function writeGroups(
  engine: Engine,
  groups: string[][],
  index: IdentityIndex | undefined,
): Promise<void> {
  const version = nextVersion();
  const rows = groups.flatMap((group) => {
    const customer = canonicalIdentifier(group);
    return group.map((identifier) => ({ identifier, customer_id: customer, version }));
  });
  await engine.insert("identity_map", rows);
  index?.setGroups(groups);
}

/**
 * Link ids known to be stored. Links are deleted only by an erasure (a split is a new version; an erasure
 * clears this), so once seen a link can be skipped without asking the engine; most events repeat a link (a signed-in visitor's user + anonymous id).
 */
export class KnownLinks {
  private ids = new Set<string>();
  constructor(private readonly capacity = 2_000_000) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    if (this.ids.size >= this.capacity) this.ids = new Set();
    this.ids.add(id);
  }
  /** After an erasure deleted links: a link seen again must be written again. */
  clear(): void {
    this.ids = new Set();
  }
}

/**
 * Merges and splits of one store run one at a time: both read a customer's identifiers and write the map
 * back, and interleaved they could undo each other. Every identity write goes through here (the CLI's
 * split, when a server holds the folder, is sent to that server's split route).
 */
const identityQueues = new WeakMap<Engine, Promise<unknown>>();
/** The store an engine reaches (an engine with other query settings wraps the same store). */
const storeOf = (engine: Engine): Engine => engine.base ?? engine;
function serialized<T>(engine: Engine, work: () => Promise<T>): Promise<T> {
  const store = storeOf(engine);
  const previous = identityQueues.get(store) ?? Promise.resolve();
  const next = previous.then(work, work);
  identityQueues.set(
    store,
    next.catch(() => undefined),
  );
  return next;
}

/**
 * The in-memory identity map of a store this process alone writes (an embedded folder), loaded at the
 * first merge or split and kept current by them. Only read inside serialized work, so a load never
 * overlaps a write. A failed write drops it (the store may hold part of the write): the next one reloads.
 */
const identityIndexes = new WeakMap<Engine, Promise<IdentityIndex>>();
function indexOf(engine: Engine): Promise<IdentityIndex> | undefined {
  const store = storeOf(engine);
  if (!store.exclusive) return undefined;
  let index = identityIndexes.get(store);
  if (!index) {
    index = IdentityIndex.load(store);
    identityIndexes.set(store, index);
  }
  return index;
}

async function withIndex<T>(
  engine: Engine,
  work: (index: IdentityIndex | undefined) => Promise<T>,
): Promise<T> {
  try {
    return await work(await indexOf(engine));
  } catch (error) {
    identityIndexes.delete(storeOf(engine));
    throw error;
  }
}

/**
 * Rows of identity_map or identity_links were deleted outside a merge or split (an erasure): the index is
 * rebuilt from the store at the next merge. Queued behind identity work under way, which may still use it.
 */
export function forgetIdentityIndex(engine: Engine): Promise<void> {
  return serialized(engine, async () => {
    identityIndexes.delete(storeOf(engine));
  });
}

/** Most identifiers one customer may gather through traits before trait merges into it stop (configurable). */
export const DEFAULT_MAX_IDENTIFIERS = 100;
/**
 * Merges the SDK asserts (user + anonymous id, alias) stop at this many times the trait cap: a person may
 * well have many devices, but ids sent with the public write key could otherwise chain everyone into one
 * customer, whose whole identity map every later merge would rewrite.
 */
export const ANY_MERGE_FACTOR = 10;

export interface LinkOptions {
  known?: KnownLinks;
  /** A customer with more identifiers than this takes no more trait merges (default 100). */
  maxIdentifiers?: number;
  /** Told of each merge refused because of the cap (the refusal is also stored as an inactive link). */
  onRefused?: (link: IdentityLink, size: number) => void;
}

/**
 * Applies new links: each link never seen before unions two customers. A link that exists already (even one
 * split by a person) is left alone, so a split stays split when the same evidence arrives again.
 * A merge on traits (email, phone, handle) that would make a customer of more than `maxIdentifiers`
 * identifiers is refused, and any merge past ANY_MERGE_FACTOR times that: stored as an inactive link whose
 * reason says so, so it shows among the customer's merges and the same evidence does not merge later.
 * Returns how many links were new.
 */
export function applyLinks(
  engine: Engine,
  links: IdentityLink[],
  options: LinkOptions = {},
): Promise<number> {
  if (links.length === 0) return Promise.resolve(0);
  return serialized(engine, () => withIndex(engine, (index) => applyNewLinks(engine, links, options, index)));
}

/** What stitching needs to know of the stored identities: from the index, or asked of the engine. */
interface StoredIdentities {
  /** Which of these link ids are stored. */
  storedLinks(ids: string[]): Promise<string[]>;
  /** The customer of each identifier that identity_map has a row for. */
  customersOf(identifiers: string[]): Promise<Map<string, string>>;
  membersOf(customers: string[]): Promise<{ identifier: string; customer_id: string }[]>;
}

function storedIdentities(engine: Engine, index: IdentityIndex | undefined): StoredIdentities {
  if (!index)
    return {
      storedLinks: async (ids) =>
        (
          await queryByIds<{ link_id: string }>(
            engine,
            "SELECT link_id FROM identity_links FINAL WHERE link_id IN {ids:Array(String)}",
            ids,
          )
        ).map((row) => row.link_id),
      customersOf: (identifiers) => customersOf(engine, identifiers),
      membersOf: (customers) => membersOf(engine, customers),
    };
  return {
    storedLinks: async (ids) => ids.filter((id) => index.hasLink(id)),
    customersOf: async (identifiers) => {
      const found = new Map<string, string>();
      for (const id of identifiers) {
        const customer = index.customerOf(id);
        if (customer !== undefined) found.set(id, customer);
      }
      return found;
    },
    membersOf: async (customers) =>
      customers.flatMap((customer_id) =>
        index.membersOf(customer_id).map((identifier) => ({ identifier, customer_id })),
      ),
  };
}

async function applyNewLinks(
  engine: Engine,
  links: IdentityLink[],
  options: LinkOptions,
  index: IdentityIndex | undefined,
): Promise<number> {
  const stored = storedIdentities(engine, index);
  const known = options.known;
  const maxIdentifiers = options.maxIdentifiers ?? DEFAULT_MAX_IDENTIFIERS;
  const capOf = (link: IdentityLink) =>
    link.reason.startsWith("trait:") ? maxIdentifiers : maxIdentifiers * ANY_MERGE_FACTOR;
  const unique = new Map<string, IdentityLink>();
  for (const link of links) {
    const id = linkId(link.left, link.right);
    if (!unique.has(id) && !known?.has(id)) unique.set(id, link);
  }
  if (unique.size === 0) return 0;
  for (const id of await stored.storedLinks([...unique.keys()])) {
    unique.delete(id);
    known?.add(id);
  }
  if (unique.size === 0) return 0;

  const endpoints = [...new Set([...unique.values()].flatMap((l) => [l.left, l.right]))];
  const current = await stored.customersOf(endpoints);
  const customers = [...new Set(endpoints.map((id) => current.get(id) ?? id))];
  const members = await stored.membersOf(customers);

  const sets = new UnionFind();
  for (const id of endpoints) sets.union(id, current.get(id) ?? id);
  for (const { identifier, customer_id } of members) sets.union(identifier, customer_id);
  const refused = new Set<string>();
  for (const [id, link] of unique) {
    const joined =
      sets.find(link.left) === sets.find(link.right) ? 0 : sets.sizeOf(link.left) + sets.sizeOf(link.right);
    if (joined > capOf(link)) {
      refused.add(id);
      options.onRefused?.(link, joined);
      continue;
    }
    sets.union(link.left, link.right);
  }

  // The map before the links: a write cut short between them leaves links unstored, so the same evidence
  // arriving again (the client retries what was not acknowledged) is applied again, not skipped as known.
  await writeGroups(engine, sets.groups(), index);
  const now = formatTime(Date.now());
  const version = nextVersion();
  await engine.insert(
    "identity_links",
    [...unique.entries()].map(([id, link]) => ({
      link_id: id,
      left: link.left,
      right: link.right,
      reason: refused.has(id)
        ? `${link.reason} refused: the customer would have over ${capOf(link)} identifiers`
        : link.reason,
      event_id: link.eventId,
      created_at: now,
      active: refused.has(id) ? 0 : 1,
      version,
    })),
  );
  index?.addLinks(unique.keys());
  for (const id of unique.keys()) known?.add(id);
  return unique.size;
}

/** The customer id for an identifier (itself when never merged). */
export async function resolveIdentifier(engine: Engine, identifier: string): Promise<string> {
  return (await customersOf(engine, [identifier])).get(identifier) ?? identifier;
}

/** Every identifier of a customer, the customer id first. */
export async function identifiersOfCustomer(engine: Engine, customerId: string): Promise<string[]> {
  const members = await membersOf(engine, [customerId]);
  return [
    customerId,
    ...members
      .map((m) => m.identifier)
      .filter((id) => id !== customerId)
      .sort(),
  ];
}

/** The merges that made a customer, with their reasons (active and split). */
export async function linksOfCustomer(engine: Engine, customerId: string): Promise<StoredLink[]> {
  const ids = await identifiersOfCustomer(engine, customerId);
  return engine.query<StoredLink>(
    `SELECT link_id, left, right, reason, event_id, created_at, active FROM identity_links FINAL
     WHERE left IN {ids:Array(String)} OR right IN {ids:Array(String)} ORDER BY created_at, link_id`,
    { ids },
  );
}

export interface SplitResult {
  linkId: string;
  before: string;
  after: { customerId: string; identifiers: string[] }[];
}

/** Undoes one merge: the link becomes inactive and the customer is rebuilt from its remaining links. */
export function splitLink(engine: Engine, id: string): Promise<SplitResult> {
  return serialized(engine, () => withIndex(engine, (index) => splitOneLink(engine, id, index)));
}

async function splitOneLink(
  engine: Engine,
  id: string,
  index: IdentityIndex | undefined,
): Promise<SplitResult> {
  const [link] = await engine.query<StoredLink>(
    "SELECT link_id, left, right, reason, event_id, created_at, active FROM identity_links FINAL WHERE link_id = {id:String}",
    { id },
  );
  if (!link) throw new IdentityError(`no merge with id ${id}`);
  if (!Number(link.active)) throw new IdentityError(`merge ${id} was already split`);
  const before = await resolveIdentifier(engine, link.left);
  await engine.insert("identity_links", [{ ...link, active: 0, version: nextVersion() }]);

  const identifiers = await identifiersOfCustomer(engine, before);
  const links = await engine.query<{ left: string; right: string }>(
    `SELECT left, right FROM identity_links FINAL
     WHERE active = 1 AND left IN {ids:Array(String)} AND right IN {ids:Array(String)}`,
    { ids: identifiers },
  );
  const sets = new UnionFind();
  for (const identifier of identifiers) sets.add(identifier);
  for (const l of links) sets.union(l.left, l.right);
  const groups = sets.groups();
  await writeGroups(engine, groups, index);
  return {
    linkId: id,
    before,
    after: groups.map((g) => ({ customerId: canonicalIdentifier(g), identifiers: g.sort() })),
  };
}

export class IdentityError extends Error {}
