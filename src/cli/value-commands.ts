/** `customer-flow clv ...` and `customer-flow attribution`: value from files or from the store. */
import { type Command, Option } from "commander";

function checkStates(states: number): void {
  if (!Number.isInteger(states) || states < 2) throw new UsageError("--states must be a whole number >= 2");
}

// The models, the files' readers and the store's SQL load with the command that runs (start-up stays short).
import type { MODELS } from "../value/btyd.js";
import type { CustomerRfm, Period } from "../value/clv.js";
import { DEFAULT_MAX_STATES, DEFAULT_PURCHASE_EVENTS } from "../value/defaults.js";
import type { TransactionColumns } from "../value/files.js";
import { action, type GlobalOptions, withStore, withStoreOptions } from "./common.js";
import { emit, UsageError } from "./output.js";

interface ClvFileOptions extends GlobalOptions {
  transactions: string;
  customerColumn: string;
  dateColumn: string;
  amountColumn?: string;
  dateFormat: "iso" | "yyyymmdd";
  whitespace?: boolean;
  calibrationEnd: string;
  period: Period;
  model: keyof typeof MODELS | "gamma-gamma";
}

function clvFileOptions(command: Command): Command {
  return command
    .requiredOption("--transactions <file>", "CSV with a header (or whitespace-separated with --whitespace)")
    .requiredOption("--customer-column <column>", "customer id column (a 1-based position with --whitespace)")
    .requiredOption("--date-column <column>", "purchase date column")
    .option("--amount-column <column>", "purchase value column (needed for gamma-gamma and CLV)")
    .addOption(
      new Option("--date-format <format>", "date format").choices(["iso", "yyyymmdd"]).default("iso"),
    )
    .option("--whitespace", "fields separated by whitespace, no header; columns are positions")
    .requiredOption("--calibration-end <date>", "end of the calibration period, YYYY-MM-DD (inclusive)")
    .addOption(new Option("--period <period>", "time unit").choices(["day", "week"]).default("week"))
    .option("--json", "print JSON");
}

async function rfmFromFile(options: ClvFileOptions): Promise<CustomerRfm[]> {
  const end = Date.parse(`${options.calibrationEnd}T00:00:00Z`);
  if (Number.isNaN(end))
    throw new UsageError(`--calibration-end: "${options.calibrationEnd}" is not a YYYY-MM-DD date`);
  const columns: TransactionColumns = {
    customer: options.customerColumn,
    date: options.dateColumn,
    amount: options.amountColumn,
    dateFormat: options.dateFormat,
    whitespace: options.whitespace,
  };
  const [{ summarise }, { readTransactions }] = await Promise.all([
    import("../value/clv.js"),
    import("../value/files.js"),
  ]);
  return summarise(await readTransactions(options.transactions, columns), end, options.period);
}

export function registerValueCommands(program: Command): void {
  const clv = program
    .command("clv")
    .description("customer lifetime value (BG/NBD, Pareto/NBD, MBG/NBD, Gamma-Gamma)");

  clvFileOptions(clv.command("fit").description("fit a model to a transactions file"))
    .addOption(
      new Option("--model <model>", "model")
        .choices(["bgnbd", "pareto-nbd", "mbgnbd", "gamma-gamma"])
        .default("bgnbd"),
    )
    .action(
      action(async (options: ClvFileOptions) => {
        const [{ fitGammaGamma, fitModel }, { MODELS }] = await Promise.all([
          import("../value/clv.js"),
          import("../value/btyd.js"),
        ]);
        const rows = await rfmFromFile(options);
        if (options.model === "gamma-gamma") {
          if (!options.amountColumn) throw new UsageError("--amount-column is needed for gamma-gamma");
          const fit = fitGammaGamma(rows);
          emit(Boolean(options.json), { model: "gamma-gamma", ...fit }, () =>
            describeFit("gamma-gamma", fit, fit.customers),
          );
          return;
        }
        const fit = fitModel(MODELS[options.model], rows);
        emit(Boolean(options.json), { model: options.model, ...fit, customers: rows.length }, () =>
          describeFit(options.model, fit, rows.length),
        );
      }),
    );

  clvFileOptions(
    clv.command("predict").description("per-customer expected purchases, P(alive), expected spend and CLV"),
  )
    .addOption(
      new Option("--model <model>", "purchase model")
        .choices(["bgnbd", "pareto-nbd", "mbgnbd"])
        .default("bgnbd"),
    )
    .requiredOption("--horizon <n>", "periods ahead", Number)
    .option("--discount <rate>", "discount rate per period", Number, 0)
    .action(
      action(async (options: ClvFileOptions & { horizon: number; discount: number }) => {
        if (!(options.horizon > 0)) throw new UsageError("--horizon must be a positive number of periods");
        const [{ fitGammaGamma, fitModel, predict }, { MODELS }] = await Promise.all([
          import("../value/clv.js"),
          import("../value/btyd.js"),
        ]);
        const rows = await rfmFromFile(options);
        const model = MODELS[options.model as keyof typeof MODELS];
        const fit = fitModel(model, rows);
        const spend = options.amountColumn ? fitGammaGamma(rows) : undefined;
        const predictions = predict(model, Object.values(fit.params), rows, {
          horizon: options.horizon,
          discount: options.discount,
          spendParams: spend ? Object.values(spend.params) : undefined,
        });
        emit(
          Boolean(options.json),
          {
            model: options.model,
            params: fit.params,
            spendParams: spend?.params ?? null,
            horizon: options.horizon,
            customers: predictions,
          },
          () =>
            [
              "customer         E[purchases]  P(alive)  E[spend]  CLV",
              ...predictions
                .slice(0, 50)
                .map(
                  (p) =>
                    `${p.customer.padEnd(16)} ${p.expectedPurchases.toFixed(3).padStart(12)}  ${p.pAlive.toFixed(3).padStart(8)}  ${(p.expectedSpend?.toFixed(2) ?? "-").padStart(8)}  ${p.clv?.toFixed(2) ?? "-"}`,
                ),
              predictions.length > 50 ? `... ${predictions.length - 50} more (use --json)` : "",
            ].join("\n"),
        );
      }),
    );

  withStoreOptions(clv.command("run"))
    .description("fit on the store's purchases and store every customer's CLV (used by every other feature)")
    .addOption(
      new Option("--model <model>", "purchase model")
        .choices(["bgnbd", "pareto-nbd", "mbgnbd"])
        .default("bgnbd"),
    )
    .addOption(new Option("--period <period>", "time unit").choices(["day", "week"]).default("week"))
    .option("--horizon <n>", "CLV horizon in periods (default 52 weeks or 365 days)", Number)
    .option("--discount <d>", "discount rate per period", Number)
    .option("--purchase-event <name...>", "purchase event names", DEFAULT_PURCHASE_EVENTS)
    .action(
      action(
        async (
          options: GlobalOptions & {
            model: keyof typeof MODELS;
            period: Period;
            horizon?: number;
            discount?: number;
            purchaseEvent: string[];
          },
        ) => {
          await withStore(options, async (store) => {
            process.stderr.write("fitting CLV models on the store's purchases\n");
            const { runClv } = await import("../value/store.js");
            const summary = await runClv(store.engine, {
              model: options.model,
              period: options.period,
              horizon: options.horizon,
              discount: options.discount,
              purchaseEvents: options.purchaseEvent,
            });
            emit(Boolean(options.json), summary, () =>
              [
                `${summary.model} on ${summary.customers} customers (${summary.repeatBuyers} repeat buyers), calibration end ${summary.calibrationEnd}`,
                `  params ${JSON.stringify(summary.params)}  spend ${JSON.stringify(summary.spendParams)}`,
                `  CLV over ${summary.horizon} ${summary.period}s: total ${summary.totalClv.toFixed(2)}, mean ${summary.meanClv.toFixed(2)}`,
              ].join("\n"),
            );
          });
        },
      ),
    );

  withStoreOptions(
    program
      .command("attribution")
      .description(
        "attribute conversions: Markov (exact), Shapley, first, last, linear, time decay; from a paths file or the store",
      ),
  )
    .option(
      "--paths <file>",
      "CSV: path (channels joined by ' > '), total_conversions, total_conversion_value, total_null",
    )
    .addOption(
      new Option("--by <step>", "from the store: what a touch is")
        .choices(["channel", "touchpoint"])
        .default("channel"),
    )
    .option("--conversion <name...>", "from the store: conversion event names", DEFAULT_PURCHASE_EVENTS)
    .option("--lookback <days>", "from the store: touches this long before a conversion count", Number, 30)
    .option("--order <k>", "Markov order", Number, 1)
    .option("--half-life <steps>", "time-decay half-life in steps", Number, 1)
    .option(
      "--states <n>",
      "channels kept apart by volume; the rest become (other)",
      Number,
      DEFAULT_MAX_STATES,
    )
    .action(
      action(
        async (
          options: GlobalOptions & {
            paths?: string;
            by: "channel" | "touchpoint";
            conversion: string[];
            lookback: number;
            order: number;
            halfLife: number;
            states: number;
          },
        ) => {
          if (!Number.isInteger(options.order) || options.order < 1)
            throw new UsageError("--order must be a whole number >= 1");
          checkStates(options.states);
          if (!(options.lookback > 0)) throw new UsageError("--lookback must be a number of days > 0");
          const [{ attribute }, { readPaths }, { journeyPaths }] = await Promise.all([
            import("../value/attribution.js"),
            import("../value/files.js"),
            import("../value/store.js"),
          ]);
          const rows = options.paths
            ? await readPaths(options.paths)
            : await withStore(options, (store) =>
                journeyPaths(store.engine, {
                  by: options.by,
                  conversionEvents: options.conversion,
                  lookbackMs: options.lookback * 86_400_000,
                }),
              );
          const result = attribute(rows, {
            order: options.order,
            halfLife: options.halfLife,
            maxStates: options.states,
          });
          emit(Boolean(options.json), result, () => {
            const channels = Object.keys(result.markov.removalEffects);
            const cell = (v: number | undefined) => (v ?? 0).toFixed(2).padStart(9);
            return [
              `${"channel".padEnd(16)} removal   markov  shapley    first     last   linear`,
              ...channels.map(
                (c) =>
                  `${c.padEnd(16)} ${result.markov.removalEffects[c]!.toFixed(3).padStart(7)} ${cell(result.markov.conversions[c])}${cell(result.shapley.conversions[c])}${cell(result.firstTouch.conversions[c])}${cell(result.lastTouch.conversions[c])}${cell(result.linear.conversions[c])}`,
              ),
            ].join("\n");
          });
        },
      ),
    );

  const value = program.command("value").description("where investment pays most");
  withStoreOptions(value.command("touchpoints"))
    .description(
      "the touchpoint investment table: reach, CLV at stake, attribution, friction, behaviour mix, priority",
    )
    .addOption(new Option("--by <step>", "step").choices(["touchpoint", "channel"]).default("touchpoint"))
    .option("--conversion <name...>", "conversion event names", DEFAULT_PURCHASE_EVENTS)
    .option("--lookback <days>", "attribution lookback in days", Number, 30)
    .option("--states <n>", "steps kept apart by reach; the rest become (other)", Number, DEFAULT_MAX_STATES)
    .action(
      action(
        async (
          options: GlobalOptions & {
            by: "touchpoint" | "channel";
            conversion: string[];
            lookback: number;
            states: number;
          },
        ) => {
          if (!(options.lookback > 0)) throw new UsageError("--lookback must be a number of days > 0");
          checkStates(options.states);
          const [{ touchpointTable }, { inlineCompute }] = await Promise.all([
            import("../value/store.js"),
            import("../lanes/compute.js"),
          ]);
          const rows = await withStore(options, (store) =>
            touchpointTable(
              store.engine,
              {
                by: options.by,
                conversionEvents: options.conversion,
                lookbackMs: options.lookback * 86_400_000,
                maxStates: options.states,
              },
              inlineCompute(store.engine),
            ),
          );
          emit(Boolean(options.json), { by: options.by, touchpoints: rows }, () =>
            [
              `${"step".padEnd(24)} customers    CLV at stake  friction   priority  messages (praise/complaint/question/suggestion)`,
              ...rows.map(
                (r) =>
                  `${r.step.padEnd(24)} ${String(r.customers).padStart(9)} ${r.valueAtStake.toFixed(0).padStart(15)} ${r.friction.toFixed(3).padStart(9)} ${r.priority.toFixed(0).padStart(10)}  ${r.behaviour.messages} (${r.behaviour.praise}/${r.behaviour.complaint}/${r.behaviour.question}/${r.behaviour.suggestion})`,
              ),
            ].join("\n"),
          );
        },
      ),
    );
}

function describeFit(
  model: string,
  fit: {
    params: Record<string, number>;
    standardErrors: Record<string, number | null>;
    logLikelihood: number;
  },
  customers: number,
): string {
  return [
    `${model} on ${customers} customers: log-likelihood ${fit.logLikelihood.toFixed(3)}`,
    ...Object.entries(fit.params).map(
      ([k, v]) => `  ${k.padEnd(6)} ${v.toFixed(4)}  (se ${fit.standardErrors[k]?.toFixed(4) ?? "n/a"})`,
    ),
  ].join("\n");
}
