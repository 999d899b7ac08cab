/** Behaviour from the store: the SQL behind who matters now and the voice of the customer per touchpoint. */
import { CUSTOMER_OF_EVENT, IDENTITY_JOIN } from "../identity/identity-store.js";
import { SEGMENT_CUSTOMERS } from "../segments/sql.js";
import { type Engine, queryInChunks } from "../store/engine.js";
import { formatTime } from "../store/time.js";
import type { Space } from "./model.js";
import { SPACES } from "./model.js";
import {
  type CustomerValue,
  DEFAULT_NOW_CONFIG,
  type Mention,
  type NowConfig,
  type NowResult,
  whoMattersNow,
} from "./now.js";
import type { Conversation } from "./reply-labels.js";
import { buildCorpus, type Theme, type ThemeMessage, themesOf } from "./themes.js";

const HOUR = 3_600_000;

/** Customers' inbound messages that carry a behaviour, optionally only those of one segment. */
const mentionsSql = (segment?: number) => `
  SELECT ${CUSTOMER_OF_EVENT} AS customer_id,
         toUnixTimestamp64Milli(e.timestamp) AS ms,
         e.behaviour AS behaviour,
         greatest(JSONExtractFloat(e.properties, 'followers'), JSONExtractFloat(e.traits, 'followers'),
                  JSONExtractFloat(e.properties, 'audience')) AS followers,
         e.text AS text, e.channel AS channel, e.touchpoint AS touchpoint
  FROM events AS e FINAL ${IDENTITY_JOIN}
  WHERE e.behaviour != '' AND e.direction = 'inbound'
    AND e.timestamp > {from:DateTime64(3)} AND e.timestamp <= {to:DateTime64(3)}
    ${segment === undefined ? "" : `AND ${CUSTOMER_OF_EVENT} IN ${SEGMENT_CUSTOMERS}`}
  ORDER BY ms`;

/**
 * Customers' messages with the brand's first reply: any outbound event with text whose
 * `properties.inReplyTo` names the message (inbox replies, and conversations a brand imports). Training
 * reads them as reply-labelled examples of the brand's own domain.
 */
export async function repliedMessages(engine: Engine, limit = 500_000): Promise<Conversation[]> {
  return engine.query<Conversation>(
    `SELECT m.text AS text, r.reply AS reply
     FROM (SELECT event_id, text FROM events FINAL WHERE direction = 'inbound' AND text != '') AS m
     INNER JOIN (
       SELECT JSONExtractString(properties, 'inReplyTo') AS message_id, argMin(text, timestamp) AS reply
       FROM events FINAL
       WHERE direction = 'outbound' AND text != '' AND JSONExtractString(properties, 'inReplyTo') != ''
       GROUP BY message_id
     ) AS r ON r.message_id = m.event_id
     LIMIT {limit:UInt32}`,
    { limit },
  );
}

/**
 * The instant an analysis of messages speaks for: the one asked for, else the latest message, else now;
 * never later than the wall clock, so an event sent with a future time cannot move "now".
 */
export async function analysisTime(engine: Engine, at?: number): Promise<number> {
  return Math.min(at ?? (await latestMessageTime(engine)) ?? Date.now(), Date.now());
}

export async function latestMessageTime(engine: Engine): Promise<number | null> {
  const [row] = await engine.query<{ ms: number | null; n: number }>(
    "SELECT max(toUnixTimestamp64Milli(timestamp)) AS ms, count() AS n FROM events WHERE behaviour != '' AND direction = 'inbound'",
  );
  return row && Number(row.n) > 0 ? Number(row.ms) : null;
}

export async function loadMentions(
  engine: Engine,
  from: number,
  to: number,
  segment?: number,
): Promise<Mention[]> {
  const rows = await engine.query<Omit<Mention, "customerId"> & { customer_id: string }>(
    mentionsSql(segment),
    {
      from: formatTime(from),
      to: formatTime(to),
      segment: segment ?? 0,
    },
  );
  return rows.map(({ customer_id, ...r }) => ({
    ...r,
    customerId: customer_id,
    ms: Number(r.ms),
    followers: Number(r.followers),
  }));
}

/** CLV when the value job stored one, else the customer's summed spend. */
export async function customerValues(
  engine: Engine,
  customerIds: string[],
): Promise<Map<string, CustomerValue>> {
  const values = new Map<string, CustomerValue>();
  const clvRows = await queryInChunks<{ customer_id: string; clv: number | null }>(
    engine,
    "SELECT customer_id, clv FROM customer_value FINAL WHERE customer_id IN {ids:Array(String)}",
    "ids",
    customerIds,
  );
  for (const r of clvRows)
    if (r.clv !== null) values.set(r.customer_id, { value: Number(r.clv), basis: "clv" });
  const missing = customerIds.filter((id) => !values.has(id));
  const spendRows = await queryInChunks<{ customer_id: string; spend: number }>(
    engine,
    `SELECT ${CUSTOMER_OF_EVENT} AS customer_id, sum(e.value) AS spend
     FROM events AS e FINAL ${IDENTITY_JOIN}
     WHERE e.value IS NOT NULL AND ${CUSTOMER_OF_EVENT} IN {ids:Array(String)}
     GROUP BY customer_id`,
    "ids",
    missing,
  );
  for (const r of spendRows) values.set(r.customer_id, { value: Number(r.spend), basis: "spend" });
  return values;
}

export async function whoMattersNowFromStore(
  engine: Engine,
  options: { at?: number; config?: Partial<NowConfig>; segment?: number } = {},
): Promise<NowResult> {
  const config = {
    ...DEFAULT_NOW_CONFIG,
    ...options.config,
    weights: { ...DEFAULT_NOW_CONFIG.weights, ...options.config?.weights },
  };
  const at = await analysisTime(engine, options.at);
  const mentions = await loadMentions(
    engine,
    at - (config.lookbackHours + config.historyHours) * HOUR,
    at,
    options.segment,
  );
  const values = await customerValues(engine, [...new Set(mentions.map((m) => m.customerId))]);
  return whoMattersNow(mentions, values, at, config);
}

export interface SpaceVoice {
  behaviour: Space;
  /** Messages in the whole window. */
  volume: number;
  recent: number;
  previous: number;
  /** recent / previous - 1 (null when there was nothing before). */
  trend: number | null;
  weekly: Array<{ week: string; messages: number }>;
  themes: Theme[];
}

export interface TouchpointVoice {
  touchpoint: string;
  messages: number;
  spaces: SpaceVoice[];
}

export interface VoiceResult {
  at: string;
  weeks: number;
  touchpoints: TouchpointVoice[];
}

/**
 * Volume, trend (the last half of the window against the first) and themes per touchpoint and space, over
 * `weeks` weeks before `at`. Themes read up to `sample` of the most recent messages per touchpoint and space.
 */
export async function voiceOfCustomer(
  engine: Engine,
  options: {
    at?: number;
    weeks?: number;
    touchpoint?: string;
    top?: number;
    sample?: number;
    segment?: number;
  } = {},
): Promise<VoiceResult> {
  const weeks = options.weeks ?? 8;
  const at = await analysisTime(engine, options.at);
  const from = at - weeks * 7 * 24 * HOUR;
  const middle = at - (weeks / 2) * 7 * 24 * HOUR;
  const params = {
    from: formatTime(from),
    to: formatTime(at),
    middle: formatTime(middle),
    touchpoint: options.touchpoint ?? "",
    sample: options.sample ?? 2000,
    segment: options.segment ?? 0,
  };
  const where = `e.behaviour IN ('praise','complaint','question','suggestion') AND e.direction = 'inbound'
    AND e.timestamp > {from:DateTime64(3)} AND e.timestamp <= {to:DateTime64(3)}
    AND ({touchpoint:String} = '' OR e.touchpoint = {touchpoint:String})
    ${options.segment === undefined ? "" : `AND ${CUSTOMER_OF_EVENT} IN ${SEGMENT_CUSTOMERS}`}`;
  const weekly = await engine.query<{
    touchpoint: string;
    behaviour: Space;
    week: string;
    messages: number;
    recent: number;
  }>(
    `SELECT e.touchpoint AS touchpoint, e.behaviour AS behaviour, toString(toMonday(e.timestamp)) AS week,
            count() AS messages, countIf(e.timestamp > {middle:DateTime64(3)}) AS recent
     FROM events AS e FINAL ${IDENTITY_JOIN} WHERE ${where}
     GROUP BY touchpoint, behaviour, week ORDER BY touchpoint, behaviour, week`,
    params,
  );
  const texts = await engine.query<{
    touchpoint: string;
    behaviour: Space;
    text: string;
    ms: number;
    customer_id: string;
  }>(
    `SELECT e.touchpoint AS touchpoint, e.behaviour AS behaviour, e.text AS text,
            toUnixTimestamp64Milli(e.timestamp) AS ms, ${CUSTOMER_OF_EVENT} AS customer_id
     FROM events AS e FINAL ${IDENTITY_JOIN} WHERE ${where}
     ORDER BY ms DESC LIMIT {sample:UInt32} BY touchpoint, behaviour`,
    params,
  );
  const messages: ThemeMessage[] = texts.map((t) => ({
    text: t.text,
    at: new Date(Number(t.ms)).toISOString(),
    customerId: t.customer_id,
  }));
  const corpus = buildCorpus(texts.map((t) => t.text));
  const members = new Map<string, number[]>();
  texts.forEach((t, i) => {
    const key = `${t.touchpoint}\u0000${t.behaviour}`;
    const list = members.get(key) ?? [];
    list.push(i);
    members.set(key, list);
  });
  const byTouchpoint = new Map<string, Map<Space, SpaceVoice>>();
  for (const row of weekly) {
    const spaces = byTouchpoint.get(row.touchpoint) ?? new Map<Space, SpaceVoice>();
    byTouchpoint.set(row.touchpoint, spaces);
    const voice = spaces.get(row.behaviour) ?? {
      behaviour: row.behaviour,
      volume: 0,
      recent: 0,
      previous: 0,
      trend: null,
      weekly: [],
      themes: [],
    };
    spaces.set(row.behaviour, voice);
    voice.volume += Number(row.messages);
    voice.recent += Number(row.recent);
    voice.previous += Number(row.messages) - Number(row.recent);
    voice.weekly.push({ week: row.week, messages: Number(row.messages) });
  }
  const touchpoints: TouchpointVoice[] = [];
  for (const [touchpoint, spaces] of byTouchpoint) {
    const list = SPACES.flatMap((space) => {
      const voice = spaces.get(space);
      if (!voice) return [];
      voice.trend = voice.previous > 0 ? Math.round((voice.recent / voice.previous - 1) * 1000) / 1000 : null;
      voice.themes = themesOf(corpus, members.get(`${touchpoint}\u0000${space}`) ?? [], messages, {
        top: options.top ?? 5,
      });
      return [voice];
    });
    touchpoints.push({ touchpoint, messages: list.reduce((s, v) => s + v.volume, 0), spaces: list });
  }
  touchpoints.sort((a, b) => b.messages - a.messages || a.touchpoint.localeCompare(b.touchpoint));
  return { at: new Date(at).toISOString(), weeks, touchpoints };
}
