/**
 * Group commit: callers hand over rows and wait; rows from many requests are written together every few
 * milliseconds (or sooner when enough are queued), and each caller's promise settles only after the batch
 * holding its rows has been committed by the engine. One write at a time keeps batches large under load.
 */
export interface GroupCommitOptions {
  maxRows: number;
  maxDelayMs: number;
}

interface Pending<T> {
  items: T[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<T> {
  private queue: Pending<T>[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly options: GroupCommitOptions = { maxRows: 10_000, maxDelayMs: 5 },
  ) {}

  /** Resolves once every item is committed; rejects if the write failed (nothing is acknowledged then). */
  submit(items: T[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the committer is closed"));
    if (items.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queuedRows += items.length;
      if (this.queuedRows >= this.options.maxRows) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.options.maxDelayMs);
    });
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.writing || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.queuedRows = 0;
    this.writing = this.write(batch.flatMap((p) => p.items))
      .then(
        () => {
          for (const p of batch) p.resolve();
        },
        (error: unknown) => {
          for (const p of batch) p.reject(error);
        },
      )
      .finally(() => {
        this.writing = undefined;
        if (this.queue.length > 0) this.kick();
      });
  }

  /** Writes what is queued and stops taking more. */
  async close(): Promise<void> {
    this.closed = true;
    this.kick();
    while (this.writing) await this.writing;
  }
}
