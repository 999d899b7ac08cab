/** Helpers every command uses: store options, opening the store, the sink, and error handling. */
import type { Command } from "commander";
import type { EventSink } from "../collect/sink.js";
import type { OpenedStore } from "../store/open.js";
import { fail } from "./output.js";
import { mark } from "./timings.js";

export interface GlobalOptions {
  data?: string;
  clickhouseUrl?: string;
  json?: boolean;
}

export function withStoreOptions(command: Command): Command {
  return command
    .option(
      "--data <dir>",
      "data folder of the embedded engine (default ./.customer-flow or CUSTOMER_FLOW_DATA)",
    )
    .option(
      "--clickhouse-url <url>",
      "a ClickHouse server instead of the embedded engine (or CUSTOMER_FLOW_CLICKHOUSE_URL)",
    )
    .option("--json", "print JSON");
}

export async function withStore<T>(
  options: GlobalOptions,
  work: (store: OpenedStore) => Promise<T>,
): Promise<T> {
  // Loaded here, not at start: `--help` and a usage error need none of it.
  const [{ openStore }, { applyPrivacySettings }] = await Promise.all([
    import("../store/open.js"),
    import("../privacy/settings.js"),
  ]);
  mark("store modules");
  const store = await openStore({ dataDir: options.data, clickhouseUrl: options.clickhouseUrl });
  mark(`open the store (${store.via})`);
  try {
    // A store that keeps identifiers hashed: this command's look-ups and writes hash them too.
    await applyPrivacySettings(store.engine);
    const result = await work(store);
    mark("the command's work");
    return result;
  } finally {
    await store.engine.close();
    mark("close the store");
  }
}

export async function sinkFor(store: OpenedStore, options: GlobalOptions): Promise<EventSink> {
  if (store.via !== "server") {
    const [{ EngineSink }, { storeModelInUse }] = await Promise.all([
      import("../collect/sink.js"),
      import("./brand-behaviour-commands.js"),
    ]);
    const inUse = await storeModelInUse(store);
    return new EngineSink(store.engine, undefined, () => inUse.current);
  }
  const [{ readServerInfo, resolveStoreOptions }, { RemoteSink }] = await Promise.all([
    import("../store/open.js"),
    import("../collect/remote-sink.js"),
  ]);
  const info = readServerInfo(resolveStoreOptions({ dataDir: options.data }).dataDir);
  if (!info) throw new Error("the server holding the data folder has gone away");
  return new RemoteSink(info);
}

/**
 * `action`, after `prepare` (a command file loading the modules its commands run, once): start-up and
 * `--help` load none of them.
 */
export function actionAfter(prepare: () => Promise<void>) {
  return <A extends unknown[]>(work: (...args: A) => Promise<void>) =>
    action(async (...args: A) => {
      await prepare();
      mark("the command's modules");
      await work(...args);
    });
}

export function action<A extends unknown[]>(run: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const json = Boolean(command.opts<GlobalOptions>().json);
    try {
      await run(...args);
    } catch (error) {
      fail(error, json);
    }
  };
}
