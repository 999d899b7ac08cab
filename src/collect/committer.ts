/**
 * Group commit: callers hand over rows and wait; rows from many requests are written together every few
 * milliseconds (or sooner when enough are queued), and each caller's promise settles only after the batch
 * holding its rows has been committed by the engine.
 *
 * A write may have two stages: `prepare` runs one batch at a time, in order (identity stitching must see
 * every earlier batch), and `write` of one batch overlaps the `prepare` of the next, so the engine works
 * on two things at once. Batches stay large under load because only one batch is being prepared.
 */
export interface GroupCommitOptions {
  /** Rows queued that start a commit at once (when no batch is being prepared). */
  maxRows: number;
  /** How long the first rows queued wait for others before a commit starts. */
  maxDelayMs: number;
  /** Commits start at least this far apart unless `maxRows` rows wait (default 0). */
  minIntervalMs?: number;
}

export interface CommitStages<T> {
  prepare?: (items: T[]) => Promise<void>;
  write: (items: T[]) => Promise<void>;
}

/**
 * A serving store's commits. Each commit is a new part that the engine merges in the background: at 5,000
 * events/s in batches of 100, committing every batch after 5 ms made 50 parts a second per table and the
 * merges took 44% of a core on a 2-core machine (docs/benchmarks.md, session 19). Commits starting at least
 * 100 ms apart make at most ten parts a second under a steady stream; senders that wait for their answers
 * gain no wait when a commit cycle already takes that long, and 1,000 waiting rows commit at once.
 */
export const SERVING_GROUP_COMMIT: GroupCommitOptions = {
  maxRows: 1_000,
  maxDelayMs: 5,
  minIntervalMs: 100,
};

interface Pending<T> {
  items: T[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<T> {
  private queue: Pending<T>[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private preparing: Promise<void> | undefined;
  private lastWrite: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** When the last commit started (ms since the epoch). */
  private lastStart = Number.NEGATIVE_INFINITY;
  private readonly stages: CommitStages<T>;

  constructor(
    stages: CommitStages<T> | ((items: T[]) => Promise<void>),
    private readonly options: GroupCommitOptions = { maxRows: 10_000, maxDelayMs: 5 },
  ) {
    this.stages = typeof stages === "function" ? { write: stages } : stages;
  }

  /** Resolves once every item is committed; rejects if the write failed (nothing is acknowledged then). */
  submit(items: T[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the committer is closed"));
    if (items.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queuedRows += items.length;
      if (this.queuedRows >= this.options.maxRows) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.wait());
    });
  }

  /** How long rows queued now wait: the gathering delay, or until the interval since the last commit is over. */
  private wait(): number {
    const interval = this.options.minIntervalMs ?? 0;
    // Clamped, so a clock set back cannot hold rows for longer than one interval.
    const intervalLeft = Math.min(interval, this.lastStart + interval - Date.now());
    return Math.max(this.options.maxDelayMs, intervalLeft);
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.preparing || this.queue.length === 0) return;
    this.lastStart = Date.now();
    const batch = this.queue;
    this.queue = [];
    this.queuedRows = 0;
    const items = batch.flatMap((p) => p.items);
    const prepared = this.stages.prepare ? this.stages.prepare(items) : Promise.resolve();
    const previousWrite = this.lastWrite;
    // One write at a time; it waits for the previous one so the engine is never given more than two jobs.
    const written = prepared.then(async () => {
      await previousWrite;
      await this.stages.write(items);
    });
    this.lastWrite = written.catch(() => undefined);
    written.then(
      () => {
        for (const p of batch) p.resolve();
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    );
    this.preparing = prepared
      .catch(() => undefined)
      .finally(() => {
        this.preparing = undefined;
        // Callers answered recently send their next rows within a few ms: wait for them (unless enough are
        // queued) so the next batch is large, instead of preparing the one request that came first.
        if (this.queuedRows >= this.options.maxRows || this.closed) this.kick();
        else if (this.queue.length > 0) this.timer ??= setTimeout(() => this.kick(), this.wait());
      });
  }

  /** Writes what is queued and stops taking more. */
  async close(): Promise<void> {
    this.closed = true;
    this.kick();
    while (this.preparing || this.queue.length > 0) {
      await this.preparing;
      this.kick();
    }
    await this.lastWrite;
  }
}
