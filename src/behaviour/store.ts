/** Behaviour from the store: the SQL behind who matters now and the voice of the customer per touchpoint. */
import { CUSTOMER_OF_EVENT, IDENTITY_JOIN } from "../identity/identity-store.js";
import { SEGMENT_CUSTOMERS } from "../segments/sql.js";
import type { Engine, QueryParams } from "../store/engine.js";
import { formatTime } from "../store/time.js";
import { DEFAULT_NOW_CONFIG, type NowConfig, type NowResult } from "./now.js";
import { type MentionRow, NowBuilder, type ValueRow } from "./now-rows.js";
import type { Conversation } from "./reply-labels.js";
import {
  VoiceBuilder,
  type VoiceFrame,
  type VoiceResult,
  type VoiceTextRow,
  type WeeklyVoiceRow,
} from "./voice.js";

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

/**
 * Who matters now's two queries over the same window: `values`, the value of every customer the window's
 * messages name (CLV when the value job stored one, else their summed spend; none when neither), and
 * `mentions`, the messages. Their rows go, values first, into a NowBuilder.
 */
export async function nowQueries(
  engine: Engine,
  options: { at?: number; config?: Partial<NowConfig>; segment?: number } = {},
): Promise<{ at: number; config: NowConfig; values: string; mentions: string; params: QueryParams }> {
  const config = {
    ...DEFAULT_NOW_CONFIG,
    ...options.config,
    weights: { ...DEFAULT_NOW_CONFIG.weights, ...options.config?.weights },
  };
  const at = await analysisTime(engine, options.at);
  const params = {
    from: formatTime(at - (config.lookbackHours + config.historyHours) * HOUR),
    to: formatTime(at),
    segment: options.segment ?? 0,
  };
  const mentions = mentionsSql(options.segment);
  // Unmatched joined rows take defaults (NULL for the nullable clv, 0 for has_spend): no join_use_nulls,
  // which would also turn the identity join's '' into NULL.
  // The mentioned customers are read once (a WITH subquery is run where it is named); the spend is summed
  // for every customer rather than filtered by them, which costs less than reading the mentions again.
  const values = `
    SELECT m.customer_id AS customer_id, if(v.clv IS NOT NULL, v.clv, s.spend) AS value,
           if(v.clv IS NOT NULL, 'clv', 'spend') AS basis
    FROM (SELECT DISTINCT customer_id FROM (${mentions})) AS m
    LEFT JOIN (SELECT customer_id, clv FROM customer_value FINAL WHERE clv IS NOT NULL) AS v
      ON v.customer_id = m.customer_id
    LEFT JOIN (SELECT ${CUSTOMER_OF_EVENT} AS customer_id, sum(e.value) AS spend, 1 AS has_spend
               FROM events AS e FINAL ${IDENTITY_JOIN}
               WHERE e.value IS NOT NULL
               GROUP BY customer_id) AS s
      ON s.customer_id = m.customer_id
    WHERE v.clv IS NOT NULL OR s.has_spend = 1`;
  return { at, config, values, mentions, params };
}

/** Who matters now, computed on this thread (the CLI; a server runs it in its analytic lane). */
export async function whoMattersNowFromStore(
  engine: Engine,
  options: { at?: number; config?: Partial<NowConfig>; segment?: number } = {},
): Promise<NowResult> {
  const { at, config, values, mentions, params } = await nowQueries(engine, options);
  const builder = new NowBuilder(at, config);
  for (const row of await engine.query<ValueRow>(values, params)) builder.add(row);
  for (const row of await engine.query<MentionRow>(mentions, params)) builder.add(row);
  return builder.result();
}

export interface VoiceOptions {
  at?: number;
  weeks?: number;
  touchpoint?: string;
  top?: number;
  sample?: number;
  segment?: number;
}

/**
 * Volume, trend (the last half of the window against the first) and themes per touchpoint and space, over
 * `weeks` weeks before `at`: the weekly counts (small: touchpoints x spaces x weeks rows) are read here;
 * `texts` is the query of up to `sample` of the most recent messages per touchpoint and space, whose rows
 * go into a VoiceBuilder.
 */
export async function voiceQueries(
  engine: Engine,
  options: VoiceOptions = {},
): Promise<{ frame: VoiceFrame; texts: string; params: QueryParams }> {
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
  const weekly = await engine.query<WeeklyVoiceRow>(
    `SELECT e.touchpoint AS touchpoint, e.behaviour AS behaviour, toString(toMonday(e.timestamp)) AS week,
            count() AS messages, countIf(e.timestamp > {middle:DateTime64(3)}) AS recent
     FROM events AS e FINAL ${IDENTITY_JOIN} WHERE ${where}
     GROUP BY touchpoint, behaviour, week ORDER BY touchpoint, behaviour, week`,
    params,
  );
  const texts = `SELECT e.touchpoint AS touchpoint, e.behaviour AS behaviour, e.text AS text,
            toUnixTimestamp64Milli(e.timestamp) AS ms, ${CUSTOMER_OF_EVENT} AS customer_id
     FROM events AS e FINAL ${IDENTITY_JOIN} WHERE ${where}
     ORDER BY ms DESC LIMIT {sample:UInt32} BY touchpoint, behaviour`;
  return { frame: { at, weeks, top: options.top ?? 5, weekly }, texts, params };
}

/** The voice of the customer, computed on this thread (the CLI; a server runs it in its analytic lane). */
export async function voiceOfCustomer(engine: Engine, options: VoiceOptions = {}): Promise<VoiceResult> {
  const { frame, texts, params } = await voiceQueries(engine, options);
  const builder = new VoiceBuilder(frame);
  for (const row of await engine.query<VoiceTextRow>(texts, params)) builder.add(row);
  return builder.result();
}
