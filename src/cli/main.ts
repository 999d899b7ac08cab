#!/usr/bin/env node
/** The customer-flow command line. Every command takes --data DIR (or CUSTOMER_FLOW_CLICKHOUSE_URL) and --json. */
import { Command, InvalidArgumentError, Option } from "commander";
import type { ColumnMap, ImportFormat } from "../collect/import.js";
import type { SplitResult } from "../identity/identity-store.js";

import { registerBehaviourCommands } from "./behaviour-commands.js";
import { actionAfter, type GlobalOptions, sinkFor, withStore, withStoreOptions } from "./common.js";
import { registerEngageCommands } from "./engage-commands.js";
import { registerJourneyCommands } from "./journey-commands.js";
import { emit, UsageError } from "./output.js";
import { registerPrivacyCommands } from "./privacy-commands.js";
import { startProgress } from "./progress.js";
import { registerQueueCommands } from "./queue-commands.js";
import { registerSegmentCommands } from "./segment-commands.js";
import { enableTimings, mark, printTimings } from "./timings.js";
import { registerValueCommands } from "./value-commands.js";

/** What the top-level commands run (import, query, customers, identity, serve): loaded when one runs. */
async function loadMainModules() {
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = await Promise.all([
    import("../behaviour/classifier.js"),
    import("../collect/import.js"),
    import("../engage/rules.js"),
    import("../identity/customer360.js"),
    import("../identity/identity-store.js"),
    import("../journeys/sequences.js"),
    import("../store/open.js"),
    import("../store/proxy-engine.js"),
    import("../store/read-only.js"),
  ]);
  return {
    modelForStore: m0.modelForStore,
    importFile: m1.importFile,
    DEFAULT_PLAYBOOK_PATH: m2.DEFAULT_PLAYBOOK_PATH,
    loadPlaybook: m2.loadPlaybook,
    customer360: m3.customer360,
    findCustomer: m3.findCustomer,
    linksOfCustomer: m4.linksOfCustomer,
    splitLink: m4.splitLink,
    refreshJourneySequences: m5.refreshJourneySequences,
    openStore: m6.openStore,
    ProxyEngine: m7.ProxyEngine,
    guardReadOnly: m8.guardReadOnly,
    readOnlySql: m8.readOnlySql,
  };
}
let lazy: Awaited<ReturnType<typeof loadMainModules>>;

const run = actionAfter(async () => {
  lazy ??= await loadMainModules();
});

/** A number > 0 from the command line, or a usage error naming it. */
function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError("expected a number > 0");
  return n;
}

// `--timings` anywhere on the line: phases to stderr at the end (taken out before commander parses).
if (process.argv.includes("--timings")) {
  enableTimings();
  process.argv = process.argv.filter((arg) => arg !== "--timings");
  process.on("exit", printTimings);
}
mark("node start and the CLI's modules");

const program = new Command();
program
  .name("customer-flow")
  .description("Cross-channel customer journeys and Social CRM on ClickHouse SQL")
  .version("0.1.0")
  .option("--timings", "print where the command's time went, phase by phase (stderr)")
  .showHelpAfterError();

withStoreOptions(program.command("serve").description("serve the collector and the API on the store"))
  .option("--port <n>", "port", (v) => Number.parseInt(v, 10), 3000)
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .option("--write-key <key...>", "write keys (also CUSTOMER_FLOW_WRITE_KEYS, comma-separated)")
  .option("--read-key <key...>", "read keys (also CUSTOMER_FLOW_READ_KEYS)")
  .option("--agent-key <key...>", "agent keys: read plus inbox actions (also CUSTOMER_FLOW_AGENT_KEYS)")
  .option(
    "--privacy-key <key...>",
    "privacy keys: export, erase and suppress people, nothing else (also CUSTOMER_FLOW_PRIVACY_KEYS)",
  )
  .option("--query-timeout <seconds>", "deadline of each analytic request (503 past it)", positiveNumber, 30)
  .option("--workers <n>", "worker threads of the analytic lane (default: cores - 1)", positiveNumber)
  .option("--failed-retention-days <n>", "days failed_events keeps rejected payloads", positiveNumber, 30)
  .option(
    "--retention-days <n>",
    "days events are kept (a TTL on the events table; 0 removes it; default: unchanged, none at first)",
    (v) => Number.parseInt(v, 10),
  )
  .option(
    "--hash-pii",
    "store emails, phones and social handles as salted hashes from now on, for good (CUSTOMER_FLOW_HASH_PII=1)",
  )
  .option("--log", "log every request (emails and phones in URLs redacted)")
  .option(
    "--queue <url>",
    "also load what stateless collectors (`customer-flow collect`) put on this NATS JetStream queue, e.g. nats://127.0.0.1:4222",
  )
  .option(
    "--retrain-every <n>",
    "retrain the behaviour model in the background after this many new brand labels, adopted only when better (CUSTOMER_FLOW_RETRAIN_EVERY; default off)",
    positiveNumber,
  )
  .option("--queue-stream <name>", "the queue's stream name", "CUSTOMER_FLOW")
  .option("--queue-subjects <prefix>", "the queue's subject prefix", "customer-flow")
  .option(
    "--no-warm",
    "do not compute the dashboard's first reads at start (to time them cold, or to spare a busy machine)",
  )
  .option(
    "--playbook <file>",
    "next-best-action rules (default config/playbook.json or CUSTOMER_FLOW_PLAYBOOK)",
  )
  .action(
    run(
      async (
        options: GlobalOptions & {
          port: number;
          host: string;
          writeKey?: string[];
          readKey?: string[];
          agentKey?: string[];
          privacyKey?: string[];
          queryTimeout: number;
          workers?: number;
          failedRetentionDays: number;
          retentionDays?: number;
          hashPii?: boolean;
          log?: boolean;
          playbook?: string;
          queue?: string;
          retrainEvery?: number;
          warm: boolean;
          queueStream: string;
          queueSubjects: string;
        },
      ) => {
        // A bad rules file stops the server before it opens the store, with one line per bad rule.
        lazy.loadPlaybook(options.playbook ?? lazy.DEFAULT_PLAYBOOK_PATH);
        const store = await lazy.openStore({ dataDir: options.data, clickhouseUrl: options.clickhouseUrl });
        if (store.via === "server") {
          await store.engine.close();
          throw new UsageError(`a server already serves this data folder (${store.engine.description})`);
        }
        // The server (fastify and its plugins) is loaded only by the commands that serve.
        const { resolveKeys, serveStore } = await import("./serve.js");
        const keys = resolveKeys({
          writeKeys: options.writeKey,
          readKeys: options.readKey,
          agentKeys: options.agentKey,
          privacyKeys: options.privacyKey,
        });
        const server = await serveStore(store, keys, {
          ...options,
          queue: options.queue
            ? { url: options.queue, stream: options.queueStream, subjectPrefix: options.queueSubjects }
            : undefined,
        });
        emit(
          Boolean(options.json),
          {
            url: server.url,
            engine: store.engine.description,
            writeKeys: [...keys.write],
            readKeys: [...keys.read],
            agentKeys: [...(keys.agent ?? [])],
            privacyKeys: [...(keys.privacy ?? [])],
          },
          () =>
            [
              `Customer Flow is serving ${store.engine.description} at ${server.url}`,
              `  write key: ${[...keys.write].join(", ")}`,
              `  read key:  ${[...keys.read].join(", ")}`,
              ...(keys.agent?.size ? [`  agent key: ${[...keys.agent].join(", ")}`] : []),
              ...(keys.privacy?.size ? [`  privacy key: ${[...keys.privacy].join(", ")}`] : []),
              `  API docs:  ${server.url}/docs`,
            ].join("\n"),
        );
      },
    ),
  );

withStoreOptions(
  program.command("import").description("import events from a CSV, NDJSON or XES file (.gz too)"),
)
  .argument("<file>", "the file")
  .addOption(
    new Option("--format <format>", "file format (default: from the extension)").choices([
      "csv",
      "ndjson",
      "xes",
    ]),
  )
  .option("--delimiter <c>", "CSV delimiter (default: detected)")
  .option("--customer <col>", "column with the customer id")
  .option("--timestamp <col>", "column with the time")
  .option("--touchpoint <col>", "column with the step or activity")
  .option("--channel <col>", "column with the channel")
  .option("--default-channel <name>", "channel for rows that name none")
  .option("--text <col>", "column with a message text")
  .option("--value <col>", "column with a monetary value")
  .action(
    run(
      async (
        file: string,
        options: GlobalOptions &
          ColumnMap & { format?: ImportFormat; delimiter?: string; defaultChannel?: string },
      ) => {
        await withStore(options, async (store) => {
          const sink = await sinkFor(store, options);
          const progress = startProgress("importing", 100, "%");
          const started = Date.now();
          const summary = await lazy.importFile(sink, {
            file,
            format: options.format,
            delimiter: options.delimiter === "\\t" ? "\t" : options.delimiter,
            channel: options.defaultChannel,
            model: lazy.modelForStore(store.dataDir),
            // NDJSON and CSV are read by the engine itself when this process holds the folder. Through a running
            // server the rows go through its sink, so its context index and caches see them; a ClickHouse
            // server may be elsewhere and cannot read a local file.
            engine: store.via === "embedded" ? store.engine : undefined,
            columns: {
              customer: options.customer,
              timestamp: options.timestamp,
              touchpoint: options.touchpoint,
              channel: options.channel,
              text: options.text,
              value: options.value,
            },
            onProgress: ({ rows, bytes, totalBytes }) =>
              progress.update(totalBytes > 0 ? Math.round((100 * bytes) / totalBytes) : 0, `${rows} rows`),
          });
          await sink.close();
          progress.stop();
          // A server holding the folder refreshes its own; here, build the journey sequences with the import.
          if (store.via !== "server") {
            process.stderr.write("updating journey sequences\n");
            await lazy.refreshJourneySequences(store.engine);
          }
          const seconds = (Date.now() - started) / 1000;
          emit(Boolean(options.json), { ...summary, seconds }, () => {
            const lines = [
              `imported ${summary.imported} events of ${summary.customers} customers, rejected ${summary.rejected} (${seconds.toFixed(1)} s)`,
            ];
            for (const r of summary.rejections.slice(0, 10))
              lines.push(`  line ${r.line}: ${r.field}: ${r.reason}`);
            if (summary.rejected > 10) lines.push("  ... all rejected rows are in the failed_events table");
            return lines.join("\n");
          });
        });
      },
    ),
  );

withStoreOptions(
  program.command("query").description("run a read-only SQL query (ClickHouse dialect) on the store"),
)
  .argument("<sql>", "SELECT ... | SHOW ... | DESCRIBE ...")
  .action(
    run(async (sql: string, options: GlobalOptions) => {
      // Refused before the store is opened when the text alone says so.
      lazy.readOnlySql(sql);
      await withStore(options, async (store) => {
        const rows = await store.engine.query(await lazy.guardReadOnly(store.engine, sql));
        emit(Boolean(options.json), rows, () => formatTable(rows));
      });
    }),
  );

withStoreOptions(
  program.command("customer").description("customer 360 by any identifier (id, email, phone, @handle)"),
)
  .argument("<id>", "any known identifier")
  .option("--limit <n>", "timeline events per page", (v) => Number.parseInt(v, 10), 100)
  .option("--cursor <c>", "page cursor from a previous answer's next")
  .action(
    run(async (id: string, options: GlobalOptions & { limit: number; cursor?: string }) => {
      await withStore(options, async (store) => {
        const customerId = await lazy.findCustomer(store.engine, id);
        if (!customerId) throw new UsageError(`no customer is known by ${id}`);
        const profile = await lazy.customer360(store.engine, customerId, {
          limit: options.limit,
          cursor: options.cursor,
        });
        emit(Boolean(options.json), profile, () =>
          [
            `${profile.id}  (${profile.identifiers.join(", ")})`,
            `seen ${profile.firstSeen} .. ${profile.lastSeen}; ${profile.counts.events} events; value ${profile.totalValue.toFixed(2)}`,
            `channels: ${Object.entries(profile.channels)
              .map(([c, n]) => `${c} ${n}`)
              .join(", ")}`,
            ...profile.timeline.map(
              (e) =>
                `  ${e.timestamp}  ${e.channel.padEnd(14)} ${e.touchpoint}${e.text ? `  "${e.text}"` : ""}`,
            ),
            profile.next ? `more: --cursor ${profile.next}` : "",
          ].join("\n"),
        );
      });
    }),
  );

const identity = program.command("identity").description("identity stitching: see and undo merges");
withStoreOptions(identity.command("merges").description("the merges behind a customer"))
  .argument("<id>", "any identifier of the customer")
  .action(
    run(async (id: string, options: GlobalOptions) => {
      await withStore(options, async (store) => {
        const customerId = await lazy.findCustomer(store.engine, id);
        if (!customerId) throw new UsageError(`no customer is known by ${id}`);
        const merges = await lazy.linksOfCustomer(store.engine, customerId);
        emit(Boolean(options.json), { customerId, merges }, () =>
          merges
            .map(
              (m) =>
                `${m.link_id}  ${m.left} = ${m.right}  (${m.reason}${Number(m.active) ? "" : ", split"})`,
            )
            .join("\n"),
        );
      });
    }),
  );
withStoreOptions(identity.command("split").description("undo one merge by its id (see `identity merges`)"))
  .argument("<mergeId>", "the merge (link) id")
  .action(
    run(async (mergeId: string, options: GlobalOptions) => {
      await withStore(options, async (store) => {
        // Merges and splits of a store run one at a time in the process that holds it.
        const result =
          store.engine instanceof lazy.ProxyEngine
            ? ((await (
                await store.engine.post(`/v1/identity/split/${encodeURIComponent(mergeId)}`, "")
              ).json()) as SplitResult)
            : await lazy.splitLink(store.engine, mergeId);
        emit(Boolean(options.json), result, () =>
          [
            `split ${result.before} into:`,
            ...result.after.map((a) => `  ${a.customerId}: ${a.identifiers.join(", ")}`),
          ].join("\n"),
        );
      });
    }),
  );

withStoreOptions(program.command("migrate").description("apply pending schema migrations")).action(
  run(async (options: GlobalOptions) => {
    await withStore(options, async (store) => {
      const rows = await store.engine.query<{ version: number; name: string }>(
        "SELECT version, name FROM schema_migrations ORDER BY version",
      );
      emit(Boolean(options.json), { engine: store.engine.description, migrations: rows }, () =>
        rows.map((r) => `${r.version} ${r.name}`).join("\n"),
      );
    });
  }),
);

withStoreOptions(
  program.command("demo").description("generate and load the demo data set once, then serve (npm start)"),
)
  .option("--customers <n>", "customers to generate", (v) => Number.parseInt(v, 10), 20_000)
  .option("--seed <n>", "random seed", (v) => Number.parseInt(v, 10), 42)
  .option("--port <n>", "port", (v) => Number.parseInt(v, 10), 3000)
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .option("--no-serve", "load the data and exit")
  .action(
    run(
      async (
        options: GlobalOptions & {
          customers: number;
          seed: number;
          port: number;
          host: string;
          serve: boolean;
        },
      ) => {
        const { runDemo } = await import("./demo.js");
        await runDemo(options);
      },
    ),
  );

function formatTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "(no rows)";
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) =>
    columns.map((c) => (typeof row[c] === "object" ? JSON.stringify(row[c]) : String(row[c]))),
  );
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((r) => r[i]!.length))));
  const line = (values: string[]) => values.map((v, i) => v.slice(0, 60).padEnd(widths[i]!)).join("  ");
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

registerValueCommands(program);
registerBehaviourCommands(program);
registerSegmentCommands(program);
registerPrivacyCommands(program);
registerQueueCommands(program);
registerEngageCommands(program);
registerJourneyCommands(program);

await program.parseAsync(process.argv);
