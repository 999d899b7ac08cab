/**
 * Next best action: declarative, versioned rules in a JSON file, validated at start (zod; one clear error
 * per bad rule, naming it and the field). Every rule whose conditions all hold fires; actions come back by
 * priority, each naming its rule and the facts that fired it. Pure.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { packageRoot } from "../package-root.js";

const SPACE = z.enum(["praise", "complaint", "question", "suggestion", "other"]);

export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-_]*$/, "lower-case letters, digits, - and _"),
    description: z.string().optional(),
    when: z
      .object({
        behaviour: z.array(SPACE).min(1).optional(),
        touchpoint: z.array(z.string().min(1)).min(1).optional(),
        channel: z.array(z.string().min(1)).min(1).optional(),
        /** CLV at or above this many times the median CLV. */
        clvAtLeastMedianTimes: z.number().positive().optional(),
        pAliveBelow: z.number().gt(0).lte(1).optional(),
        openItemsAtLeast: z.number().int().positive().optional(),
        segmentLabelIncludes: z.string().min(1).optional(),
        complaintsInLast90DaysAtLeast: z.number().int().positive().optional(),
      })
      .strict(),
    action: z.string().min(1),
    /** Why, shown to the agent; {facts} is replaced by the facts that held. */
    reason: z.string().min(1),
    priority: z.number().int().min(1).max(100),
  })
  .strict();

export const playbookSchema = z
  .object({
    version: z.number().int().positive(),
    rules: z.array(ruleSchema).min(1),
  })
  .strict()
  .superRefine((playbook, ctx) => {
    const seen = new Set<string>();
    playbook.rules.forEach((rule, i) => {
      if (seen.has(rule.id))
        ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `duplicate rule id "${rule.id}"` });
      seen.add(rule.id);
    });
  });

export type Rule = z.infer<typeof ruleSchema>;
export type Playbook = z.infer<typeof playbookSchema>;

export class PlaybookError extends Error {}

/** The default playbook shipped in config/, or CUSTOMER_FLOW_PLAYBOOK. */
export const DEFAULT_PLAYBOOK_PATH =
  process.env.CUSTOMER_FLOW_PLAYBOOK ?? join(packageRoot(), "config", "playbook.json");

/** Parses a playbook, turning every problem into one line: which rule (by index and id) and which field. */
export function parsePlaybook(value: unknown, source = "playbook"): Playbook {
  const parsed = playbookSchema.safeParse(value);
  const rules = (value as { rules?: Array<{ id?: unknown }> })?.rules;
  // Duplicate ids are checked on the raw rules, so they are reported alongside every other problem.
  const seen = new Set<unknown>();
  const duplicates: string[] = [];
  (Array.isArray(rules) ? rules : []).forEach((rule, i) => {
    if (typeof rule?.id === "string" && seen.has(rule.id))
      duplicates.push(`rule ${i} "${rule.id}": id: duplicate rule id "${rule.id}"`);
    seen.add(rule?.id);
  });
  if (parsed.success && duplicates.length === 0) return parsed.data;
  const issues = parsed.success ? [] : parsed.error.issues;
  const lines = issues.map((issue) => {
    const [first, index, ...rest] = issue.path;
    if (first === "rules" && typeof index === "number") {
      const id = rules?.[index]?.id;
      const field = rest.join(".") || "(rule)";
      return `rule ${index}${typeof id === "string" ? ` "${id}"` : ""}: ${field}: ${issue.message}`;
    }
    return `${issue.path.join(".") || "(file)"}: ${issue.message}`;
  });
  throw new PlaybookError(`${source} is not a valid playbook:\n  ${[...lines, ...duplicates].join("\n  ")}`);
}

export function loadPlaybook(path: string): Playbook {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new PlaybookError(`cannot read the playbook ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PlaybookError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parsePlaybook(value, path);
}

/** What is known at the moment of deciding. */
export interface Facts {
  behaviour: string | null;
  touchpoint: string | null;
  channel: string | null;
  clv: number | null;
  medianClv: number;
  pAlive: number | null;
  openItems: number;
  segmentLabel: string | null;
  complaintsInLast90Days: number;
}

export interface Action {
  action: string;
  reason: string;
  priority: number;
  rule: string;
  playbookVersion: number;
  facts: string[];
}

/** Each condition of a rule, with the fact that satisfied it (or null when it does not hold). */
function check(rule: Rule, f: Facts): string[] | null {
  const w = rule.when;
  const facts: string[] = [];
  if (w.behaviour) {
    if (!f.behaviour || !w.behaviour.includes(f.behaviour as never)) return null;
    facts.push(`behaviour ${f.behaviour}`);
  }
  if (w.touchpoint) {
    if (!f.touchpoint || !w.touchpoint.includes(f.touchpoint)) return null;
    facts.push(`at ${f.touchpoint}`);
  }
  if (w.channel) {
    if (!f.channel || !w.channel.includes(f.channel)) return null;
    facts.push(`on ${f.channel}`);
  }
  if (w.clvAtLeastMedianTimes !== undefined) {
    const median = f.medianClv > 0 ? f.medianClv : 1;
    if (f.clv === null || f.clv < w.clvAtLeastMedianTimes * median) return null;
    facts.push(`CLV ${f.clv.toFixed(0)} (${(f.clv / median).toFixed(1)}x median)`);
  }
  if (w.pAliveBelow !== undefined) {
    if (f.pAlive === null || f.pAlive >= w.pAliveBelow) return null;
    facts.push(`P(alive) ${f.pAlive.toFixed(2)}`);
  }
  if (w.openItemsAtLeast !== undefined) {
    if (f.openItems < w.openItemsAtLeast) return null;
    facts.push(`${f.openItems} open items`);
  }
  if (w.segmentLabelIncludes !== undefined) {
    if (!f.segmentLabel?.includes(w.segmentLabelIncludes)) return null;
    facts.push(`segment "${f.segmentLabel}"`);
  }
  if (w.complaintsInLast90DaysAtLeast !== undefined) {
    if (f.complaintsInLast90Days < w.complaintsInLast90DaysAtLeast) return null;
    facts.push(`${f.complaintsInLast90Days} complaints in 90 days`);
  }
  return facts;
}

export function nextBestActions(playbook: Playbook, facts: Facts): Action[] {
  const actions: Action[] = [];
  for (const rule of playbook.rules) {
    const held = check(rule, facts);
    if (!held) continue;
    actions.push({
      action: rule.action,
      reason: rule.reason.replace("{facts}", held.join(", ")),
      priority: rule.priority,
      rule: rule.id,
      playbookVersion: playbook.version,
      facts: held,
    });
  }
  return actions.sort((a, b) => b.priority - a.priority || a.rule.localeCompare(b.rule));
}
