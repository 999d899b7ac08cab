/** `customer-flow inbox ...` and `customer-flow engage ...`: the inbox, actions, context and closed-loop outcomes. */
import type { Command } from "commander";

import { actionAfter, type GlobalOptions, sinkFor, withStore, withStoreOptions } from "./common.js";
import { emit, parseOptions, UsageError } from "./output.js";

/** The inbox's SQL, schemas and playbook: loaded when an engage command runs, not at start. */
async function loadEngageModules() {
  const [m0, m1, m2, m3] = await Promise.all([
    import("../engage/context.js"),
    import("../engage/routes.js"),
    import("../engage/rules.js"),
    import("../engage/store.js"),
  ]);
  return {
    ContextService: m0.ContextService,
    inboxCommandSchema: m1.inboxCommandSchema,
    inboxQuerySchema: m1.inboxQuerySchema,
    DEFAULT_PLAYBOOK_PATH: m2.DEFAULT_PLAYBOOK_PATH,
    loadPlaybook: m2.loadPlaybook,
    applyCommand: m3.applyCommand,
    engageOutcomes: m3.engageOutcomes,
    getItem: m3.getItem,
    itemHistory: m3.itemHistory,
    listInbox: m3.listInbox,
  };
}
let lazy: Awaited<ReturnType<typeof loadEngageModules>>;

const run = actionAfter(async () => {
  lazy ??= await loadEngageModules();
});

type Options = GlobalOptions & Record<string, string | boolean | undefined>;

export function registerEngageCommands(program: Command): void {
  const inbox = program
    .command("inbox")
    .description("messages to answer, ranked by behaviour, value, reach and waiting time");

  withStoreOptions(inbox.command("list"))
    .description("the ranked inbox; each item explains its priority")
    .option("--status <status>", "open | pending | resolved")
    .option("--behaviour <space>", "praise | complaint | question | suggestion")
    .option("--channel <name>", "one channel")
    .option("--touchpoint <name>", "one touchpoint")
    .option("--segment <id>", "one segment (latest run)")
    .option("--assignee <name>", "items assigned to this person or team")
    .option("--limit <n>", "items", "20")
    .option("--days <n>", "messages of the last N days", "30")
    .option("--at <time>", "rank as of this time (default: the latest message)")
    .action(
      run(async (options: Options) => {
        const query = parseOptions(lazy.inboxQuerySchema, {
          status: options.status,
          behaviour: options.behaviour,
          channel: options.channel,
          touchpoint: options.touchpoint,
          segment: options.segment,
          assignee: options.assignee,
          limit: options.limit,
          days: options.days,
          at: options.at,
        });
        await withStore(options, async (store) => {
          const result = await lazy.listInbox(store.engine, query);
          emit(Boolean(options.json), result, () =>
            [
              `${result.total} items (as of ${result.at}); top ${result.items.length}:`,
              ...result.items.map(
                (i) =>
                  `${i.priority.toFixed(0).padStart(6)}  ${i.id}  ${i.status.padEnd(8)} ${i.behaviour.padEnd(10)} ${i.customerId}  ${i.channel}/${i.touchpoint}\n        "${i.text}"\n        ${i.reasons.join("; ")}`,
              ),
            ].join("\n"),
          );
        });
      }),
    );

  withStoreOptions(inbox.command("show"))
    .description("one item and its history")
    .argument("<id>", "item id (the message's event id)")
    .action(
      run(async (id: string, options: Options) => {
        await withStore(options, async (store) => {
          const item = await lazy.getItem(store.engine, id);
          if (!item) throw new UsageError(`no inbox item ${id}`);
          const { identityKey: _key, ...rest } = item;
          const history = await lazy.itemHistory(store.engine, id);
          emit(Boolean(options.json), { item: rest, history }, () =>
            [
              `${rest.status} ${rest.behaviour} "${rest.text}"`,
              ...history.map((h) => `  ${h.at} ${h.action} ${h.status || h.assignee || h.note}`),
            ].join("\n"),
          );
        });
      }),
    );

  const act = (
    name: string,
    description: string,
    configure: (c: Command) => Command,
    build: (options: Options) => Record<string, unknown>,
  ) =>
    configure(withStoreOptions(inbox.command(name)).description(description).argument("<id>", "item id"))
      .option("--actor <name>", "who does it (kept in the history)")
      .action(
        run(async (id: string, options: Options) => {
          const command = parseOptions(
            lazy.inboxCommandSchema,
            { ...build(options), actor: options.actor },
            (key) => (key === "action" ? "command" : `--${key}`),
          );
          await withStore(options, async (store) => {
            const sink = await sinkFor(store, options);
            try {
              const result = await lazy.applyCommand(store.engine, sink, id, command);
              const { identityKey: _key, ...item } = result.item as typeof result.item & {
                identityKey?: string;
              };
              emit(
                Boolean(options.json),
                { ...result, item },
                () =>
                  `${id}: ${item.status}${item.assignee ? `, assigned to ${item.assignee}` : ""}${result.reply ? `, replied (event ${result.reply.eventId})` : ""}`,
              );
            } finally {
              await sink.close();
            }
          });
        }),
      );
  act(
    "assign",
    "assign an item to a person or team",
    (c) => c.requiredOption("--to <name>", "person or team"),
    (o) => ({ action: "assign", assignee: o.to }),
  );
  act(
    "note",
    "add an internal note",
    (c) => c.requiredOption("--text <note>", "the note"),
    (o) => ({ action: "note", note: o.text }),
  );
  act(
    "status",
    "set the status",
    (c) => c.requiredOption("--status <status>", "open | pending | resolved"),
    (o) => ({ action: "status", status: o.status }),
  );
  act(
    "resolve",
    "resolve an item",
    (c) => c,
    () => ({ action: "resolve" }),
  );
  act(
    "reply",
    "reply as the brand: stored as an outbound event on the item's channel and touchpoint",
    (c) =>
      c
        .requiredOption("--text <text>", "the reply")
        .requiredOption("--responder <name>", "who answers")
        .option("--channel <name>", "answer on another channel")
        .option("--resolve", "resolve the item too"),
    (o) => ({
      action: "reply",
      text: o.text,
      responder: o.responder,
      channel: o.channel,
      resolve: Boolean(o.resolve),
    }),
  );

  const engage = program.command("engage").description("context, next best actions and closed-loop outcomes");
  withStoreOptions(engage.command("context"))
    .description("everything known about a customer at a touchpoint, with next best actions")
    .argument("<id>", "any identifier: user id, email, phone, @handle")
    .option("--touchpoint <name>", "where the customer is now")
    .option("--playbook <file>", "rules file (default: config/playbook.json or CUSTOMER_FLOW_PLAYBOOK)")
    .action(
      run(async (id: string, options: Options) => {
        const playbook = lazy.loadPlaybook(
          typeof options.playbook === "string" ? options.playbook : lazy.DEFAULT_PLAYBOOK_PATH,
        );
        await withStore(options, async (store) => {
          const context = await new lazy.ContextService(store.engine, playbook).context(
            id,
            typeof options.touchpoint === "string" ? options.touchpoint : undefined,
          );
          if (!context) throw new UsageError(`no customer known as ${id}`);
          emit(Boolean(options.json), context, () =>
            [
              `${context.customer.id}  CLV ${context.value.clv?.toFixed(0) ?? "n/a"}  P(alive) ${context.value.pAlive?.toFixed(2) ?? "n/a"}  segment ${context.segment?.label ?? "none"}`,
              `open items: ${context.openItems.length}; last message: ${context.behaviour.last ? `${context.behaviour.last.behaviour} "${context.behaviour.last.text}"` : "none"}`,
              ...context.actions.map((a) => `  -> ${a.action}  [${a.rule}: ${a.reason}]`),
            ].join("\n"),
          );
        });
      }),
    );
  engage
    .command("rules")
    .description("validate a rules file and print its rules")
    .argument("[file]", "rules file (default: config/playbook.json or CUSTOMER_FLOW_PLAYBOOK)")
    .option("--json", "print JSON")
    .action(
      run(async (given: string | undefined, options: Options) => {
        const file = given ?? lazy.DEFAULT_PLAYBOOK_PATH;
        const playbook = lazy.loadPlaybook(file);
        emit(Boolean(options.json), playbook, () =>
          [
            `${file}: version ${playbook.version}, ${playbook.rules.length} rules, valid`,
            ...playbook.rules.map((r) => `  ${String(r.priority).padStart(3)} ${r.id}: ${r.action}`),
          ].join("\n"),
        );
      }),
    );
  withStoreOptions(engage.command("outcomes"))
    .description("what happened after a response vs no response, per behaviour space")
    .option("--window <days>", "days after the message", "30")
    .action(
      run(async (options: Options) => {
        const window = Number(options.window);
        if (!Number.isInteger(window) || window < 1)
          throw new UsageError("--window must be a whole number of days >= 1");
        await withStore(options, async (store) => {
          const result = await lazy.engageOutcomes(store.engine, window);
          emit(Boolean(options.json), result, () =>
            result.spaces
              .map(
                (s) =>
                  `${s.behaviour.padEnd(11)} answered ${s.responded.items}, not ${s.notResponded.items}; churn odds ratio ${s.churn.oddsRatio.toFixed(2)} (p ${s.churn.pValue.toExponential(1)}), repurchase ${s.repurchase.oddsRatio.toFixed(2)} (p ${s.repurchase.pValue.toExponential(1)})`,
              )
              .join("\n"),
          );
        });
      }),
    );
}
