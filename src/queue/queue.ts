/**
 * The durable queue between stateless collectors and the store's one ordered loader (issue 21). A small
 * interface, so that a Kafka adapter could follow the NATS JetStream one (nats.ts).
 */
import type { FailedEvent, StoredEvent } from "../collect/event-schema.js";

/** What a collector publishes: a normalised event, or a rejected payload kept with its reason. */
export type QueuedRecord = { kind: "event"; row: StoredEvent } | { kind: "failure"; row: FailedEvent };

export interface QueuePublisher {
  /** Resolves once the queue has durably stored every record (a replay of one is recognised as such). */
  publish(records: readonly QueuedRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** Records taken from the queue, in its order; acknowledged together once the store committed them. */
export interface QueueBatch {
  records: QueuedRecord[];
  ack(): Promise<void>;
}

export interface QueueConsumer {
  /** Up to `max` records, waiting at most `waitMs` for the first; an empty batch when none came. */
  next(max: number, waitMs: number): Promise<QueueBatch>;
  /**
   * Takes again from just after the last acknowledged message (after a failed or broken take: whatever it
   * delivered must come again before anything newer). Batches not yet acknowledged must not be acknowledged after it.
   */
  rewind(): Promise<void>;
}

export interface QueueStatus {
  stream: string;
  /** Messages the stream holds (it keeps them by its limits, also after the loader took them). */
  messages: number;
  bytes: number;
  /** Messages the loader has not taken yet, and taken but not yet acknowledged. */
  pending: number;
  ackPending: number;
  /** Messages delivered more than once (a loader that stopped before acknowledging). */
  redelivered: number;
  /** The newest message's sequence, and the last one the loader acknowledged. */
  lastSequence: number;
  ackedSequence: number;
}

/** The queue cannot take or give messages now (down, unreachable, or too slow to acknowledge). */
export class QueueUnavailableError extends Error {}

/** The deduplication id of a record: the event's identity key and id (what the store deduplicates by). */
export function recordId(record: QueuedRecord): string | undefined {
  return record.kind === "event" ? `${record.row.identity_key}/${record.row.event_id}` : undefined;
}

/** How many subjects events are spread over, by identity key (one customer's events keep one subject). */
export const PARTITIONS = 16;

/** The partition of an identity key (FNV-1a), stable across processes and versions. */
export function partitionOf(identityKey: string): number {
  let h = 2166136261;
  for (let i = 0; i < identityKey.length; i++) h = Math.imul(h ^ identityKey.charCodeAt(i), 16777619);
  return (h >>> 0) % PARTITIONS;
}
