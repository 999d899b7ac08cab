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
    // The touches since the last conversion: their times and steps.
    const times: number[] = [];
    let steps: string[] = [];
    for (let i = 0; i < s.length; i++) {
      time += d[i]!;
      if (k[i]) {
        // Times only grow: the touches within the lookback are the ones from the first such onwards.
        let first = 0;
        while (first < times.length && time - times[first]! > this.lookbackMs) first++;
        this.addPath(first === 0 ? steps : steps.slice(first), true, Number(v[conversion++] ?? 0));
        times.length = 0;
        steps = [];
      } else {
        times.push(time);
        steps.push(sd[s[i]! - 1]!);
      }
    }
    this.addPath(steps, false, 0);
  }

  rows(): PathRow[] {
    return [...this.paths.values()];
  }
}
