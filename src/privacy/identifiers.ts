/**
 * Identifiers as privacy sees them: salted hashes (what a regulation or a suppression list keeps), and the
 * forms an identifier takes inside a raw JSON payload (what finds a person's rejected events). Pure.
 */
import { createHash } from "node:crypto";
import { kindOf } from "../identity/identifiers.js";

/** SHA-256 of the store's salt and a typed identifier ("email:ann@example.com"), hex. */
export function hashIdentifier(salt: string, identifier: string): string {
  return createHash("sha256").update(salt).update("\u0000").update(identifier).digest("hex");
}

/** The value of a typed identifier as it was sent: "email:ann@x.io" -> "ann@x.io", "social:x:ann" -> "ann". */
export function rawValue(identifier: string): string {
  const kind = kindOf(identifier);
  const rest = kind ? identifier.slice(kind.length + 1) : identifier;
  return kind === "social" ? rest.slice(rest.indexOf(":") + 1) : rest;
}

/**
 * What marks a payload as carrying one of these identifiers: each raw value as a JSON string (quoted, so
 * "42" does not match inside "1420"), a handle also with its @, a phone also without its +. Matched
 * case-insensitively (emails are stored lower-case, sent as typed).
 */
export function payloadNeedles(identifiers: Iterable<string>): string[] {
  const needles = new Set<string>();
  for (const identifier of identifiers) {
    const raw = rawValue(identifier);
    if (!raw) continue;
    needles.add(JSON.stringify(raw));
    const kind = kindOf(identifier);
    if (kind === "social") needles.add(JSON.stringify(`@${raw}`));
    if (kind === "phone" && raw.startsWith("+")) needles.add(JSON.stringify(raw.slice(1)));
  }
  return [...needles];
}
