/**
 * The voice of the customer assembled from its two result sets: weekly counts per touchpoint and space, and
 * a sample of recent message texts. Pure (no IO), so it runs where the rows are parsed: on the calling
 * thread for the CLI, in the analytic lane's workers for a server.
 */
import type { Space } from "./model.js";
import { SPACES } from "./model.js";
import { buildCorpus, type Theme, type ThemeMessage, themesOf } from "./themes.js";

export interface SpaceVoice {
  behaviour: Space;
  /** Messages in the whole window. */
  volume: number;
  recent: number;
  previous: number;
  /** recent / previous - 1 (null when there was nothing before). */
  trend: number | null;
  weekly: Array<{ week: string; messages: number }>;
  themes: Theme[];
}

export interface TouchpointVoice {
  touchpoint: string;
  messages: number;
  spaces: SpaceVoice[];
}

export interface VoiceResult {
  at: string;
  weeks: number;
  touchpoints: TouchpointVoice[];
}

/** A row of the weekly counts: messages per touchpoint, space and week, and how many in the recent half. */
export interface WeeklyVoiceRow {
  touchpoint: string;
  behaviour: Space;
  week: string;
  messages: number;
  recent: number;
}

/** A row of the text sample. */
export interface VoiceTextRow {
  touchpoint: string;
  behaviour: Space;
  text: string;
  ms: number;
  customer_id: string;
}

export interface VoiceFrame {
  /** The instant the analysis speaks for (ms). */
  at: number;
  weeks: number;
  /** Themes per touchpoint and space. */
  top: number;
  weekly: WeeklyVoiceRow[];
}

/** Collects the text sample row by row, then builds the answer. */
export class VoiceBuilder {
  private readonly texts: VoiceTextRow[] = [];

  constructor(private readonly frame: VoiceFrame) {}

  add(row: VoiceTextRow): void {
    this.texts.push(row);
  }

  result(): VoiceResult {
    const { texts } = this;
    const messages: ThemeMessage[] = texts.map((t) => ({
      text: t.text,
      at: new Date(Number(t.ms)).toISOString(),
      customerId: t.customer_id,
    }));
    const corpus = buildCorpus(texts.map((t) => t.text));
    const members = new Map<string, number[]>();
    texts.forEach((t, i) => {
      const key = `${t.touchpoint}\u0000${t.behaviour}`;
      const list = members.get(key) ?? [];
      list.push(i);
      members.set(key, list);
    });
    const byTouchpoint = new Map<string, Map<Space, SpaceVoice>>();
    for (const row of this.frame.weekly) {
      const spaces = byTouchpoint.get(row.touchpoint) ?? new Map<Space, SpaceVoice>();
      byTouchpoint.set(row.touchpoint, spaces);
      const voice = spaces.get(row.behaviour) ?? {
        behaviour: row.behaviour,
        volume: 0,
        recent: 0,
        previous: 0,
        trend: null,
        weekly: [],
        themes: [],
      };
      spaces.set(row.behaviour, voice);
      voice.volume += Number(row.messages);
      voice.recent += Number(row.recent);
      voice.previous += Number(row.messages) - Number(row.recent);
      voice.weekly.push({ week: row.week, messages: Number(row.messages) });
    }
    const touchpoints: TouchpointVoice[] = [];
    for (const [touchpoint, spaces] of byTouchpoint) {
      const list = SPACES.flatMap((space) => {
        const voice = spaces.get(space);
        if (!voice) return [];
        voice.trend =
          voice.previous > 0 ? Math.round((voice.recent / voice.previous - 1) * 1000) / 1000 : null;
        voice.themes = themesOf(corpus, members.get(`${touchpoint}\u0000${space}`) ?? [], messages, {
          top: this.frame.top,
        });
        return [voice];
      });
      touchpoints.push({ touchpoint, messages: list.reduce((s, v) => s + v.volume, 0), spaces: list });
    }
    touchpoints.sort((a, b) => b.messages - a.messages || a.touchpoint.localeCompare(b.touchpoint));
    return { at: new Date(this.frame.at).toISOString(), weeks: this.frame.weeks, touchpoints };
  }
}
