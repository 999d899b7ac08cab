/** A text's behaviour in the events table's columns: the one definition for ingest, import and the lanes. */
import type { StoredEvent } from "../collect/event-schema.js";
import type { BehaviourModel } from "./model.js";

export type BehaviourColumns = Pick<StoredEvent, "behaviour" | "behaviour_labels" | "behaviour_scores">;

/** A text's behaviour as the events table stores it (scores in the order praise, complaint, question, suggestion). */
export function behaviourColumns(text: string, model: BehaviourModel): BehaviourColumns {
  const { behaviour, labels, scores } = model.classify(text);
  return {
    behaviour,
    behaviour_labels: labels,
    behaviour_scores: [scores.praise, scores.complaint, scores.question, scores.suggestion],
  };
}
