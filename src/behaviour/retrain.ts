/**
 * Retraining on the brand's labels: adapt the public model to the labels it may train on, judge it against
 * the model in use on labels neither trained on (a fixed fifth of the texts, chosen by hash, is never
 * trained on by any version), keep every version with its report, and put it in use only when it is better.
 */

import type { Engine } from "../store/engine.js";
import {
  type BrandLabel,
  brandLabelOf,
  type Judgement,
  type RetrainInput,
  type RetrainOutput,
  trainCandidate,
} from "./adapt.js";
import { chooseModel, latestLabels, nextModelVersion, saveModelVersion } from "./brand-store.js";
import { isHeldOut } from "./corpus.js";
import { BehaviourModel } from "./model.js";
import type { ModelInUse } from "./model-in-use.js";

/** Fewest labelled texts a retrain starts from. */
export const MIN_LABELS = 20;
/** Share of the labelled texts held back from every training, to judge candidates on. */
export const HELD_BACK_SHARE = 0.2;

export class TooFewLabelsError extends Error {}

export interface RetrainReport {
  version: string;
  adopted: boolean;
  /** The version in use after the retrain. */
  inUse: string;
  labels: { training: number; heldBack: number };
  settings: { epochs: number; learningRate: number; prior: number };
  thresholds: Record<string, number>;
  innerScore: number;
  judgement: Judgement;
  seconds: number;
}

export type TrainCandidate = (input: RetrainInput) => Promise<RetrainOutput>;

/**
 * Retrains on the store's labels and keeps the version; puts it in use when it is better. `train` runs
 * the training: here by default (the CLI), in the analytic lane's workers on a server.
 */
export async function retrainFromLabels(
  engine: Engine,
  inUse: ModelInUse,
  actor: string,
  train: TrainCandidate = async (input) => trainCandidate(input),
): Promise<RetrainReport> {
  const started = performance.now();
  const stored = await latestLabels(engine);
  if (stored.length < MIN_LABELS)
    throw new TooFewLabelsError(
      `retraining needs at least ${MIN_LABELS} labelled texts; the store holds ${stored.length}`,
    );
  const training: BrandLabel[] = [];
  const heldBack: BrandLabel[] = [];
  for (const label of stored)
    (isHeldOut(label.key, HELD_BACK_SHARE) ? heldBack : training).push(
      brandLabelOf(label.text, label.labels),
    );
  const base = inUse.publicModel;
  const inUseVersion = inUse.version;
  const output = await train({
    base: base.serialise(),
    inUse: inUse.current.serialise(),
    training,
    heldBack,
  });
  const adapted = BehaviourModel.deserialise(Buffer.from(output.candidate));
  const { judgement } = output;
  const version = await nextModelVersion(engine);
  const model = new BehaviourModel(
    adapted.heads,
    adapted.thresholds,
    {
      ...base.card,
      trainedAt: new Date().toISOString(),
      notes: `${base.version} adapted to ${training.length} of the brand's labels`,
    },
    version,
  );
  const report = {
    settings: output.settings,
    thresholds: adapted.thresholds,
    innerScore: output.innerScore,
    judgement,
    labels: { training: training.length, heldBack: heldBack.length },
  };
  await saveModelVersion(
    engine,
    { version, base: base.version, labels: training.length, adopted: judgement.adopt, report },
    model.serialise(),
  );
  if (judgement.adopt) {
    await chooseModel(
      engine,
      version,
      actor,
      `better than ${inUseVersion} on the brand's labels (${judgement.method}: ${judgement.candidate.score} against ${judgement.inUse.score})`,
    );
    await inUse.refresh(engine);
  }
  return {
    version,
    adopted: judgement.adopt,
    inUse: inUse.version,
    ...report,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
