/** Reading the CLV and attribution inputs from files (CSV with a header, or whitespace-separated columns). */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { parse as parseCsv } from "csv-parse";
import { parseTimestamp } from "../store/time.js";
import { type PathRow, parsePath } from "./attribution.js";
import type { Transaction } from "./clv.js";

export class InputError extends Error {}

export interface TransactionColumns {
  customer: string;
  date: string;
  amount?: string;
  /** "iso" (any timestamp form parseTimestamp reads) or "yyyymmdd". */
  dateFormat?: "iso" | "yyyymmdd";
  /** No header: columns are 1-based positions and fields are separated by whitespace. */
  whitespace?: boolean;
}

function lines(file: string): AsyncIterable<string> {
  const raw = createReadStream(file);
  return createInterface({
    input: file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
}

async function* records(
  file: string,
  whitespace: boolean,
): AsyncIterable<{ line: number; get: (column: string) => string | undefined }> {
  if (whitespace) {
    let line = 0;
    for await (const text of lines(file)) {
      line++;
      const fields = text.trim().split(/\s+/);
      if (fields.length === 1 && fields[0] === "") continue;
      yield { line, get: (column) => fields[Number(column) - 1] };
    }
    return;
  }
  const raw = createReadStream(file);
  const parser = (file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw).pipe(
    parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true, info: true }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    yield { line: info.lines, get: (column) => record[column] };
  }
}

export async function readTransactions(file: string, columns: TransactionColumns): Promise<Transaction[]> {
  const out: Transaction[] = [];
  for await (const { line, get } of records(file, Boolean(columns.whitespace))) {
    const customer = get(columns.customer);
    const date = get(columns.date);
    if (customer === undefined || customer === "")
      throw new InputError(`line ${line}: no value in the customer column "${columns.customer}"`);
    const time =
      columns.dateFormat === "yyyymmdd" && date && /^\d{8}$/.test(date)
        ? Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8))
        : parseTimestamp(date);
    if (Number.isNaN(time))
      throw new InputError(`line ${line}: "${date}" in the date column "${columns.date}" is not a date`);
    const amountText = columns.amount ? get(columns.amount) : undefined;
    const amount = amountText === undefined ? undefined : Number(amountText);
    if (amount !== undefined && !Number.isFinite(amount)) {
      throw new InputError(
        `line ${line}: "${amountText}" in the amount column "${columns.amount}" is not a number`,
      );
    }
    out.push({ customer, time, amount });
  }
  return out;
}

/** Paths as ChannelAttribution takes them: path (channels joined by " > "), total_conversions, total_conversion_value, total_null. */
export async function readPaths(file: string): Promise<PathRow[]> {
  const rows: PathRow[] = [];
  for await (const { line, get } of records(file, false)) {
    const path = get("path");
    if (path === undefined) throw new InputError(`line ${line}: the file needs a "path" column`);
    const number = (column: string, required: boolean) => {
      const text = get(column);
      if (text === undefined || text === "") {
        if (required) throw new InputError(`line ${line}: the file needs a "${column}" column`);
        return 0;
      }
      const value = Number(text);
      if (!Number.isFinite(value) || value < 0)
        throw new InputError(`line ${line}: "${text}" in "${column}" is not a count`);
      return value;
    };
    rows.push({
      path: parsePath(path),
      conversions: number("total_conversions", true),
      value: number("total_conversion_value", false),
      nulls: number("total_null", false),
    });
  }
  return rows;
}
