/**
 * Every customer's touches in journey order, one row per customer in `customer_journeys`, kept up to date
 * from the events and the identity map. Journey views (and segment features) read these rows instead of
 * deduplicating, stitching and sorting the raw events on every query.
 *
 * Refresh: the events stored since the last refresh and the identity map rows written since (a merge or a
 * split) name the identity keys that changed; their customers, now and before, are rebuilt from all of their
 * events. "Since" is by the engine's block numbers (`_block_number`: each insert's number, given in commit
 * order, kept through merges), so any writer counts (the collector, an import, another process on a
 * ClickHouse server) and nothing depends on clocks. On a cluster block numbers are per shard: this file
 * assumes one node (the embedded engine or one server). Rebuilt rows carry a higher version than the tombstones written for the same
 * customers, so a customer that still exists never disappears while a refresh runs, and one merged into
 * another is gone once it ends. A refresh that would rebuild a large share of the customers rebuilds all.
 * The server's background refresh is bounded instead: each run takes the changes of the oldest blocks up
 * to a number of identity keys, and the next run the rest (a query still refreshes everything first).
 */
import { CUSTOMER_OF_EVENT, IDENTITY_JOIN } from "../identity/identity-store.js";
import { type Engine, MAX_BOUND_IDS } from "../store/engine.js";
import { ANALYTIC_NICE } from "../store/query-limits.js";
import { formatTime } from "../store/time.js";

/** Above this share of the stored customers, one full rebuild is cheaper than rebuilding by list. */
const FULL_REBUILD_SHARE = 0.2;

/** behaviour_mask bits: one per behaviour space, so a multi-label message keeps all its labels. */
export const BEHAVIOUR_BITS = { praise: 1, complaint: 2, question: 4, suggestion: 8 } as const;

const BEHAVIOUR_MASK = `toUInt8(arraySum(arrayMap(l -> ${Object.entries(BEHAVIOUR_BITS)
  .map(([space, bit]) => `(l = '${space}') * ${bit}`)
  .join(" + ")}, e.behaviour_labels)))`;

const SEQUENCE_FIELDS: Array<[column: string, expression: string]> = [
  ["ts", "toUnixTimestamp64Milli(e.timestamp)"],
  ["seq", "e.seq"],
  ["type", "toString(e.type)"],
  ["name", "e.name"],
  ["channel", "toString(e.channel)"],
  ["touchpoint", "toString(e.touchpoint)"],
  ["outbound", "toUInt8(e.direction = 'outbound')"],
  ["behaviour", "toString(e.behaviour)"],
  ["behaviour_mask", BEHAVIOUR_MASK],
  ["source", "toString(e.source)"],
  ["value", "ifNull(e.value, 0)"],
];

/**
 * INSERT of the rebuilt rows (version {version:UInt64}): every customer, or only the events of the given
 * identity keys (a subquery) grouped into the customers of `ids`. Niced like other analytic work: in the
 * server it runs beside ingest's inserts (on the separate read session), and at normal priority it took
 * the cores from the serving thread: in the 10-minute soak, context p99 per minute 22-162 ms against
 * 17-56 ms niced (docs/benchmarks.md, session 17). Alone (the CLI) the priority changes nothing.
 */
function rebuildSql(only?: { keys: string }): string {
  const where = only ? `e.identity_key IN (${only.keys})` : "1";
  const having = only ? "HAVING customer IN {ids:Array(String)}" : "";
  return `
    INSERT INTO customer_journeys (customer_id, identity_keys, ${SEQUENCE_FIELDS.map(([c]) => c).join(", ")}, version, deleted)
    SELECT customer, keys, ${SEQUENCE_FIELDS.map((_, i) => `arrayMap(x -> x.${i + 1}, touches)`).join(", ")}, {version:UInt64}, 0
    FROM (
      SELECT ${CUSTOMER_OF_EVENT} AS customer, groupUniqArray(e.identity_key) AS keys,
             arraySort(x -> (x.1, x.2), groupArray((${SEQUENCE_FIELDS.map(([, e]) => e).join(", ")}))) AS touches
      FROM events AS e FINAL ${IDENTITY_JOIN}
      WHERE ${where}
      GROUP BY customer ${having}
    )
    SETTINGS os_thread_priority = ${ANALYTIC_NICE}`;
}

/**
 * The customers to rebuild: those of the identity keys with events stored since the last refresh, now; and
 * for identity map rows written since (merges, splits), their customers now and the customers that held
 * them before (found by the keys each stored sequence came from; skipped when the map did not change).
 */
function changedKeysSql(identitiesChanged: boolean): string {
  return `
    SELECT DISTINCT identity_key AS k FROM events WHERE ${EVENTS_IN_RANGE}
    ${identitiesChanged ? `UNION DISTINCT SELECT identifier AS k FROM identity_map WHERE ${IDENTITIES_IN_RANGE}` : ""}`;
}

/** The blocks a refresh covers: after the last refresh's, up to this one's (the rest is the next one's). */
const EVENTS_IN_RANGE = "_block_number > {eventsBlock:UInt64} AND _block_number <= {eventsUpTo:UInt64}";
const IDENTITIES_IN_RANGE =
  "_block_number > {identitiesBlock:UInt64} AND _block_number <= {identitiesUpTo:UInt64}";

function affectedCustomersSql(identitiesChanged: boolean): string {
  const changedKeys = changedKeysSql(identitiesChanged);
  const before = identitiesChanged
    ? `UNION ALL
       SELECT j.customer_id AS customer FROM customer_journeys AS j FINAL ARRAY JOIN j.identity_keys AS key
       WHERE key IN (SELECT identifier FROM identity_map WHERE ${IDENTITIES_IN_RANGE})`
    : "";
  return `
    WITH changed AS (${changedKeys})
    SELECT DISTINCT customer FROM (
      SELECT if(m.customer_id = '', c.k, m.customer_id) AS customer
      FROM changed AS c
      LEFT JOIN (SELECT identifier, customer_id FROM identity_map FINAL WHERE identifier IN (SELECT k FROM changed)) AS m
        ON m.identifier = c.k
      ${before}
    )`;
}

/** The last block number committed to each table; read before the changes, so nothing falls between. */
const LAST_BLOCKS = `
  SELECT maxIf(max_block_number, table = 'events') AS events_block,
         maxIf(max_block_number, table = 'identity_map') AS identities_block
  FROM system.parts WHERE database = currentDatabase() AND active AND table IN ('events', 'identity_map')`;

export interface RefreshResult {
  mode: "none" | "incremental" | "full";
  /** Customers rebuilt (full: all customers with events). */
  customers: number;
  /** A bounded refresh left later changes for the next one. */
  pending?: boolean;
}

/** Changed identity keys (events, and identity map rows, each) one background refresh takes at most. */
const BACKGROUND_REFRESH_KEYS = 5_000;

/**
 * After a background run of d ms the next starts no sooner than REFRESH_YIELD x d ms later, so rebuilds
 * take at most a quarter of the time however large the store grows (queries still refresh first).
 */
const REFRESH_YIELD = 3;

interface RefreshState {
  events_block: number;
  identities_block: number;
}

/** The refresh under way per store, and whether it is bounded (an unbounded call cannot take its answer). */
const inFlight = new WeakMap<Engine, { refresh: Promise<RefreshResult>; bounded: boolean }>();
/** Work that no refresh may overlap (see withRefreshesHeld), per store. */
const held = new WeakMap<Engine, Promise<unknown>>();
let lastVersion = 0;

/** Versions from the clock (µs), strictly increasing in this process; a rebuild uses two (tombstone, row). */
function nextVersion(): number {
  const candidate = Date.now() * 1000;
  lastVersion = candidate > lastVersion ? candidate : lastVersion + 2;
  lastVersion += lastVersion % 2; // even: tombstones take it, rebuilt rows the odd one after
  return lastVersion;
}

/**
 * Brings `customer_journeys` up to date with the events and identity map. Concurrent calls on one engine
 * share the refresh under way. `full` rebuilds every customer (after a bulk import, or to repair).
 * `maxKeys` bounds the run (the background refresh): it takes the oldest changed blocks holding at most
 * that many identity keys per table (at least one block) and says whether later changes are `pending`; it
 * never rebuilds everyone. A bounded call, or one that finds a bounded run under way, waits for the run
 * under way, then refreshes from where it ended.
 */
export function refreshJourneySequences(
  engine: Engine,
  options: { full?: boolean; maxKeys?: number } = {},
): Promise<RefreshResult> {
  // A wrapper (the API's limited reads) and the engine it wraps are one store: they share one refresh.
  const store = engine.base ?? engine;
  const running = inFlight.get(store);
  const bounded = options.maxKeys !== undefined;
  if (running && !options.full && !bounded && !running.bounded) return running.refresh;
  const refresh = Promise.allSettled([running?.refresh, held.get(store)])
    .then(() => runRefresh(engine, options.full ?? false, options.maxKeys))
    .finally(() => {
      if (inFlight.get(store)?.refresh === refresh) inFlight.delete(store);
    });
  inFlight.set(store, { refresh, bounded });
  return refresh;
}

async function runRefresh(engine: Engine, forceFull: boolean, maxKeys?: number): Promise<RefreshResult> {
  const [last] = await engine.query<RefreshState>(LAST_BLOCKS);
  const [state] = await engine.query<RefreshState>(
    "SELECT events_block, identities_block FROM journey_refreshes ORDER BY refreshed_at DESC, events_block DESC LIMIT 1",
  );
  const lastEvents = Number(last?.events_block ?? 0);
  const lastIdentities = Number(last?.identities_block ?? 0);
  let result: RefreshResult;
  let upTo = { eventsUpTo: lastEvents, identitiesUpTo: lastIdentities };
  if (forceFull || (!state && maxKeys === undefined)) {
    result = await rebuildAll(engine);
  } else {
    const since = {
      eventsBlock: Number(state?.events_block ?? 0),
      identitiesBlock: Number(state?.identities_block ?? 0),
    };
    if (maxKeys !== undefined) {
      upTo = {
        eventsUpTo: await boundedBlock(
          engine,
          "events",
          "uniqExact(identity_key)",
          since.eventsBlock,
          lastEvents,
          maxKeys,
        ),
        identitiesUpTo: await boundedBlock(
          engine,
          "identity_map",
          "count()",
          since.identitiesBlock,
          lastIdentities,
          maxKeys,
        ),
      };
    }
    const eventsChanged = upTo.eventsUpTo > since.eventsBlock;
    const identitiesChanged = upTo.identitiesUpTo > since.identitiesBlock;
    if (!eventsChanged && !identitiesChanged) return { mode: "none", customers: 0 };
    const range = { ...since, ...upTo };
    const affected = (
      await engine.query<{ customer: string }>(affectedCustomersSql(identitiesChanged), range)
    ).map((r) => r.customer);
    result =
      maxKeys === undefined &&
      affected.length > MAX_BOUND_IDS &&
      affected.length > (await storedCustomers(engine)) * FULL_REBUILD_SHARE
        ? await rebuildAll(engine)
        : await rebuildCustomers(engine, affected, identitiesChanged, range);
    if (result.mode === "incremental")
      result.pending = upTo.eventsUpTo < lastEvents || upTo.identitiesUpTo < lastIdentities;
  }
  await engine.insert("journey_refreshes", [
    {
      refreshed_at: formatTime(Date.now()),
      events_block: result.mode === "full" ? lastEvents : upTo.eventsUpTo,
      identities_block: result.mode === "full" ? lastIdentities : upTo.identitiesUpTo,
      mode: result.mode,
      customers: result.customers,
    },
  ]);
  return result;
}

/**
 * The last block of `table` a bounded refresh covers: the oldest blocks after `after` whose keys (`keys`
 * per block, summed: an upper bound on the distinct keys) stay within `maxKeys`, and at least one.
 */
async function boundedBlock(
  engine: Engine,
  table: "events" | "identity_map",
  keys: string,
  after: number,
  last: number,
  maxKeys: number,
): Promise<number> {
  if (last <= after) return after;
  const blocks = await engine.query<{ block: number; keys: number }>(
    `SELECT _block_number AS block, ${keys} AS keys FROM ${table}
     WHERE _block_number > {after:UInt64} AND _block_number <= {last:UInt64}
     GROUP BY block ORDER BY block
     SETTINGS os_thread_priority = ${ANALYTIC_NICE}`,
    { after, last },
  );
  let upTo = after;
  let taken = 0;
  for (const { block, keys: n } of blocks) {
    taken += Number(n);
    if (taken > maxKeys && upTo > after) break;
    upTo = Number(block);
  }
  // Blocks of rows since deleted (an erasure) leave nothing to read: then everything up to the last is done.
  return blocks.length === 0 || upTo === Number(blocks.at(-1)?.block) ? last : upTo;
}

async function storedCustomers(engine: Engine): Promise<number> {
  const [stored] = await engine.query<{ n: number }>("SELECT count() AS n FROM customer_journeys FINAL");
  return Number(stored?.n ?? 0);
}

async function rebuildAll(engine: Engine): Promise<RefreshResult> {
  const version = nextVersion();
  await engine.command(rebuildSql(), { version: version + 1 });
  // Customers not rebuilt (merged into another since) are stale: their tombstones lose to nothing newer.
  await engine.command(
    `INSERT INTO customer_journeys (customer_id, version, deleted)
     SELECT customer_id, {version:UInt64}, 1 FROM customer_journeys FINAL WHERE version < {version:UInt64}`,
    { version },
  );
  const [built] = await engine.query<{ n: number }>(
    "SELECT count() AS n FROM customer_journeys WHERE version = {version:UInt64}",
    { version: version + 1 },
  );
  return { mode: "full", customers: Number(built?.n ?? 0) };
}

async function rebuildCustomers(
  engine: Engine,
  customers: string[],
  identitiesChanged: boolean,
  range: { eventsBlock: number; identitiesBlock: number; eventsUpTo: number; identitiesUpTo: number },
): Promise<RefreshResult> {
  for (let i = 0; i < customers.length; i += MAX_BOUND_IDS) {
    const ids = customers.slice(i, i + MAX_BOUND_IDS);
    const version = nextVersion();
    // Every event of these customers has one of: the customer's own id; a key their stored sequence already
    // came from (its mapping unchanged); or a key changed since (new events, a new mapping) that maps to them.
    await engine.command(
      rebuildSql({
        keys: `
          SELECT arrayJoin({ids:Array(String)})
          UNION ALL
          SELECT arrayJoin(identity_keys) FROM customer_journeys FINAL WHERE customer_id IN {ids:Array(String)}
          UNION ALL
          SELECT identifier FROM identity_map FINAL
          WHERE identifier IN (${changedKeysSql(identitiesChanged)}) AND customer_id IN {ids:Array(String)}`,
      }),
      { ids, version: version + 1, ...range },
    );
    // Rows first, then tombstones one version below them: only the customers left without events go.
    await engine.insert(
      "customer_journeys",
      ids.map((customer_id) => ({ customer_id, version, deleted: 1 })),
    );
  }
  return { mode: "incremental", customers: customers.length };
}

/**
 * Runs `work` with no refresh under way: after the one running ends, and refreshes asked for meanwhile
 * start after it. An erasure needs this: a rebuild that read a person's events before they were deleted
 * (on another connection, or a ClickHouse server's) could write their sequence back after
 * `customer_journeys` was cleared.
 */
export async function withRefreshesHeld<T>(engine: Engine, work: () => Promise<T>): Promise<T> {
  const store = engine.base ?? engine;
  const done = Promise.allSettled([inFlight.get(store)?.refresh, held.get(store)]).then(work);
  const hold = done.catch(() => undefined);
  held.set(store, hold);
  try {
    return await done;
  } finally {
    if (held.get(store) === hold) held.delete(store);
  }
}

/**
 * Refreshes the sequences in the background after writes: once they pause for `quietMs`, and at least every
 * `maxDelayMs` under a steady stream, so the first journey query after writes rarely waits for a rebuild.
 * Each run is bounded (`maxKeys` changed identity keys per table), the next one following while changes are
 * left, after a pause three times as long as the run: a steady stream from every customer no longer
 * rebuilds them all in one statement whose memory grows with the store, nor every few seconds. Queries
 * still refresh first (after the bounded run under way, if any), so a query never reads sequences older
 * than what was committed before it.
 */
export class BackgroundRefresh {
  private timer: NodeJS.Timeout | undefined;
  private pendingSince: number | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private continuing = false;
  /** No run starts before this (ms since the epoch): the pause after the last run (REFRESH_YIELD). */
  private notBefore = 0;
  /** For /health: runs ended, and the last one's duration and result. */
  readonly stats = { runs: 0, last: undefined as (RefreshResult & { ms: number }) | undefined };

  constructor(
    private readonly engine: Engine,
    private readonly onError: (error: unknown) => void,
    private readonly quietMs = 1_000,
    private readonly maxDelayMs = 10_000,
    private readonly maxKeys = BACKGROUND_REFRESH_KEYS,
  ) {}

  /** Something was written: refresh soon. */
  written(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.pendingSince ??= now;
    if (this.continuing) return; // the next run starts at once anyway, and takes these writes too
    clearTimeout(this.timer);
    const wait = Math.min(this.quietMs, Math.max(0, this.pendingSince + this.maxDelayMs - now));
    this.timer = setTimeout(() => this.run(), Math.max(wait, this.notBefore - now));
    this.timer.unref();
  }

  /** No more refreshes; resolves once the one under way (if any) ends, so the engine can be closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private run(): void {
    this.pendingSince = undefined;
    this.timer = undefined;
    this.continuing = false;
    const started = Date.now();
    this.running = refreshJourneySequences(this.engine, { maxKeys: this.maxKeys })
      .then((result) => {
        const ended = Date.now();
        this.notBefore = ended + (ended - started) * REFRESH_YIELD;
        this.stats.runs++;
        this.stats.last = { ...result, pending: result.pending ?? false, ms: ended - started };
        if (result.pending && !this.stopped) this.continueSoon();
      })
      .catch((error) => {
        if (!this.stopped) this.onError(error);
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Changes are left after a bounded run: the next starts after the pause, taking what is written meanwhile. */
  private continueSoon(): void {
    clearTimeout(this.timer);
    this.continuing = true;
    this.timer = setTimeout(() => this.run(), Math.max(0, this.notBefore - Date.now()));
    this.timer.unref();
  }
}
