/** ClickHouse DateTime64(3) text form in UTC ("YYYY-MM-DD hh:mm:ss.sss"), accepted by every input format. */
export function formatTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("T", " ").replace("Z", "");
}

/**
 * Row versions for ReplacingMergeTree tables from the clock (µs), strictly increasing in this process: a
 * later write of the same key wins.
 */
export function versionClock(): () => number {
  let last = 0;
  return () => {
    const candidate = Date.now() * 1000;
    last = candidate > last ? candidate : last + 1;
    return last;
  };
}

/** Parses a stored DateTime64(3, 'UTC') value back to epoch milliseconds. */
export function parseStoredTime(value: string): number {
  return Date.parse(`${value.replace(" ", "T")}Z`);
}

/**
 * A stored time as `toISOString` writes it, by rewriting the text ("2024-03-01 10:00:00.000" ->
 * "2024-03-01T10:00:00.000Z") instead of formatting a Date: the context index does this for every
 * committed event on the serving thread, where toISOString was its largest cost. Other forms go through
 * a Date.
 */
export function storedTimeIso(value: string): string {
  return value.length === 23 && value[10] === " "
    ? `${value.slice(0, 10)}T${value.slice(11)}Z`
    : new Date(parseStoredTime(value)).toISOString();
}

const SLASH_DATE = /^(\d{4})[/.-](\d{2})[/.-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;

/**
 * Parses the timestamp forms found in exports: ISO 8601 (with or without zone; none means UTC),
 * `2014/10/22 11:15:41.000`, `YYYYMMDD`, and epoch seconds or milliseconds. Returns NaN when it cannot.
 */
export function parseTimestamp(input: unknown): number {
  if (typeof input === "number") return Number.isFinite(input) ? epochToMs(input) : Number.NaN;
  if (input instanceof Date) return input.getTime();
  if (typeof input !== "string") return Number.NaN;
  const text = input.trim();
  if (text === "") return Number.NaN;
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    const compact = COMPACT_DATE.exec(text);
    if (compact) return Date.UTC(Number(compact[1]), Number(compact[2]) - 1, Number(compact[3]));
    return epochToMs(Number(text));
  }
  const slash = SLASH_DATE.exec(text);
  if (slash) {
    const [, y, mo, d, h, mi, s, frac] = slash;
    const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
    return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
  }
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const isoLike = /^\d{4}-\d{2}-\d{2}(T|$)/.test(text);
  return Date.parse(isoLike && !hasZone && text.includes("T") ? `${text}Z` : text);
}

/** Numbers below 1e11 are taken as epoch seconds (before 5138 AD), others as milliseconds. */
function epochToMs(value: number): number {
  return Math.abs(value) < 1e11 ? Math.round(value * 1000) : Math.round(value);
}
