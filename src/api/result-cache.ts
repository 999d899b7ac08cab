/**
 * Answers of the expensive read routes (journeys, value, overview, behaviour) kept until the data changes:
 * every write through this server (any non-GET request, which includes ingest and inbox actions) moves the
 * data version on, and an answer also expires after `maxAgeMs` for writes this server does not see (other
 * collectors on a shared ClickHouse). Concurrent identical requests share one computation.
 */
export class ResultCache {
  private version = 0;
  private bytes = 0;
  private readonly entries = new Map<
    string,
    {
      version: number;
      at: number;
      value: Promise<unknown>;
      bytes: number;
      /** Callers still waiting for the computation, and the means to stop it when none is left. */
      waiters: number;
      settled: boolean;
      stop: AbortController;
    }
  >();

  /**
   * `maxBytes` bounds the answers kept (their size as JSON, measured once each is computed): past it the
   * least recently used go, and an answer larger than a quarter of it is shared while computing but not kept.
   */
  constructor(
    private readonly maxEntries = 500,
    private readonly maxAgeMs = 60_000,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /** How many times the data changed (each invalidation moves it on). */
  get generation(): number {
    return this.version;
  }

  /** Bytes of the answers kept now (as JSON). */
  get size(): number {
    return this.bytes;
  }

  /** The data changed: every answer computed before is stale. */
  invalidate(): void {
    this.version++;
    this.entries.clear();
    this.bytes = 0;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  /**
   * The answer for `key`, computed once for all concurrent callers. `gone` is the caller's signal that it
   * no longer waits (its client disconnected): when every caller of a computation still running is gone,
   * the computation's own signal aborts it.
   */
  get<T>(key: string, compute: (stop: AbortSignal) => Promise<T>, gone?: AbortSignal): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.version === this.version && Date.now() - hit.at < this.maxAgeMs) {
      // Most recently used last, so the oldest is evicted first.
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.wait(key, hit, gone);
      return hit.value as Promise<T>;
    }
    this.remove(key);
    const stop = new AbortController();
    const value = compute(stop.signal);
    const entry = {
      version: this.version,
      at: Date.now(),
      value,
      bytes: 0,
      waiters: 0,
      settled: false,
      stop,
    };
    this.entries.set(key, entry);
    this.wait(key, entry, gone);
    value.then(
      (answer) => {
        entry.settled = true;
        if (this.entries.get(key) !== entry) return;
        entry.bytes = JSON.stringify(answer)?.length ?? 0;
        this.bytes += entry.bytes;
        if (entry.bytes > this.maxBytes / 4) this.remove(key);
        this.evict();
      },
      // A failure is not kept: the next request tries again.
      () => {
        entry.settled = true;
        if (this.entries.get(key) === entry) this.remove(key);
      },
    );
    this.evict();
    return value;
  }

  /** Counts a caller of a running computation; when the last one is gone, stops it and forgets it. */
  private wait(
    key: string,
    entry: { waiters: number; settled: boolean; stop: AbortController },
    gone?: AbortSignal,
  ) {
    if (entry.settled) return;
    entry.waiters++;
    gone?.addEventListener(
      "abort",
      () => {
        entry.waiters--;
        if (entry.waiters > 0 || entry.settled) return;
        entry.stop.abort();
        if (this.entries.get(key) === entry) this.remove(key);
      },
      { once: true },
    );
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes)
      this.remove(this.entries.keys().next().value as string);
  }
}
