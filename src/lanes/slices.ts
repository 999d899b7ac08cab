/**
 * Bounded work on the serving thread: a task whose cost grows with its input (a committed batch applied to
 * the context index, its texts labelled) runs in slices, and requests that arrived meanwhile are served
 * between them, so a large batch never holds the event loop for longer than one slice.
 */

/**
 * Committed rows handled between two turns of the event loop: labelling (~13 us a text) and the context
 * index (~15 us an event) each hold the serving thread for a few milliseconds a slice.
 */
export const SERVING_SLICE_ROWS = 250;

/** Resolves after the I/O callbacks already waiting have run (setImmediate's phase comes after poll). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Calls `work` with consecutive slices of at most `size` items, in order, yielding between slices. */
export async function inSlices<T>(
  items: readonly T[],
  size: number,
  work: (slice: readonly T[]) => void,
): Promise<void> {
  if (items.length <= size) {
    work(items);
    return;
  }
  for (let start = 0; start < items.length; start += size) {
    if (start > 0) await yieldToEventLoop();
    work(items.slice(start, start + size));
  }
}
