/**
 * `customer-flow privacy ...`: forget people (erase, optionally suppress), export everything about one, and
 * list the suppressions. Through a running server when one holds the folder, so its memory forgets too.
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { RegulationType, RegulationView } from "../privacy/store.js";
import type { OpenedStore } from "../store/open.js";

import { actionAfter, type GlobalOptions, withStore, withStoreOptions } from "./common.js";
import { emit, UsageError } from "./output.js";
import { startProgress } from "./progress.js";

/** Privacy's SQL and regulations: loaded when a privacy command runs, not at start. */
async function loadPrivacyModules() {
  const [m0, m1, m2, m3, m4, m5] = await Promise.all([
    import("../identity/customer360.js"),
    import("../privacy/export.js"),
    import("../privacy/regulations.js"),
    import("../privacy/suppressions.js"),
    import("../store/proxy-engine.js"),
    import("../privacy/store.js"),
  ]);
  return {
    findCustomer: m0.findCustomer,
    exportPerson: m1.exportPerson,
    Regulations: m2.Regulations,
    Suppressions: m3.Suppressions,
    ProxyEngine: m4.ProxyEngine,
    activeSuppressions: m5.activeSuppressions,
    getRegulation: m5.getRegulation,
    listRegulations: m5.listRegulations,
    privacySalt: m5.privacySalt,
    regulationView: m5.regulationView,
  };
}
let lazy: Awaited<ReturnType<typeof loadPrivacyModules>>;

const run = actionAfter(async () => {
  lazy ??= await loadPrivacyModules();
});

/** Runs a regulation to its end: sent to the server that holds the folder, or here. */
async function runRegulation(
  store: OpenedStore,
  type: RegulationType,
  subjects: string[],
): Promise<RegulationView> {
  const { engine } = store;
  if (engine instanceof lazy.ProxyEngine) {
    const sent = (await (
      await engine.post("/v1/regulations", JSON.stringify({ type, subjects }), {
        "content-type": "application/json",
      })
    ).json()) as { id: string };
    for (;;) {
      const regulation = (await (await engine.get(`/v1/regulations/${sent.id}`)).json()) as RegulationView;
      if (regulation.status === "finished" || regulation.status === "failed") return regulation;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const suppressions = new lazy.Suppressions(
    await lazy.privacySalt(engine),
    await lazy.activeSuppressions(engine),
  );
  // Nothing is held in memory here: the erased rows were the only copy.
  const regulations = new lazy.Regulations(engine, suppressions, { forget: () => undefined });
  // An earlier run this process never finished (interrupted) goes first.
  await regulations.resume();
  const submitted = await regulations.submit(type, subjects);
  await regulations.idle();
  return lazy.regulationView((await lazy.getRegulation(engine, submitted.id)) ?? submitted);
}

const describe = (r: RegulationView) =>
  [
    `regulation ${r.id}: ${r.type}, ${r.status}${r.error ? ` (${r.error})` : ""}`,
    `  ${r.subjects} subject(s), ${r.customers} customer(s)`,
    ...Object.entries(r.rows)
      .filter(([, n]) => n > 0)
      .map(([table, n]) => `  ${table}: ${n} row(s) erased`),
  ].join("\n");

export function registerPrivacyCommands(program: Command): void {
  const privacy = program
    .command("privacy")
    .description("data-subject requests: erase, suppress, export (docs/privacy.md)");

  withStoreOptions(privacy.command("forget"))
    .description("erase people everywhere by any identifier (email, phone, user id, @handle)")
    .argument("<id...>", "identifiers of the people (up to 5,000)")
    .option("--suppress", "also drop their future events at the collector (suppress and delete)")
    .option("--suppress-only", "drop their future events, erase nothing")
    .option("--unsuppress", "lift an earlier suppression, erase nothing")
    .action(
      run(
        async (
          ids: string[],
          options: GlobalOptions & { suppress?: boolean; suppressOnly?: boolean; unsuppress?: boolean },
        ) => {
          if (ids.length > 5_000) throw new UsageError("at most 5,000 identifiers per request");
          if ([options.suppress, options.suppressOnly, options.unsuppress].filter(Boolean).length > 1)
            throw new UsageError("give one of --suppress, --suppress-only, --unsuppress");
          const type: RegulationType = options.unsuppress
            ? "unsuppress"
            : options.suppressOnly
              ? "suppress"
              : options.suppress
                ? "suppress_and_delete"
                : "delete";
          await withStore(options, async (store) => {
            const progress = startProgress("privacy", 1, "regulation");
            const regulation = await runRegulation(store, type, ids);
            progress.update(1, regulation.status);
            progress.stop();
            emit(Boolean(options.json), regulation, () => describe(regulation));
            if (regulation.status === "failed") process.exitCode = 1;
          });
        },
      ),
    );

  withStoreOptions(privacy.command("export"))
    .description("everything held about one person, as one JSON document")
    .argument("<id>", "any identifier of the person")
    .requiredOption("--out <file>", "where to write the JSON document")
    .action(
      run(async (id: string, options: GlobalOptions & { out: string }) => {
        await withStore(options, async (store) => {
          const { engine } = store;
          let document: unknown;
          if (engine instanceof lazy.ProxyEngine) {
            // The server adds the context it holds in memory.
            document = await (await engine.get(`/v1/customers/${encodeURIComponent(id)}/export`)).json();
          } else {
            const customerId = await lazy.findCustomer(engine, id);
            if (!customerId) throw new UsageError(`no customer is known by ${id}`);
            document = await lazy.exportPerson(engine, customerId);
          }
          writeFileSync(options.out, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
          const { customerId, events } = document as { customerId: string; events: unknown[] };
          emit(
            Boolean(options.json),
            { customerId, events: events.length, out: options.out },
            () =>
              `${customerId}: ${events.length} event(s) and everything else held, written to ${options.out}`,
          );
        });
      }),
    );

  withStoreOptions(privacy.command("suppressions"))
    .description("how many identifiers are suppressed, and the regulations so far")
    .action(
      run(async (options: GlobalOptions) => {
        await withStore(options, async (store) => {
          const hashes = await lazy.activeSuppressions(store.engine);
          const regulations = (await lazy.listRegulations(store.engine)).map(lazy.regulationView);
          emit(Boolean(options.json), { suppressedIdentifiers: hashes.length, regulations }, () =>
            [
              `${hashes.length} identifier(s) suppressed (kept as salted hashes)`,
              ...regulations.map(
                (r) => `  ${r.createdAt}  ${r.type}  ${r.status}  ${r.subjects} subject(s)  ${r.id}`,
              ),
            ].join("\n"),
          );
        });
      }),
    );
}
