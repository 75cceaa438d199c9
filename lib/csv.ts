/**
 * The one CSV writer of every export and report (contacts, campaign logs, message history, webhook logs, an import's
 * failed rows): csv-stringify with a header, every cell formula-escaped, streamed so memory stays flat.
 */
import { stringify } from 'csv-stringify';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Spreadsheet programs execute cells that start with these; prefix them so an export is safe to open. Plain
 * numbers (an E.164 phone such as +14155550101) are data, not formulas, and stay as they are.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** A cell value made safe to open in a spreadsheet (formula injection). */
export const escapeFormula = (value: string): string => (FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value);

/** Any value as a safe cell: empty for null, ISO 8601 for dates, JSON for objects and arrays, escaped text otherwise. */
export const csvCell = (value: unknown): string =>
  value === null || value === undefined
    ? ''
    : value instanceof Date
      ? value.toISOString()
      : escapeFormula(typeof value === 'object' ? JSON.stringify(value) : String(value));

/** A column: the key it is read by, and (when different) the header it is written under. */
export type CsvColumn = string | { key: string; header: string };

/** Rows (objects read by column key) as CSV text with a header line, streamed; `onRow` sees each row's count. */
export function csvStream(columns: readonly CsvColumn[], rows: AsyncIterable<Record<string, unknown>>, onRow?: (count: number) => void): Readable {
  const keys = columns.map((c) => (typeof c === 'string' ? c : c.key));
  const csv = stringify({ header: true, columns: columns.map((c) => (typeof c === 'string' ? c : { key: c.key, header: c.header })) });
  void (async () => {
    let count = 0;
    try {
      for await (const row of rows) {
        count += 1;
        if (!csv.write(keys.map((k) => csvCell(row[k])))) await new Promise((r) => csv.once('drain', r));
        onRow?.(count);
      }
      csv.end();
    } catch (err) {
      csv.destroy(err as Error);
    }
  })();
  return csv;
}

/**
 * Write rows to `file` as CSV: into `<file>.partial`, renamed when complete, so a retried writer rewrites it whole
 * and a reader never sees half a file. Answers the number of rows.
 */
export async function writeCsvFile(file: string, columns: readonly CsvColumn[], rows: AsyncIterable<Record<string, unknown>>, onRow?: (count: number) => void): Promise<number> {
  const tmp = `${file}.partial`;
  let count = 0;
  await pipeline(csvStream(columns, rows, (n) => ((count = n), onRow?.(n))), fs.createWriteStream(tmp));
  fs.renameSync(tmp, file);
  return count;
}
