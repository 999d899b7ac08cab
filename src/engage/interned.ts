/**
 * One copy of each short value the context index repeats in every customer's facts (channel, touchpoint,
 * event name, direction, behaviour): strings read from the store or parsed from a request are separate
 * copies, and they were half the index's string memory (docs/benchmarks.md, session 19). A smaller heap is
 * less for the garbage collector to mark while it holds the serving thread.
 */
export class Interner {
  private readonly values = new Map<string, string>();

  /** At most `capacity` distinct values are kept: the values come from events, so anyone can make new ones. */
  constructor(private readonly capacity: number) {}

  /** The kept copy of `value` (equal to it), keeping this one when there is room. */
  of(value: string): string {
    const kept = this.values.get(value);
    if (kept !== undefined) return kept;
    if (this.values.size < this.capacity) this.values.set(value, value);
    return value;
  }

  get size(): number {
    return this.values.size;
  }
}

/** The context index's values, shared by its bulk load and the events applied to it. */
export const contextValues = new Interner(20_000);
