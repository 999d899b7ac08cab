/**
 * The suppression list in memory, as the collector checks it: salted hashes of suppressed identifiers. An
 * event carrying any of them (its identity key, user and anonymous ids, identifying traits) is dropped
 * before it is stored, counted, and kept nowhere, not even in failed_events.
 */
import type { StoredEvent } from "../collect/event-schema.js";
import { linksOf, normaliseEmail, normalisePhone } from "../identity/identifiers.js";
import { hashIdentifier } from "./identifiers.js";

export class Suppressions {
  private readonly hashes = new Set<string>();
  /** Events dropped because they carried a suppressed identifier, since start. */
  dropped = 0;

  constructor(
    private readonly salt: string,
    hashes: Iterable<string> = [],
    /** How the store keeps a typed identifier (hashed under --hash-pii): suppression hashes that form. */
    private readonly storedForm: (typed: string) => string = (typed) => typed,
  ) {
    for (const hash of hashes) this.hashes.add(hash);
  }

  get size(): number {
    return this.hashes.size;
  }

  hash(identifier: string): string {
    return hashIdentifier(this.salt, identifier);
  }

  add(hashes: Iterable<string>): void {
    for (const hash of hashes) this.hashes.add(hash);
  }

  remove(hashes: Iterable<string>): void {
    for (const hash of hashes) this.hashes.delete(hash);
  }

  private any(identifiers: Iterable<string>): boolean {
    for (const identifier of identifiers)
      if (this.hashes.has(this.hash(this.storedForm(identifier)))) return true;
    return false;
  }

  /** Whether a normalised event carries a suppressed identifier (no work while the list is empty). */
  suppresses(event: StoredEvent): boolean {
    if (this.hashes.size === 0) return false;
    const identifiers = [event.identity_key];
    if (event.user_id) identifiers.push(`user:${event.user_id}`);
    if (event.anonymous_id) identifiers.push(`anon:${event.anonymous_id}`);
    for (const link of linksOf(event)) identifiers.push(link.right);
    return this.any(identifiers);
  }

  /** The same for an item that failed validation: its ids and traits' email or phone, as sent. */
  suppressesRaw(item: unknown): boolean {
    if (this.hashes.size === 0 || !item || typeof item !== "object") return false;
    const { userId, anonymousId, traits, context } = item as Record<string, unknown>;
    const identifiers: string[] = [];
    if (typeof userId === "string" || typeof userId === "number") identifiers.push(`user:${userId}`);
    if (typeof anonymousId === "string") identifiers.push(`anon:${anonymousId}`);
    for (const bag of [traits, (context as Record<string, unknown> | undefined)?.traits]) {
      if (!bag || typeof bag !== "object") continue;
      const { email, phone } = bag as Record<string, unknown>;
      const e = typeof email === "string" ? normaliseEmail(email) : undefined;
      const p = typeof phone === "string" ? normalisePhone(phone) : undefined;
      if (e) identifiers.push(e);
      if (p) identifiers.push(p);
    }
    return this.any(identifiers);
  }
}
