/** Helpers every command uses: store options, opening the store, the sink, and error handling. */
import type { Command } from "commander";
import { modelForStore } from "../behaviour/classifier.js";
import { RemoteSink } from "../collect/remote-sink.js";
import { EngineSink, type EventSink } from "../collect/sink.js";
import { applyPrivacySettings } from "../privacy/settings.js";
import { type OpenedStore, openStore, readServerInfo, resolveStoreOptions } from "../store/open.js";
import { fail } from "./output.js";

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
  const store = await openStore({ dataDir: options.data, clickhouseUrl: options.clickhouseUrl });
  try {
    // A store that keeps identifiers hashed: this command's look-ups and writes hash them too.
    await applyPrivacySettings(store.engine);
    return await work(store);
  } finally {
    await store.engine.close();
  }
}

export function sinkFor(store: OpenedStore, options: GlobalOptions): EventSink {
  if (store.via !== "server") return new EngineSink(store.engine, undefined, modelForStore(store.dataDir));
  const info = readServerInfo(resolveStoreOptions({ dataDir: options.data }).dataDir);
  if (!info) throw new Error("the server holding the data folder has gone away");
  return new RemoteSink(info);
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
