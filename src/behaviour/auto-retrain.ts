/**
 * Retraining in the background after every N new labels (`serve --retrain-every N`; off by default): once
 * that many labels came since the last model version, a server retrains in its analytic lane (seconds of
 * CPU, off the serving thread) and puts the candidate in use only when it is better, as `behaviour train
 * --from-labels` does. One retrain at a time; labels that arrive meanwhile are counted for the next.
 */
import type { Engine } from "../store/engine.js";
import { labelProgress } from "./brand-store.js";
import type { ModelInUse } from "./model-in-use.js";
import { MIN_LABELS, type RetrainReport, retrainFromLabels, type TrainCandidate } from "./retrain.js";

export interface AutoRetrainStatus {
  /** New labels that start a retrain (0: off). */
  every: number;
  running: boolean;
  last: { at: string; version?: string; adopted?: boolean; error?: string } | null;
}

export class AutoRetrain {
  private running: Promise<void> | undefined;
  private again = false;
  private last: AutoRetrainStatus["last"] = null;

  constructor(
    private readonly engine: Engine,
    private readonly models: ModelInUse,
    private readonly every: number,
    private readonly train: TrainCandidate,
    private readonly log: (message: string, detail: unknown) => void,
  ) {}

  /** Labels were stored: retrain if enough came since the last version. Returns at once. */
  labelled(): void {
    if (this.every <= 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.retrainIfDue().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.labelled();
      }
    });
  }

  private async retrainIfDue(): Promise<void> {
    try {
      const stats = await labelProgress(this.engine);
      if (stats.sinceLastModel < this.every || stats.texts < MIN_LABELS) return;
      const report: RetrainReport = await retrainFromLabels(this.engine, this.models, "auto", this.train);
      this.last = { at: new Date().toISOString(), version: report.version, adopted: report.adopted };
      this.log("retrained on the brand's labels", {
        version: report.version,
        adopted: report.adopted,
        judgement: report.judgement.method,
        candidate: report.judgement.candidate.score,
        inUse: report.judgement.inUse.score,
      });
    } catch (error) {
      this.last = { at: new Date().toISOString(), error: (error as Error).message };
      this.log("retraining on the brand's labels failed", error);
    }
  }

  get status(): AutoRetrainStatus {
    return { every: this.every, running: this.running !== undefined, last: this.last };
  }

  /** Resolves once no retrain runs (for a server's close, and tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
