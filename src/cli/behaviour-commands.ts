/** `customer-flow behaviour ...`: classify texts, train and evaluate the model, who matters now, themes. */
import { createReadStream, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import type { Metrics } from "../behaviour/evaluate.js";
import type { BehaviourModel } from "../behaviour/model.js";
import type { LabelledText } from "../behaviour/train.js";
import {
  registerBrandBehaviourCommands,
  storeModelInUse,
  trainFromLabels,
} from "./brand-behaviour-commands.js";
import { actionAfter, type GlobalOptions, withStore, withStoreOptions } from "./common.js";

import { emit, parseOptions, UsageError } from "./output.js";
import { startProgress } from "./progress.js";

/** The model, corpora, training and the store's SQL: loaded when a behaviour command runs, not at start. */
async function loadBehaviourModules() {
  const [csv, classifier, corpus, evaluate, model, replyLabels, routes, store, train, open] =
    await Promise.all([
      import("csv-parse"),
      import("../behaviour/classifier.js"),
      import("../behaviour/corpus.js"),
      import("../behaviour/evaluate.js"),
      import("../behaviour/model.js"),
      import("../behaviour/reply-labels.js"),
      import("../behaviour/routes.js"),
      import("../behaviour/store.js"),
      import("../behaviour/train.js"),
      import("../store/open.js"),
    ]);
  return {
    parse: csv.parse,
    forgetModel: classifier.forgetModel,
    loadModel: classifier.loadModel,
    modelPathFor: classifier.modelPathFor,
    STORE_MODEL_FILE: classifier.STORE_MODEL_FILE,
    readEvaluationSets: corpus.readEvaluationSets,
    readLabelledCsv: corpus.readLabelledCsv,
    readPublicTrainingPool: corpus.readPublicTrainingPool,
    evaluateLabelled: evaluate.evaluateLabelled,
    evaluateSet: evaluate.evaluateSet,
    SPACES: model.SPACES,
    labelByReply: replyLabels.labelByReply,
    nowConfigOf: routes.nowConfigOf,
    nowQuerySchema: routes.nowQuerySchema,
    themesQuerySchema: routes.themesQuerySchema,
    repliedMessages: store.repliedMessages,
    voiceOfCustomer: store.voiceOfCustomer,
    whoMattersNowFromStore: store.whoMattersNowFromStore,
    trainWithDistantLabels: train.trainWithDistantLabels,
    resolveStoreOptions: open.resolveStoreOptions,
  };
}
let lazy: Awaited<ReturnType<typeof loadBehaviourModules>>;

const run = actionAfter(async () => {
  lazy ??= await loadBehaviourModules();
});

interface ModelOptions extends GlobalOptions {
  model?: string;
}

/**
 * The model a command uses: --model FILE; else the data folder's model in use (a version chosen after
 * `train --from-labels`, else its retrained file, else the shipped model).
 */
async function chosenModel(options: ModelOptions): Promise<{ model: BehaviourModel; path: string }> {
  const dataDir = options.data ?? lazy.resolveStoreOptions({}).dataDir;
  if (!options.model && existsSync(dataDir)) {
    const inUse = await withStore(options, (store) => storeModelInUse(store));
    if (inUse.chosenVersion) return { model: inUse.current, path: `${dataDir} (${inUse.version})` };
  }
  const path = options.model ?? lazy.modelPathFor(dataDir);
  if (!existsSync(path)) throw new UsageError(`--model: no model file at ${path}`);
  return { model: lazy.loadModel(path), path };
}

/** Yields the text of each input line or row, in order; a line without text yields its error instead. */
async function* readTexts(
  input: string | undefined,
  textColumn: string,
): AsyncIterable<{ line: number; text?: string; error?: string }> {
  const isCsv = input !== undefined && /\.csv$/i.test(input);
  const stream = input === undefined ? process.stdin : createReadStream(input);
  if (isCsv) {
    let line = 1;
    for await (const row of stream.pipe(lazy.parse({ columns: true, bom: true, relax_quotes: true }))) {
      line++;
      const text = (row as Record<string, string>)[textColumn];
      if (text === undefined) throw new UsageError(`--text-column: the CSV has no "${textColumn}" column`);
      yield { line, text };
    }
    return;
  }
  let line = 0;
  for await (const raw of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    line++;
    if (raw.trim() === "") continue;
    try {
      const value = JSON.parse(raw) as Record<string, unknown>;
      const text = value?.[textColumn];
      if (typeof text !== "string") yield { line, error: `${textColumn}: expected a string` };
      else yield { line, text };
    } catch (error) {
      yield { line, error: `not valid JSON: ${(error as Error).message}` };
    }
  }
}

function describeMetrics(m: Metrics): string {
  const lines = [`${m.examples} examples, accuracy ${m.accuracy}, macro-F1 ${m.macroF1}`];
  for (const [name, c] of Object.entries(m.perClass)) {
    lines.push(
      `  ${name.padEnd(12)} precision ${c.precision.toFixed(3)} recall ${c.recall.toFixed(3)} F1 ${c.f1.toFixed(3)} (${c.support})`,
    );
  }
  return lines.join("\n");
}

export function registerBehaviourCommands(program: Command): void {
  const behaviour = program
    .command("behaviour")
    .description(
      "praise, complaint, question, suggestion: classify, train, evaluate, who matters now, themes",
    );

  behaviour
    .command("classify")
    .description(
      'label texts: NDJSON {"text":...} lines (stdin by default) or a CSV; one NDJSON line out per input',
    )
    .option("--input <file>", "NDJSON or .csv file (default: stdin)")
    .option("--text-column <name>", "field or column holding the text", "text")
    .option(
      "--model <file>",
      "a model file (default: the data folder's retrained model, else the shipped one)",
    )
    .option("--data <dir>", "data folder whose retrained model to use")
    .option("--json", "NDJSON out (always; kept for symmetry with every command)")
    .action(
      run(async (options: ModelOptions & { input?: string; textColumn: string }) => {
        const { model } = await chosenModel(options);
        for await (const item of readTexts(options.input, options.textColumn)) {
          const out =
            item.text === undefined
              ? { line: item.line, error: item.error }
              : { text: item.text, ...model.classify(item.text) };
          if (!process.stdout.write(`${JSON.stringify(out)}\n`)) {
            await new Promise((resolve) => process.stdout.once("drain", resolve));
          }
        }
      }),
    );

  behaviour
    .command("train")
    .description("train a model on labelled texts (a CSV with text and label columns) or on the public pool")
    .option(
      "--input <file>",
      "CSV with text and label (praise|complaint|question|suggestion|other; several joined by |)",
    )
    .option("--text-column <name>", "text column", "text")
    .option("--label-column <name>", "label column", "label")
    .option("--with-public", "add the public training pool from ../shared/data/behaviour")
    .option(
      "--without-nc",
      "leave the non-commercial sets (SemEval-2019 suggestions, airline conversations) out of the public pool",
    )
    .option(
      "--from-replies",
      "also learn from the store's messages that the brand replied to, each labelled by its reply",
    )
    .option(
      "--from-labels",
      "adapt the public model to the brand's labels in the store; put in use only when better on labels it never trained on",
    )
    .option("--output <file>", "where to write the model (default: the data folder, used from then on)")
    .option("--data <dir>", "data folder the model is for (and whose replies --from-replies reads)")
    .option("--clickhouse-url <url>", "with --from-replies: read the replies from a ClickHouse server")
    .option("--epochs <n>", "passes over the data (default: each head's cross-validated setting)", (v) =>
      Number.parseInt(v, 10),
    )
    .option("--json", "print JSON")
    .action(
      run(
        async (
          options: GlobalOptions & {
            input?: string;
            textColumn: string;
            labelColumn: string;
            withPublic?: boolean;
            withoutNc?: boolean;
            fromReplies?: boolean;
            fromLabels?: boolean;
            output?: string;
            epochs: number;
          },
        ) => {
          if (options.fromLabels) {
            await trainFromLabels(options);
            return;
          }
          const started = Date.now();
          const progress = startProgress("training", 3, "steps");
          const corpus: LabelledText[] = [];
          let distant: LabelledText[] = [];
          const data: Array<{ name: string; examples: number; licence: string }> = [];
          let rejected: Array<{ line: number; reason: string }> = [];
          if (options.input) {
            const own = lazy.readLabelledCsv(options.input, options.textColumn, options.labelColumn);
            corpus.push(...own.corpus);
            rejected = own.errors;
            data.push({ name: options.input, examples: own.corpus.length, licence: "the brand's own" });
          }
          if (!options.input || options.withPublic) {
            const pool = lazy.readPublicTrainingPool(undefined, { nonCommercial: !options.withoutNc });
            corpus.push(...pool.corpus);
            distant = pool.distant;
            data.push(...pool.sources);
          }
          if (options.fromReplies) {
            const own = lazy.labelByReply(
              await withStore(options, (store) => lazy.repliedMessages(store.engine)),
            );
            if (own.length === 0) {
              throw new UsageError(
                "--from-replies: the store holds no replied messages (outbound events with text and properties.inReplyTo)",
              );
            }
            distant = [...distant, ...own];
            data.push({
              name: "the store's messages labelled by the brand's replies",
              examples: own.length,
              licence: "the brand's own",
            });
          }
          progress.update(1, `${corpus.length + distant.length} texts read; training`);
          const { model, examples } = lazy.trainWithDistantLabels(
            corpus,
            distant,
            { data, notes: options.input ? "retrained on the brand's labels" : "public pool" },
            { epochs: options.epochs },
          );
          progress.update(2, "writing");
          const output =
            options.output ??
            join(lazy.resolveStoreOptions({ dataDir: options.data }).dataDir, lazy.STORE_MODEL_FILE);
          mkdirSync(dirname(output), { recursive: true });
          writeFileSync(output, model.serialise());
          lazy.forgetModel(output);
          progress.stop();
          const result = { output, examples, rejected, seconds: (Date.now() - started) / 1000 };
          emit(Boolean(options.json), result, () =>
            [
              `trained on ${examples.sentiment} sentiment (${examples.distant ?? 0} of them reply-labelled), ${examples.question} question and ${examples.suggestion} suggestion examples in ${result.seconds.toFixed(1)} s`,
              `model written to ${output}`,
              ...rejected.slice(0, 10).map((r) => `  line ${r.line}: ${r.reason}`),
            ].join("\n"),
          );
        },
      ),
    );

  behaviour
    .command("evaluate")
    .description(
      "precision, recall and F1 per space and a confusion matrix, on labelled texts or the public dev sets",
    )
    .option("--input <file>", "CSV with text and label columns")
    .option("--text-column <name>", "text column", "text")
    .option("--label-column <name>", "label column", "label")
    .option("--public", "evaluate on the dev sets under ../shared/data/behaviour")
    .option("--model <file>", "model file (default: the data folder's, else the shipped one)")
    .option("--data <dir>", "data folder whose model to evaluate")
    .option("--json", "print JSON")
    .action(
      run(
        async (
          options: ModelOptions & {
            input?: string;
            textColumn: string;
            labelColumn: string;
            public?: boolean;
          },
        ) => {
          if (!options.input && !options.public) throw new UsageError("give --input FILE or --public");
          const { model, path } = await chosenModel(options);
          if (options.input) {
            const { corpus, errors } = lazy.readLabelledCsv(
              options.input,
              options.textColumn,
              options.labelColumn,
            );
            const report = lazy.evaluateLabelled(model, corpus);
            emit(Boolean(options.json), { model: path, ...report, rejected: errors }, () =>
              [
                `model ${path}`,
                ...lazy.SPACES.map((space) => {
                  const c = report.perSpace[space];
                  return `  ${space.padEnd(11)} precision ${c.precision.toFixed(3)} recall ${c.recall.toFixed(3)} F1 ${c.f1.toFixed(3)} (${c.support})`;
                }),
                "primary label:",
                describeMetrics(report.primary),
                "confusion (rows gold, columns predicted):",
                ...Object.entries(report.primary.confusion).map(
                  ([gold, row]) => `  ${gold.padEnd(11)} ${JSON.stringify(row)}`,
                ),
              ].join("\n"),
            );
            return;
          }
          const sets = lazy.readEvaluationSets();
          if (sets.length === 0) throw new UsageError("no evaluation sets under ../shared/data/behaviour");
          const reports = sets.map((set) => lazy.evaluateSet(model, set));
          emit(Boolean(options.json), { model: path, sets: reports }, () =>
            reports
              .map(
                (r) =>
                  `${r.name}: ${r.figure} ${r.value} (floor ${r.floor}${r.value >= r.floor ? "" : ", below"})\n${describeMetrics(r.metrics)}`,
              )
              .join("\n"),
          );
        },
      ),
    );

  registerBrandBehaviourCommands(behaviour);

  withStoreOptions(behaviour.command("now"))
    .description(
      "who matters now: the live ranking by behaviour, recency, value and reach, with entries and exits",
    )
    .option("--at <time>", "as of this time (default: the latest message)")
    .option("--limit <n>", "people on the list", String(DEFAULT_LIMIT))
    .option("--half-life <hours>", "recency half-life in hours")
    .option("--lookback <hours>", "messages older than this do not count")
    .option("--step <hours>", "history snapshot interval")
    .option("--history <hours>", "how far back the entries and exits go")
    .option("--weights <list>", "per-space weights, e.g. complaint:3,question:2")
    .option("--segment <id>", "only customers of this segment (latest `segments discover`)")
    .action(
      run(async (options: GlobalOptions & Record<string, string | undefined>) => {
        const query = parseOptions(lazy.nowQuerySchema, {
          at: options.at,
          limit: options.limit,
          halfLife: options.halfLife,
          lookback: options.lookback,
          step: options.step,
          history: options.history,
          weights: options.weights,
          segment: options.segment,
        });
        await withStore(options, async (store) => {
          const result = await lazy.whoMattersNowFromStore(store.engine, {
            at: query.at,
            config: lazy.nowConfigOf(query),
          });
          emit(Boolean(options.json), result, () =>
            [
              `who matters now, at ${result.at}`,
              ...result.entries.map(
                (e) =>
                  `${String(e.rank).padStart(3)}. ${e.customerId.padEnd(32)} score ${e.score.toFixed(2)} (behaviour ${e.components.behaviour.toFixed(2)} x value ${e.components.value.toFixed(2)} x reach ${e.components.reach.toFixed(2)}) since ${e.onListSince}\n      ${e.lastMessage.behaviour}: ${e.lastMessage.text}`,
              ),
              `${result.history.length} entries and exits over the history`,
            ].join("\n"),
          );
        });
      }),
    );

  withStoreOptions(behaviour.command("themes"))
    .description("voice of the customer: volume, trend and top themes per touchpoint and space")
    .option("--touchpoint <name>", "one touchpoint")
    .option("--weeks <n>", "window in weeks", "8")
    .option("--top <n>", "themes per touchpoint and space", "5")
    .option("--at <time>", "window end (default: the latest message)")
    .option("--segment <id>", "only customers of this segment (latest `segments discover`)")
    .action(
      run(async (options: GlobalOptions & Record<string, string | undefined>) => {
        const query = parseOptions(lazy.themesQuerySchema, {
          at: options.at,
          touchpoint: options.touchpoint,
          weeks: options.weeks,
          top: options.top,
          segment: options.segment,
        });
        await withStore(options, async (store) => {
          const result = await lazy.voiceOfCustomer(store.engine, query);
          emit(Boolean(options.json), result, () =>
            result.touchpoints
              .map((t) =>
                [
                  `${t.touchpoint} (${t.messages} messages)`,
                  ...t.spaces.map(
                    (s) =>
                      `  ${s.behaviour.padEnd(11)} ${String(s.volume).padStart(6)}  trend ${s.trend === null ? "n/a" : `${(s.trend * 100).toFixed(0)}%`}  ${s.themes.map((th) => `"${th.phrase}" (${th.messages})`).join(", ")}`,
                  ),
                ].join("\n"),
              )
              .join("\n"),
          );
        });
      }),
    );
}

const DEFAULT_LIMIT = 10;
