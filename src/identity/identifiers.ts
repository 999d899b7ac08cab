/**
 * Identifiers are typed strings: `user:ID`, `anon:ID`, `email:addr`, `phone:+digits`, `social:network:handle`.
 * Events are keyed by user or anonymous id; traits add email, phone and social handles that join customers.
 */
import type { StoredEvent } from "../collect/event-schema.js";
import { isPlaceholder } from "./placeholders.js";

/** Longest email (RFC 5321's path limit) and phone number (as typed) taken as identifiers. */
export const MAX_EMAIL_LENGTH = 254;
export const MAX_PHONE_LENGTH = 32;
const SPACE = /\s/;

const PRIORITY: Record<string, number> = { user: 0, email: 1, phone: 2, social: 3, anon: 4 };
export const SOCIAL_NETWORKS = [
  "twitter",
  "x",
  "instagram",
  "facebook",
  "tiktok",
  "linkedin",
  "mastodon",
] as const;

export interface IdentityLink {
  left: string;
  right: string;
  reason: string;
  eventId: string;
}

export function kindOf(identifier: string): string {
  const colon = identifier.indexOf(":");
  return colon > 0 ? identifier.slice(0, colon) : "";
}

/** The customer id of a set of identifiers: the most stable kind (user > email > phone > social > anon), then the smallest. */
export function canonicalIdentifier(identifiers: Iterable<string>): string {
  let best: string | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const id of identifiers) {
    const rank = PRIORITY[kindOf(id)] ?? 5;
    if (rank < bestRank || (rank === bestRank && best !== undefined && id < best)) {
      best = id;
      bestRank = rank;
    }
  }
  if (best === undefined) throw new Error("canonicalIdentifier needs at least one identifier");
  return best;
}

/**
 * `local@domain.tld`: one @, no white space, a dot inside the domain. Checked by index, not by a regex with
 * overlapping quantifiers (which backtracks for a second on "a@" followed by thousands of dots).
 */
export function normaliseEmail(value: string): string | undefined {
  const email = value.trim().toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH || SPACE.test(email)) return undefined;
  const at = email.indexOf("@");
  if (at <= 0 || at !== email.lastIndexOf("@")) return undefined;
  const domain = email.slice(at + 1);
  const dot = domain.indexOf(".", 1);
  return dot > 0 && dot < domain.length - 1 ? `email:${email}` : undefined;
}

export function normalisePhone(value: string): string | undefined {
  if (value.length > MAX_PHONE_LENGTH) return undefined;
  const digits = value.replace(/[^\d+]/g, "");
  const plain = digits.replace(/^\+/, "");
  if (plain.length < 6 || /\+/.test(plain)) return undefined;
  return `phone:${digits.startsWith("+") ? "+" : ""}${plain}`;
}

export function normaliseSocial(network: string, handle: string): string | undefined {
  const clean = handle.trim().replace(/^@/, "").toLowerCase();
  return clean ? `social:${network}:${clean}` : undefined;
}

/** Turns what a user types (an id, an email, a phone, @handle, or a typed identifier) into identifiers to look up. */
export function candidateIdentifiers(input: string): string[] {
  const text = input.trim();
  if (/^(user|anon|email|phone|social):/.test(text)) return [text];
  const candidates = [`user:${text}`, `anon:${text}`];
  const email = normaliseEmail(text);
  if (email) candidates.push(email);
  const phone = /^[+\d][\d\s().-]{5,}$/.test(text) ? normalisePhone(text) : undefined;
  if (phone) candidates.push(phone);
  if (text.startsWith("@")) for (const net of SOCIAL_NETWORKS) candidates.push(normaliseSocial(net, text)!);
  return candidates;
}

/** A trait value stored hashed (`serve --hash-pii`, privacy/pii.ts): its typed identifier is kind + value. */
const HASHED_VALUE = "sha256:";
const hashed = (value: unknown): value is string =>
  typeof value === "string" && value.startsWith(HASHED_VALUE);

function traitIdentifiers(traits: Record<string, unknown>): { id: string; reason: string }[] {
  const found: { id: string; reason: string }[] = [];
  const email = traits.email;
  if (typeof email === "string") {
    const id = hashed(email) ? `email:${email}` : normaliseEmail(email);
    if (id) found.push({ id, reason: "trait:email" });
  }
  const phone = traits.phone;
  if (typeof phone === "string" || typeof phone === "number") {
    const id = hashed(phone) ? `phone:${phone}` : normalisePhone(String(phone));
    if (id) found.push({ id, reason: "trait:phone" });
  }
  for (const network of SOCIAL_NETWORKS) {
    const handle = traits[network];
    if (typeof handle === "string") {
      const id = hashed(handle) ? `social:${network}:${handle}` : normaliseSocial(network, handle);
      if (id) found.push({ id, reason: `trait:${network}` });
    }
  }
  return found;
}

function parseObject(json: string): Record<string, unknown> {
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The merges one event asserts: its user and anonymous ids, an alias's previous id, identifying traits.
 * Placeholder identifiers (placeholders.ts) on either side assert nothing.
 */
export function linksOf(event: StoredEvent): IdentityLink[] {
  const key = event.identity_key;
  const links: IdentityLink[] = [];
  if (isPlaceholder(key)) return links;
  const add = (other: string, reason: string) => {
    if (other !== key && !isPlaceholder(other))
      links.push({ left: key, right: other, reason, eventId: event.event_id });
  };
  if (event.user_id && event.anonymous_id)
    add(`anon:${event.anonymous_id}`, event.type === "identify" ? "identify" : "user+anonymous");
  if (event.type === "alias") {
    const previous = parseObject(event.properties).previousId;
    if (typeof previous === "string" && previous) {
      // The previous id may have been either kind; link both so whichever was used joins.
      add(`anon:${previous}`, "alias");
      add(`user:${previous}`, "alias");
    }
  }
  if (event.traits !== "{}")
    for (const { id, reason } of traitIdentifiers(parseObject(event.traits))) add(id, reason);
  return links;
}
