/**
 * Table definitions and versioned migrations, rendered either for one server/embedded engine or for a
 * cluster (ON CLUSTER, Replicated engines, Distributed tables sharded by customer identity).
 */
export type DeployMode = { kind: "single" } | { kind: "cluster"; cluster: string; database: string };

export interface TableSpec {
  name: string;
  columns: string;
  engine: "MergeTree" | "ReplacingMergeTree";
  /** Version column for ReplacingMergeTree (the highest version wins). */
  version?: string;
  /** ReplacingMergeTree's deleted flag: a winning row with it set reads as absent under FINAL. */
  deleted?: string;
  orderBy: string;
  /** Sharding expression for the Distributed table; `undefined` = replicated in full to every shard. */
  shardBy?: string;
}

export const EVENTS_TABLE: TableSpec = {
  name: "events",
  columns: `
    event_id String,
    type LowCardinality(String),
    name String,
    identity_key String,
    user_id String,
    anonymous_id String,
    timestamp DateTime64(3, 'UTC'),
    received_at DateTime64(3, 'UTC'),
    seq UInt64,
    channel LowCardinality(String),
    touchpoint LowCardinality(String),
    direction LowCardinality(String) DEFAULT 'inbound',
    text String,
    value Nullable(Float64),
    currency LowCardinality(String),
    properties String,
    traits String,
    context String,
    source LowCardinality(String)`,
  // Deduplicated by messageId; rows of one identity are contiguous so per-customer sequences are cheap.
  engine: "ReplacingMergeTree",
  orderBy: "(identity_key, event_id)",
  shardBy: "cityHash64(identity_key)",
};

export const FAILED_EVENTS_TABLE: TableSpec = {
  name: "failed_events",
  columns: `
    received_at DateTime64(3, 'UTC'),
    source LowCardinality(String),
    field String,
    reason String,
    payload String`,
  engine: "MergeTree",
  orderBy: "received_at",
  shardBy: "rand()",
};

/** events' row expiry after `days` days (`serve --retention-days`; none by default). */
export const eventsTtl = (days: number) => `toDateTime(timestamp) + INTERVAL ${days} DAY`;

/** failed_events' row expiry after `days` days (migration 8 sets 30; `serve --failed-retention-days` changes it). */
export const failedEventsTtl = (days: number) => `toDateTime(received_at) + INTERVAL ${days} DAY`;

export const IDENTITY_LINKS_TABLE: TableSpec = {
  name: "identity_links",
  columns: `
    link_id String,
    left String,
    right String,
    reason LowCardinality(String),
    event_id String,
    created_at DateTime64(3, 'UTC'),
    active UInt8,
    version UInt64`,
  engine: "ReplacingMergeTree",
  version: "version",
  orderBy: "link_id",
};

export const IDENTITY_MAP_TABLE: TableSpec = {
  name: "identity_map",
  columns: `
    identifier String,
    customer_id String,
    version UInt64`,
  engine: "ReplacingMergeTree",
  version: "version",
  orderBy: "identifier",
};

export const MIGRATIONS_TABLE: TableSpec = {
  name: "schema_migrations",
  columns: `
    version UInt32,
    name String,
    applied_at DateTime64(3, 'UTC')`,
  engine: "MergeTree",
  orderBy: "version",
};

export const CUSTOMER_VALUE_TABLE: TableSpec = {
  name: "customer_value",
  columns: `
    customer_id String,
    model LowCardinality(String),
    period LowCardinality(String),
    horizon Float64,
    frequency UInt32,
    recency Float64,
    age Float64,
    monetary Float64,
    expected_purchases Float64,
    p_alive Float64,
    expected_spend Nullable(Float64),
    clv Nullable(Float64),
    computed_at DateTime64(3, 'UTC'),
    version UInt64`,
  engine: "ReplacingMergeTree",
  version: "version",
  orderBy: "customer_id",
  shardBy: "cityHash64(customer_id)",
};

export const SEGMENT_RUNS_TABLE: TableSpec = {
  name: "segment_runs",
  columns: `
    run_id String,
    created_at DateTime64(3, 'UTC'),
    k UInt16,
    seed UInt32,
    silhouette Float64,
    customers UInt32,
    summary String`,
  engine: "MergeTree",
  orderBy: "created_at",
};

/** One row per customer per run: a re-run adds rows, so membership keeps its history. */
export const SEGMENT_MEMBERS_TABLE: TableSpec = {
  name: "segment_members",
  columns: `
    run_id String,
    customer_id String,
    segment_id UInt16,
    label String`,
  engine: "MergeTree",
  orderBy: "(run_id, customer_id)",
  shardBy: "cityHash64(customer_id)",
};

/** Every action on an inbox item (assign, note, status, reply): the item's state is its latest status. */
export const INBOX_ACTIONS_TABLE: TableSpec = {
  name: "inbox_actions",
  columns: `
    item_id String,
    at DateTime64(3, 'UTC'),
    actor String,
    action LowCardinality(String),
    status LowCardinality(String),
    assignee String,
    note String,
    reply_event_id String`,
  engine: "MergeTree",
  orderBy: "(item_id, at)",
  shardBy: "cityHash64(item_id)",
};

/**
 * Every customer's touches in journey order, one row per customer, each event attribute an array (kept up to
 * date from the events and the identity map by src/journeys/sequences.ts). Journey views read these instead
 * of sorting and stitching the raw events on every query.
 */
export const CUSTOMER_JOURNEYS_TABLE: TableSpec = {
  name: "customer_journeys",
  columns: `
    customer_id String,
    identity_keys Array(String),
    ts Array(Int64),
    seq Array(UInt64),
    type Array(LowCardinality(String)),
    name Array(String),
    channel Array(LowCardinality(String)),
    touchpoint Array(LowCardinality(String)),
    outbound Array(UInt8),
    behaviour Array(LowCardinality(String)),
    behaviour_mask Array(UInt8),
    source Array(LowCardinality(String)),
    value Array(Float64),
    version UInt64,
    deleted UInt8`,
  engine: "ReplacingMergeTree",
  version: "version",
  deleted: "deleted",
  orderBy: "customer_id",
  shardBy: "cityHash64(customer_id)",
};

/** One row per refresh of the journey sequences: the next looks at rows stored by later inserts (block numbers). */
export const JOURNEY_REFRESHES_TABLE: TableSpec = {
  name: "journey_refreshes",
  columns: `
    refreshed_at DateTime64(3, 'UTC'),
    events_block UInt64,
    identities_block UInt64,
    mode LowCardinality(String),
    customers UInt64`,
  engine: "MergeTree",
  orderBy: "refreshed_at",
};

/**
 * Data-subject requests (src/privacy/): one row per state of a regulation. The subjects are kept only as
 * salted hashes, so the record of an erasure holds no personal data.
 */
export const REGULATIONS_TABLE: TableSpec = {
  name: "regulations",
  columns: `
    id String,
    type LowCardinality(String),
    status LowCardinality(String),
    subject_hashes Array(String),
    subjects UInt32,
    customers UInt32,
    rows String,
    error String,
    created_at DateTime64(3, 'UTC'),
    finished_at Nullable(DateTime64(3, 'UTC')),
    version UInt64`,
  engine: "ReplacingMergeTree",
  version: "version",
  orderBy: "id",
};

/**
 * The subjects of a regulation still to be answered, in clear (needed to find their data, and to resume
 * after a restart); deleted with the regulation's last step.
 */
export const REGULATION_SUBJECTS_TABLE: TableSpec = {
  name: "regulation_subjects",
  columns: `
    regulation_id String,
    subject String`,
  engine: "MergeTree",
  orderBy: "regulation_id",
};

/** Suppressed identifiers as salted hashes: the collector drops their new events (src/privacy/suppressions.ts). */
export const SUPPRESSIONS_TABLE: TableSpec = {
  name: "suppressions",
  columns: `
    hash String,
    active UInt8,
    regulation_id String,
    version UInt64`,
  engine: "ReplacingMergeTree",
  version: "version",
  orderBy: "hash",
};

/** The store's salt for hashing identifiers (the first row written wins). */
export const PRIVACY_SALT_TABLE: TableSpec = {
  name: "privacy_salt",
  columns: `
    salt String,
    created_at DateTime64(3, 'UTC')`,
  engine: "MergeTree",
  orderBy: "created_at",
};

/** Privacy settings of the store (`hash_pii` = 1 once `serve --hash-pii` ran: identifiers stored hashed). */
export const PRIVACY_SETTINGS_TABLE: TableSpec = {
  name: "privacy_settings",
  columns: `
    name String,
    value String,
    set_at DateTime64(3, 'UTC')`,
  engine: "MergeTree",
  orderBy: "name",
};

/** Designed journey maps by name (journeys/models.ts); a newer version replaces the older, deleted = 1 removes. */
export const JOURNEY_MODELS_TABLE: TableSpec = {
  name: "journey_models",
  columns: `
    name String,
    model String,
    saved_at DateTime64(3, 'UTC'),
    version UInt64,
    deleted UInt8`,
  engine: "ReplacingMergeTree",
  version: "version",
  deleted: "deleted",
  orderBy: "name",
};

/**
 * A brand's behaviour labels (agents' relabels, the labels API, label files): the latest label of a text
 * (of a stored message when event_id is set, else of the text itself) is the one training reads.
 */
export const BEHAVIOUR_LABELS_TABLE: TableSpec = {
  name: "behaviour_labels",
  columns: `
    label_id String,
    at DateTime64(3, 'UTC'),
    actor String,
    source LowCardinality(String),
    event_id String,
    text String,
    labels Array(LowCardinality(String))`,
  engine: "MergeTree",
  orderBy: "(at, label_id)",
};

/** Every behaviour model trained on the brand's labels, with how it was judged (the model itself gzip+base64). */
export const BEHAVIOUR_MODELS_TABLE: TableSpec = {
  name: "behaviour_models",
  columns: `
    version String,
    created_at DateTime64(3, 'UTC'),
    base String,
    labels UInt32,
    adopted UInt8,
    report String,
    model String`,
  engine: "MergeTree",
  orderBy: "version",
};

/** Which model version is in use: the latest row wins ('' = the public model). */
export const BEHAVIOUR_MODEL_CHOICES_TABLE: TableSpec = {
  name: "behaviour_model_choices",
  columns: `
    at DateTime64(3, 'UTC'),
    version String,
    actor String,
    reason String`,
  engine: "MergeTree",
  orderBy: "at",
};

export interface Migration {
  version: number;
  name: string;
  tables: TableSpec[];
  /** Columns added to existing tables (a released table's CREATE never changes). */
  addColumns?: Array<{ table: string; columns: string[] }>;
  /** Table settings changed on existing tables. */
  settings?: Array<{ table: TableSpec; setting: string }>;
  /** Row expiry set on existing tables (MODIFY TTL). */
  ttl?: Array<{ table: TableSpec; expression: string }>;
}

/** Behaviour of an event's text, set at ingest (scores in the order praise, complaint, question, suggestion). */
export const EVENT_BEHAVIOUR_COLUMNS = [
  "behaviour LowCardinality(String) DEFAULT ''",
  "behaviour_labels Array(LowCardinality(String))",
  "behaviour_scores Array(Float32)",
];

/** Append only: a released migration never changes; a new one gets the next version. */
export const MIGRATIONS: Migration[] = [
  { version: 1, name: "events and failed events", tables: [EVENTS_TABLE, FAILED_EVENTS_TABLE] },
  { version: 2, name: "identity graph", tables: [IDENTITY_LINKS_TABLE, IDENTITY_MAP_TABLE] },
  { version: 3, name: "customer value", tables: [CUSTOMER_VALUE_TABLE] },
  {
    version: 4,
    name: "behaviour of event text",
    tables: [],
    addColumns: [{ table: "events", columns: EVENT_BEHAVIOUR_COLUMNS }],
  },
  { version: 5, name: "segments", tables: [SEGMENT_RUNS_TABLE, SEGMENT_MEMBERS_TABLE] },
  { version: 6, name: "inbox actions", tables: [INBOX_ACTIONS_TABLE] },
  {
    version: 7,
    name: "journey sequences",
    tables: [CUSTOMER_JOURNEYS_TABLE, JOURNEY_REFRESHES_TABLE],
    // Rows keep the number of the insert that stored them (numbered in commit order): the journey
    // sequences find what was written since their last refresh, by any writer, without clocks.
    settings: [
      { table: EVENTS_TABLE, setting: "enable_block_number_column = 1" },
      { table: IDENTITY_MAP_TABLE, setting: "enable_block_number_column = 1" },
    ],
  },
  {
    version: 8,
    name: "failed events expire",
    tables: [],
    // Rejected payloads are kept for diagnosis, not forever (docs/security.md; the size cap is in the sink).
    ttl: [{ table: FAILED_EVENTS_TABLE, expression: failedEventsTtl(30) }],
  },
  {
    version: 9,
    name: "privacy",
    tables: [
      REGULATIONS_TABLE,
      REGULATION_SUBJECTS_TABLE,
      SUPPRESSIONS_TABLE,
      PRIVACY_SALT_TABLE,
      PRIVACY_SETTINGS_TABLE,
    ],
  },
  { version: 10, name: "journey models", tables: [JOURNEY_MODELS_TABLE] },
  {
    version: 11,
    name: "brand behaviour labels and models",
    tables: [BEHAVIOUR_LABELS_TABLE, BEHAVIOUR_MODELS_TABLE, BEHAVIOUR_MODEL_CHOICES_TABLE],
  },
];

function engineClause(spec: TableSpec, replicatedPath?: string): string {
  const args = [spec.version, spec.deleted].filter((a) => a !== undefined);
  if (replicatedPath === undefined) return `${spec.engine}(${args.join(", ")})`;
  return `Replicated${spec.engine}(${[`'${replicatedPath}'`, "'{replica}'", ...args].join(", ")})`;
}

/** The CREATE statements for one table; idempotent (IF NOT EXISTS). */
export function renderTable(spec: TableSpec, mode: DeployMode): string[] {
  if (mode.kind === "single") {
    return [
      `CREATE TABLE IF NOT EXISTS ${spec.name} (${spec.columns}\n) ENGINE = ${engineClause(spec)} ORDER BY ${spec.orderBy}`,
    ];
  }
  const onCluster = `ON CLUSTER '${mode.cluster}'`;
  if (spec.shardBy === undefined) {
    // Small lookup tables live whole on every shard so joins stay local: one replication path for all shards.
    const path = `/clickhouse/tables/all/${mode.database}/${spec.name}`;
    return [
      `CREATE TABLE IF NOT EXISTS ${spec.name} ${onCluster} (${spec.columns}\n) ENGINE = ${engineClause(spec, path)} ORDER BY ${spec.orderBy}`,
    ];
  }
  const local = `${spec.name}_local`;
  const path = `/clickhouse/tables/{shard}/${mode.database}/${spec.name}`;
  return [
    `CREATE TABLE IF NOT EXISTS ${local} ${onCluster} (${spec.columns}\n) ENGINE = ${engineClause(spec, path)} ORDER BY ${spec.orderBy}`,
    `CREATE TABLE IF NOT EXISTS ${spec.name} ${onCluster} AS ${local} ENGINE = Distributed('${mode.cluster}', '${mode.database}', '${local}', ${spec.shardBy})`,
  ];
}

function renderAddColumns(table: string, columns: string[], mode: DeployMode): string[] {
  const add = columns.map((column) => `ADD COLUMN IF NOT EXISTS ${column}`).join(", ");
  if (mode.kind === "single") return [`ALTER TABLE ${table} ${add}`];
  // The shards' local tables first, then the Distributed table that reads them.
  const onCluster = `ON CLUSTER '${mode.cluster}'`;
  return [`ALTER TABLE ${table}_local ${onCluster} ${add}`, `ALTER TABLE ${table} ${onCluster} ${add}`];
}

/** An ALTER on the tables that store rows: the shards' local tables, or a table replicated whole. */
function alterStored(table: TableSpec, clause: string, mode: DeployMode): string {
  if (mode.kind === "single") return `ALTER TABLE ${table.name} ${clause}`;
  const stored = table.shardBy === undefined ? table.name : `${table.name}_local`;
  return `ALTER TABLE ${stored} ON CLUSTER '${mode.cluster}' ${clause}`;
}

export function renderMigration(migration: Migration, mode: DeployMode): string[] {
  return [
    ...migration.tables.flatMap((table) => renderTable(table, mode)),
    ...(migration.addColumns ?? []).flatMap(({ table, columns }) => renderAddColumns(table, columns, mode)),
    ...(migration.settings ?? []).map(({ table, setting }) =>
      alterStored(table, `MODIFY SETTING ${setting}`, mode),
    ),
    ...(migration.ttl ?? []).map(({ table, expression }) =>
      alterStored(table, `MODIFY TTL ${expression}`, mode),
    ),
  ];
}
