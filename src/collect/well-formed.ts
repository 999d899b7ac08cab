/**
 * Text the engine can store. JSON may carry lone UTF-16 surrogates ("\ud800" escapes); JSON.stringify
 * writes them back as escapes, and the engine refuses the whole insert that holds one, which would fail
 * every request in that group commit. Lone surrogates become U+FFFD, as in any UTF-8 decoder.
 */
type Es2024String = { isWellFormed(): boolean; toWellFormed(): string };

export function wellFormed(text: string): string {
  const s = text as unknown as Es2024String;
  return s.isWellFormed() ? text : s.toWellFormed();
}

/** A copy with every string and key well formed (only called when some is not). */
function wellFormedCopy(value: unknown): unknown {
  if (typeof value === "string") return wellFormed(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(wellFormedCopy);
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, inner] of Object.entries(value)) out[wellFormed(key)] = wellFormedCopy(inner);
  return out;
}

/**
 * JSON.stringify, well formed. JSON.stringify escapes exactly the lone surrogates, so a scan of its output
 * for such an escape finds them (a literal backslash-u text only costs a needless second pass).
 */
export function wellFormedJson(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  const suspect = text.includes("\\u") && /\\ud[89a-f]/i.test(text);
  return suspect ? (JSON.stringify(wellFormedCopy(value)) ?? "null") : text;
}
