/**
 * Reading a spreadsheet file row by row without holding it in memory: CSV (RFC 4180 through csv-parse; UTF-8 with
 * or without BOM, else Windows-1252 as Excel's plain "CSV" saves it; `,` `;` or tab sniffed from the header line)
 * and .xlsx (exceljs's streaming reader, first worksheet). Every cell comes out as a string; rows whose cells are
 * all blank are left out, but rows keep the number a spreadsheet shows them under (the header is usually row 1).
 */
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import { Readable } from 'node:stream';

/** The file cannot be read as a table; the message says why and what to do, for the client. */
export class TableError extends Error {}

export type TableFormat = 'csv' | 'xlsx';

/** How to read a file, as `sniffTable` found it. */
export interface TableSource {
  format: TableFormat;
  /** CSV only. */
  delimiter?: string;
  encoding?: 'utf-8' | 'windows-1252';
}

/** One row: its number in the file (1-based, blank rows counted) and its cells as text. */
export interface TableRow {
  row: number;
  cells: string[];
}

const HEAD_BYTES = 64 * 1024;
/** A record longer than this is a broken file (an unclosed quote swallowing the rest), not a contact. */
const MAX_RECORD_BYTES = 1024 * 1024;

function readHead(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = fs.readSync(fd, buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** The delimiter that occurs most often outside quotes in the first line (`,` when none does). */
export function sniffDelimiter(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch] += 1;
  }
  return Object.entries(counts).reduce((best, [d, n]) => (n > counts[best] ? d : best), ',');
}

/** What the file is and how to read it; a TableError when it is nothing we can read. */
export function sniffTable(file: string): TableSource {
  const head = readHead(file);
  if (head.length === 0) throw new TableError('The file is empty.');
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return { format: 'xlsx' };
  if (head.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) {
    throw new TableError('Excel 97-2003 (.xls) files cannot be read: save the sheet as .xlsx or as CSV (UTF-8).');
  }
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new TableError('The file is UTF-16 text: save it as CSV (UTF-8) or .xlsx.');
  }
  if (head.includes(0)) throw new TableError('The file is neither a CSV nor an .xlsx file (it holds binary data).');
  const body = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
  let encoding: TableSource['encoding'] = 'utf-8';
  let text: string;
  try {
    // stream: a character cut at the end of the head is not an error.
    text = new TextDecoder('utf-8', { fatal: true }).decode(body, { stream: true });
  } catch {
    encoding = 'windows-1252';
    text = new TextDecoder('windows-1252').decode(body);
  }
  return { format: 'csv', delimiter: sniffDelimiter(text), encoding };
}

const blank = (cells: string[]) => cells.every((c) => c.trim() === '');

async function* csvRows(file: string, source: TableSource): AsyncGenerator<TableRow> {
  const input = fs.createReadStream(file);
  const text =
    source.encoding === 'windows-1252'
      ? Readable.fromWeb(Readable.toWeb(input).pipeThrough(new TextDecoderStream('windows-1252')) as Parameters<typeof Readable.fromWeb>[0])
      : input;
  const parser = text.pipe(
    parse({ delimiter: source.delimiter ?? ',', bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, max_record_size: MAX_RECORD_BYTES }),
  );
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row += 1;
      if (!blank(record)) yield { row, cells: record };
    }
  } catch (err) {
    const e = err as { code?: string; lines?: number; message: string };
    if (e.code?.startsWith('CSV_')) throw new TableError(`The CSV file cannot be read near line ${e.lines ?? row + 1}: ${e.message.replace(/^Invalid [^:]*: /, '')}`);
    throw err;
  } finally {
    input.destroy();
  }
}

/** An exceljs cell value as the text a person sees in the cell. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; result?: unknown; text?: unknown; error?: unknown };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return cellText(v.result);
    if ('text' in v) return cellText(v.text);
    if ('error' in v) return '';
  }
  return String(value);
}

async function* xlsxRows(file: string): AsyncGenerator<TableRow> {
  const input = fs.createReadStream(file);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', worksheets: 'emit', entries: 'ignore' });
  let sheets = 0;
  try {
    for await (const sheet of reader) {
      sheets += 1;
      for await (const r of sheet as AsyncIterable<{ number: number; values: unknown[] | Record<string, unknown> }>) {
        const values = Array.isArray(r.values) ? r.values : [];
        const cells: string[] = [];
        for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
        if (!blank(cells)) yield { row: r.number, cells };
      }
      break; // the first worksheet only
    }
  } catch (err) {
    if (err instanceof TableError) throw err;
    throw new TableError(`The .xlsx file cannot be read: ${(err as Error).message}`);
  } finally {
    input.destroy();
  }
  if (sheets === 0) throw new TableError('The .xlsx file has no worksheet.');
}

/** Every non-blank row of the file, header included, in file order. */
export function tableRows(file: string, source: TableSource): AsyncGenerator<TableRow> {
  return source.format === 'xlsx' ? xlsxRows(file) : csvRows(file, source);
}
