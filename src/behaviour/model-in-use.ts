/**
 * The behaviour model a store uses: the version chosen in the store (a brand-adapted one), else the
 * public model (the store folder's retrained file, else the shipped one). Ingest, the inbox and classify
 * read `current`; a server calls `refresh` now and then, so a version chosen by the CLI is picked up.
 */
import type { Engine } from "../store/engine.js";
import { chosenModelVersion, modelBytes } from "./brand-store.js";
import { BehaviourModel } from "./model.js";

export class ModelInUse {
  private model: BehaviourModel;
  private chosen = "";

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
    return this.chosen || this.publicModel.version;
  }

  async refresh(engine: Engine): Promise<boolean> {
    const chosen = await chosenModelVersion(engine);
    if (chosen === this.chosen) return false;
    if (chosen === "") {
      this.model = this.publicModel;
    } else {
      const bytes = await modelBytes(engine, chosen);
      if (!bytes) return false;
      this.model = BehaviourModel.deserialise(bytes);
    }
    this.chosen = chosen;
    return true;
  }
}
