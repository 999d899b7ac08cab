/**
 * What a typed-in identifier is looked up as in a store. Usually its candidate identifiers as they are; in
 * a store that keeps emails, phones and handles hashed (`serve --hash-pii`), hashed the same way first, so
 * a look-up by email still finds the person. Set once per store by whoever opens it (server, CLI).
 */
import type { Engine } from "../store/engine.js";
import { candidateIdentifiers } from "./identifiers.js";

const storedForms = new WeakMap<object, (typed: string) => string>();

/** From now on, identifiers of this store are stored (and looked up) as `form` gives them. */
export function storeIdentifiersAs(engine: Engine, form: (typed: string) => string): void {
  storedForms.set(engine.base ?? engine, form);
}

/** The identifiers to look `input` up by in this store, in order of preference. */
export function lookupIdentifiers(engine: Engine, input: string): string[] {
  const form = storedForms.get(engine.base ?? engine);
  const candidates = candidateIdentifiers(input);
  return form ? [...new Set(candidates.map(form))] : candidates;
}
