/**
 * Guards `customer-flow query`: only a single reading statement runs, with `readonly = 1`, and nothing that
 * reads or writes outside the store. SELECT/WITH queries are wrapped as a subquery, which the engine's own
 * parser rejects if the text holds anything but one query. The engine's parser also decides the rest:
 * the statement's canonical text (formatQuerySingleLine: no comments, one spelling) may not hold INTO
 * OUTFILE, and its syntax tree (EXPLAIN AST) may not call a function that reads files, URLs or other
 * servers, such as file(), url(), s3(), remote() or executable(), as a table or as a scalar function.
 */
import type { Engine } from "./engine.js";

export class ReadOnlyError extends Error {}

const READING = /^\s*(select|with|show|describe|desc|explain|exists)\b/i;

/** Table functions that only generate or reshape values in the query itself. */
const SAFE_TABLE_FUNCTIONS = new Set([
  "numbers",
  "numbers_mt",
  "zeros",
  "zeros_mt",
  "values",
  "generaterandom",
  "generate_series",
  "generateseries",
  "null",
  "view",
  "format",
]);

/** Functions that read outside the store wherever they stand (file() is also a scalar function). */
const OUTSIDE_FUNCTIONS = new Set([
  "file",
  "filecluster",
  "url",
  "urlcluster",
  "s3",
  "s3cluster",
  "gcs",
  "oss",
  "cosn",
  "hdfs",
  "hdfscluster",
  "azureblobstorage",
  "azureblobstoragecluster",
  "executable",
  "remote",
  "remotesecure",
  "cluster",
  "clusterallreplicas",
  "mysql",
  "postgresql",
  "jdbc",
  "odbc",
  "sqlite",
  "mongodb",
  "redis",
  "input",
  "deltalake",
  "hudi",
  "iceberg",
]);

/** The statement as it may run: checked for its kind, one statement, and INTO OUTFILE in its text. */
/** The statement as typed, without surrounding space and a final semicolon. */
const statementText = (sql: string) => sql.trim().replace(/;\s*$/, "");

export function readOnlySql(sql: string): string {
  const text = statementText(sql);
  if (!READING.test(text)) {
    throw new ReadOnlyError(
      "only reading statements run here (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS)",
    );
  }
  if (text.includes(";")) throw new ReadOnlyError("one statement at a time");
  refuseOutfile(text);
  if (/^\s*(select|with)\b/i.test(text)) return `SELECT * FROM (\n${text}\n)\nSETTINGS readonly = 1`;
  return `${text}\nSETTINGS readonly = 1`;
}

function refuseOutfile(text: string): void {
  if (/\binto\s+outfile\b/i.test(text)) throw new ReadOnlyError("INTO OUTFILE writes a file and is refused");
}

/** The functions of an EXPLAIN AST listing that reach outside the store (table functions or scalar). */
export function outsideFunctions(astLines: readonly string[]): string[] {
  const found: string[] = [];
  // The node last seen at each depth: a line's parent is the node one level up.
  const atDepth: string[] = [];
  for (const line of astLines) {
    const depth = line.length - line.trimStart().length;
    const node = line.trim();
    atDepth[depth] = node;
    const match = /^Function (\S+)/.exec(node);
    if (!match) continue;
    const name = match[1]!.toLowerCase();
    const asTable = depth > 0 && atDepth[depth - 1]?.startsWith("TableExpression");
    if (OUTSIDE_FUNCTIONS.has(name) || (asTable && !SAFE_TABLE_FUNCTIONS.has(name))) found.push(match[1]!);
  }
  return found;
}

/** readOnlySql, plus the engine parser's view of the statement: every kind of statement is checked. */
export async function guardReadOnly(engine: Engine, sql: string): Promise<string> {
  const guarded = readOnlySql(sql);
  const text = statementText(sql);
  const [canonical] = await engine.query<{ text: string }>(
    "SELECT formatQuerySingleLine({sql:String}) AS text",
    {
      sql: text,
    },
  );
  refuseOutfile(canonical?.text ?? "");
  // A SETTINGS clause inside the query would override the readonly = 1 it runs with.
  if (/\breadonly\s*=/i.test(canonical?.text ?? ""))
    throw new ReadOnlyError("the query may not change the readonly setting");
  const ast = await engine.query<{ explain: string }>(`EXPLAIN AST ${text}`);
  const outside = outsideFunctions(ast.map((row) => row.explain));
  if (outside.length > 0) {
    throw new ReadOnlyError(
      `${outside[0]}() reads files, URLs or other servers and is refused here; query the store's tables`,
    );
  }
  return guarded;
}
