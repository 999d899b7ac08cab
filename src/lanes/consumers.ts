/**
 * What the analytic lane's workers compute: each consumer takes a task's input, is fed the rows of its
 * engine query as chunks of JSONEachRow text, and returns the answer. Pure: no IO, no engine.
 */
import { type RetrainInput, trainCandidate } from "../behaviour/adapt.js";
import { behaviourColumns } from "../behaviour/columns.js";
import { BehaviourModel, type BehaviourModelParts } from "../behaviour/model.js";
import type { NowConfig } from "../behaviour/now.js";
import { type MentionRow, NowBuilder, type ValueRow } from "../behaviour/now-rows.js";
import { VoiceBuilder, type VoiceFrame, type VoiceTextRow } from "../behaviour/voice.js";
import { addConformanceRow, ConformanceAccumulator, type ConformanceRow } from "../journeys/conformance.js";
import { layOut, warmUpElk } from "../journeys/elk-instance.js";
import { type FrictionCase, type FrictionOptions, FrictionTally } from "../journeys/friction.js";
import type { JourneyModel } from "../journeys/journey-model.js";
import type { LayoutInput } from "../journeys/map-layout.js";
import { clusterCustomers } from "../segments/discover.js";
import type { CustomerCounts } from "../segments/features.js";
import type { PathRow } from "../value/attribution.js";
import { type AttributionOptions, attributeStorePaths } from "../value/store.js";

/** What the `classify` consumer answers: the labels of each text row, column by column. */
export interface ClassifiedTexts {
  line_no: number[];
  behaviour: string[];
  behaviour_labels: string[][];
  behaviour_scores: number[][];
}

export interface Consumer {
  push(text: string): void;
  /** The answer, or a promise of it. */
  finish(): unknown;
}

/** A consumer of parsed rows: splits chunks into lines (a chunk may end inside a line) and parses each. */
export function rowConsumer<T>(onRow: (row: T) => void, finish: () => unknown): Consumer {
  let pending = "";
  const take = (line: string) => {
    if (line.length > 0) onRow(JSON.parse(line) as T);
  };
  return {
    push(text) {
      const lines = (pending + text).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) take(line);
    },
    finish() {
      take(pending);
      pending = "";
      return finish();
    },
  };
}

export type ConsumerFactory = (input: unknown) => Consumer;

export const CONSUMERS: Record<string, ConsumerFactory> = {
  /** Retraining on a brand's labels (behaviour/adapt.ts): the labels and both models come with the input. */
  retrain: (input) => ({
    push() {},
    finish: () => trainCandidate(input as RetrainInput),
  }),
  friction: (input) => {
    const tally = new FrictionTally(input as FrictionOptions);
    return rowConsumer<FrictionCase>(
      (row) => tally.add(row),
      () => tally.result(),
    );
  },
  /** Segment discovery's clustering: the counts come whole with the input, no rows. */
  segments: (input) => {
    const { counts, k, seed } = input as { counts: CustomerCounts; k?: number; seed: number };
    return {
      push() {},
      finish: () => clusterCustomers(counts, { k, seed }),
    };
  },
  attribution: (input) => {
    const options = input as AttributionOptions;
    const rows: PathRow[] = [];
    return rowConsumer<PathRow>(
      (row) => rows.push(row),
      () => attributeStorePaths(rows, options),
    );
  },
  /** Who matters now: each mentioned customer's value, then the messages (behaviour/now-rows.ts). */
  now: (input) => {
    const { at, config } = input as { at: number; config: NowConfig };
    const builder = new NowBuilder(at, config);
    return rowConsumer<ValueRow | MentionRow>(
      (row) => builder.add(row),
      () => builder.result(),
    );
  },
  /** Conformance to a designed map: variants (or cases with times) and examples as rows. */
  conformance: (input) => {
    const { model, cases } = input as { model: JourneyModel; cases: number };
    const conformance = new ConformanceAccumulator(model, cases);
    return rowConsumer<ConformanceRow>(
      (row) => addConformanceRow(conformance, row),
      () => conformance.result(),
    );
  },
  /**
   * Behaviour labels of texts for an import (collect/bulk-ndjson.ts): the model comes with the input, the
   * texts as rows; the answer is one column per stored field, in row order.
   */
  classify: (input) => {
    const model = BehaviourModel.fromParts(input as BehaviourModelParts);
    const labelled: ClassifiedTexts = {
      line_no: [],
      behaviour: [],
      behaviour_labels: [],
      behaviour_scores: [],
    };
    return rowConsumer<{ line_no: number; text: string }>(
      (row) => {
        const columns = behaviourColumns(row.text, model);
        labelled.line_no.push(Number(row.line_no));
        labelled.behaviour.push(columns.behaviour);
        labelled.behaviour_labels.push(columns.behaviour_labels);
        labelled.behaviour_scores.push(columns.behaviour_scores);
      },
      () => labelled,
    );
  },
  /** A process map's layout (journeys/map-layout.ts): the map comes whole with the input, no rows. */
  layout: (input) => ({
    push() {},
    finish: () => layOut(input as LayoutInput),
  }),
  /** The voice of the customer: the weekly counts come with the input, the text sample as rows. */
  voice: (input) => {
    const builder = new VoiceBuilder(input as VoiceFrame);
    return rowConsumer<VoiceTextRow>(
      (row) => builder.add(row),
      () => builder.result(),
    );
  },
};

/** What a worker loads and compiles when it starts, for kinds of task a server asks it to be ready for. */
export const WARM_UPS: Record<string, () => Promise<unknown>> = {
  layout: warmUpElk,
};
