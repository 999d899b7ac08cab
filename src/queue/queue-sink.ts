/** A stateless collector's sink: what the collector accepts or rejects goes to the queue, not to a store. */
import type { FailedEvent, StoredEvent } from "../collect/event-schema.js";
import type { EventSink } from "../collect/sink.js";
import type { QueuePublisher } from "./queue.js";

export class QueueSink implements EventSink {
  constructor(private readonly queue: QueuePublisher) {}

  /** Resolves once the queue stored every event (the HTTP request is answered only then). */
  writeEvents(events: StoredEvent[]): Promise<void> {
    return this.queue.publish(events.map((row) => ({ kind: "event" as const, row })));
  }

  writeFailures(failures: FailedEvent[]): Promise<void> {
    return this.queue.publish(failures.map((row) => ({ kind: "failure" as const, row })));
  }

  async close(): Promise<void> {}
}
