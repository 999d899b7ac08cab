/**
 * Engage over HTTP. Reading the inbox, the context API and outcomes need a read key; acting on an item
 * (assign, note, status, reply) needs an agent key: a reply writes the brand's outbound event.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { sendZodError } from "../api/errors.js";
import { readRoute } from "../api/read-route.js";
import { SPACES } from "../behaviour/model.js";
import type { EventSink } from "../collect/sink.js";
import type { Engine } from "../store/engine.js";
import type { ContextService } from "./context.js";
import {
  applyCommand,
  engageOutcomes,
  getItem,
  InboxError,
  itemHistory,
  listInbox,
  STATUSES,
} from "./store.js";

const time = z
  .string()
  .optional()
  .refine((v) => v === undefined || !Number.isNaN(Date.parse(v)), "expected an ISO 8601 time")
  .transform((v) => (v === undefined ? undefined : Date.parse(v)));

export const inboxQuerySchema = z.object({
  status: z.enum(STATUSES).optional(),
  behaviour: z.enum(["praise", "complaint", "question", "suggestion"]).optional(),
  channel: z.string().optional(),
  touchpoint: z.string().optional(),
  segment: z.coerce.number().int().min(0).max(1000).optional(),
  assignee: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  days: z.coerce.number().positive().max(3650).default(30),
  at: time,
});

const actor = z.string().max(200).optional();
export const inboxCommandSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("assign"), assignee: z.string().min(1).max(200), actor }),
  z.object({ action: z.literal("note"), note: z.string().min(1).max(10_000), actor }),
  z.object({ action: z.literal("status"), status: z.enum(STATUSES), actor }),
  z.object({
    action: z.literal("relabel"),
    // The behaviours the agent sees, the primary first; [] = none of the four.
    labels: z
      .array(z.enum(SPACES))
      .max(4)
      .refine((l) => new Set(l).size === l.length, "a label is repeated"),
    actor,
  }),
  z
    .object({ action: z.literal("resolve"), actor })
    .transform((c) => ({ action: "status" as const, status: "resolved" as const, actor: c.actor })),
  z.object({
    action: z.literal("reply"),
    text: z.string().min(1).max(10_000),
    responder: z.string().min(1).max(200),
    channel: z.string().optional(),
    resolve: z.boolean().optional(),
    actor,
  }),
]);

export function registerEngageRoutes(
  app: FastifyInstance,
  engine: Engine,
  sink: EventSink,
  contexts: ContextService,
  /** Told after an agent relabelled an item (a new brand label). */
  onRelabelled?: () => void,
): void {
  const tags = ["engage"];
  readRoute(
    app,
    "/v1/inbox",
    { tags, summary: "Inbox items ranked by priority, each with the reasons for its rank" },
    inboxQuerySchema,
    async (q) => listInbox(engine, q),
  );
  app.get<{ Params: { id: string } }>(
    "/v1/inbox/:id",
    { config: { access: "read" }, schema: { tags, summary: "One item with its history" } },
    async (request, reply) => {
      const item = await getItem(engine, request.params.id);
      if (!item)
        return reply.code(404).send({ error: "not_found", message: `no inbox item ${request.params.id}` });
      const { identityKey: _key, ...rest } = item;
      return { item: rest, history: await itemHistory(engine, request.params.id) };
    },
  );
  app.post<{ Params: { id: string } }>(
    "/v1/inbox/:id",
    {
      config: { access: "agent" },
      schema: {
        tags,
        summary:
          "Assign, note, set status (open, pending, resolved), resolve, reply, or relabel its behaviour (agent key)",
      },
    },
    async (request, reply) => {
      const command = inboxCommandSchema.safeParse(request.body);
      if (!command.success) return sendZodError(reply, command.error);
      try {
        const result = await applyCommand(engine, sink, request.params.id, command.data);
        const { identityKey, ...item } = result.item as typeof result.item & { identityKey?: string };
        // The context index keeps the item's new status (a reply's event reaches it as any event does).
        if (identityKey) contexts.itemChanged(identityKey, item.id, item.status);
        if (command.data.action === "relabel") onRelabelled?.();
        return { ...result, item };
      } catch (error) {
        if (error instanceof InboxError) {
          const [field] = error.message.split(":");
          return reply
            .code(error.status)
            .send({ error: error.status === 404 ? "not_found" : "conflict", field, message: error.message });
        }
        throw error;
      }
    },
  );
  app.get<{ Params: { id: string }; Querystring: { touchpoint?: string } }>(
    "/v1/context/:id",
    {
      config: { access: "read" },
      schema: { tags, summary: "Everything known about a customer at a touchpoint, with next best actions" },
    },
    async (request, reply) => {
      const touchpoint = typeof request.query.touchpoint === "string" ? request.query.touchpoint : undefined;
      const context = await contexts.context(request.params.id, touchpoint);
      if (!context)
        return reply
          .code(404)
          .send({ error: "not_found", message: `no customer known as ${request.params.id}` });
      return context;
    },
  );
  readRoute(
    app,
    "/v1/engage/outcomes",
    { tags, summary: "Closed loop: what happened after a response vs no response, per behaviour space" },
    z.object({ window: z.coerce.number().int().min(1).max(365).default(30) }),
    async (q) => engageOutcomes(engine, q.window),
  );
}
