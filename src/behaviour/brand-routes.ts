/**
 * The brand's labels and model versions over HTTP: agents post labels (agent key), anyone with a read key
 * sees their counts and the model versions with how each was judged.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { sendZodError } from "../api/errors.js";
import type { Engine } from "../store/engine.js";
import type { AutoRetrain } from "./auto-retrain.js";
import { addLabels, labelStats, listModelVersions, messageTexts, type NewLabel } from "./brand-store.js";
import { MAX_CLASSIFIED_CHARS } from "./features.js";
import { SPACES } from "./model.js";
import type { ModelInUse } from "./model-in-use.js";

const labels = z
  .array(z.enum(SPACES))
  .max(4)
  .refine((l) => new Set(l).size === l.length, "a label is repeated");
/** A text with its labels, or a stored message (by id) with its labels. */
const labelItem = z
  .object({
    text: z.string().trim().min(1).max(MAX_CLASSIFIED_CHARS).optional(),
    messageId: z.string().min(1).max(200).optional(),
    labels,
  })
  .strict()
  .refine((item) => (item.text === undefined) !== (item.messageId === undefined), {
    message: "give text or messageId (one of them)",
    path: ["text"],
  });
type LabelItem = z.output<typeof labelItem>;
const actor = z.string().max(200).optional();

/**
 * A list of up to 5,000 labels, one label, or `{"labels": [...], "actor": "..."}` (`actor` names who gave
 * them; default: the key). The shape is told apart before validating, so an error names the field as sent.
 */
export function parseLabelsBody(
  body: unknown,
):
  | { success: true; items: LabelItem[]; actor?: string; fieldOf: (i: number) => string }
  | { success: false; error: z.ZodError } {
  const listed = z.array(labelItem).min(1).max(5_000);
  if (Array.isArray(body)) {
    const parsed = listed.safeParse(body);
    return parsed.success ? { success: true, items: parsed.data, fieldOf: (i) => `${i}.` } : parsed;
  }
  const record = body as Record<string, unknown> | null;
  if (record && Array.isArray(record.labels) && record.labels.some((l) => typeof l === "object")) {
    const parsed = z.object({ labels: listed, actor }).strict().safeParse(body);
    return parsed.success
      ? { success: true, items: parsed.data.labels, actor: parsed.data.actor, fieldOf: (i) => `labels.${i}.` }
      : parsed;
  }
  const parsed = labelItem.safeParse(body);
  return parsed.success ? { success: true, items: [parsed.data], fieldOf: () => "" } : parsed;
}

export function registerBrandBehaviourRoutes(
  app: FastifyInstance,
  engine: Engine,
  models: ModelInUse,
  autoRetrain?: AutoRetrain,
): void {
  const tags = ["behaviour"];
  app.post(
    "/v1/behaviour/labels",
    {
      config: { access: "agent" },
      schema: {
        tags,
        summary:
          'Label texts or stored messages with their behaviours: [{"text", "labels"}] or [{"messageId", "labels"}] (agent key)',
      },
    },
    async (request, reply) => {
      const body = parseLabelsBody(request.body);
      if (!body.success) return sendZodError(reply, body.error);
      const { items, fieldOf } = body;
      const actor = body.actor ?? `key:${request.keyId ?? ""}`;
      const texts = await messageTexts(
        engine,
        items.flatMap((item) => (item.messageId !== undefined ? [item.messageId] : [])),
      );
      const rows: NewLabel[] = [];
      for (const [i, item] of items.entries()) {
        if (item.text !== undefined) {
          rows.push({ text: item.text, labels: item.labels, source: "api", actor });
          continue;
        }
        const text = texts.get(item.messageId!);
        if (text === undefined)
          return reply.code(404).send({
            error: "not_found",
            field: `${fieldOf(i)}messageId`,
            message: `no stored message with text has id ${item.messageId}; nothing was labelled`,
          });
        rows.push({ text, labels: item.labels, eventId: item.messageId, source: "api", actor });
      }
      await addLabels(engine, rows);
      autoRetrain?.labelled();
      return { labelled: rows.length, stats: await labelStats(engine) };
    },
  );
  app.get(
    "/v1/behaviour/labels/stats",
    {
      config: { access: "read" },
      schema: { tags, summary: "The brand's labels: texts per behaviour, per source, since the last model" },
    },
    async () => labelStats(engine),
  );
  app.get(
    "/v1/behaviour/models",
    {
      config: { access: "read" },
      schema: {
        tags,
        summary: "Model versions trained on the brand's labels, how each was judged, and the one in use",
      },
    },
    async () => {
      const versions = await listModelVersions(engine);
      // Read after the versions: a retrain that ends meanwhile is seen whole, never half.
      return {
        inUse: models.version,
        publicModel: models.publicModel.version,
        ...(models.problem ? { problem: models.problem } : {}),
        versions,
        retraining: autoRetrain?.status ?? null,
      };
    },
  );
}
