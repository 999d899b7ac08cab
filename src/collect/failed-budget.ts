/**
 * The size cap of failed_events. Rejected payloads are kept so nothing sent disappears, but a sender with
 * the (public) write key could otherwise fill the disk with garbage: once the table holds more than its
 * cap, further rejections are still recorded (time, source, field, reason) without their payload. Rows
 * also expire after 30 days (the table's TTL, migration 8).
 */
import type { Engine } from "../store/engine.js";
import { failedEventsTtl } from "../store/schema.js";
import type { FailedEvent } from "./event-schema.js";

/** Days rejected payloads are kept by default (the table's TTL, migration 8). */
export const DEFAULT_FAILED_RETENTION_DAYS = 30;

/** Sets how long failed_events keeps its rows (serve --failed-retention-days); rows past it expire. */
export async function setFailedRetention(engine: Engine, days: number): Promise<void> {
  if (!Number.isInteger(days) || days < 1)
    throw new Error("failed-events retention: a whole number of days >= 1");
  await engine.command(`ALTER TABLE failed_events MODIFY TTL ${failedEventsTtl(days)}`);
}

/** Default cap on failed_events' size on disk: CUSTOMER_FLOW_FAILED_EVENTS_MAX_MB, else 1 GiB. */
export function failedEventsCapFromEnv(): number {
  const mb = Number(process.env.CUSTOMER_FLOW_FAILED_EVENTS_MAX_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : 1024) * 1024 * 1024;
}

/** How often the table's size on disk is read again; between reads, written payload bytes are added. */
const MEASURE_EVERY_MS = 60_000;

export class FailedEventsBudget {
  private measuredBytes = 0;
  private writtenSince = 0;
  private measuredAt = Number.NEGATIVE_INFINITY;
  /** Rejections stored without their payload because the table was over its cap. */
  droppedPayloads = 0;

  constructor(
    private readonly engine: Engine,
    private readonly capBytes = failedEventsCapFromEnv(),
  ) {}

  private async used(): Promise<number> {
    if (Date.now() - this.measuredAt >= MEASURE_EVERY_MS) {
      const [row] = await this.engine.query<{ bytes: number }>(
        `SELECT sum(bytes_on_disk) AS bytes FROM system.parts
         WHERE database = currentDatabase() AND table = 'failed_events' AND active`,
      );
      this.measuredBytes = Number(row?.bytes ?? 0);
      this.writtenSince = 0;
      this.measuredAt = Date.now();
    }
    return this.measuredBytes + this.writtenSince;
  }

  /** The rows to store: as they are while under the cap, without payloads over it. */
  async admit(rows: FailedEvent[]): Promise<FailedEvent[]> {
    if (rows.length === 0) return rows;
    if ((await this.used()) < this.capBytes) {
      for (const row of rows) this.writtenSince += row.payload.length;
      return rows;
    }
    this.droppedPayloads += rows.length;
    return rows.map((row) => ({
      ...row,
      reason: `${row.reason} (payload not kept: failed_events is over its size cap)`,
      payload: "",
    }));
  }
}
