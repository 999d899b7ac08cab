/**
 * `customer-flow behaviour labels ...`, `behaviour models ...` and `behaviour train --from-labels`: the
 * brand's labels, retraining on them, and the model versions it produced.
 */
import type { Command } from "commander";
import type { Space } from "../behaviour/model.js";
import type { OpenedStore } from "../store/open.js";
import { actionAfter, type GlobalOptions, withStore, withStoreOptions } from "./common.js";
import { emit, UsageError } from "./output.js";
import { startProgress } from "./progress.js";

async function loadModules() {
  const [brandStore, classifier, corpus, inUse, retrain] = await Promise.all([
    import("../behaviour/brand-store.js"),
    import("../behaviour/classifier.js"),
    import("../behaviour/corpus.js"),
    import("../behaviour/model-in-use.js"),
    import("../behaviour/retrain.js"),
  ]);
  return { ...brandStore, ...classifier, ...corpus, ...inUse, ...retrain };
}
let lazy: Awaited<ReturnType<typeof loadModules>>;
const run = actionAfter(async () => {
  lazy ??= await loadModules();
});

/** The store's model in use, over its public model (the folder's retrained file, else the shipped one). */
export async function storeModelInUse(store: OpenedStore) {
  lazy ??= await loadModules();
  return lazy.ModelInUse.of(store.engine, lazy.loadModel(lazy.modelPathFor(store.dataDir)));
}

/** `behaviour train --from-labels`: adapt to the brand's labels; adopted only when better. */
export async function trainFromLabels(options: GlobalOptions): Promise<void> {
  lazy ??= await loadModules();
  const progress = startProgress("retraining on the brand's labels", 1, "steps");
  const report = await withStore(options, async (store) =>
    lazy.retrainFromLabels(store.engine, await storeModelInUse(store), "cli"),
  ).catch((error: unknown) => {
    progress.stop();
    if (error instanceof lazy.TooFewLabelsError) throw new UsageError(error.message);
    throw error;
  });
  progress.stop();
  const { judgement } = report;
  emit(Boolean(options.json), report, () =>
    [
      `${report.version}: trained on ${report.labels.training} labelled texts in ${report.seconds} s (settings by cross-validation: ${report.settings.epochs} epochs, learning rate ${report.settings.learningRate}, prior ${report.settings.prior})`,
      `judged by ${judgement.method} on ${judgement.candidate.examples} texts: ${judgement.candidate.score} against ${judgement.inUse.score} for the model in use`,
      ...Object.entries(judgement.candidate.perSpace).map(
        ([space, f1]) =>
          `  ${space.padEnd(11)} macro-F1 ${f1} (in use ${judgement.inUse.perSpace[space as never]})`,
      ),
      report.adopted
        ? `adopted: ${report.version} is now in use`
        : `not adopted: ${report.inUse} stays in use`,
    ].join("\n"),
  );
}

export function registerBrandBehaviourCommands(behaviour: Command): void {
  const labels = behaviour.command("labels").description("the brand's behaviour labels: import, counts");
  withStoreOptions(labels.command("import <file>"))
    .description(
      "add labels from a CSV with text and label columns (praise|complaint|question|suggestion|other; several joined by |)",
    )
    .option("--text-column <name>", "text column", "text")
    .option("--label-column <name>", "label column", "label")
    .option("--actor <name>", "who gave the labels", "import")
    .action(
      run(
        async (
          file: string,
          options: GlobalOptions & { textColumn: string; labelColumn: string; actor: string },
        ) => {
          const { corpus, errors } = lazy.readLabelledCsv(file, options.textColumn, options.labelColumn);
          const stats = await withStore(options, async (store) => {
            await lazy.addLabels(
              store.engine,
              corpus.map((item) => ({
                text: item.text,
                labels: lazy.labelsOf(item).filter((l): l is Space => l !== "other"),
                source: "import" as const,
                actor: options.actor,
              })),
            );
            return lazy.labelStats(store.engine);
          });
          emit(Boolean(options.json), { imported: corpus.length, rejected: errors, stats }, () =>
            [
              `${corpus.length} labels imported, ${errors.length} rows rejected`,
              ...errors.slice(0, 10).map((e) => `  line ${e.line}: ${e.reason}`),
              `the store holds ${stats.texts} labelled texts`,
            ].join("\n"),
          );
        },
      ),
    );
  withStoreOptions(labels.command("stats"))
    .description("labelled texts per behaviour and per source, and how many since the last model")
    .action(
      run(async (options: GlobalOptions) => {
        const stats = await withStore(options, (store) => lazy.labelStats(store.engine));
        emit(Boolean(options.json), stats, () =>
          [
            `${stats.texts} labelled texts (${stats.sinceLastModel} labels since the last model)`,
            ...Object.entries(stats.perLabel).map(([label, n]) => `  ${label.padEnd(11)} ${n}`),
            `by source: ${
              Object.entries(stats.perSource)
                .map(([s, n]) => `${s} ${n}`)
                .join(", ") || "none"
            }`,
          ].join("\n"),
        );
      }),
    );

  const models = withStoreOptions(behaviour.command("models"))
    .description("model versions trained on the brand's labels, how each was judged, and the one in use")
    .action(
      run(async (options: GlobalOptions) => {
        const result = await withStore(options, async (store) => {
          const inUse = await storeModelInUse(store);
          return {
            inUse: inUse.version,
            ...(inUse.problem ? { problem: inUse.problem } : {}),
            versions: await lazy.listModelVersions(store.engine),
          };
        });
        emit(Boolean(options.json), result, () =>
          [
            `in use: ${result.inUse}`,
            ...(result.problem ? [`not in use: ${result.problem}`] : []),
            ...result.versions.map((v) => {
              const j = v.report.judgement as {
                method: string;
                candidate: { score: number };
                inUse: { score: number };
              };
              return `  ${v.version.padEnd(10)} ${v.createdAt}  ${v.labels} labels  ${j.method} ${j.candidate.score} vs ${j.inUse.score}  ${v.adopted ? "adopted" : "not adopted"}`;
            }),
          ].join("\n"),
        );
      }),
    );
  withStoreOptions(models.command("use <version>"))
    .description("put a version in use (roll back or forward); `public` for the public model")
    .option("--reason <text>", "why", "chosen by hand")
    .action(
      run(async (version: string, own: GlobalOptions & { reason: string }) => {
        // `--data` and `--json` after `use` are taken by the `models` command, which has them too.
        const options = { ...models.opts<GlobalOptions>(), ...own };
        const chosen = version === "public" ? "" : version;
        await withStore(options, async (store) => {
          if (chosen && !(await lazy.modelBytes(store.engine, chosen))) {
            const known = (await lazy.listModelVersions(store.engine)).map((v) => v.version);
            throw new UsageError(
              `version: no model ${version} (known: public${known.map((k) => `, ${k}`).join("")})`,
            );
          }
          await lazy.chooseModel(store.engine, chosen, "cli", options.reason);
        });
        emit(Boolean(options.json), { inUse: version }, () => `${version} is now in use`);
      }),
    );
}
