/** Counts an import's results line by line and collects the rows to write; shared by both import paths. */
import type { FailedEvent, StoredEvent } from "./event-schema.js";
import type { StepResult } from "./normalise.js";

export interface ImportRejection {
  line: number;
  field: string;
  reason: string;
}

export class ImportTally {
  imported = 0;
  rejected = 0;
  readonly customers = new Set<string>();
  /** The first 100 rejections, for the command's output; all of them go to failed_events. */
  readonly rejections: ImportRejection[] = [];
  private events: StoredEvent[] = [];
  private failures: FailedEvent[] = [];

  constructor(
    private readonly source: string,
    private readonly receivedText: string,
  ) {}

  add(line: number, raw: string, result: StepResult<StoredEvent>): void {
    if ("ok" in result) {
      this.imported++;
      this.customers.add(result.ok.identity_key);
      this.events.push(result.ok);
      return;
    }
    this.rejected++;
    if (this.rejections.length < 100) this.rejections.push({ line, ...result.rejected });
    this.failures.push({
      received_at: this.receivedText,
      source: this.source,
      field: result.rejected.field,
      reason: `line ${line}: ${result.rejected.reason}`,
      payload: raw,
    });
  }

  get pending(): number {
    return this.events.length + this.failures.length;
  }

  /** The rows gathered since the last take. */
  take(): { events: StoredEvent[]; failures: FailedEvent[] } {
    const taken = { events: this.events, failures: this.failures };
    this.events = [];
    this.failures = [];
    return taken;
  }
}
