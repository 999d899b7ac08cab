/**
 * Journeys to conversion as attribution paths (pure): each customer's touches in time order are cut at
 * every conversion, the touches within the lookback before it forming its path; touches after the last
 * conversion form a path that did not convert. Identical paths are counted together.
 */
import type { PathRow } from "./attribution.js";

/** One customer's touches: [time ms, step, seq, is a conversion (0/1), value]. */
export type PathTouch = [number, string, number, number, number];

export class PathBuilder {
  private readonly paths = new Map<string, PathRow>();

  constructor(private readonly lookbackMs: number) {}

  private addPath(path: string[], converted: boolean, value: number): void {
    if (path.length === 0) return;
    const key = path.join("\u0000");
    const row = this.paths.get(key) ?? { path, conversions: 0, nulls: 0, value: 0 };
    if (converted) {
      row.conversions++;
      row.value += value;
    } else row.nulls++;
    this.paths.set(key, row);
  }

  /** One customer's touches, sorted by time and seq. */
  add(touches: PathTouch[]): void {
    let current: { time: number; step: string }[] = [];
    for (const [time, step, , isConversion, value] of touches) {
      if (isConversion) {
        this.addPath(
          current.filter((t) => time - t.time <= this.lookbackMs).map((t) => t.step),
          true,
          Number(value),
        );
        current = [];
      } else current.push({ time: Number(time), step });
    }
    this.addPath(
      current.map((t) => t.step),
      false,
      0,
    );
  }

  rows(): PathRow[] {
    return [...this.paths.values()];
  }
}
