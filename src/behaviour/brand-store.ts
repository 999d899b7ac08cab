/**
 * The brand's behaviour labels and its model versions: all their SQL. A label is kept with who gave it,
 * when and how (relabel in the inbox, the labels API, a label file); training reads the latest label of
 * each stored message (or of each text posted without one). Model versions are rows with their judgement
 * and the model itself; the latest choice says which is in use.
 */
import { randomUUID } from "node:crypto";
import type { Engine } from "../store/engine.js";
import { formatTime } from "../store/time.js";
import { SPACES, type Space } from "./model.js";

export type LabelSource = "relabel" | "api" | "import";

export interface NewLabel {
  text: string;
  labels: readonly Space[];
  /** The stored message labelled, if any. */
  eventId?: string;
  source: LabelSource;
  actor: string;
}

export async function addLabels(engine: Engine, labels: readonly NewLabel[]): Promise<void> {
  if (labels.length === 0) return;
  const now = Date.now();
  await engine.insert(
    "behaviour_labels",
    labels.map((l, i) => ({
      label_id: randomUUID(),
      // Labels given together keep their order (the latest label of a text wins).
      at: formatTime(now + i / 1000),
      actor: l.actor,
      source: l.source,
      event_id: l.eventId ?? "",
      text: l.text,
      labels: [...l.labels],
    })),
  );
}

/** The texts of stored inbound messages, by event id (those not found are absent). */
export async function messageTexts(
  engine: Engine,
  eventIds: readonly string[],
): Promise<Map<string, string>> {
  if (eventIds.length === 0) return new Map();
  const rows = await engine.query<{ event_id: string; message: string }>(
    "SELECT event_id, any(text) AS message FROM events WHERE event_id IN {ids:Array(String)} AND text != '' GROUP BY event_id",
    { ids: [...eventIds] },
  );
  return new Map(rows.map((r) => [r.event_id, r.message]));
}

export interface StoredLabel {
  /** The message id, or the text itself for labels given without one. */
  key: string;
  text: string;
  labels: Space[];
}

/** The latest label of each message (or text): what training reads. */
export async function latestLabels(engine: Engine): Promise<StoredLabel[]> {
  const rows = await engine.query<{ key: string; latest_text: string; latest_labels: string[] }>(
    `SELECT if(event_id != '', event_id, text) AS key, argMax(text, (at, label_id)) AS latest_text,
            argMax(labels, (at, label_id)) AS latest_labels
     FROM behaviour_labels GROUP BY key ORDER BY key`,
  );
  return rows.map((r) => ({
    key: r.key,
    text: r.latest_text,
    labels: r.latest_labels.filter((l): l is Space => SPACES.includes(l as Space)),
  }));
}

export interface LabelStats {
  /** Texts labelled (each counted once, by its latest label). */
  texts: number;
  /** Per behaviour, texts whose latest label has it; `none`: labelled as none of the four. */
  perLabel: Record<Space | "none", number>;
  /** Labels given, per source (every label, also those a later one replaced). */
  perSource: Record<string, number>;
  /** Labels given since the latest model version was trained. */
  sinceLastModel: number;
  lastLabelAt: string | null;
}

/** How many texts are labelled and how many labels came since the latest model version: one aggregate. */
export async function labelProgress(
  engine: Engine,
): Promise<Pick<LabelStats, "texts" | "sinceLastModel" | "lastLabelAt">> {
  const [row] = await engine.query<{ texts: number; since: number; last: string | null }>(
    `SELECT uniqExact(if(event_id != '', event_id, text)) AS texts,
            countIf(at > (SELECT max(created_at) FROM behaviour_models)) AS since,
            if(count() = 0, NULL, toString(max(at))) AS last
     FROM behaviour_labels`,
  );
  return {
    texts: Number(row?.texts ?? 0),
    sinceLastModel: Number(row?.since ?? 0),
    lastLabelAt: row?.last ?? null,
  };
}

export async function labelStats(engine: Engine): Promise<LabelStats> {
  const latest = await latestLabels(engine);
  const perLabel = Object.fromEntries([...SPACES, "none"].map((s) => [s, 0])) as LabelStats["perLabel"];
  for (const { labels } of latest) {
    if (labels.length === 0) perLabel.none++;
    for (const label of labels) perLabel[label]++;
  }
  const sources = await engine.query<{ source: string; n: number }>(
    "SELECT source, count() AS n FROM behaviour_labels GROUP BY source ORDER BY source",
  );
  return {
    ...(await labelProgress(engine)),
    perLabel,
    perSource: Object.fromEntries(sources.map((r) => [r.source, Number(r.n)])),
  };
}

export interface ModelVersionRow {
  version: string;
  createdAt: string;
  /** The model it was adapted from (the public model's version). */
  base: string;
  labels: number;
  adopted: boolean;
  /** How it was trained and judged (settings, scores of it and of the model in use). */
  report: Record<string, unknown>;
}

export async function saveModelVersion(
  engine: Engine,
  version: Omit<ModelVersionRow, "createdAt">,
  model: Buffer,
): Promise<void> {
  await engine.insert("behaviour_models", [
    {
      version: version.version,
      created_at: formatTime(Date.now()),
      base: version.base,
      labels: version.labels,
      adopted: version.adopted ? 1 : 0,
      report: JSON.stringify(version.report),
      model: model.toString("base64"),
    },
  ]);
}

export async function listModelVersions(engine: Engine): Promise<ModelVersionRow[]> {
  const rows = await engine.query<{
    version: string;
    created_at: string;
    base: string;
    labels: number;
    adopted: number;
    report: string;
  }>(
    "SELECT version, created_at, base, labels, adopted, report FROM behaviour_models ORDER BY created_at, version",
  );
  return rows.map((r) => ({
    version: r.version,
    createdAt: r.created_at,
    base: r.base,
    labels: Number(r.labels),
    adopted: Boolean(Number(r.adopted)),
    report: JSON.parse(r.report) as Record<string, unknown>,
  }));
}

/** The next version name: brand-1, brand-2, ... */
export async function nextModelVersion(engine: Engine): Promise<string> {
  const [row] = await engine.query<{ n: number }>("SELECT count() AS n FROM behaviour_models");
  return `brand-${Number(row?.n ?? 0) + 1}`;
}

export async function modelBytes(engine: Engine, version: string): Promise<Buffer | undefined> {
  const [row] = await engine.query<{ model: string }>(
    "SELECT model FROM behaviour_models WHERE version = {version:String} LIMIT 1",
    { version },
  );
  return row ? Buffer.from(row.model, "base64") : undefined;
}

/** Puts a version in use ('' = the public model). */
export async function chooseModel(
  engine: Engine,
  version: string,
  actor: string,
  reason: string,
): Promise<void> {
  await engine.insert("behaviour_model_choices", [{ at: formatTime(Date.now()), version, actor, reason }]);
}

/** The version in use: '' when none was chosen (the public model). */
export async function chosenModelVersion(engine: Engine): Promise<string> {
  const [row] = await engine.query<{ version: string }>(
    "SELECT version FROM behaviour_model_choices ORDER BY at DESC LIMIT 1",
  );
  return row?.version ?? "";
}
