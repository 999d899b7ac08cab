/**
 * Validates a batch of incoming events item by item, commits the good ones and keeps every rejected one in
 * failed_events with its reason. One bad event never sinks a batch; callers learn which item failed and why.
 */
import { formatTime } from "../store/time.js";
import type { FailedEvent, StoredEvent } from "./event-schema.js";
import { normaliseEvent, type Rejection, Sequence } from "./normalise.js";
import type { EventSink } from "./sink.js";

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
  ) {}

  /** Stores a whole-request failure (bad JSON, oversize body, bad key) so nothing sent disappears. */
  async reject(payload: string, source: string, rejection: Rejection): Promise<void> {
    await this.sink.writeFailures([
      {
        received_at: formatTime(Date.now()),
        source,
        field: rejection.field,
        reason: rejection.reason,
        payload,
      },
    ]);
  }

  /** `bodyBytes`: size of the request that carried the items; when it is under the event limit, no item can exceed it. */
  async collect(
    items: unknown[],
    source: string,
    options: { receivedAt?: number; bodyBytes?: number } = {},
  ): Promise<BatchResult> {
    const receivedAt = options.receivedAt ?? Date.now();
    const small =
      options.bodyBytes !== undefined &&
      options.bodyBytes <= (this.maxEventBytes ?? Number.POSITIVE_INFINITY);
    const good: StoredEvent[] = [];
    const failed: FailedEvent[] = [];
    const details: ItemError[] = [];
    const receivedText = formatTime(receivedAt);
    items.forEach((item, index) => {
      const result = normaliseEvent(item, {
        source,
        receivedAt,
        sequence: this.sequence,
        maxEventBytes: this.maxEventBytes,
        receivedText,
        sizeBytes: small ? options.bodyBytes : undefined,
      });
      if ("ok" in result) {
        good.push(result.ok);
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
        field: result.rejected.field,
        reason: result.rejected.reason,
        payload: safeStringify(item),
      });
    });
    await Promise.all([this.sink.writeEvents(good), this.sink.writeFailures(failed)]);
    return { size: items.length, processed: good.length, errors: failed.length, details };
  }
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
