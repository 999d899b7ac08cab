/**
 * A store's privacy settings, applied by whoever opens it (the server at start, each CLI command): with
 * identifiers stored hashed, look-ups hash what is typed (identity/lookup.ts) and every sink hashes what it
 * stores (collect/sink.ts asks `piiHasherOf`).
 */
import { storeIdentifiersAs } from "../identity/lookup.js";
import type { Engine } from "../store/engine.js";
import { PiiHasher } from "./pii.js";
import { enablePiiHashing, hashesPii, privacySalt } from "./store.js";

const hashers = new WeakMap<object, PiiHasher>();

/** Reads (and with `hashPii`, first turns on for good) the store's settings; the hasher when it hashes. */
export async function applyPrivacySettings(
  engine: Engine,
  options: { hashPii?: boolean } = {},
): Promise<PiiHasher | undefined> {
  if (options.hashPii) await enablePiiHashing(engine);
  if (!(await hashesPii(engine))) return undefined;
  const pii = new PiiHasher(await privacySalt(engine));
  hashers.set(engine.base ?? engine, pii);
  storeIdentifiersAs(engine, (typed) => pii.identifier(typed));
  return pii;
}

/** The hasher of a store that keeps identifiers hashed (after applyPrivacySettings), else undefined. */
export function piiHasherOf(engine: Engine): PiiHasher | undefined {
  return hashers.get(engine.base ?? engine);
}
