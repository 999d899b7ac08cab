/**
 * Query parameters written into the statement as typed literals, for the embedded engine.
 *
 * chDB's bound path (`{name:Type}` set and cleared around each call) is not isolated per connection: the
 * binding serialises every bound statement of the process through one chain, so a dashboard's reads ran
 * one at a time behind each other and behind the background journey rebuilds, on 2 cores that could run two.
 * Unbound statements run side by side on separate connections. So the embedded engine replaces each
 * placeholder with `CAST(<literal> AS Type)`: what ClickHouse's own parameter substitution makes of it.
 *
 * The literal is built from the JavaScript value (never from text given to the engine to parse): strings
 * are single-quoted with every backslash, quote and NUL escaped, so no value can end its literal; numbers
 * must be finite; arrays and objects become `[...]` and `map(...)` of the same literals.
 */
import { formatTime } from "./time.js";

export class QueryParameterError extends Error {}

/** One placeholder: `{name:Type}` (a type holds no braces). */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/g;

/** A string as a ClickHouse string literal: only `\`, `'` and NUL need escaping inside single quotes. */
export function quoteString(value: string): string {
  return `'${value.replace(/[\\'\0]/g, (c) => (c === "\0" ? "\\0" : `\\${c}`))}'`;
}

/** A JavaScript value as a ClickHouse literal expression. */
export function literal(value: unknown, name: string): string {
  if (value === null) return "NULL";
  switch (typeof value) {
    case "string":
      return quoteString(value);
    case "number":
      if (!Number.isFinite(value))
        throw new QueryParameterError(`query parameter ${name} is not a finite number`);
      return String(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime()))
      throw new QueryParameterError(`query parameter ${name} is an invalid date`);
    return quoteString(formatTime(value.getTime()));
  }
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, name)).join(",")}]`;
  if (value instanceof Map)
    return `map(${[...value].flatMap(([k, v]) => [literal(k, name), literal(v, name)]).join(",")})`;
  if (typeof value === "object")
    return `map(${Object.entries(value)
      .flatMap(([k, v]) => [quoteString(k), literal(v, name)])
      .join(",")})`;
  throw new QueryParameterError(`query parameter ${name} has an unsupported type (${typeof value})`);
}

/** The statement with every `{name:Type}` replaced by its value as a literal of that type. */
export function inlineParameters(sql: string, params: Record<string, unknown>): string {
  return sql.replace(PLACEHOLDER, (_, name: string, type: string) => {
    if (!Object.hasOwn(params, name) || params[name] === undefined)
      throw new QueryParameterError(`query parameter ${name} is missing`);
    return `CAST(${literal(params[name], name)} AS ${type})`;
  });
}
