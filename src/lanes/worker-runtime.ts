/**
 * The message loop of an analytic-lane worker thread: start a task with a consumer, feed it chunks (each
 * acknowledged, so the serving thread never queues more than a few), finish it, answer or report the error.
 */
import { parentPort } from "node:worker_threads";
import type { Consumer, ConsumerFactory } from "./consumers.js";

export type ToWorker =
  | { type: "start"; id: number; kind: string; input: unknown }
  | { type: "chunk"; id: number; text: string }
  | { type: "end"; id: number };

export type FromWorker =
  | { type: "ack"; id: number }
  | { type: "done"; id: number; value: unknown }
  | { type: "failed"; id: number; message: string };

export function serveConsumers(consumers: Record<string, ConsumerFactory>): void {
  const port = parentPort;
  if (!port) throw new Error("an analytic-lane worker runs in a worker thread");
  const tasks = new Map<number, Consumer>();
  const send = (message: FromWorker) => port.postMessage(message);
  port.on("message", (message: ToWorker) => {
    try {
      if (message.type === "start") {
        const factory = consumers[message.kind];
        if (!factory) throw new Error(`no consumer named ${message.kind}`);
        tasks.set(message.id, factory(message.input));
      } else if (message.type === "chunk") {
        tasks.get(message.id)?.push(message.text);
        send({ type: "ack", id: message.id });
      } else {
        const task = tasks.get(message.id);
        tasks.delete(message.id);
        if (task) send({ type: "done", id: message.id, value: task.finish() });
      }
    } catch (error) {
      tasks.delete(message.id);
      send({ type: "failed", id: message.id, message: (error as Error).message });
    }
  });
}
