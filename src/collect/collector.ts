/**
 * Validates a batch of incoming events item by item, commits the good ones and keeps every rejected one in
 * failed_events with its reason. One bad event never sinks a batch; callers learn which item failed and why.
 */

import type { Suppressions } from "../privacy/suppressions.js";
import { formatTime } from "../store/time.js";
import type { FailedEvent, StoredEvent } from "./event-schema.js";
import {
  MAX_EVENT_DEPTH,
  type NormaliseOptions,
  normaliseEvent,
  type Rejection,
  Sequence,
  type StepResult,
} from "./normalise.js";
import type { EventSink } from "./sink.js";
import { wellFormed, wellFormedJson } from "./well-formed.js";

export interface ItemError {
  index: number;
  messageId?: string;
  field: string;
  reason: string;
}

export interface BatchResult {
  size: number;
  processed: number;
  errors: number;
  details: ItemError[];
}

export class Collector {
  private readonly sequence = new Sequence();

  constructor(
    private readonly sink: EventSink,
    private readonly maxEventBytes?: number,
    /** Identifiers whose events are dropped unstored (privacy regulations); none when absent. */
    private readonly suppressions?: Suppressions,
  ) {}

  /** Stores a whole-request failure (bad JSON, oversize body, bad key) so nothing sent disappears. */
  async reject(payload: string, source: string, rejection: Rejection): Promise<void> {
    await this.sink.writeFailures([
      {
        received_at: formatTime(Date.now()),
        source,
        field: rejection.field,
        reason: wellFormed(rejection.reason),
        payload: cutPayload(wellFormed(payload)),
      },
    ]);
  }

  /**
   * `bodyBytes`: size of the request that carried the items; when it is under the event limit, no item can
   * exceed it. `allowOutbound`: whether the sender may write the brand's outbound events (admin only).
   */
  async collect(
    items: unknown[],
    source: string,
    options: { receivedAt?: number; bodyBytes?: number; allowOutbound?: boolean } = {},
  ): Promise<BatchResult> {
    const receivedAt = options.receivedAt ?? Date.now();
    const small =
      options.bodyBytes !== undefined &&
      options.bodyBytes <= (this.maxEventBytes ?? Number.POSITIVE_INFINITY);
    const good: StoredEvent[] = [];
    const failed: FailedEvent[] = [];
    const details: ItemError[] = [];
    const receivedText = formatTime(receivedAt);
    let suppressed = 0;
    items.forEach((item, index) => {
      const result = normaliseSafely(item, {
        source,
        receivedAt,
        sequence: this.sequence,
        maxEventBytes: this.maxEventBytes,
        receivedText,
        sizeBytes: small ? options.bodyBytes : undefined,
        allowOutbound: options.allowOutbound ?? false,
      });
      if ("ok" in result) {
        if (this.suppressions?.suppresses(result.ok)) suppressed++;
        else good.push(result.ok);
        return;
      }
      // A suppressed person's events are acknowledged and kept nowhere, rejected ones included.
      if (this.suppressions?.suppressesRaw(item)) {
        suppressed++;
        return;
      }
      const messageId = (item as { messageId?: unknown } | null)?.messageId;
      details.push({
        index,
        messageId: typeof messageId === "string" ? messageId : undefined,
        ...result.rejected,
      });
      failed.push({
        received_at: receivedText,
        source,
        field: wellFormed(result.rejected.field),
        reason: wellFormed(result.rejected.reason),
        payload: payloadText(item),
      });
    });
    if (this.suppressions) this.suppressions.dropped += suppressed;
    await Promise.all([this.sink.writeEvents(good), this.sink.writeFailures(failed)]);
    return { size: items.length, processed: good.length + suppressed, errors: failed.length, details };
  }
}

/** normaliseEvent, with any exception (a bug, or input no check foresaw) turned into this item's rejection. */
function normaliseSafely(item: unknown, options: NormaliseOptions): StepResult<StoredEvent> {
  try {
    return normaliseEvent(item, options);
  } catch (error) {
    return { rejected: { field: "(event)", reason: `could not be read: ${(error as Error).message}` } };
  }
}

/** Longest payload kept for a rejected item (the request limit is larger; the reason says why it failed). */
const MAX_FAILED_PAYLOAD = 64 * 1024;

/**
 * The rejected item as JSON for failed_events: nesting past MAX_EVENT_DEPTH is written as "[nested]", so a
 * hostile depth cannot overflow the stack, and the text is cut at MAX_FAILED_PAYLOAD characters.
 */
export function payloadText(value: unknown): string {
  return cutPayload(wellFormedJson(cutDepth(value, MAX_EVENT_DEPTH)));
}

const cutPayload = (text: string) =>
  text.length > MAX_FAILED_PAYLOAD ? `${text.slice(0, MAX_FAILED_PAYLOAD)}…[cut]` : text;

function cutDepth(value: unknown, levels: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (levels <= 0) return "[nested]";
  if (Array.isArray(value)) return value.map((v) => cutDepth(v, levels - 1));
  // No prototype: a key named __proto__ stays a plain key.
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, v] of Object.entries(value)) out[key] = cutDepth(v, levels - 1);
  return out;
}
