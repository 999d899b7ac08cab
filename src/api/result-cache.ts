/**
 * Answers of the expensive read routes (journeys, value, overview, behaviour) kept until the data changes:
 * every write through this server (any non-GET request, which includes ingest and inbox actions) moves the
 * data version on, and an answer also expires after `maxAgeMs` for writes this server does not see (other
 * collectors on a shared ClickHouse). Concurrent identical requests share one computation.
 */
export class ResultCache {
  private version = 0;
  private readonly entries = new Map<string, { version: number; at: number; value: Promise<unknown> }>();

  constructor(
    private readonly maxEntries = 500,
    private readonly maxAgeMs = 60_000,
  ) {}

  /** How many times the data changed (each invalidation moves it on). */
  get generation(): number {
    return this.version;
  }

  /** The data changed: every answer computed before is stale. */
  invalidate(): void {
    this.version++;
    this.entries.clear();
  }

  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.version === this.version && Date.now() - hit.at < this.maxAgeMs) {
      // Most recently used last, so the oldest is evicted first.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value as Promise<T>;
    }
    const value = compute();
    const entry = { version: this.version, at: Date.now(), value };
    this.entries.set(key, entry);
    // A failure is not kept: the next request tries again.
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries)
      this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}
