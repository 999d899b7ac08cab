/**
 * What /health says about the serving lane: the event loop's delay (p99 and max over roughly the last
 * minute, from two 30-second windows of perf_hooks' monitor) and the read requests in flight. A loop
 * delay in the hundreds of milliseconds means something heavy runs where contexts and ingest are served.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";

const WINDOW_MS = 30_000;
/** The monitor's timer period: it records whole intervals between its ticks, so the delay is what exceeds this. */
const RESOLUTION_MS = 10;

export class LaneHealth {
  private current: IntervalHistogram = this.start();
  private previous: IntervalHistogram | undefined;
  private readonly timer: NodeJS.Timeout;
  /** Read requests (analytics, customers, contexts) being answered now. */
  readsInFlight = 0;

  constructor() {
    this.timer = setInterval(() => this.rotate(), WINDOW_MS);
    this.timer.unref();
  }

  private start(): IntervalHistogram {
    const monitor = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    monitor.enable();
    return monitor;
  }

  private rotate(): void {
    this.previous?.disable();
    this.previous = this.current;
    this.current = this.start();
  }

  /**
   * Event-loop delay over the last 30-60 s, in milliseconds: of the two windows, the larger p99 and max
   * (an interval histogram cannot be merged into another).
   */
  eventLoopDelay(): { p99Ms: number; maxMs: number; windowSeconds: number } {
    const windows = [this.current, ...(this.previous ? [this.previous] : [])].filter((w) => w.count > 0);
    const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
    return {
      p99Ms: ms(Math.max(0, ...windows.map((w) => w.percentile(99)))),
      maxMs: ms(Math.max(0, ...windows.map((w) => w.max))),
      windowSeconds: this.previous ? 60 : 30,
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.current.disable();
    this.previous?.disable();
  }
}
