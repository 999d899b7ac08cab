/**
 * The load and the reckoning of the crash benches (crash.ts: one `serve`; queue-crash.ts: collectors and a
 * store node behind NATS): batches whose every field derives from the messageId, so a retry resends the
 * identical event, and the count of each acknowledged messageId in the store afterwards.
 */
import { ChdbEngine } from "../src/store/chdb-engine.js";

const auth = `Basic ${Buffer.from("wk:").toString("base64")}`;

/** Sends one batch of these ids (ids look like `prefix-N`); true when it was acknowledged. */
async function sendCrashBatch(url: string, ids: string[], event: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: auth },
      body: JSON.stringify({
        batch: ids.map((id) => ({
          type: "track",
          messageId: id,
          userId: `crash-user-${Number(id.slice(id.lastIndexOf("-") + 1)) % 37}`,
          event,
          properties: { channel: "web", id },
        })),
      }),
    });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * The senders' shared state: ids handed out in order (`prefix-N`), the ids acknowledged, and the retries
 * sent (every fifth batch also resends 20 acknowledged ids, as an SDK retry after a lost answer would).
 */
export class CrashLoad {
  readonly acknowledged: string[] = [];
  retriesSent = 0;
  private next = 0;

  constructor(
    private readonly prefix: string,
    private readonly batchSize: number,
    private readonly event: string,
  ) {}

  /** Sends the next batch to `url`; true when it was acknowledged (its ids are then recorded). */
  async send(url: string): Promise<boolean> {
    const ids = Array.from({ length: this.batchSize }, () => `${this.prefix}-${this.next++}`);
    if (this.acknowledged.length > 0 && this.next % 5 === 0) {
      const start = Math.floor(Math.random() * this.acknowledged.length);
      const retries = this.acknowledged.slice(start, start + 20);
      this.retriesSent += retries.length;
      ids.push(...retries);
    }
    const ok = await sendCrashBatch(url, ids, this.event);
    if (ok) this.acknowledged.push(...ids);
    return ok;
  }
}

/** How many of the acknowledged ids the store misses, and how many ids it holds more than once (FINAL). */
export async function reckon(
  dataDir: string,
  acknowledged: readonly string[],
): Promise<{ acknowledged: number; missing: number; duplicated: number }> {
  const engine = await ChdbEngine.open(dataDir, "customer_flow");
  try {
    const counts = new Map<string, number>();
    for await (const row of engine.stream<{ event_id: string; n: string }>(
      "SELECT event_id, count() AS n FROM events FINAL GROUP BY event_id",
    ))
      counts.set(row.event_id, Number(row.n));
    const unique = [...new Set(acknowledged)];
    return {
      acknowledged: unique.length,
      missing: unique.filter((id) => !counts.has(id)).length,
      duplicated: [...counts.values()].filter((n) => n > 1).length,
    };
  } finally {
    await engine.close();
  }
}
