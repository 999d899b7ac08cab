/**
 * A BPMN 2.0 process (the subset a journey map needs: tasks, exclusive gateways, sequence flows, start and
 * end events) as a journey map. Tasks are the steps (label = the task's name); a flow from task A to task B
 * is any path of sequence flows from A to B through gateways and events only; start steps are the tasks so
 * reached from a start event, end steps those that so reach an end event. Parallel (and inclusive or
 * complex) gateways are refused: a map of step sequences cannot say "both, in any order" without listing
 * the orders, which the error suggests. Pure.
 */
import { SaxesParser } from "saxes";
import {
  compileJourneyModel,
  type JourneyModel,
  JourneyModelError,
  type JourneyModelInput,
} from "./journey-model.js";

const TASK =
  /^(task|userTask|serviceTask|manualTask|scriptTask|sendTask|receiveTask|businessRuleTask|callActivity|subProcess)$/;
const PASS_THROUGH =
  /^(exclusiveGateway|eventBasedGateway|intermediateCatchEvent|intermediateThrowEvent|boundaryEvent)$/;
const REFUSED = /^(parallelGateway|inclusiveGateway|complexGateway)$/;

interface Node {
  id: string;
  kind: "task" | "start" | "end" | "pass";
  name: string;
}

export function bpmnToJourneyModel(
  xml: string,
  options: { by?: JourneyModelInput["by"]; name?: string } = {},
): JourneyModelInput {
  const parser = new SaxesParser({ xmlns: false });
  const nodes = new Map<string, Node>();
  const flows: Array<{ id: string; from: string; to: string }> = [];
  let processName: string | undefined;
  let depthInTask = 0;
  parser.on("opentag", (tag) => {
    const local = tag.name.replace(/^.*:/, "");
    const id = String(tag.attributes.id ?? "");
    const name = String(tag.attributes.name ?? "");
    if (depthInTask > 0) {
      depthInTask++; // a sub-process's inside is one step here
      return;
    }
    if (local === "process") processName ??= name || id || undefined;
    else if (REFUSED.test(local))
      throw new JourneyModelError(
        `bpmn.${id}`,
        `${local} "${name || id}" is not supported: a journey map lists step sequences, so draw the parallel branches' orders as exclusive choices`,
      );
    else if (TASK.test(local)) {
      if (!name) throw new JourneyModelError(`bpmn.${id}`, `task ${id} has no name to match touches with`);
      nodes.set(id, { id, kind: "task", name });
      if (!tag.isSelfClosing && local === "subProcess") depthInTask = 1;
    } else if (local === "startEvent") nodes.set(id, { id, kind: "start", name });
    else if (local === "endEvent") nodes.set(id, { id, kind: "end", name });
    else if (PASS_THROUGH.test(local)) nodes.set(id, { id, kind: "pass", name });
    else if (local === "sequenceFlow")
      flows.push({
        id,
        from: String(tag.attributes.sourceRef ?? ""),
        to: String(tag.attributes.targetRef ?? ""),
      });
  });
  parser.on("closetag", () => {
    if (depthInTask > 0) depthInTask--;
  });
  try {
    parser.write(xml).close();
  } catch (error) {
    if (error instanceof JourneyModelError) throw error;
    throw new JourneyModelError("bpmn", `not a BPMN file: ${(error as Error).message.split("\n")[0]}`);
  }
  const out = new Map<string, string[]>();
  for (const flow of flows) {
    for (const end of [flow.from, flow.to])
      if (!nodes.has(end))
        throw new JourneyModelError(
          `bpmn.${flow.id}`,
          `sequence flow ${flow.id} refers to ${end}, which is not a task, gateway or event`,
        );
    out.set(flow.from, [...(out.get(flow.from) ?? []), flow.to]);
  }
  /** The nodes reached from `from` by sequence flows through gateways and intermediate events only (not beyond a task or an end). */
  const reachedThroughConnectors = (from: string): Node[] => {
    const reached: Node[] = [];
    const seen = new Set<string>([from]);
    const stack = [...(out.get(from) ?? [])];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const node = nodes.get(id)!;
      reached.push(node);
      if (node.kind === "pass") stack.push(...(out.get(id) ?? []));
    }
    return reached;
  };
  const tasksAfter = (from: string) =>
    new Set(reachedThroughConnectors(from).flatMap((n) => (n.kind === "task" ? [n.id] : [])));
  const endsAfter = (from: string) => reachedThroughConnectors(from).some((n) => n.kind === "end");
  const tasks = [...nodes.entries()].filter(([, n]) => n.kind === "task");
  if (tasks.length === 0) throw new JourneyModelError("bpmn", "the process has no task");
  const starts = [...nodes.entries()].filter(([, n]) => n.kind === "start");
  if (starts.length === 0) throw new JourneyModelError("bpmn", "the process has no start event");
  return {
    name: options.name ?? processName ?? "BPMN process",
    by: options.by ?? "touchpoint",
    steps: tasks.map(([id, n]) => ({ id, label: n.name })),
    flows: tasks.flatMap(([id]) => [...tasksAfter(id)].map((to) => ({ from: id, to }))),
    start: [...new Set(starts.flatMap(([id]) => [...tasksAfter(id)]))],
    end: tasks.filter(([id]) => endsAfter(id)).map(([id]) => id),
  };
}

/** A journey map from a file's text: BPMN XML (steps read by `by`), else the JSON map. */
export function journeyModelFromText(text: string, by?: JourneyModelInput["by"]): JourneyModel {
  if (text.trimStart().startsWith("<")) return compileJourneyModel(bpmnToJourneyModel(text, { by }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new JourneyModelError("model", `neither a JSON journey map nor BPMN: ${(error as Error).message}`);
  }
  return compileJourneyModel(parsed);
}

/** A journey map's input from a request body: the JSON map, or {"bpmn": "<xml…>", "by": "touchpoint", "name"?}. */
export function journeyModelInputFromBody(body: unknown): unknown {
  if (body && typeof body === "object" && "bpmn" in body) {
    const { bpmn, by, name } = body as { bpmn: unknown; by?: JourneyModelInput["by"]; name?: unknown };
    if (typeof bpmn !== "string") throw new JourneyModelError("bpmn", "bpmn: the process as BPMN XML text");
    return bpmnToJourneyModel(bpmn, { by, name: typeof name === "string" ? name : undefined });
  }
  return body;
}

/** A journey map from a request body (see journeyModelInputFromBody), checked and compiled. */
export function journeyModelFromBody(body: unknown): JourneyModel {
  return compileJourneyModel(journeyModelInputFromBody(body));
}
