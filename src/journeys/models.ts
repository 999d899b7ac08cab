/** Designed journey maps kept by name (all their SQL): saved as the checked JSON map, read back and compiled. */
import type { Engine } from "../store/engine.js";
import { formatTime, versionClock } from "../store/time.js";
import { compileJourneyModel, type JourneyModel, type JourneyModelInput } from "./journey-model.js";

const nextVersion = versionClock();

/** Saves (or replaces) a map under its name; it is checked first, so a stored map always compiles. */
export async function saveJourneyModel(engine: Engine, input: unknown): Promise<JourneyModel> {
  const model = compileJourneyModel(input);
  await engine.insert("journey_models", [
    {
      name: model.name,
      model: JSON.stringify(input),
      saved_at: formatTime(Date.now()),
      version: nextVersion(),
      deleted: 0,
    },
  ]);
  return model;
}

/** The stored map of that name as it was given (the JSON map); undefined when there is none. */
export async function storedJourneyModel(
  engine: Engine,
  name: string,
): Promise<JourneyModelInput | undefined> {
  const [row] = await engine.query<{ model: string }>(
    "SELECT model FROM journey_models FINAL WHERE name = {name:String}",
    { name },
  );
  return row ? (JSON.parse(row.model) as JourneyModelInput) : undefined;
}

/** The stored map of that name, compiled; undefined when there is none. */
export async function loadJourneyModel(engine: Engine, name: string): Promise<JourneyModel | undefined> {
  const input = await storedJourneyModel(engine, name);
  return input ? compileJourneyModel(input) : undefined;
}

export async function listJourneyModels(
  engine: Engine,
): Promise<{ name: string; steps: number; flows: number; savedAt: string }[]> {
  const rows = await engine.query<{ name: string; model: string; saved_at: string }>(
    "SELECT name, model, saved_at FROM journey_models FINAL ORDER BY name",
  );
  return rows.map((r) => {
    const input = JSON.parse(r.model) as JourneyModelInput;
    return { name: r.name, steps: input.steps.length, flows: input.flows.length, savedAt: r.saved_at };
  });
}

/** Removes a stored map; false when there was none. */
export async function deleteJourneyModel(engine: Engine, name: string): Promise<boolean> {
  if (!(await loadJourneyModel(engine, name))) return false;
  await engine.insert("journey_models", [
    { name, model: "", saved_at: formatTime(Date.now()), version: nextVersion(), deleted: 1 },
  ]);
  return true;
}
