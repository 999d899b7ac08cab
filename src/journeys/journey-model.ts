/**
 * A designed journey (a journey map): steps, the flows between them, where a journey may start and end, and
 * service levels between steps. The map allows exactly the step sequences that walk `flows` from a `start`
 * step to an `end` step; choices, optional steps and loops are just flows. Pure: parsing and checking the
 * JSON, and the automaton the alignments search (src/journeys/alignment.ts).
 */
import { z } from "zod";
import { parseDuration } from "./funnel.js";

const id = z.string().min(1).max(200);

export const journeyModelSchema = z.object({
  name: z.string().min(1).max(200),
  /** The dimension a step's label is read in (the journey views' `by`). */
  by: z.enum(["touchpoint", "channel", "channel:touchpoint", "event", "behaviour"]).default("touchpoint"),
  steps: z
    .array(
      z.object({
        id,
        label: z.string().min(1).max(500),
        stage: z.string().max(200).optional(),
      }),
    )
    .min(1)
    .max(500),
  flows: z.array(z.object({ from: id, to: id })).max(20_000),
  start: z.array(id).min(1),
  end: z.array(id).min(1),
  slas: z.array(z.object({ from: id, to: id, within: z.string().min(1) })).default([]),
});

export type JourneyModelInput = z.input<typeof journeyModelSchema>;

/** A checked model: steps by index, flows as adjacency, the shortest start-to-end walk. */
export interface JourneyModel {
  name: string;
  by: z.infer<typeof journeyModelSchema>["by"];
  steps: { id: string; label: string; stage?: string }[];
  /** next[i]: the steps a flow leads to from step i. */
  next: number[][];
  start: number[];
  /** isEnd[i]: a journey may end at step i. */
  isEnd: boolean[];
  slas: { from: number; to: number; withinMs: number; key: string }[];
  /** Steps on the shortest walk from a start to an end step (the `s` of fitness). */
  shortestWalk: number;
}

/** A model the map cannot be: the message names the step, flow or field. */
export class JourneyModelError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function compileJourneyModel(input: unknown): JourneyModel {
  const parsed = journeyModelSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".") || "model";
    throw new JourneyModelError(field, `${field}: ${issue.message}`);
  }
  const model = parsed.data;
  const index = new Map<string, number>();
  model.steps.forEach((step, i) => {
    if (index.has(step.id))
      throw new JourneyModelError(`steps.${i}.id`, `step "${step.id}" is defined twice`);
    index.set(step.id, i);
  });
  const at = (stepId: string, field: string, what: string) => {
    const i = index.get(stepId);
    if (i === undefined)
      throw new JourneyModelError(field, `${what} names step "${stepId}", which is not in steps`);
    return i;
  };
  const next: number[][] = model.steps.map(() => []);
  model.flows.forEach((flow, f) => {
    const from = at(flow.from, `flows.${f}.from`, `flow ${flow.from} -> ${flow.to}`);
    const to = at(flow.to, `flows.${f}.to`, `flow ${flow.from} -> ${flow.to}`);
    if (!next[from]!.includes(to)) next[from]!.push(to);
  });
  const start = [...new Set(model.start.map((s, i) => at(s, `start.${i}`, "start")))];
  const isEnd = model.steps.map(() => false);
  model.end.forEach((s, i) => {
    isEnd[at(s, `end.${i}`, "end")] = true;
  });
  const slas = model.slas.map((sla, i) => {
    let withinMs: number;
    try {
      withinMs = parseDuration(sla.within);
    } catch (error) {
      throw new JourneyModelError(
        `slas.${i}.within`,
        `SLA ${sla.from} -> ${sla.to}: ${(error as Error).message}`,
      );
    }
    return {
      from: at(sla.from, `slas.${i}.from`, `SLA ${sla.from} -> ${sla.to}`),
      to: at(sla.to, `slas.${i}.to`, `SLA ${sla.from} -> ${sla.to}`),
      withinMs,
      key: `${sla.from}->${sla.to}`,
    };
  });
  // Breadth-first from the starts: the shortest walk to an end, and every step must lie on some walk.
  const depth = model.steps.map(() => Number.POSITIVE_INFINITY);
  const queue = [...start];
  for (const s of start) depth[s] = 1;
  for (let q = 0; q < queue.length; q++)
    for (const t of next[queue[q]!]!)
      if (depth[t] === Number.POSITIVE_INFINITY) {
        depth[t] = depth[queue[q]!]! + 1;
        queue.push(t);
      }
  const reachesEnd = isEnd.slice();
  for (let changed = true; changed; ) {
    changed = false;
    next.forEach((targets, i) => {
      if (!reachesEnd[i] && targets.some((t) => reachesEnd[t])) {
        reachesEnd[i] = true;
        changed = true;
      }
    });
  }
  model.steps.forEach((step, i) => {
    if (depth[i] === Number.POSITIVE_INFINITY)
      throw new JourneyModelError(`steps.${i}`, `step "${step.id}" cannot be reached from a start step`);
    if (!reachesEnd[i])
      throw new JourneyModelError(`steps.${i}`, `step "${step.id}" cannot reach an end step`);
  });
  const shortestWalk = Math.min(
    ...model.steps.map((_, i) => (isEnd[i] ? depth[i]! : Number.POSITIVE_INFINITY)),
  );
  return {
    name: model.name,
    by: model.by,
    steps: model.steps.map((s) => ({ id: s.id, label: s.label, ...(s.stage ? { stage: s.stage } : {}) })),
    next,
    start,
    isEnd,
    slas,
    shortestWalk,
  };
}
