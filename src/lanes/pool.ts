/**
 * The analytic lane: a pool of worker threads that parse and compute what grows with the data, so the
 * serving thread (ingest, contexts, small reads) only relays the engine's bytes. Each task has a deadline
 * and each worker a heap limit; a task past either ends with a 503 and its worker is replaced, and the
 * server keeps serving. Tasks wait per key: past `queuePerKey` waiting or running tasks of one key, a 429.
 * Workers hold no engine: the engine stays on the serving thread, whose queries are asynchronous.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { FromWorker, ToWorker } from "./worker-runtime.js";

export class LaneError extends Error {
  constructor(
    readonly status: 429 | 503,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface LaneOptions {
  /** Worker threads (default: the cores less one for the serving thread, at least 1). */
  workers?: number;
  /** Milliseconds a task may take from start to answer (default 30 s). */
  deadlineMs?: number;
  /** Heap limit of each worker in MB (default 1,024). */
  maxMemoryMb?: number;
  /** Tasks one key may have waiting or running (default 4). */
  queuePerKey?: number;
  /** The worker's entry module (tests give their own consumers). */
  module?: URL;
  /** Kinds of task whose code every worker warms up when it starts (e.g. `layout`: elkjs compiled). */
  warmUp?: string[];
}

export interface LaneTask {
  /** A consumer name in the worker (consumers.ts). */
  kind: string;
  input: unknown;
  /** The rows to feed it, as JSONEachRow bytes or text (Engine.streamChunks); none when the input is all. */
  chunks?: AsyncIterable<Uint8Array | string>;
  /** Who asked (an API key's id): tasks queue per key. */
  key: string;
  /** Aborts when nobody waits for the answer any more: the task is stopped (worker replaced, stream closed). */
  signal?: AbortSignal;
  /** This task's deadline in ms, when it is not the lane's (background work nobody waits on, e.g. a retrain). */
  deadlineMs?: number;
}

/** Chunks sent ahead of the worker's acknowledgements: enough to overlap reading and computing. */
const WINDOW = 4;

interface Slot {
  worker: Worker;
  busy: boolean;
  /** The running task's handler of the worker's messages and failures. */
  onMessage?: (message: FromWorker) => void;
  onFailure?: (error: Error) => void;
}

export class AnalyticLane {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private readonly perKey = new Map<string, number>();
  private nextId = 1;
  private closed = false;
  readonly deadlineMs: number;
  private readonly maxMemoryMb: number;
  private readonly queuePerKey: number;
  private readonly module: URL;
  private readonly warmUp: string[];
  /** Tasks ended by their deadline, by a worker's memory limit, or by an error, since start. */
  readonly ended = { deadline: 0, memory: 0, error: 0, cancelled: 0 };

  constructor(options: LaneOptions = {}) {
    this.deadlineMs = options.deadlineMs ?? 30_000;
    this.maxMemoryMb = options.maxMemoryMb ?? 1024;
    this.queuePerKey = options.queuePerKey ?? 4;
    this.module = options.module ?? new URL("./worker.js", import.meta.url);
    this.warmUp = options.warmUp ?? [];
    const size = Math.max(1, Math.floor(options.workers ?? availableParallelism() - 1));
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(this.module, {
      resourceLimits: { maxOldGenerationSizeMb: this.maxMemoryMb, maxYoungGenerationSizeMb: 64 },
    });
    for (const kind of this.warmUp) worker.postMessage({ type: "warm", kind } satisfies ToWorker);
    const slot: Slot = { worker, busy: false };
    worker.on("message", (message: FromWorker) => slot.onMessage?.(message));
    worker.on("error", (error) => slot.onFailure?.(error));
    worker.on("exit", (code) => slot.onFailure?.(new Error(`the worker exited with code ${code}`)));
    // An idle worker must not keep the process alive.
    worker.unref();
    return slot;
  }

  /** A dead or stuck worker is replaced by a fresh one in the same place. */
  private replace(slot: Slot): void {
    slot.onMessage = undefined;
    slot.onFailure = undefined;
    void slot.worker.terminate();
    const index = this.slots.indexOf(slot);
    if (index >= 0 && !this.closed) this.slots[index] = this.spawn();
  }

  get stats(): { workers: number; busy: number; waiting: number } {
    return {
      workers: this.slots.length,
      busy: this.slots.filter((s) => s.busy).length,
      waiting: this.waiting.length,
    };
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new LaneError(503, "the server is shutting down");
      const free = this.slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(slot: Slot): void {
    slot.busy = false;
    this.waiting.shift()?.();
  }

  /** Runs one task in a worker: its chunks are read here and fed there; the worker's answer is returned. */
  async run<T>(task: LaneTask): Promise<T> {
    const held = this.perKey.get(task.key) ?? 0;
    if (held >= this.queuePerKey)
      throw new LaneError(429, `this key already has ${held} analyses waiting or running; retry shortly`, 1);
    this.perKey.set(task.key, held + 1);
    try {
      const started = Date.now();
      const slot = await this.acquire();
      const left = (task.deadlineMs ?? this.deadlineMs) - (Date.now() - started);
      if (left <= 0 || task.signal?.aborted) {
        // Its whole deadline went waiting for a worker, or nobody waits any more: not started, the worker untouched.
        this.release(slot);
        if (task.signal?.aborted) {
          this.ended.cancelled++;
          throw new LaneError(503, "the analysis was cancelled: nobody waits for it");
        }
        this.ended.deadline++;
        throw new LaneError(503, "the analysis waited past its deadline for a free worker; try again later");
      }
      try {
        return await this.feed<T>(slot, task, left, task.deadlineMs ?? this.deadlineMs);
      } finally {
        // A replaced slot is no longer in the pool; its successor starts free.
        if (this.slots.includes(slot)) this.release(slot);
        else this.waiting.shift()?.();
      }
    } finally {
      const now = (this.perKey.get(task.key) ?? 1) - 1;
      if (now > 0) this.perKey.set(task.key, now);
      else this.perKey.delete(task.key);
    }
  }

  private feed<T>(slot: Slot, task: LaneTask, budgetMs: number, deadlineMs: number): Promise<T> {
    const id = this.nextId++;
    const post = (message: ToWorker) => slot.worker.postMessage(message);
    return new Promise<T>((resolve, reject) => {
      let finished = false;
      let unacked = 0;
      let wakeFeeder: (() => void) | undefined;
      const end = (error: Error | undefined, value?: T, replaceWorker = false) => {
        if (finished) return;
        finished = true;
        task.signal?.removeEventListener("abort", cancel);
        clearTimeout(timer);
        wakeFeeder?.();
        slot.onMessage = undefined;
        slot.onFailure = undefined;
        if (replaceWorker) this.replace(slot);
        if (error) reject(error);
        else resolve(value as T);
      };
      /** Ends the task with a 503, counted under `why`. */
      const stop = (why: keyof AnalyticLane["ended"], message: string, replaceWorker: boolean) => {
        if (finished) return;
        this.ended[why]++;
        end(new LaneError(503, message), undefined, replaceWorker);
      };
      const cancel = () => stop("cancelled", "the analysis was cancelled: nobody waits for it", true);
      task.signal?.addEventListener("abort", cancel, { once: true });
      const seconds = deadlineMs >= 10_000 ? Math.round(deadlineMs / 1000) : deadlineMs / 1000;
      const timer = setTimeout(
        () => stop("deadline", `the analysis passed its ${seconds} s deadline and was stopped`, true),
        Math.max(0, budgetMs),
      );
      slot.onMessage = (message) => {
        if (message.id !== id) return;
        if (message.type === "ack") {
          unacked--;
          wakeFeeder?.();
        } else if (message.type === "done") end(undefined, message.value as T);
        else stop("error", `the analysis failed: ${message.message}`, false);
      };
      slot.onFailure = (error) => {
        const memory =
          /memory/i.test(error.message) || (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY";
        if (memory) stop("memory", "the analysis ran out of its memory limit and was stopped", true);
        else stop("error", `the analysis failed: ${error.message}`, true);
      };
      post({ type: "start", id, kind: task.kind, input: task.input });
      void (async () => {
        try {
          for await (const data of task.chunks ?? []) {
            if (finished) break;
            while (unacked >= WINDOW && !finished) await new Promise<void>((wake) => (wakeFeeder = wake));
            if (finished) break;
            unacked++;
            // A chunk that owns its whole buffer moves to the worker instead of being copied: less work and
            // less garbage on the serving thread. (A slice of a shared buffer is copied.)
            if (
              data instanceof Uint8Array &&
              data.byteOffset === 0 &&
              data.byteLength === data.buffer.byteLength
            )
              slot.worker.postMessage({ type: "chunk", id, data } satisfies ToWorker, [
                data.buffer as ArrayBuffer,
              ]);
            else post({ type: "chunk", id, data });
          }
          if (!finished) post({ type: "end", id });
        } catch (error) {
          // The engine failed (or stopped the query at its own limit): the error handler maps it. The
          // worker still holds the half-fed task: it is replaced.
          end(error as Error, undefined, true);
        }
      })();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
