/**
 * Journeys to conversion as attribution paths (pure): each customer's touches in time order are cut at
 * every conversion, the touches within the lookback before it forming its path; touches after the last
 * conversion form a path that did not convert. Identical paths are counted together.
 */
import type { PathRow } from "./attribution.js";

/**
 * One customer's touches in time order, compact (the engine writes and a worker parses a fraction of the
 * bytes of tuples): `d` milliseconds since the previous touch, `s` each touch's step as an index (from 1)
 * into `sd`, the distinct steps, `k` 1 where the touch is a conversion, `v` the conversions' values in order.
 */
export interface PathCase {
  d: number[];
  s: number[];
  sd: string[];
  k: number[];
  v: number[];
}

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

  /** One customer's touches. */
  add(touches: PathCase): void {
    const { d, s, sd, k, v } = touches;
    let time = 0;
    let conversion = 0;
    let current: { time: number; step: string }[] = [];
    for (let i = 0; i < s.length; i++) {
      time += d[i]!;
      if (k[i]) {
        const at = time;
        this.addPath(
          current.filter((t) => at - t.time <= this.lookbackMs).map((t) => t.step),
          true,
          Number(v[conversion++] ?? 0),
        );
        current = [];
      } else current.push({ time, step: sd[s[i]! - 1]! });
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
