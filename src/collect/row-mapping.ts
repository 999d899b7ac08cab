/**
 * How a flat row (CSV, XES or plain NDJSON) becomes a Segment-shaped track event: which columns hold the
 * customer, time, touchpoint, channel, text and value (named, or guessed from common names), and the message
 * id a line without one gets. The JavaScript import path and the engine-side CSV path (bulk-csv.ts, which
 * builds the same event in SQL) both follow it.
 */
import { createHash } from "node:crypto";

export interface ColumnMap {
  customer?: string;
  timestamp?: string;
  touchpoint?: string;
  channel?: string;
  text?: string;
  value?: string;
  event?: string;
}

const GUESSES: Required<ColumnMap> = {
  customer:
    "customer,customer_id,customerid,case,case_id,caseid,case:concept:name,user_id,userid,user,client,id",
  timestamp: "timestamp,time,time:timestamp,datetime,date,ts,start_timestamp,invoicedate",
  touchpoint: "touchpoint,activity,concept:name,event,action,step,event_name",
  channel: "channel,case:channel,medium",
  text: "text,message,body,content",
  value: "value,amount,revenue,price,total",
  event: "",
};

/** Each field's guessed names, split once. */
const GUESS_LISTS = Object.fromEntries(
  Object.entries(GUESSES).map(([field, names]) => [field, names.split(",")]),
) as Record<keyof ColumnMap, string[]>;

function pick(
  row: Record<string, unknown>,
  explicit: string | undefined,
  guesses: string[],
  lowered: () => Map<string, string>,
): [string | undefined, unknown] {
  if (explicit) return [explicit, row[explicit]];
  for (const guess of guesses) {
    const key = guess && lowered().get(guess);
    if (key !== undefined && key !== "" && row[key] !== undefined && row[key] !== "") return [key, row[key]];
  }
  return [undefined, undefined];
}

/** Common spellings of the known channels in exported logs; anything else is kept as a lowercase slug. */
export const CHANNEL_SYNONYMS: Record<string, string> = {
  "e-mail": "email",
  e_mail: "email",
  telephone: "phone",
  tel: "phone",
  internet: "web",
  website: "web",
  online: "web",
  "contact center": "contact_center",
  "call center": "contact_center",
  callcenter: "contact_center",
};

export function channelSlug(value: string): string {
  const lowered = value.trim().toLowerCase();
  return CHANNEL_SYNONYMS[lowered] ?? lowered.replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
}

/** Maps a flat row (CSV, XES or plain NDJSON) to a Segment-shaped track event. */
export function rowToEvent(
  row: Record<string, unknown>,
  columns: ColumnMap,
  defaults: { channel?: string; messageId: string },
): unknown {
  const used = new Set<string>();
  // The row's names lowercased (the last of equal ones wins), made once per row and only when a guess is needed.
  let names: Map<string, string> | undefined;
  const lowered = () => {
    names ??= new Map(Object.keys(row).map((k) => [k.toLowerCase(), k]));
    return names;
  };
  const take = (field: keyof ColumnMap) => {
    const [key, value] = pick(row, columns[field], GUESS_LISTS[field], lowered);
    if (key) used.add(key);
    return value;
  };
  const customer = take("customer");
  const timestamp = take("timestamp");
  const touchpoint = take("touchpoint");
  const channel = take("channel") ?? defaults.channel;
  const text = take("text");
  const value = take("value");
  const properties: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(row)) if (!used.has(key) && v !== "") properties[key] = v;
  if (channel !== undefined && channel !== "") properties.channel = channelSlug(String(channel));
  if (touchpoint !== undefined) properties.touchpoint = String(touchpoint);
  if (text !== undefined && text !== "") properties.text = String(text);
  if (value !== undefined && value !== "") properties.value = value;
  return {
    type: "track",
    messageId: defaults.messageId,
    userId: customer === undefined || customer === "" ? undefined : String(customer),
    event: touchpoint === undefined || touchpoint === "" ? undefined : String(touchpoint),
    timestamp: timestamp === "" ? undefined : timestamp,
    properties,
  };
}

/**
 * A parsed line as an incoming event: Segment-shaped lines as they are, flat rows mapped with the column
 * options. Lines without a messageId get one from `key` (file, line number, text) so a re-import dedupes.
 */
export function candidateEvent(value: unknown, key: string, columns: ColumnMap, channel?: string): unknown {
  const messageId = createHash("sha1").update(key).digest("hex");
  return isSegmentShaped(value)
    ? { messageId, ...(value as object) }
    : rowToEvent(value as Record<string, unknown>, columns, { channel, messageId });
}

function isSegmentShaped(value: unknown): boolean {
  const v = value as Record<string, unknown>;
  return typeof v?.type === "string" && ("userId" in v || "anonymousId" in v);
}

/** The guessed column names of each field, most likely first (matched lowercased). */
export function columnGuesses(): Record<keyof ColumnMap, string[]> {
  return GUESS_LISTS;
}
