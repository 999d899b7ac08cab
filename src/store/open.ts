/**
 * Picks the engine for a command: a ClickHouse server when a URL is given; otherwise the embedded chDB folder,
 * or, when a running Customer Flow server holds that folder, that server.
 */
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ChdbEngine, DataFolderLockedError } from "./chdb-engine.js";
import type { Engine } from "./engine.js";
import { migrate } from "./migrate.js";
import { ProxyEngine, type ServerInfo } from "./proxy-engine.js";

export interface StoreOptions {
  dataDir?: string;
  clickhouseUrl?: string;
  database?: string;
}

export function resolveStoreOptions(
  options: StoreOptions,
): Required<Omit<StoreOptions, "clickhouseUrl">> & StoreOptions {
  return {
    dataDir: resolve(options.dataDir ?? process.env.CUSTOMER_FLOW_DATA ?? ".customer-flow"),
    clickhouseUrl: options.clickhouseUrl ?? process.env.CUSTOMER_FLOW_CLICKHOUSE_URL,
    database: options.database ?? process.env.CUSTOMER_FLOW_DATABASE ?? "customer_flow",
  };
}

export class StoreUnavailableError extends Error {}

const SERVER_FILE = "server.json";

export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  const file = join(dataDir, SERVER_FILE);
  writeFileSync(file, JSON.stringify(info, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function removeServerInfo(dataDir: string, pid: number): void {
  const file = join(dataDir, SERVER_FILE);
  const info = readServerInfo(dataDir);
  if (info?.pid === pid) rmSync(file, { force: true });
}

export function readServerInfo(dataDir: string): ServerInfo | undefined {
  const file = join(dataDir, SERVER_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ServerInfo;
  } catch {
    return undefined;
  }
}

async function serverAnswers(info: ServerInfo): Promise<boolean> {
  try {
    const response = await fetch(`${info.url}/health`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

export interface OpenedStore {
  engine: Engine;
  /** "embedded" (this process holds the folder), "server" (through a running server) or "clickhouse". */
  via: "embedded" | "server" | "clickhouse";
  /** The embedded data folder (also when reached through its server); it may hold a retrained model. */
  dataDir?: string;
}

/** Opens the store and applies pending migrations (not when going through a server, which did that). */
export async function openStore(options: StoreOptions = {}): Promise<OpenedStore> {
  const resolved = resolveStoreOptions(options);
  if (resolved.clickhouseUrl) {
    // The ClickHouse client is loaded only when a server is used.
    const { ClickHouseEngine } = await import("./clickhouse-engine.js");
    const engine = await ClickHouseEngine.open(resolved.clickhouseUrl, resolved.database);
    await migrate(engine);
    return { engine, via: "clickhouse" };
  }
  // A server that holds the folder is asked first, so the engine never tries (and fails) to take the lock.
  const running = readServerInfo(resolved.dataDir);
  if (running && (await serverAnswers(running)))
    return { engine: new ProxyEngine(running), via: "server", dataDir: resolved.dataDir };
  try {
    const engine = await ChdbEngine.open(resolved.dataDir, resolved.database);
    await migrate(engine);
    return { engine, via: "embedded", dataDir: resolved.dataDir };
  } catch (error) {
    if (!(error instanceof DataFolderLockedError)) throw error;
    const info = readServerInfo(resolved.dataDir);
    if (info && (await serverAnswers(info)))
      return { engine: new ProxyEngine(info), via: "server", dataDir: resolved.dataDir };
    throw new StoreUnavailableError(
      `The data folder ${resolved.dataDir} is in use by another process${info ? ` (a server at ${info.url} that does not answer)` : ""}. ` +
        "Wait for it to finish, stop it, or use another folder with --data.",
    );
  }
}
