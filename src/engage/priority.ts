/**
 * Inbox priority: which message to answer first. Pure. The same formula runs in SQL to rank the whole
 * inbox (store.ts) and here to explain each returned item.
 *
 *   priority = 100 x urgency x value x reach x waiting x freshness
 *   urgency   = the highest urgency of the item's labels (complaint 1, question 0.8, suggestion 0.4, praise 0.3, other 0.1)
 *   value     = 1 + ln(1 + CLV / median CLV), x 1.25 when P(alive) < 0.5 and CLV is above the median (valuable, at risk)
 *   reach     = 1 + log10(1 + followers) / 2
 *   waiting   = 1 + min(2, hours waiting / response target of the behaviour)   (targets: complaint 1 h, question 4 h,
 *               suggestion 48 h, praise 72 h, other 168 h); resolved or answered items do not wait
 *   freshness = 0.5 ^ (max(0, age - 7 days) / 7 days)   (a month-old message is no longer urgent)
 */
import type { BehaviourLabel } from "../behaviour/model.js";

export interface PriorityConfig {
  urgency: Record<BehaviourLabel, number>;
  targetHours: Record<BehaviourLabel, number>;
}

export const DEFAULT_PRIORITY: PriorityConfig = {
  urgency: { complaint: 1, question: 0.8, suggestion: 0.4, praise: 0.3, other: 0.1 },
  targetHours: { complaint: 1, question: 4, suggestion: 48, praise: 72, other: 168 },
};

export interface PriorityInput {
  behaviour: BehaviourLabel;
  labels: string[];
  clv: number | null;
  pAlive: number | null;
  medianClv: number;
  followers: number;
  /** Hours since the message arrived, as of the ranking time. */
  ageHours: number;
  /** Whether the brand has answered it or it is resolved (it no longer waits). */
  answered: boolean;
}

export interface Priority {
  priority: number;
  factors: { urgency: number; value: number; reach: number; waiting: number; freshness: number };
  reasons: string[];
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export function urgencyOf(
  labels: string[],
  behaviour: BehaviourLabel,
  config = DEFAULT_PRIORITY,
): { urgency: number; space: BehaviourLabel } {
  let best = { urgency: config.urgency[behaviour] ?? config.urgency.other, space: behaviour };
  for (const label of labels) {
    const u = config.urgency[label as BehaviourLabel];
    if (u !== undefined && u > best.urgency) best = { urgency: u, space: label as BehaviourLabel };
  }
  return best;
}

export function priorityOf(input: PriorityInput, config: PriorityConfig = DEFAULT_PRIORITY): Priority {
  const { urgency, space } = urgencyOf(input.labels, input.behaviour, config);
  const median = input.medianClv > 0 ? input.medianClv : 1;
  const clv = Math.max(0, input.clv ?? 0);
  const atRisk = input.pAlive !== null && input.pAlive < 0.5 && clv > median;
  const value = (1 + Math.log1p(clv / median)) * (atRisk ? 1.25 : 1);
  const reach = 1 + Math.log10(1 + Math.max(0, input.followers)) / 2;
  const target = config.targetHours[space] ?? config.targetHours.other;
  const waiting = input.answered ? 1 : 1 + Math.min(2, Math.max(0, input.ageHours) / target);
  const freshness = 0.5 ** (Math.max(0, input.ageHours - 168) / 168);
  const priority = 100 * urgency * value * reach * waiting * freshness;

  const reasons = [`${space} (urgency ${urgency})`];
  if (input.clv !== null) {
    reasons.push(
      `CLV ${clv.toFixed(0)} (${(clv / median).toFixed(1)}x median) -> x${value.toFixed(2)}${atRisk ? `, at risk (P(alive) ${input.pAlive?.toFixed(2)})` : ""}`,
    );
  } else reasons.push("no CLV yet -> x1");
  if (input.followers > 0) reasons.push(`${input.followers} followers -> x${reach.toFixed(2)}`);
  if (input.answered) reasons.push("answered: not waiting");
  else {
    const breached = input.ageHours > target;
    reasons.push(
      `waiting ${input.ageHours.toFixed(1)} h against a ${target} h target${breached ? " (missed)" : ""} -> x${waiting.toFixed(2)}`,
    );
  }
  if (freshness < 0.99)
    reasons.push(`${(input.ageHours / 24).toFixed(0)} days old -> x${freshness.toFixed(2)}`);
  return {
    priority: round(priority, 2),
    factors: {
      urgency,
      value: round(value),
      reach: round(reach),
      waiting: round(waiting),
      freshness: round(freshness),
    },
    reasons,
  };
}
