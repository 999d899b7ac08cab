/**
 * The queue on NATS JetStream (the official client). One stream holds events on `PREFIX.events.N` (N: the
 * partition of the identity key, so one customer's events share a subject and keep their order) and
 * rejected payloads on `PREFIX.failed`; file storage, retention by limits, a duplicate window of 20 minutes
 * (a publish repeated within it, e.g. a collector's retry, is stored once). The store's loader reads it
 * through one durable pull consumer that acknowledges everything up to a message at once.
 */
import {
  AckPolicy,
  type ConsumerInfo,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { connect, type NatsConnection, nanos } from "@nats-io/transport-node";
import {
  partitionOf,
  type QueueBatch,
  type QueueConsumer,
  type QueuedRecord,
  type QueuePublisher,
  type QueueStatus,
  QueueUnavailableError,
  recordId,
} from "./queue.js";

export interface NatsQueueOptions {
  /** nats://host:port (several separated by commas). */
  url: string;
  /** Stream name (default CUSTOMER_FLOW) and subject prefix (default customer-flow): tests use their own. */
  stream?: string;
  subjectPrefix?: string;
  /** Milliseconds a publish waits for JetStream's acknowledgement before the request is answered 503. */
  publishTimeoutMs?: number;
  /** Create the stream and the loader's consumer when missing (default); `false` only looks (queue status). */
  create?: boolean;
}

export const DEFAULT_STREAM = "CUSTOMER_FLOW";
export const DEFAULT_SUBJECT_PREFIX = "customer-flow";
const LOADER = "loader";
/** At least the 10 minutes the issue asks for: SDKs retry for minutes. */
const DUPLICATE_WINDOW_MS = 20 * 60_000;
/** Unacknowledged messages go back to the loader after this long (a loader that died mid-batch). */
const ACK_WAIT_MS = 60_000;
/** Times (50 ms apart) the loader consumer's state is asked for while a rewind may be adding it again. */
const REWIND_GRACE_TRIES = 20;

/** The one loader's durable pull consumer: acknowledging a message acknowledges every earlier one. */
function loaderConfig() {
  return {
    durable_name: LOADER,
    ack_policy: AckPolicy.All,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ACK_WAIT_MS),
    max_ack_pending: 200_000,
  };
}

export class NatsQueue implements QueuePublisher {
  private constructor(
    private readonly connection: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
    private readonly prefix: string,
    private readonly publishTimeoutMs: number,
  ) {
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === "disconnect") this.isConnected = false;
        if (status.type === "reconnect") this.isConnected = true;
      }
    })();
  }

  private isConnected = true;

  /**
   * Connects (failing within a few seconds when nothing answers), then creates or checks the stream and
   * the loader's consumer. After that the client reconnects by itself for as long as it takes.
   */
  static async open(options: NatsQueueOptions): Promise<NatsQueue> {
    let connection: NatsConnection;
    try {
      connection = await connect({
        servers: options.url.split(","),
        name: "customer-flow",
        timeout: 3_000,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        // No stack trace captured per publish: with it, building errors that are never thrown was a fifth of the CPU.
        noAsyncTraces: true,
      });
    } catch (error) {
      throw new QueueUnavailableError(
        `cannot reach NATS at ${options.url} (${(error as Error).message}); start a NATS server with JetStream (nats-server -js) or pass --queue with its address`,
      );
    }
    const jsm = await jetstreamManager(connection).catch(async (error: Error) => {
      await connection.close();
      throw new QueueUnavailableError(
        `NATS at ${options.url} has no JetStream (${error.message}); start it with -js`,
      );
    });
    const queue = new NatsQueue(
      connection,
      jetstream(connection),
      jsm,
      options.stream ?? DEFAULT_STREAM,
      options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX,
      options.publishTimeoutMs ?? 5_000,
    );
    if (options.create === false) await queue.mustExist(options.url);
    else await queue.ensureStream();
    return queue;
  }

  private async ensureStream(): Promise<void> {
    const config = {
      name: this.stream,
      subjects: [`${this.prefix}.events.*`, `${this.prefix}.failed`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_age: nanos(7 * 24 * 3_600_000),
    };
    try {
      const info = await this.jsm.streams.info(this.stream);
      if (info.config.duplicate_window < config.duplicate_window)
        await this.jsm.streams.update(this.stream, { duplicate_window: config.duplicate_window });
    } catch (error) {
      if (!/stream not found/i.test(String((error as Error).message))) throw error;
      await this.jsm.streams.add(config);
    }
    try {
      await this.jsm.consumers.info(this.stream, LOADER);
    } catch (error) {
      if (!/consumer not found/i.test(String((error as Error).message))) throw error;
      await this.jsm.consumers.add(this.stream, loaderConfig());
    }
  }

  private async mustExist(url: string): Promise<void> {
    try {
      await this.jsm.consumers.info(this.stream, LOADER);
    } catch (error) {
      await this.close();
      throw new QueueUnavailableError(
        `no stream ${this.stream} with a loader on ${url} (${(error as Error).message}); a store node or a collector creates it at start`,
      );
    }
  }

  private subjectOf(record: QueuedRecord): string {
    return record.kind === "event"
      ? `${this.prefix}.events.${partitionOf(record.row.identity_key)}`
      : `${this.prefix}.failed`;
  }

  async publish(records: readonly QueuedRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.connection.isClosed()) throw new QueueUnavailableError("the connection to NATS is closed");
    try {
      await Promise.all(
        records.map((record) => {
          const id = recordId(record);
          return this.js.publish(this.subjectOf(record), JSON.stringify(record), {
            timeout: this.publishTimeoutMs,
            ...(id ? { msgID: id } : {}),
          });
        }),
      );
    } catch (error) {
      throw new QueueUnavailableError(
        `the queue did not acknowledge the events: ${(error as Error).message}`,
      );
    }
  }

  /**
   * The loader's side: its durable consumer. A loader that died held a batch it never acknowledged; the
   * consumer would give it again only after the ack wait, behind newer messages, and acknowledging those
   * (AckPolicy.All) would acknowledge it unwritten. So a starting loader first moves the consumer back to
   * just after the last acknowledged message: what was not acknowledged comes again, first, in order.
   * The same holds within a run: batches must follow each other without a gap in the stream's sequence
   * (a fetch that failed half-way delivered messages nobody took); a gap, or a failed fetch, moves the
   * consumer back the same way before anything newer is taken.
   */
  async consumer(): Promise<QueueConsumer> {
    let consumer = await this.js.consumers.get(this.stream, LOADER);
    /** The stream sequence the next message must have. */
    let expected = 0;
    const rewind = async (always: boolean) => {
      const [info, stream] = await Promise.all([
        this.jsm.consumers.info(this.stream, LOADER),
        this.jsm.streams.info(this.stream),
      ]);
      const floor = info.ack_floor.stream_seq;
      if (always || info.num_ack_pending > 0 || info.delivered.stream_seq > floor) {
        await this.jsm.consumers.delete(this.stream, LOADER);
        await this.jsm.consumers.add(this.stream, {
          ...loaderConfig(),
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: floor + 1,
        });
        consumer = await this.js.consumers.get(this.stream, LOADER);
      }
      // Messages older than the stream keeps (max age) are gone: the first one kept comes next.
      expected = Math.max(floor + 1, stream.state.first_seq);
    };
    await rewind(false);
    return {
      next: async (max, waitMs): Promise<QueueBatch> => {
        const messages = await consumer.fetch({ max_messages: max, expires: Math.max(1_000, waitMs) });
        const records: QueuedRecord[] = [];
        let last: { ackAck(): Promise<boolean> } | undefined;
        for await (const message of messages) {
          const sequence = message.info.streamSequence;
          if (sequence !== expected)
            throw new QueueUnavailableError(
              `the queue gave message ${sequence} where ${expected} was due; taking again from the last acknowledged`,
            );
          expected++;
          records.push(message.json<QueuedRecord>());
          last = message;
        }
        return {
          records,
          // Acknowledging the last acknowledges every earlier one (AckPolicy.All), confirmed by the server.
          ack: async () => {
            if (last && !(await last.ackAck()))
              throw new QueueUnavailableError("NATS did not confirm the acknowledgement");
          },
        };
      },
      rewind: () => rewind(true),
    };
  }

  async status(): Promise<QueueStatus> {
    const [stream, consumer] = await Promise.all([this.jsm.streams.info(this.stream), this.loaderInfo()]);
    return {
      stream: this.stream,
      messages: stream.state.messages,
      bytes: stream.state.bytes,
      pending: consumer.num_pending,
      ackPending: consumer.num_ack_pending,
      redelivered: consumer.num_redelivered,
      lastSequence: stream.state.last_seq,
      ackedSequence: consumer.ack_floor.stream_seq,
    };
  }

  /**
   * The loader consumer's state. A loader that rewinds deletes its consumer and adds it again at once
   * (consumer()), so "not found" is asked again for a moment before it counts.
   */
  private async loaderInfo(): Promise<ConsumerInfo> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.jsm.consumers.info(this.stream, LOADER);
      } catch (error) {
        if (attempt >= REWIND_GRACE_TRIES || !/consumer not found/i.test(String((error as Error).message)))
          throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Whether the client is connected to NATS now (it reconnects by itself after an outage). */
  get connected(): boolean {
    return this.isConnected && !this.connection.isClosed();
  }

  /** Deletes the stream and its consumer (tests and benches that made their own). */
  async destroy(): Promise<void> {
    await this.jsm.streams.delete(this.stream);
  }

  async close(): Promise<void> {
    if (!this.connection.isClosed()) await this.connection.drain().catch(() => this.connection.close());
  }
}
