/**
 * Conformance of journeys to a designed map, as pm4py reports it: per case an optimal alignment (cost,
 * fitness), and over the log the perfectly fitting cases, the average trace fitness, the log fitness
 * (1 - total cost / total (n + s)) and the deviations: skipped steps (model moves), unexpected touches (log
 * moves) and service-level breaches. Identical journeys are aligned once. Pure: the caller feeds the
 * cases (src/journeys/designed.ts reads them from the store).
 */
import { type Alignment, align, traceFitness } from "./alignment.js";
import type { JourneyModel } from "./journey-model.js";

export interface AlignedMove {
  kind: "sync" | "model" | "log";
  /** The map's step (sync and model moves). */
  step?: string;
  /** The touch's label (sync and log moves) and its position in the journey. */
  label?: string;
  position?: number;
}

export interface ConformanceResult {
  model: string;
  cases: number;
  perfectlyFitting: number;
  averageTraceFitness: number;
  logFitness: number;
  cost: number;
  deviations: {
    skipped: Record<string, number>;
    unexpected: Record<string, number>;
    slaBreaches: Record<string, number>;
    /** Up to five cases that broke each service level (smallest ids first). */
    slaBreachExamples: Record<string, string[]>;
  };
  /** Per step of the map: cases that took it with a touch (synced) and cases that skipped it at least once. */
  byStep: { step: string; label: string; stage?: string; synced: number; skipped: number }[];
  /** Per month of the cases' first touch: cases, perfectly fitting, log fitness. */
  overTime: { period: string; cases: number; perfectlyFitting: number; logFitness: number }[];
  /** The first cases asked for, each with its alignment. */
  examples: { caseId: string; cost: number; fitness: number; alignment: AlignedMove[] }[];
}

/** Cases, perfectly fitting ones, total cost and total (n + s): the log fitness of some cases. */
interface Tally {
  cases: number;
  perfect: number;
  cost: number;
  denominator: number;
}

const emptyTally = (): Tally => ({ cases: 0, perfect: 0, cost: 0, denominator: 0 });
const logFitnessOf = (t: Tally) => (t.denominator > 0 ? 1 - t.cost / t.denominator : 0);

/** The accumulated conformance of the cases added so far. */
export class ConformanceAccumulator {
  private readonly alignments = new Map<string, Alignment>();
  /** Over all cases, and per month of the first touch. */
  private readonly total = emptyTally();
  private readonly periods = new Map<string, Tally>();
  private fitnessSum = 0;
  private readonly skipped = new Map<string, number>();
  private readonly unexpected = new Map<string, number>();
  private readonly breaches = new Map<string, number>();
  private readonly breachExamples = new Map<string, string[]>();
  private readonly synced: number[];
  private readonly skippedCases: number[];
  private readonly examples: ConformanceResult["examples"] = [];

  constructor(
    private readonly model: JourneyModel,
    private readonly exampleCount = 0,
  ) {
    this.synced = model.steps.map(() => 0);
    this.skippedCases = model.steps.map(() => 0);
  }

  private alignmentOf(steps: string[]): Alignment {
    const key = JSON.stringify(steps);
    let alignment = this.alignments.get(key);
    if (!alignment) {
      alignment = align(this.model, steps);
      this.alignments.set(key, alignment);
    }
    return alignment;
  }

  /**
   * `count` cases with these steps that started in `period` (a month, or "" when unknown); `times` (ms, one
   * per step) when they are one case, needed for the SLAs.
   */
  add(steps: string[], count: number, times?: number[], period = "", caseId = ""): void {
    const alignment = this.alignmentOf(steps);
    const fitness = traceFitness(this.model, steps.length, alignment.cost);
    this.fitnessSum += fitness * count;
    const tallies = [this.total];
    if (period) {
      if (!this.periods.has(period)) this.periods.set(period, emptyTally());
      tallies.push(this.periods.get(period)!);
    }
    for (const tally of tallies) {
      tally.cases += count;
      if (alignment.cost === 0) tally.perfect += count;
      tally.cost += alignment.cost * count;
      tally.denominator += (steps.length + this.model.shortestWalk) * count;
    }
    const tookStep = new Set<number>();
    const skippedStep = new Set<number>();
    for (const move of alignment.moves) {
      if (move.kind === "model") {
        const id = this.model.steps[move.step]!.id;
        this.skipped.set(id, (this.skipped.get(id) ?? 0) + count);
        skippedStep.add(move.step);
      } else if (move.kind === "log") {
        const label = steps[move.position]!;
        this.unexpected.set(label, (this.unexpected.get(label) ?? 0) + count);
      } else tookStep.add(move.step);
    }
    for (const s of tookStep) this.synced[s]! += count;
    for (const s of skippedStep) this.skippedCases[s]! += count;
    if (times) this.addBreaches(alignment, times, count, caseId);
  }

  /** A case to show with its alignment (up to the number asked for; it is counted by `add`, not here). */
  example(caseId: string, steps: string[]): void {
    if (this.examples.length >= this.exampleCount) return;
    const alignment = this.alignmentOf(steps);
    this.examples.push({
      caseId,
      cost: alignment.cost,
      fitness: traceFitness(this.model, steps.length, alignment.cost),
      alignment: this.describe(alignment, steps),
    });
  }

  /** Each SLA: from every touch taken as its `from` step to the next taken as its `to` step, the wait. */
  private addBreaches(alignment: Alignment, times: number[], count: number, caseId: string): void {
    const syncs = alignment.moves.flatMap((m) => (m.kind === "sync" ? [m] : []));
    for (const sla of this.model.slas)
      syncs.forEach((from, i) => {
        if (from.step !== sla.from) return;
        const to = syncs.slice(i + 1).find((m) => m.step === sla.to);
        if (!to || times[to.position]! - times[from.position]! <= sla.withinMs) return;
        this.breaches.set(sla.key, (this.breaches.get(sla.key) ?? 0) + count);
        const examples = this.breachExamples.get(sla.key) ?? [];
        if (caseId && !examples.includes(caseId)) {
          // The five smallest ids, whatever order the cases come in.
          examples.push(caseId);
          examples.sort();
          this.breachExamples.set(sla.key, examples.slice(0, 5));
        }
      });
  }

  private describe(alignment: Alignment, steps: string[]): AlignedMove[] {
    return alignment.moves.map((m) =>
      m.kind === "sync"
        ? { kind: "sync", step: this.model.steps[m.step]!.id, label: steps[m.position], position: m.position }
        : m.kind === "model"
          ? { kind: "model", step: this.model.steps[m.step]!.id }
          : { kind: "log", label: steps[m.position], position: m.position },
    );
  }

  result(): ConformanceResult {
    const sorted = (counts: Map<string, number>) =>
      Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
    return {
      model: this.model.name,
      cases: this.total.cases,
      perfectlyFitting: this.total.perfect,
      averageTraceFitness: this.total.cases > 0 ? this.fitnessSum / this.total.cases : 0,
      logFitness: logFitnessOf(this.total),
      cost: this.total.cost,
      deviations: {
        skipped: sorted(this.skipped),
        unexpected: sorted(this.unexpected),
        slaBreaches: sorted(this.breaches),
        slaBreachExamples: Object.fromEntries([...this.breachExamples.entries()].sort()),
      },
      byStep: this.model.steps.map((step, i) => ({
        step: step.id,
        label: step.label,
        ...(step.stage ? { stage: step.stage } : {}),
        synced: this.synced[i]!,
        skipped: this.skippedCases[i]!,
      })),
      overTime: [...this.periods.entries()]
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([period, t]) => ({
          period,
          cases: t.cases,
          perfectlyFitting: t.perfect,
          logFitness: logFitnessOf(t),
        })),
      examples: [...this.examples].sort((a, b) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0)),
    };
  }
}

/** One row of the conformance stream: `n` cases with these steps (and times), or an example case. */
export interface ConformanceRow {
  kind: "cases" | "example";
  case_id: string;
  steps: string[];
  n: number | string;
  times: Array<number | string>;
  /** The month of the case's first touch (YYYY-MM-DD of its first day). */
  period: string;
}

/** Feeds one row of the stream to the accumulator. */
export function addConformanceRow(conformance: ConformanceAccumulator, row: ConformanceRow): void {
  if (row.kind === "example") conformance.example(row.case_id, row.steps);
  else
    conformance.add(
      row.steps,
      Number(row.n),
      row.times.length > 0 ? row.times.map(Number) : undefined,
      row.period,
      row.case_id,
    );
}
