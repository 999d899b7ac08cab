/**
 * The message loop of an analytic-lane worker thread: start a task with a consumer, feed it chunks (each
 * acknowledged, so the serving thread never queues more than a few), finish it, answer or report the error.
 */
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { ANALYTIC_NICE } from "../store/query-limits.js";
import type { Consumer, ConsumerFactory } from "./consumers.js";

export type ToWorker =
  | { type: "start"; id: number; kind: string; input: unknown }
  | { type: "chunk"; id: number; data: Uint8Array | string }
  | { type: "end"; id: number }
  /** Warm up what a kind of task needs (code to load and compile) before the first such task. */
  | { type: "warm"; kind: string };

export type FromWorker =
  | { type: "ack"; id: number }
  | { type: "done"; id: number; value: unknown }
  | { type: "failed"; id: number; message: string };

export function serveConsumers(
  consumers: Record<string, ConsumerFactory>,
  warmUps: Record<string, () => Promise<unknown>> = {},
): void {
  const port = parentPort;
  if (!port) throw new Error("an analytic-lane worker runs in a worker thread");
  // On Linux a nice value belongs to a thread: this one yields the cores to the serving thread and ingest.
  try {
    setPriority(ANALYTIC_NICE);
  } catch {
    // Not permitted or not supported here: the worker runs at the process's priority.
  }
  // Each task decodes its own bytes: a chunk may end inside a UTF-8 character.
  const tasks = new Map<number, { consumer: Consumer; decoder: TextDecoder }>();
  const send = (message: FromWorker) => port.postMessage(message);
  port.on("message", (message: ToWorker) => {
    if (message.type === "warm") {
      // Best effort: a failure here shows again, with its message, in the first real task.
      void warmUps[message.kind]?.().catch(() => undefined);
      return;
    }
    try {
      if (message.type === "start") {
        const factory = consumers[message.kind];
        if (!factory) throw new Error(`no consumer named ${message.kind}`);
        tasks.set(message.id, { consumer: factory(message.input), decoder: new TextDecoder() });
      } else if (message.type === "chunk") {
        const task = tasks.get(message.id);
        const { data } = message;
        task?.consumer.push(typeof data === "string" ? data : task.decoder.decode(data, { stream: true }));
        send({ type: "ack", id: message.id });
      } else {
        const task = tasks.get(message.id);
        tasks.delete(message.id);
        if (task) {
          task.consumer.push(task.decoder.decode());
          const value = task.consumer.finish();
          // A consumer may answer later (a layout: elkjs answers through a promise).
          if (value instanceof Promise)
            value.then(
              (settled) => send({ type: "done", id: message.id, value: settled }),
              (error: Error) => send({ type: "failed", id: message.id, message: error.message }),
            );
          else send({ type: "done", id: message.id, value });
        }
      }
    } catch (error) {
      tasks.delete(message.id);
      send({ type: "failed", id: message.id, message: (error as Error).message });
    }
  });
}
