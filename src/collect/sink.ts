/**
 * Where normalised events go: events and failed events are group-committed; identity links asserted by a
 * batch are applied before its events are written, so an acknowledged event is always stitched.
 */
import { loadModel } from "../behaviour/classifier.js";
import { behaviourColumns } from "../behaviour/columns.js";
import type { BehaviourModel } from "../behaviour/model.js";
import { linksOf } from "../identity/identifiers.js";
import { applyLinks, DEFAULT_MAX_IDENTIFIERS, KnownLinks } from "../identity/identity-store.js";
import { inSlices, SERVING_SLICE_ROWS } from "../lanes/slices.js";
import { piiHasherOf } from "../privacy/settings.js";
import type { Engine } from "../store/engine.js";
import { type GroupCommitOptions, GroupCommitter } from "./committer.js";
import type { FailedEvent, StoredEvent } from "./event-schema.js";
import { FailedEventsBudget } from "./failed-budget.js";

export interface EventSink {
  /** Resolves after the events are committed (and stitched). */
  writeEvents(events: StoredEvent[]): Promise<void>;
  /** Resolves after the rejected payloads are committed to failed_events. */
  writeFailures(failures: FailedEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** The identifier cap per customer: CUSTOMER_FLOW_MAX_IDENTIFIERS, else 100 (docs/security.md). */
function maxIdentifiersFromEnv(): number {
  const value = Number(process.env.CUSTOMER_FLOW_MAX_IDENTIFIERS);
  return Number.isInteger(value) && value >= 2 ? value : DEFAULT_MAX_IDENTIFIERS;
}

export class EngineSink implements EventSink {
  private readonly events: GroupCommitter<StoredEvent>;
  private readonly failures: GroupCommitter<FailedEvent>;
  private readonly knownLinks = new KnownLinks();
  private readonly committedListeners: Array<(rows: StoredEvent[]) => void | Promise<void>> = [];
  /** Trait merges refused because the customer would pass the identifier cap (also stored as inactive links). */
  refusedMerges = 0;
  private readonly reportRefusedMerge = () => {
    this.refusedMerges++;
  };
  private readonly maxIdentifiers = maxIdentifiersFromEnv();
  readonly failedBudget: FailedEventsBudget;

  /** The model labelling texts: a fixed one, or one read at each batch (the store's model in use can change). */
  private readonly model: () => BehaviourModel;

  constructor(
    private readonly engine: Engine,
    options?: GroupCommitOptions,
    model: BehaviourModel | (() => BehaviourModel) = loadModel(),
  ) {
    this.model = typeof model === "function" ? model : () => model;
    this.failedBudget = new FailedEventsBudget(engine);
    // Identity first (batch after batch, in order), then the events, each text labelled with its behaviour.
    this.events = new GroupCommitter(
      {
        prepare: (rows) => this.stitch(rows),
        write: async (rows) => {
          const model = this.model();
          await inSlices(rows, SERVING_SLICE_ROWS, (slice) => labelBehaviour(slice, model));
          await engine.insert("events", rows);
          // Resolved (acknowledged) only once every listener has applied the batch.
          for (const listener of this.committedListeners) await listener(rows);
        },
      },
      options,
    );
    this.failures = new GroupCommitter(
      async (rows) => engine.insert("failed_events", await this.failedBudget.admit(rows)),
      options,
    );
  }

  private async stitch(rows: StoredEvent[]): Promise<void> {
    const links = [];
    for (const row of rows)
      if (row.user_id || row.traits !== "{}" || row.type === "alias") links.push(...linksOf(row));
    await applyLinks(this.engine, links, {
      known: this.knownLinks,
      maxIdentifiers: this.maxIdentifiers,
      onRefused: this.reportRefusedMerge,
    });
  }

  /** An erasure deleted identity links: forget which links are known to be stored. */
  forgetKnownLinks(): void {
    this.knownLinks.clear();
  }

  /**
   * Called with every batch of events once committed (e.g. to keep an in-memory index current), one batch
   * at a time; the batch's writers are answered after the listeners' promises settle.
   */
  onCommitted(listener: (rows: StoredEvent[]) => void | Promise<void>): void {
    this.committedListeners.push(listener);
  }

  writeEvents(events: StoredEvent[]): Promise<void> {
    // A store that keeps identifiers hashed (serve --hash-pii) gets traits without them in clear.
    const pii = piiHasherOf(this.engine);
    if (pii)
      for (const event of events) {
        event.traits = pii.traitsJson(event.traits);
        event.context = pii.contextJson(event.context);
      }
    return this.events.submit(events);
  }

  writeFailures(failures: FailedEvent[]): Promise<void> {
    const pii = piiHasherOf(this.engine);
    if (pii) for (const failure of failures) failure.payload = pii.payloadText(failure.payload);
    return this.failures.submit(failures);
  }

  async close(): Promise<void> {
    await Promise.all([this.events.close(), this.failures.close()]);
  }
}

/** Sets behaviour, labels and scores on every event that carries text and has none yet. */
export function labelBehaviour(rows: readonly StoredEvent[], model: BehaviourModel): readonly StoredEvent[] {
  for (const row of rows) {
    if (row.text === "" || row.behaviour !== "") continue;
    Object.assign(row, behaviourColumns(row.text, model));
  }
  return rows;
}
