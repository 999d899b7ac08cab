/**
 * Guards `customer-flow query`: only a single reading statement runs. SELECT/WITH queries are wrapped as a
 * subquery, which the engine's own parser rejects if the text holds anything but one query.
 */
export class ReadOnlyError extends Error {}

const READING = /^\s*(select|with|show|describe|desc|explain|exists)\b/i;

export function readOnlySql(sql: string): string {
  const text = sql.trim().replace(/;\s*$/, "");
  if (!READING.test(text)) {
    throw new ReadOnlyError(
      "only reading statements run here (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS)",
    );
  }
  if (text.includes(";")) throw new ReadOnlyError("one statement at a time");
  if (/^\s*(select|with)\b/i.test(text)) {
    if (/\binto\s+outfile\b/i.test(text))
      throw new ReadOnlyError("INTO OUTFILE writes a file and is refused");
    return `SELECT * FROM (\n${text}\n)`;
  }
  return text;
}
