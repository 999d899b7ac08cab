/**
 * `customer-flow collect` (a stateless collector in front of the queue) and `customer-flow queue status`.
 * The NATS client and fastify load only when one of them runs.
 */
import type { Command } from "commander";
import { action, type GlobalOptions } from "./common.js";
import { emit, UsageError } from "./output.js";

interface QueueOptions extends GlobalOptions {
  queue: string;
  queueStream: string;
  queueSubjects: string;
}

function withQueueOptions(command: Command): Command {
  return command
    .requiredOption("--queue <url>", "the NATS JetStream server, e.g. nats://127.0.0.1:4222")
    .option("--queue-stream <name>", "the queue's stream name", "CUSTOMER_FLOW")
    .option("--queue-subjects <prefix>", "the queue's subject prefix", "customer-flow")
    .option("--json", "print JSON");
}

/** `create: false` for commands that only look (a mistyped stream name must not make a new stream). */
async function openQueue(options: QueueOptions, create = true) {
  const { NatsQueue } = await import("../queue/nats.js");
  return NatsQueue.open({
    url: options.queue,
    stream: options.queueStream,
    subjectPrefix: options.queueSubjects,
    create,
  });
}

export function registerQueueCommands(program: Command): void {
  withQueueOptions(
    program
      .command("collect")
      .description(
        "a stateless collector: the collection API of `serve`, publishing to the queue (see docs/scale.md)",
      ),
  )
    .option("--port <n>", "port", (v) => Number.parseInt(v, 10), 8081)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option(
      "--write-key <key...>",
      "write keys, the same as the store node's (also CUSTOMER_FLOW_WRITE_KEYS)",
    )
    .option("--log", "log every request")
    .action(
      action(
        async (
          options: QueueOptions & { port: number; host: string; writeKey?: string[]; log?: boolean },
        ) => {
          const [{ parseKeyList }, { buildCollectorServer }, { requestLogger }] = await Promise.all([
            import("../api/auth.js"),
            import("../queue/collector-server.js"),
            import("./serve.js"),
          ]);
          const writeKeys = new Set([
            ...(options.writeKey ?? []),
            ...parseKeyList(process.env.CUSTOMER_FLOW_WRITE_KEYS),
          ]);
          if (writeKeys.size === 0)
            throw new UsageError(
              "--write-key: give the write key your SDKs send (or CUSTOMER_FLOW_WRITE_KEYS)",
            );
          const queue = await openQueue(options);
          const app = await buildCollectorServer({
            queue,
            writeKeys,
            logger: options.log ? requestLogger() : false,
          });
          await app.listen({ port: options.port, host: options.host });
          const address = app.server.address();
          const port = typeof address === "object" && address ? address.port : options.port;
          const url = `http://${options.host === "0.0.0.0" ? "127.0.0.1" : options.host}:${port}`;
          const stop = () => {
            app
              .close()
              .then(() => queue.close())
              .then(
                () => process.exit(0),
                () => process.exit(1),
              );
          };
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
          emit(
            Boolean(options.json),
            { url, queue: options.queue, stream: options.queueStream },
            () => `collecting at ${url} into ${options.queueStream} on ${options.queue}`,
          );
        },
      ),
    );

  const queueCommand = program
    .command("queue")
    .description("the durable queue between collectors and the store");
  withQueueOptions(queueCommand.command("status"))
    .description("stream depth, the loader's lag and redeliveries")
    .action(
      action(async (options: QueueOptions) => {
        const queue = await openQueue(options, false);
        try {
          const status = await queue.status();
          emit(Boolean(options.json), status, () =>
            [
              `stream ${status.stream}: ${status.messages} messages (${status.bytes} bytes), last sequence ${status.lastSequence}`,
              `loader: lag ${status.lastSequence - status.ackedSequence} (acknowledged up to ${status.ackedSequence}); ${status.pending} not yet taken, ${status.ackPending} taken and not yet acknowledged`,
              `redelivered: ${status.redelivered}`,
            ].join("\n"),
          );
        } finally {
          await queue.close();
        }
      }),
    );
}
