/**
 * Optimal alignments of a journey with a designed map, with pm4py's standard costs: a synchronous move (the
 * touch is the step the map takes) costs 0, a log move (a touch the map does not take) 1, a model move (a step
 * the map takes without a touch: a skipped step) 1. Exact: a shortest path over (map state, position in
 * the journey), where the map state is the last step taken (or none yet), found by 0-1 breadth-first
 * search (costs are 0 or 1). Pure.
 */
import type { JourneyModel } from "./journey-model.js";

export type Move =
  | { kind: "sync"; step: number; position: number }
  | { kind: "model"; step: number }
  | { kind: "log"; position: number };

export interface Alignment {
  cost: number;
  moves: Move[];
}

const NONE = -1;

/** One optimal alignment of `trace` (step labels in journey order) with the model's map. */
export function align(model: JourneyModel, trace: readonly string[]): Alignment {
  const n = trace.length;
  const states = model.steps.length + 1; // index 0: before any step; i + 1: step i taken last
  const width = n + 1;
  const total = states * width;
  const dist = new Int32Array(total).fill(0x7fffffff);
  const parent = new Int32Array(total).fill(NONE);
  // The move that reached a state: 0 sync, 1 model, 2 log.
  const via = new Int8Array(total);
  const successors = (state: number) => (state === 0 ? model.start : model.next[state - 1]!);
  // The deque: zero-cost moves on a stack taken first (they are at the distance being settled), unit moves
  // on a queue (appended in order of distance, so it stays sorted).
  const front: number[] = [];
  const back: number[] = [0];
  let backHead = 0;
  dist[0] = 0;
  const settled = new Uint8Array(total);
  let goal = NONE;
  while (front.length > 0 || backHead < back.length) {
    const node = front.length > 0 ? front.pop()! : back[backHead++]!;
    if (settled[node]) continue;
    settled[node] = 1;
    const state = Math.floor(node / width);
    const position = node % width;
    if (position === n && state > 0 && model.isEnd[state - 1]) {
      goal = node;
      break;
    }
    const cost = dist[node]!;
    const relax = (target: number, step: number, move: number) => {
      if (dist[target]! <= cost + step) return;
      dist[target] = cost + step;
      parent[target] = node;
      via[target] = move;
      if (step === 0) front.push(target);
      else back.push(target);
    };
    for (const next of successors(state)) {
      if (position < n && model.steps[next]!.label === trace[position])
        relax((next + 1) * width + position + 1, 0, 0);
      relax((next + 1) * width + position, 1, 1);
    }
    if (position < n) relax(node + 1, 1, 2);
  }
  if (goal === NONE) throw new Error(`the map "${model.name}" has no walk from a start to an end step`);
  const moves: Move[] = [];
  for (let node = goal; parent[node] !== NONE; node = parent[node]!) {
    const state = Math.floor(node / width);
    const position = node % width;
    if (via[node] === 0) moves.push({ kind: "sync", step: state - 1, position: position - 1 });
    else if (via[node] === 1) moves.push({ kind: "model", step: state - 1 });
    else moves.push({ kind: "log", position: position - 1 });
  }
  moves.reverse();
  return { cost: dist[goal]!, moves };
}

/** pm4py's trace fitness: 1 - cost / (trace length + the map's shortest walk). */
export function traceFitness(model: JourneyModel, traceLength: number, cost: number): number {
  return 1 - cost / (traceLength + model.shortestWalk);
}
