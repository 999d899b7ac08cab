/**
 * Engage on the store: all engage SQL lives here. Inbox items are inbound events with text (labelled at
 * ingest); their state is the history of actions in inbox_actions (assign, note, status, reply), the
 * current status being the latest status set. A reply is also an outbound event of the brand in events.
 */
import { randomUUID } from "node:crypto";
import { addLabels } from "../behaviour/brand-store.js";
import type { BehaviourLabel, Space } from "../behaviour/model.js";
import { analysisTime } from "../behaviour/store.js";
import { normaliseEvent, Sequence } from "../collect/normalise.js";
import type { EventSink } from "../collect/sink.js";
import { CUSTOMER_OF_EVENT, IDENTITY_JOIN } from "../identity/identity-store.js";
import { oddsRatio } from "../journeys/stats.js";
import { LATEST_SEGMENT_MEMBERS, SEGMENT_CUSTOMERS } from "../segments/sql.js";
import type { Engine } from "../store/engine.js";
import { formatTime } from "../store/time.js";
import { DEFAULT_PURCHASE_EVENTS } from "../value/defaults.js";
import { contextValues } from "./interned.js";
import { DEFAULT_PRIORITY, type PriorityConfig, priorityOf } from "./priority.js";

export const STATUSES = ["open", "pending", "resolved"] as const;
export type Status = (typeof STATUSES)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Current state of every item that has actions. */
const ITEM_STATE = `(
  SELECT item_id,
         argMaxIf(status, at, status != '') AS status,
         argMaxIf(assignee, at, action = 'assign') AS assignee,
         countIf(action = 'reply') AS replies,
         argMaxIf(note, at, action = 'relabel') AS relabel,
         countIf(action = 'relabel') AS relabels,
         max(at) AS updated_at
  FROM inbox_actions GROUP BY item_id)`;

const ITEM_COLUMNS = `
  e.event_id AS id, ${CUSTOMER_OF_EVENT} AS customer_id, e.identity_key AS identity_key,
  -- An agent's relabel (its note: the labels, comma-separated, first the primary) replaces the model's.
  arrayFilter(l -> l != '', splitByChar(',', s.relabel)) AS relabelled,
  if(s.relabels > 0, if(empty(relabelled), 'other', relabelled[1]), e.behaviour) AS behaviour,
  if(s.relabels > 0, relabelled, e.behaviour_labels) AS labels, e.text AS text,
  toString(e.channel) AS channel, e.touchpoint AS touchpoint,
  toUnixTimestamp64Milli(e.timestamp) AS ms,
  greatest(JSONExtractFloat(e.properties, 'followers'), JSONExtractFloat(e.traits, 'followers')) AS followers,
  if(s.status = '', 'open', s.status) AS status, s.assignee AS assignee, s.replies AS replies,
  v.clv AS clv, v.p_alive AS p_alive`;

const ITEM_FROM = `
  FROM events AS e FINAL ${IDENTITY_JOIN}
  LEFT JOIN ${ITEM_STATE} AS s ON s.item_id = e.event_id
  LEFT JOIN (SELECT customer_id, clv, p_alive FROM customer_value FINAL) AS v ON v.customer_id = ${CUSTOMER_OF_EVENT}`;

interface ItemRow {
  id: string;
  customer_id: string;
  identity_key: string;
  behaviour: BehaviourLabel;
  labels: string[];
  text: string;
  channel: string;
  touchpoint: string;
  ms: number;
  followers: number;
  status: Status;
  assignee: string;
  replies: number;
  clv: number | null;
  p_alive: number | null;
}

export interface InboxItem {
  id: string;
  customerId: string;
  behaviour: BehaviourLabel;
  labels: string[];
  priority: number;
  reasons: string[];
  factors: Record<string, number>;
  text: string;
  channel: string;
  touchpoint: string;
  receivedAt: string;
  status: Status;
  assignee: string;
  replies: number;
}

export async function medianClv(engine: Engine): Promise<number> {
  const [row] = await engine.query<{ median: number | null }>(
    "SELECT quantileExact(0.5)(clv) AS median FROM customer_value FINAL WHERE clv > 0",
  );
  return Number(row?.median ?? 0) || 1;
}

function toItem(row: ItemRow, at: number, median: number, config: PriorityConfig): InboxItem {
  const p = priorityOf(
    {
      behaviour: row.behaviour,
      labels: row.labels,
      clv: row.clv === null ? null : Number(row.clv),
      pAlive: row.p_alive === null ? null : Number(row.p_alive),
      medianClv: median,
      followers: Number(row.followers),
      ageHours: (at - Number(row.ms)) / HOUR,
      answered: Number(row.replies) > 0 || row.status === "resolved",
    },
    config,
  );
  return {
    id: row.id,
    customerId: row.customer_id,
    behaviour: row.behaviour,
    labels: row.labels,
    priority: p.priority,
    reasons: p.reasons,
    factors: p.factors,
    text: row.text,
    channel: row.channel,
    touchpoint: row.touchpoint,
    receivedAt: new Date(Number(row.ms)).toISOString(),
    status: row.status,
    assignee: row.assignee,
    replies: Number(row.replies),
  };
}

export interface InboxQuery {
  status?: Status;
  behaviour?: string;
  channel?: string;
  touchpoint?: string;
  segment?: number;
  assignee?: string;
  limit?: number;
  /** Ranking time (default: the latest inbound message). */
  at?: number;
  /** Only messages of the last N days before `at` (default 30). */
  days?: number;
}

/** The inbox, ranked by priority (computed in priority.ts for every candidate). */
export async function listInbox(
  engine: Engine,
  query: InboxQuery = {},
  config: PriorityConfig = DEFAULT_PRIORITY,
): Promise<{ at: string; total: number; items: InboxItem[] }> {
  const at = await analysisTime(engine, query.at);
  const where = [
    "e.direction = 'inbound'",
    "e.behaviour != ''",
    "e.timestamp > {from:DateTime64(3)}",
    "e.timestamp <= {to:DateTime64(3)}",
  ];
  const params: Record<string, unknown> = {
    from: formatTime(at - (query.days ?? 30) * DAY),
    to: formatTime(at),
  };
  // Each given filter adds its condition and binds its value under the same name.
  const conditions: Array<[keyof InboxQuery, string]> = [
    ["status", "if(s.status = '', 'open', s.status) = {status:String}"],
    // `labels`: the item's labels as shown (an agent's relabel, else the model's).
    ["behaviour", "has(labels, {behaviour:String})"],
    ["channel", "e.channel = {channel:String}"],
    ["touchpoint", "e.touchpoint = {touchpoint:String}"],
    ["assignee", "s.assignee = {assignee:String}"],
  ];
  for (const [name, condition] of conditions) {
    if (query[name] === undefined || query[name] === "") continue;
    where.push(condition);
    params[name] = query[name];
  }
  if (query.segment !== undefined) {
    where.push(`${CUSTOMER_OF_EVENT} IN ${SEGMENT_CUSTOMERS}`);
    params.segment = query.segment;
  }
  const rows = await engine.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} ${ITEM_FROM} WHERE ${where.join(" AND ")}`,
    params,
  );
  const median = await medianClv(engine);
  const items = rows.map((row) => toItem(row, at, median, config));
  items.sort((a, b) => b.priority - a.priority || a.id.localeCompare(b.id));
  return { at: new Date(at).toISOString(), total: items.length, items: items.slice(0, query.limit ?? 50) };
}

export async function getItem(
  engine: Engine,
  id: string,
  at?: number,
): Promise<(InboxItem & { identityKey: string }) | null> {
  const rows = await engine.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} ${ITEM_FROM} WHERE e.event_id = {id:String} AND e.direction = 'inbound' AND e.text != '' LIMIT 1`,
    { id },
  );
  if (rows.length === 0) return null;
  const when = await analysisTime(engine, at);
  return {
    ...toItem(rows[0], when, await medianClv(engine), DEFAULT_PRIORITY),
    identityKey: rows[0].identity_key,
  };
}

export interface ItemAction {
  at: string;
  actor: string;
  action: "assign" | "note" | "status" | "reply" | "relabel";
  status: string;
  assignee: string;
  note: string;
  replyEventId: string;
}

export async function itemHistory(engine: Engine, id: string): Promise<ItemAction[]> {
  const rows = await engine.query<{
    at: string;
    actor: string;
    action: ItemAction["action"];
    status: string;
    assignee: string;
    note: string;
    reply_event_id: string;
  }>(
    "SELECT at, actor, action, status, assignee, note, reply_event_id FROM inbox_actions WHERE item_id = {id:String} ORDER BY at, action",
    { id },
  );
  return rows.map((r) => ({
    at: r.at,
    actor: r.actor,
    action: r.action,
    status: r.status,
    assignee: r.assignee,
    note: r.note,
    replyEventId: r.reply_event_id,
  }));
}

export class InboxError extends Error {
  constructor(
    message: string,
    readonly status: 404 | 409,
  ) {
    super(message);
  }
}

/** Allowed status changes: open <-> pending, either -> resolved, resolved -> open (reopen). */
const TRANSITIONS: Record<Status, Status[]> = {
  open: ["pending", "resolved"],
  pending: ["open", "resolved"],
  resolved: ["open"],
};

export type InboxCommand =
  | { action: "assign"; assignee: string; actor?: string }
  | { action: "note"; note: string; actor?: string }
  | { action: "status"; status: Status; actor?: string }
  | { action: "relabel"; labels: Space[]; actor?: string }
  | { action: "reply"; text: string; responder: string; channel?: string; resolve?: boolean; actor?: string };

export interface CommandResult {
  item: InboxItem;
  history: ItemAction[];
  reply?: { eventId: string; firstResponseSeconds: number | null };
}

async function record(
  engine: Engine,
  id: string,
  action: Partial<Omit<ItemAction, "at">> & Pick<ItemAction, "action">,
  at = Date.now(),
): Promise<void> {
  await engine.insert("inbox_actions", [
    {
      item_id: id,
      at: formatTime(at),
      actor: action.actor ?? "",
      action: action.action,
      status: action.status ?? "",
      assignee: action.assignee ?? "",
      note: action.note ?? "",
      reply_event_id: action.replyEventId ?? "",
    },
  ]);
}

function checkTransition(from: Status, to: Status): void {
  if (from === to) throw new InboxError(`status: the item is already ${to}`, 409);
  if (!TRANSITIONS[from].includes(to)) {
    throw new InboxError(
      `status: cannot go from ${from} to ${to} (allowed: ${TRANSITIONS[from].join(", ")})`,
      409,
    );
  }
}

/**
 * Applies one command to an item. A reply goes out as the brand's outbound event on the item's channel and
 * touchpoint (through the sink, so journeys, the timeline and the customer 360 see it) and sets the item
 * pending, or resolved with `resolve`.
 */
export async function applyCommand(
  engine: Engine,
  sink: EventSink,
  id: string,
  command: InboxCommand,
): Promise<CommandResult> {
  const item = await getItem(engine, id);
  if (!item) throw new InboxError(`no inbox item ${id}`, 404);
  const actor = command.actor ?? "";
  let reply: CommandResult["reply"];
  if (command.action === "assign")
    await record(engine, id, { action: "assign", assignee: command.assignee, actor });
  else if (command.action === "note") await record(engine, id, { action: "note", note: command.note, actor });
  else if (command.action === "relabel") {
    // The agent's correction shows on the item and becomes a label the model can learn from.
    await addLabels(engine, [
      { text: item.text, labels: command.labels, eventId: id, source: "relabel", actor },
    ]);
    await record(engine, id, { action: "relabel", note: command.labels.join(","), actor });
  } else if (command.action === "status") {
    checkTransition(item.status, command.status);
    await record(engine, id, { action: "status", status: command.status, actor });
  } else {
    const next: Status = command.resolve ? "resolved" : "pending";
    if (item.status === "resolved" && !command.resolve) checkTransition(item.status, next);
    const now = Date.now();
    const history = await itemHistory(engine, id);
    const firstReply = history.find((h) => h.action === "reply");
    const firstResponseSeconds = firstReply ? null : Math.round((now - Date.parse(item.receivedAt)) / 1000);
    const eventId = `reply-${randomUUID()}`;
    const [kind, ...rest] = item.identityKey.split(":");
    const identity = rest.join(":");
    const normalised = normaliseEvent(
      {
        type: "track",
        event: "Brand Replied",
        messageId: eventId,
        ...(kind === "user" ? { userId: identity } : { anonymousId: identity }),
        timestamp: new Date(now).toISOString(),
        properties: {
          channel: command.channel ?? item.channel,
          touchpoint: item.touchpoint,
          direction: "outbound",
          text: command.text,
          inReplyTo: id,
          responder: command.responder,
          inReplyToBehaviour: item.behaviour,
          ...(firstResponseSeconds !== null ? { firstResponseSeconds } : {}),
        },
      },
      { source: "engage", receivedAt: now, sequence: new Sequence() },
    );
    if ("rejected" in normalised) {
      throw new InboxError(`${normalised.rejected.field}: ${normalised.rejected.reason}`, 409);
    }
    await sink.writeEvents([normalised.ok]);
    await record(
      engine,
      id,
      { action: "reply", replyEventId: eventId, note: command.text, actor: actor || command.responder },
      now,
    );
    if (item.status !== next)
      await record(
        engine,
        id,
        { action: "status", status: next, actor: actor || command.responder },
        now + 1,
      );
    reply = { eventId, firstResponseSeconds };
  }
  const updated = await getItem(engine, id);
  return { item: updated!, history: await itemHistory(engine, id), ...(reply ? { reply } : {}) };
}

/** Everything the context API needs about customers, for all of them (bulk) or those of some identity keys. */
export interface ContextFacts {
  customerId: string;
  identityKeys: string[];
  recentJourney: Array<{
    at: string;
    channel: string;
    touchpoint: string;
    event: string;
    direction: string;
    behaviour: string;
    text: string;
  }>;
  behaviour: Record<"praise" | "complaint" | "question" | "suggestion", number>;
  lastMessage: { at: string; behaviour: string; text: string; touchpoint: string } | null;
  clv: number | null;
  pAlive: number | null;
  segment: { id: number; label: string } | null;
  openItems: Array<{ id: string; behaviour: string; text: string; receivedAt: string; status: string }>;
}

/**
 * Per-customer facts: the last 10 touches, and counted back from the clock `at`, behaviour over 90 days
 * and the open or pending items of the last 30 days; value and segment. With `identityKeys`, only the customers behind those keys.
 */
export async function contextFacts(
  engine: Engine,
  at: number,
  identityKeys?: string[],
): Promise<ContextFacts[]> {
  // Every user/anon key of the customers behind the given keys, so the read stays on the primary key.
  const keys = identityKeys ? await allKeysOf(engine, identityKeys) : [];
  const filter = identityKeys ? "AND e.identity_key IN {keys:Array(String)}" : "";
  const rows = await engine.query<{
    customer_id: string;
    keys: string[];
    recent: Array<[number, string, string, string, string, string, string]>;
    praise: number;
    complaint: number;
    question: number;
    suggestion: number;
    items: Array<[number, string, string, string, string]>;
    clv: number | null;
    p_alive: number | null;
    segment_id: number | null;
    segment_label: string | null;
  }>(
    `SELECT c.customer_id AS customer_id, keys, recent, praise, complaint, question, suggestion, items,
            v.clv AS clv, v.p_alive AS p_alive, g.segment_id AS segment_id, g.label AS segment_label
     FROM (
       SELECT ${CUSTOMER_OF_EVENT} AS customer_id,
              groupUniqArray(e.identity_key) AS keys,
              arraySlice(arraySort(x -> (x.1, x.2), groupArray((toUnixTimestamp64Milli(e.timestamp), e.seq, toString(e.channel), e.touchpoint,
                  e.name, toString(e.direction), toString(e.behaviour), substring(e.text, 1, 280)))), -10) AS recent_full,
              arrayMap(x -> (x.1, x.3, x.4, x.5, x.6, x.7, x.8), recent_full) AS recent,
              countIf(has(e.behaviour_labels, 'praise') AND e.timestamp > {from90:DateTime64(3)}) AS praise,
              countIf(has(e.behaviour_labels, 'complaint') AND e.timestamp > {from90:DateTime64(3)}) AS complaint,
              countIf(has(e.behaviour_labels, 'question') AND e.timestamp > {from90:DateTime64(3)}) AS question,
              countIf(has(e.behaviour_labels, 'suggestion') AND e.timestamp > {from90:DateTime64(3)}) AS suggestion,
              groupArrayIf((toUnixTimestamp64Milli(e.timestamp), e.event_id, toString(e.behaviour), substring(e.text, 1, 280),
                            if(ifNull(s.status, '') = '', 'open', s.status)),
                           e.behaviour != '' AND e.direction = 'inbound' AND e.timestamp > {from30:DateTime64(3)}
                           AND if(ifNull(s.status, '') = '', 'open', s.status) != 'resolved') AS items
       FROM events AS e FINAL ${IDENTITY_JOIN}
       LEFT JOIN ${ITEM_STATE} AS s ON s.item_id = e.event_id
       WHERE 1 ${filter}
       GROUP BY customer_id
     ) AS c
     LEFT JOIN (SELECT customer_id, clv, p_alive FROM customer_value FINAL) AS v ON v.customer_id = c.customer_id
     LEFT JOIN ${LATEST_SEGMENT_MEMBERS} AS g ON g.customer_id = c.customer_id
     SETTINGS join_use_nulls = 1`,
    {
      from90: formatTime(at - 90 * DAY),
      from30: formatTime(at - 30 * DAY),
      keys,
    },
  );
  return rows.map((r) => {
    const recent = r.recent.map(([ms, channel, touchpoint, event, direction, behaviour, text]) => ({
      at: new Date(Number(ms)).toISOString(),
      channel: contextValues.of(channel),
      touchpoint: contextValues.of(touchpoint),
      event: contextValues.of(event),
      direction: contextValues.of(direction),
      behaviour: contextValues.of(behaviour),
      text,
    }));
    const lastMessage = [...recent].reverse().find((t) => t.behaviour !== "" && t.direction === "inbound");
    return {
      customerId: r.customer_id,
      identityKeys: r.keys,
      recentJourney: recent,
      behaviour: {
        praise: Number(r.praise),
        complaint: Number(r.complaint),
        question: Number(r.question),
        suggestion: Number(r.suggestion),
      },
      lastMessage: lastMessage
        ? {
            at: lastMessage.at,
            behaviour: lastMessage.behaviour,
            text: lastMessage.text,
            touchpoint: lastMessage.touchpoint,
          }
        : null,
      clv: r.clv === null ? null : Number(r.clv),
      pAlive: r.p_alive === null ? null : Number(r.p_alive),
      segment: r.segment_id === null ? null : { id: Number(r.segment_id), label: r.segment_label ?? "" },
      openItems: r.items
        .sort((a, b) => Number(b[0]) - Number(a[0]))
        .slice(0, 10)
        .map(([ms, id, behaviour, text, status]) => ({
          id,
          behaviour: contextValues.of(behaviour),
          text,
          receivedAt: new Date(Number(ms)).toISOString(),
          status: contextValues.of(status),
        })),
    };
  });
}

async function allKeysOf(engine: Engine, identityKeys: string[]): Promise<string[]> {
  const rows = await engine.query<{ identifier: string }>(
    `SELECT DISTINCT identifier FROM identity_map FINAL
     WHERE customer_id IN (SELECT customer_id FROM identity_map FINAL WHERE identifier IN {keys:Array(String)})
       AND (startsWith(identifier, 'user:') OR startsWith(identifier, 'anon:'))`,
    { keys: identityKeys },
  );
  return [...new Set([...identityKeys, ...rows.map((r) => r.identifier)])];
}

/** identity_map identifiers (email:, phone:, social:...) of every merged customer, for the context index. */
export async function identifierIndex(
  engine: Engine,
): Promise<Array<{ identifier: string; customerId: string }>> {
  const rows = await engine.query<{ identifier: string; customer_id: string }>(
    "SELECT identifier, customer_id FROM identity_map FINAL",
  );
  return rows.map((r) => ({ identifier: r.identifier, customerId: r.customer_id }));
}

export interface OutcomeRow {
  behaviour: string;
  responded: { items: number; laterComplaint: number; repurchase: number; churned: number };
  notResponded: { items: number; laterComplaint: number; repurchase: number; churned: number };
  /** Odds ratios responded vs not, with 95% interval and chi-square p-value. */
  laterComplaint: ReturnType<typeof oddsRatio>;
  repurchase: ReturnType<typeof oddsRatio>;
  churn: ReturnType<typeof oddsRatio>;
}

/**
 * Closed loop: for each behaviour space, messages the brand answered against those it did not, and what the
 * customer did in the `windowDays` after the message: another complaint, a purchase, or nothing at all
 * (churned: no inbound event). Only messages at least `windowDays` old count, so every one had the full window.
 */
export async function engageOutcomes(
  engine: Engine,
  windowDays = 30,
): Promise<{ windowDays: number; spaces: OutcomeRow[] }> {
  const [clock] = await engine.query<{ ms: number }>(
    "SELECT max(toUnixTimestamp64Milli(timestamp)) AS ms FROM events WHERE direction = 'inbound'",
  );
  // The store's clock, never later than the wall clock (an event's time cannot move "now").
  const cutoff = Math.min(Number(clock?.ms ?? 0), Date.now()) - windowDays * DAY;
  const rows = await engine.query<{
    behaviour: string;
    responded: number;
    items: number;
    later_complaint: number;
    repurchase: number;
    churned: number;
  }>(
    `SELECT m.behaviour AS behaviour, (r.item IS NOT NULL) AS responded, count() AS items,
            countIf(arrayExists(x -> x.1 > m.ms AND x.1 <= m.ms + {window:Int64} AND x.2 = 'complaint', c.later)) AS later_complaint,
            countIf(arrayExists(x -> x.1 > m.ms AND x.1 <= m.ms + {window:Int64} AND x.3, c.later)) AS repurchase,
            countIf(NOT arrayExists(x -> x.1 > m.ms AND x.1 <= m.ms + {window:Int64}, c.later)) AS churned
     FROM (
       SELECT e.event_id AS id, ${CUSTOMER_OF_EVENT} AS customer, toUnixTimestamp64Milli(e.timestamp) AS ms, toString(e.behaviour) AS behaviour
       FROM events AS e FINAL ${IDENTITY_JOIN}
       WHERE e.direction = 'inbound' AND e.behaviour IN ('praise','complaint','question','suggestion')
         AND toUnixTimestamp64Milli(e.timestamp) <= {cutoff:Int64}
     ) AS m
     LEFT JOIN (
       SELECT DISTINCT JSONExtractString(properties, 'inReplyTo') AS item FROM events WHERE direction = 'outbound' AND name = 'Brand Replied'
     ) AS r ON r.item = m.id
     LEFT JOIN (
       SELECT ${CUSTOMER_OF_EVENT} AS customer,
              groupArray((toUnixTimestamp64Milli(e.timestamp), toString(e.behaviour), e.name IN {purchases:Array(String)})) AS later
       FROM events AS e FINAL ${IDENTITY_JOIN} WHERE e.direction = 'inbound' GROUP BY customer
     ) AS c ON c.customer = m.customer
     GROUP BY behaviour, responded
     SETTINGS join_use_nulls = 1`,
    { window: windowDays * DAY, cutoff, purchases: DEFAULT_PURCHASE_EVENTS },
  );
  const spaces: OutcomeRow[] = [];
  for (const behaviour of ["complaint", "question", "suggestion", "praise"]) {
    const side = (responded: boolean) => {
      const row = rows.find((r) => r.behaviour === behaviour && Boolean(Number(r.responded)) === responded);
      return {
        items: Number(row?.items ?? 0),
        laterComplaint: Number(row?.later_complaint ?? 0),
        repurchase: Number(row?.repurchase ?? 0),
        churned: Number(row?.churned ?? 0),
      };
    };
    const yes = side(true);
    const no = side(false);
    const table = (key: "laterComplaint" | "repurchase" | "churned") =>
      oddsRatio({ a: yes[key], b: yes.items - yes[key], c: no[key], d: no.items - no[key] });
    spaces.push({
      behaviour,
      responded: yes,
      notResponded: no,
      laterComplaint: table("laterComplaint"),
      repurchase: table("repurchase"),
      churn: table("churned"),
    });
  }
  return { windowDays, spaces };
}
