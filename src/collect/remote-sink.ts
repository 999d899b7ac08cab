/** The sink of a running server, for CLI imports into a data folder that server holds. */

import { toNdjson } from "../store/engine.js";
import type { ServerInfo } from "../store/proxy-engine.js";
import { RemoteEngineError } from "../store/proxy-engine.js";
import type { FailedEvent, StoredEvent } from "./event-schema.js";
import type { EventSink } from "./sink.js";

export class RemoteSink implements EventSink {
  constructor(private readonly server: ServerInfo) {}

  private async post(path: string, rows: object[]): Promise<void> {
    if (rows.length === 0) return;
    const response = await fetch(`${this.server.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.server.adminKey}`, "content-type": "application/x-ndjson" },
      body: new Uint8Array(toNdjson(rows)),
    });
    if (!response.ok) throw new RemoteEngineError(await response.text());
  }

  writeEvents(events: StoredEvent[]): Promise<void> {
    return this.post("/internal/ingest/events", events);
  }

  writeFailures(failures: FailedEvent[]): Promise<void> {
    return this.post("/internal/ingest/failures", failures);
  }

  async close(): Promise<void> {}
}
