/**
 * The classifier in use: the model shipped in models/ unless a store folder holds a retrained one
 * (`customer-flow behaviour train` writes it there). Loaded once per process.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../package-root.js";
import { BehaviourModel, type Classification, OutdatedModelError } from "./model.js";

export const SHIPPED_MODEL_PATH = join(packageRoot(), "models", "behaviour-v3.json.gz");
export const STORE_MODEL_FILE = "behaviour-model.json.gz";

const loaded = new Map<string, BehaviourModel>();

/**
 * The model in a file. A store's retrained model from a build with other features is not used: the shipped
 * model serves instead, with a warning saying how to retrain (the store keeps working meanwhile).
 */
export function loadModel(path = SHIPPED_MODEL_PATH): BehaviourModel {
  let model = loaded.get(path);
  if (!model) {
    try {
      model = BehaviourModel.deserialise(readFileSync(path));
    } catch (error) {
      if (!(error instanceof OutdatedModelError) || path === SHIPPED_MODEL_PATH) throw error;
      process.emitWarning(`${path}: ${error.message}; using the shipped model meanwhile`);
      model = loadModel(SHIPPED_MODEL_PATH);
    }
    loaded.set(path, model);
  }
  return model;
}

/** The model a store uses: its own retrained one when present, else the shipped one. */
export function modelPathFor(dataFolder?: string): string {
  if (dataFolder) {
    const own = join(dataFolder, STORE_MODEL_FILE);
    if (existsSync(own)) return own;
  }
  return SHIPPED_MODEL_PATH;
}

/** The model of a store's data folder (its retrained one, else the shipped one). */
export function modelForStore(dataDir?: string): BehaviourModel {
  return loadModel(modelPathFor(dataDir));
}

/** Forget a cached model (after a retrain writes a new file at the same path). */
export function forgetModel(path: string): void {
  loaded.delete(path);
}

export function classify(text: string, model = loadModel()): Classification {
  return model.classify(text);
}
