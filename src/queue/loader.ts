/**
 * The store node's loader: takes batches from the queue in its order, writes them through the store's sink
 * (identity stitching in that order, then the insert) and acknowledges them only once the engine committed
 * them. A batch that fails is written again (never skipped: the next batch waits, so order holds); a loader
 * that stops before acknowledging gets the batch again at its next start, and the store deduplicates the
 * events it already holds by identity key and event id.
 */
import type { FailedEvent, StoredEvent } from "../collect/event-schema.js";
import type { EventSink } from "../collect/sink.js";
import type { Suppressions } from "../privacy/suppressions.js";
import type { QueueConsumer } from "./queue.js";

export interface LoaderStats {
  batches: number;
  events: number;
  failures: number;
  /** Writes or acknowledgements that failed and were tried again. */
  retries: number;
  lastError: string | null;
  lastBatchAt: string | null;
}

export interface LoaderOptions {
  /** Most messages per batch (default 50,000: large inserts cost the engine less per row) and how long to wait for the first (default 1 s). */
  maxBatch?: number;
  waitMs?: number;
  /** Pause after a failure before trying again (default 1 s). */
  retryMs?: number;
  onError?: (message: string, error: unknown) => void;
}

export class QueueLoader {
  readonly stats: LoaderStats = {
    batches: 0,
    events: 0,
    failures: 0,
    retries: 0,
    lastError: null,
    lastBatchAt: null,
  };
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly consumer: QueueConsumer,
    private readonly sink: EventSink,
    private readonly suppressions?: Suppressions,
    private readonly options: LoaderOptions = {},
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    const maxBatch = this.options.maxBatch ?? 50_000;
    const waitMs = this.options.waitMs ?? 1_000;
    // The next batch is fetched while this one is written (it is written and acknowledged only after).
    const take = () =>
      this.consumer.next(maxBatch, waitMs).then(
        (batch) => ({ batch }),
        (error: unknown) => ({ error }),
      );
    let next = take();
    while (!this.stopped) {
      const taken = await next;
      if ("error" in taken) {
        await this.failed(
          "taking a batch from the queue failed; taking again from the last acknowledged",
          taken.error,
        );
        // What a broken take delivered comes again first: nothing newer is taken (or acknowledged) before it.
        for (;;) {
          try {
            await this.consumer.rewind();
            break;
          } catch (error) {
            await this.failed("moving the queue's consumer back failed; trying again", error);
            if (this.stopped) return;
          }
        }
        next = take();
        continue;
      }
      const batch = taken.batch;
      next = take();
      if (batch.records.length === 0) continue;
      const events: StoredEvent[] = [];
      const failures: FailedEvent[] = [];
      for (const record of batch.records) {
        if (record.kind === "failure") failures.push(record.row);
        else if (!this.suppressions?.suppresses(record.row)) events.push(record.row);
        else this.suppressions.dropped++;
      }
      // Written until it is committed: the next batch never goes first.
      for (;;) {
        try {
          // Copies: the sink rewrites rows in place (hashed identifiers), and a retry must start from the originals.
          await Promise.all([
            this.sink.writeEvents(events.map((row) => ({ ...row }))),
            this.sink.writeFailures(failures.map((row) => ({ ...row }))),
          ]);
          break;
        } catch (error) {
          await this.failed("writing a batch from the queue failed; trying again", error);
          if (this.stopped) return;
        }
      }
      try {
        await batch.ack();
      } catch (error) {
        // The queue sends the batch again after its ack wait; the store deduplicates it.
        await this.failed("acknowledging a loaded batch failed; the queue will redeliver it", error);
      }
      this.stats.batches++;
      this.stats.events += events.length;
      this.stats.failures += failures.length;
      this.stats.lastBatchAt = new Date().toISOString();
    }
  }

  private async failed(message: string, error: unknown): Promise<void> {
    this.stats.retries++;
    this.stats.lastError = `${message}: ${(error as Error).message ?? String(error)}`;
    this.options.onError?.(message, error);
    if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 1_000));
  }

  /** Stops taking batches; resolves once the batch under way is written and acknowledged. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
