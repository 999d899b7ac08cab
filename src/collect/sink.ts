/**
 * Where normalised events go: events and failed events are group-committed; identity links asserted by a
 * batch are applied before its events are written, so an acknowledged event is always stitched.
 */
import { linksOf } from "../identity/identifiers.js";
import { applyLinks, KnownLinks } from "../identity/identity-store.js";
import type { Engine } from "../store/engine.js";
import { type GroupCommitOptions, GroupCommitter } from "./committer.js";
import type { FailedEvent, StoredEvent } from "./event-schema.js";

export interface EventSink {
  /** Resolves after the events are committed (and stitched). */
  writeEvents(events: StoredEvent[]): Promise<void>;
  /** Resolves after the rejected payloads are committed to failed_events. */
  writeFailures(failures: FailedEvent[]): Promise<void>;
  close(): Promise<void>;
}

export class EngineSink implements EventSink {
  private readonly events: GroupCommitter<StoredEvent>;
  private readonly failures: GroupCommitter<FailedEvent>;
  private readonly knownLinks = new KnownLinks();

  constructor(
    private readonly engine: Engine,
    options?: GroupCommitOptions,
  ) {
    // Identity first (batch after batch, in order), then the events.
    this.events = new GroupCommitter(
      { prepare: (rows) => this.stitch(rows), write: (rows) => engine.insert("events", rows) },
      options,
    );
    this.failures = new GroupCommitter((rows) => engine.insert("failed_events", rows), options);
  }

  private async stitch(rows: StoredEvent[]): Promise<void> {
    const links = [];
    for (const row of rows)
      if (row.user_id || row.traits !== "{}" || row.type === "alias") links.push(...linksOf(row));
    await applyLinks(this.engine, links, this.knownLinks);
  }

  writeEvents(events: StoredEvent[]): Promise<void> {
    return this.events.submit(events);
  }

  writeFailures(failures: FailedEvent[]): Promise<void> {
    return this.failures.submit(failures);
  }

  async close(): Promise<void> {
    await Promise.all([this.events.close(), this.failures.close()]);
  }
}
