/**
 * The behaviour model a store uses: the version chosen in the store (a brand-adapted one), else the
 * public model (the store folder's retrained file, else the shipped one). Ingest, the inbox and classify
 * read `current`; a server calls `refresh` now and then, so a version chosen by the CLI is picked up.
 */
import type { Engine } from "../store/engine.js";
import { chosenModelVersion, modelBytes } from "./brand-store.js";
import { BehaviourModel, OutdatedModelError } from "./model.js";

export class ModelInUse {
  private model: BehaviourModel;
  private chosen = "";
  /** Why the chosen version is not in use (trained on features this build no longer computes). */
  problem: string | undefined;

  constructor(readonly publicModel: BehaviourModel) {
    this.model = publicModel;
  }

  /** Reads which version is chosen and loads it when it changed. Returns whether the model changed. */
  static async of(engine: Engine, publicModel: BehaviourModel): Promise<ModelInUse> {
    const inUse = new ModelInUse(publicModel);
    await inUse.refresh(engine);
    return inUse;
  }

  get current(): BehaviourModel {
    return this.model;
  }

  /** The version chosen in the store ('' when none: the public model is in use). */
  get chosenVersion(): string {
    return this.chosen;
  }

  /** The chosen version's name, or the public model's version. */
  get version(): string {
    return this.model === this.publicModel ? this.publicModel.version : this.chosen;
  }

  async refresh(engine: Engine): Promise<boolean> {
    const chosen = await chosenModelVersion(engine);
    if (chosen === this.chosen) return false;
    if (chosen === "") {
      this.model = this.publicModel;
      this.problem = undefined;
    } else {
      const bytes = await modelBytes(engine, chosen);
      if (!bytes) return false;
      try {
        this.model = BehaviourModel.deserialise(bytes);
        this.problem = undefined;
      } catch (error) {
        if (!(error instanceof OutdatedModelError)) throw error;
        // The public model serves until the brand's labels train a version on this build's features.
        this.model = this.publicModel;
        this.problem = `version ${chosen}: ${error.message}`;
      }
    }
    this.chosen = chosen;
    return true;
  }
}
