/**
 * Storing identifiers hashed (`serve --hash-pii`): emails, phones and social handles become salted SHA-256
 * values before anything is stored. A typed identifier keeps its kind (`email:sha256:<hex>`, and a handle
 * its network), so merges still rank and join; a look-up by email hashes what was typed the same way. Pure.
 */
import {
  kindOf,
  normaliseEmail,
  normalisePhone,
  normaliseSocial,
  SOCIAL_NETWORKS,
} from "../identity/identifiers.js";
import { hashIdentifier } from "./identifiers.js";

/** What a hashed value starts with, in traits and in typed identifiers. */
export const HASHED = "sha256:";
const HASHED_KINDS = new Set(["email", "phone", "social"]);

export class PiiHasher {
  constructor(private readonly salt: string) {}

  /** A typed identifier as it is stored: email, phone and social ones hashed; others as they are. */
  identifier(typed: string): string {
    const kind = kindOf(typed);
    if (!HASHED_KINDS.has(kind)) return typed;
    const prefix = kind === "social" ? typed.slice(0, typed.indexOf(":", kind.length + 1) + 1) : `${kind}:`;
    if (typed.startsWith(`${prefix}${HASHED}`)) return typed;
    return `${prefix}${HASHED}${hashIdentifier(this.salt, typed)}`;
  }

  /** A traits object with email, phone and handles replaced by their hashed values (the rest unchanged). */
  traits(traits: Record<string, unknown>): Record<string, unknown> {
    const out = { ...traits };
    const replace = (field: string, typed: string | undefined, kind: string) => {
      const value = out[field];
      if (typeof value === "string" && value.startsWith(HASHED)) return;
      // A value that is not a valid identifier is still personal: hashed as it was sent.
      const stored = this.identifier(typed ?? `${kind}:${String(value)}`);
      out[field] = stored.slice(stored.indexOf(HASHED));
    };
    if (typeof out.email === "string") replace("email", normaliseEmail(out.email), "email");
    if (typeof out.phone === "string" || typeof out.phone === "number")
      replace("phone", normalisePhone(String(out.phone)), "phone");
    for (const network of SOCIAL_NETWORKS)
      if (typeof out[network] === "string")
        replace(network, normaliseSocial(network, out[network] as string), `social:${network}`);
    return out;
  }

  /** An event's JSON as stored (traits, context with its traits), hashed. */
  traitsJson(json: string): string {
    const value = parse(json);
    return value ? JSON.stringify(this.traits(value)) : json;
  }

  contextJson(json: string): string {
    const value = parse(json);
    if (!value?.traits || typeof value.traits !== "object") return json;
    return JSON.stringify({ ...value, traits: this.traits(value.traits as Record<string, unknown>) });
  }

  /**
   * A rejected payload as failed_events keeps it: JSON with its traits hashed (an array's items too); a
   * payload that is not JSON could hold anything, so only its size is kept.
   */
  payloadText(payload: string): string {
    if (payload === "") return payload;
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      return `[not JSON, ${payload.length} characters, withheld: identifiers are stored hashed]`;
    }
    const hashedValue = Array.isArray(value) ? value.map((v) => this.item(v)) : this.item(value);
    if (hashedValue && typeof hashedValue === "object" && !Array.isArray(hashedValue)) {
      const batch = (hashedValue as { batch?: unknown }).batch;
      if (Array.isArray(batch)) (hashedValue as { batch: unknown[] }).batch = batch.map((v) => this.item(v));
    }
    return JSON.stringify(hashedValue);
  }

  /** A raw item (kept in failed_events when rejected) with its traits and context's traits hashed. */
  item(item: unknown): unknown {
    if (!item || typeof item !== "object" || Array.isArray(item)) return item;
    const out = { ...(item as Record<string, unknown>) };
    if (out.traits && typeof out.traits === "object" && !Array.isArray(out.traits))
      out.traits = this.traits(out.traits as Record<string, unknown>);
    const context = out.context as Record<string, unknown> | undefined;
    if (context && typeof context === "object" && context.traits && typeof context.traits === "object")
      out.context = { ...context, traits: this.traits(context.traits as Record<string, unknown>) };
    return out;
  }
}

function parse(json: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
