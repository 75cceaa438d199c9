/**
 * `npm run bench:import`: contact import and export at full size, against PostgreSQL's own COPY in the same run.
 *
 * The platform runs as `npm start` runs it (bench/lib/stack.ts: one process with the worker and the API, embedded
 * PostgreSQL, the Temporal dev server). In one run:
 *   1. write an N-row CSV (name, phone in E.164, email, a custom field) and the same rows as a COPY file;
 *   2. the limit: COPY of those rows into `contacts` (same table, same indexes) for a scratch workspace, in a
 *      transaction rolled back (then VACUUM), through pg-copy-streams;
 *   3. import the CSV over the SeaX API into the empty demo workspace (upload, count, workflow), and wait for the job;
 *   4. seed a second workspace with N contacts (set-based SQL), half of whose numbers the file has, and import the
 *      file into it with duplicate_strategy=update (half the rows update, half create);
 *   5. import an M-row .xlsx into a third workspace;
 *   6. export the N contacts of the first workspace (Zagely contact export) and download nothing: the file's rows/s.
 * For each run: wall time (request to job finished), rows/s, the ratio to COPY (imports), history events of its
 * workflow per 100,000 rows, and the worker's peak RSS (the stack process, reset before each phase). Every import
 * is checked: created + updated + marked + skipped + failed = rows.
 *
 * Options: --rows N (default 1,000,000), --xlsx-rows M (default 100,000; 0 skips), --no-duplicates, --no-export,
 * --json FILE, --keep. IMPORT_CHUNK_ROWS passes through to the worker. Exit status 1 when a check fails; the
 * targets (import ≥ 0.5 × COPY into an empty workspace, peak RSS ≤ 300 MB) are reported, not enforced.
 */
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Knex } from 'knex';
import { createDb } from '../db/connection';
import { workspaceService } from '../services/workspaces';
import { startStack, type RunningStack } from './lib/stack';
import { chainHistory, connectTemporal } from './lib/temporal';

interface Args {
  rows: number;
  xlsxRows: number;
  duplicates: boolean;
  export: boolean;
  json?: string;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { rows: 1_000_000, xlsxRows: 100_000, duplicates: true, export: true, keep: false };
  const num = (name: string, v: string | undefined) => {
    const n = Number((v ?? '').replace(/[,_]/g, ''));
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} needs a number, got ${v ?? 'nothing'}`);
    return Math.floor(n);
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--rows') out.rows = num(flag, value());
    else if (flag === '--xlsx-rows') out.xlsxRows = num(flag, value());
    else if (flag === '--no-duplicates') out.duplicates = false;
    else if (flag === '--no-export') out.export = false;
    else if (flag === '--json') out.json = value();
    else if (flag === '--keep') out.keep = true;
    else throw new Error(`unknown option ${flag} (see the comment at the top of bench/import.ts)`);
  }
  return out;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const phoneOf = (i: number) => `+1202${String(2_000_000 + i).padStart(7, '0')}`; // +1 202 2xx xxxx: possible US numbers

/** The CSV the imports read and the COPY file of the same rows (workspace id filled in by the COPY step). */
async function writeFiles(dir: string, rows: number): Promise<{ csv: string; copy: string }> {
  const csv = path.join(dir, 'contacts.csv');
  const copy = path.join(dir, 'contacts.copy.csv');
  const a = fs.createWriteStream(csv);
  const b = fs.createWriteStream(copy);
  const write = (s: fs.WriteStream, text: string) => (s.write(text) ? undefined : new Promise<void>((r) => s.once('drain', () => r())));
  await write(a, 'name,phone,email,city\n');
  for (let i = 0; i < rows; i++) {
    const name = `Contact ${i}`;
    const city = ['London', 'Paris', 'Lagos', 'Lima'][i % 4];
    await write(a, `${name},${phoneOf(i)},c${i}@example.com,${city}\n`);
    await write(b, `${name},${phoneOf(i)},c${i}@example.com,"{""city"": ""${city}""}"\n`);
  }
  await Promise.all([new Promise<void>((r) => a.end(() => r())), new Promise<void>((r) => b.end(() => r()))]);
  return { csv, copy };
}

async function writeXlsx(dir: string, rows: number): Promise<string> {
  const file = path.join(dir, 'contacts.xlsx');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
  const sheet = wb.addWorksheet('Contacts');
  sheet.addRow(['Name', 'Phone', 'Email', 'City']).commit();
  for (let i = 0; i < rows; i++) sheet.addRow([`Sheet ${i}`, Number(phoneOf(5_000_000 + i).slice(1)), `x${i}@example.com`, 'Oslo']).commit();
  await wb.commit();
  return file;
}

/** COPY the rows into contacts for a scratch workspace and roll back: rows/s of PostgreSQL alone. */
async function copyLimit(db: Knex, file: string, rows: number): Promise<number> {
  const [ws] = await db('workspaces').insert({ name: 'bench copy scratch' }).returning('id');
  const conn = await db.client.acquireConnection();
  let seconds: number;
  try {
    await conn.query('BEGIN');
    const started = process.hrtime.bigint();
    const sql = `COPY contacts (name, phone, email, custom_fields) FROM STDIN (FORMAT csv)`;
    // The workspace comes from a column default set for this transaction only, so the file holds the rows alone.
    await conn.query(`ALTER TABLE contacts ALTER COLUMN workspace_id SET DEFAULT '${ws.id}'`);
    await pipeline(fs.createReadStream(file), conn.query(copyFrom(sql)));
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await conn.query('ROLLBACK');
  } finally {
    db.client.releaseConnection(conn);
  }
  await db('workspaces').where({ id: ws.id }).delete();
  await db.raw('VACUUM contacts');
  return rows / seconds;
}

interface RunFigures {
  name: string;
  rows: number;
  wallSeconds: number;
  processingSeconds: number;
  rowsPerSecond: number;
  result: Record<string, number | Record<string, number>>;
  historyEvents: number;
  historyEventsPer100k: number;
  peakRssMb: number;
}

async function importFile(stack: RunningStack, temporal: Awaited<ReturnType<typeof connectTemporal>>, name: string, ws: { id: string; key: string }, file: string, query: string, rows: number): Promise<RunFigures> {
  stack.rss.resetPeak();
  const form = new FormData();
  form.append('file', await fs.openAsBlob(file), path.basename(file));
  const started = Date.now();
  const res = await fetch(`${stack.apiUrl}/api/v1/workspace/${ws.id}/import_contacts${query}`, { method: 'POST', headers: { 'x-api-key': ws.key }, body: form });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${name}: import answered ${res.status}: ${JSON.stringify(body)}`);
  const answeredMs = Date.now() - started;
  log(`${name}: answered in ${(answeredMs / 1000).toFixed(1)} s with total_items ${body.total_items}`);
  let job: Record<string, unknown>;
  for (let last = -1; ; ) {
    await sleep(1000);
    job = (await (await fetch(`${stack.apiUrl}/api/v1/workspace/${ws.id}/jobs/${body.id}`, { headers: { 'x-api-key': ws.key } })).json()) as Record<string, unknown>;
    if (job.processed_items !== last && Number(job.processed_items) % 50_000 < 5_000) log(`${name}: ${job.processed_items}/${job.total_items}`);
    last = Number(job.processed_items);
    if (job.status === 'finished' || job.status === 'failed') break;
  }
  const wallSeconds = (Date.now() - started) / 1000;
  if (job.status !== 'finished') throw new Error(`${name}: job ${job.status}: ${JSON.stringify(job.error_report)}`);
  const result = job.result as RunFigures['result'];
  const counted = ['created', 'updated', 'marked', 'skipped', 'failed'].reduce((n, k) => n + Number(result[k]), 0);
  if (counted !== rows || job.processed_items !== rows) throw new Error(`${name}: ${counted} outcomes for ${rows} rows: ${JSON.stringify(result)}`);
  const history = await chainHistory(temporal.client, `contact-import-${body.id}`);
  return {
    name,
    rows,
    wallSeconds,
    processingSeconds: wallSeconds - answeredMs / 1000,
    rowsPerSecond: rows / wallSeconds,
    result,
    historyEvents: history.events,
    historyEventsPer100k: (history.events / rows) * 100_000,
    peakRssMb: stack.rss.peakMb(),
  };
}

async function exportContacts(stack: RunningStack, ws: { publicKey: string; secretKey: string }, rows: number) {
  stack.rss.resetPeak();
  const headers = { 'x-public-key': ws.publicKey, 'x-secret-key': ws.secretKey, 'content-type': 'application/json' };
  const started = Date.now();
  const res = await fetch(`${stack.apiUrl}/api/contacts/export`, { method: 'POST', headers, body: '{}' });
  const body = (await res.json()) as { job_id: string };
  let job: Record<string, unknown>;
  do {
    await sleep(1000);
    job = ((await (await fetch(`${stack.apiUrl}/api/v1/jobs/${body.job_id}`, { headers })).json()) as { data: Record<string, unknown> }).data;
  } while (job.status !== 'finished' && job.status !== 'failed');
  const wallSeconds = (Date.now() - started) / 1000;
  if (job.status !== 'finished' || job.total_items !== rows) throw new Error(`export: ${JSON.stringify(job)}`);
  return { rows, wallSeconds, rowsPerSecond: rows / wallSeconds, peakRssMb: stack.rss.peakMb() };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-import-'));
  let stack: RunningStack | undefined;
  let db: Knex | undefined;
  let failed = false;
  try {
    log(`writing ${args.rows} rows${args.xlsxRows ? ` and a ${args.xlsxRows}-row .xlsx` : ''} to ${dir}`);
    const files = await writeFiles(dir, args.rows);
    const xlsx = args.xlsxRows ? await writeXlsx(dir, args.xlsxRows) : undefined;
    log(`CSV ${(fs.statSync(files.csv).size / 1e6).toFixed(1)} MB${xlsx ? `, .xlsx ${(fs.statSync(xlsx).size / 1e6).toFixed(1)} MB` : ''}`);
    stack = await startStack({ env: { IMPORT_CHUNK_ROWS: process.env.IMPORT_CHUNK_ROWS, IMPORT_MAX_BYTES: String(4 * 1024 ** 3), WEBHOOK_DISPATCHER_ENABLED: 'false' }, keepDataDir: args.keep });
    log(`stack ready in ${(stack.startupMs / 1000).toFixed(1)} s`);
    db = createDb(stack.demo.DATABASE_URL, { pool: { min: 0, max: 4 } });
    const temporal = await connectTemporal(stack.temporalAddress);
    await db('workspaces').update({ rate_limit_per_minute: 100_000 });

    log('COPY limit…');
    const copyRate = await copyLimit(db, files.copy, args.rows);
    log(`COPY: ${Math.round(copyRate)} rows/s`);

    const demo = { id: stack.demo.WORKSPACE_ID, key: stack.demo.API_KEY };
    const runs: RunFigures[] = [];
    runs.push(await importFile(stack, temporal, 'CSV into an empty workspace', demo, files.csv, '', args.rows));

    if (args.duplicates) {
      const dup = await workspaceService(db).provision({ name: 'bench duplicates' });
      await db('workspaces').where({ id: dup.workspace.id }).update({ rate_limit_per_minute: 100_000 });
      log(`seeding ${args.rows} contacts, half of them the file's numbers…`);
      const half = Math.floor(args.rows / 2);
      for (let from = 0; from < args.rows; from += 100_000) {
        const to = Math.min(args.rows, from + 100_000);
        await db.raw(
          `INSERT INTO contacts (workspace_id, name, phone) SELECT ?, 'Seeded ' || i, '+1202' || lpad((2000000 + i)::text, 7, '0') FROM generate_series(?::int, ?::int) AS i`,
          [dup.workspace.id, half + from, half + to - 1],
        );
      }
      await db.raw('ANALYZE contacts');
      runs.push(await importFile(stack, temporal, 'CSV into 1× existing, half duplicates (update)', { id: dup.workspace.id, key: dup.api_key }, files.csv, '?duplicate_strategy=update', args.rows));
    }

    if (xlsx) {
      const x = await workspaceService(db).provision({ name: 'bench xlsx' });
      await db('workspaces').where({ id: x.workspace.id }).update({ rate_limit_per_minute: 100_000 });
      runs.push(await importFile(stack, temporal, '.xlsx into an empty workspace', { id: x.workspace.id, key: x.api_key }, xlsx, '', args.xlsxRows));
    }

    const exported = args.export ? await exportContacts(stack, { publicKey: stack.demo.PUBLIC_KEY, secretKey: stack.demo.SECRET_KEY }, args.rows) : undefined;
    await temporal.close();

    const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
    const lines = [
      `COPY limit: ${Math.round(copyRate)} rows/s (${args.rows} rows into contacts, rolled back)`,
      ...runs.flatMap((r) => [
        `${r.name}: ${r.rows} rows in ${r.wallSeconds.toFixed(1)} s (${r.processingSeconds.toFixed(1)} s after the answer) = ${Math.round(r.rowsPerSecond)} rows/s` +
          (r.name.endsWith('empty workspace') && r.name.startsWith('CSV') ? `, ratio to COPY ${(r.rowsPerSecond / copyRate).toFixed(2)} (target ≥ 0.5)` : ''),
        `  outcomes ${JSON.stringify(r.result)}; history events ${r.historyEvents} (${r.historyEventsPer100k.toFixed(1)} per 100,000 rows); worker peak RSS ${Math.round(r.peakRssMb)} MB (target ≤ 300)`,
      ]),
      ...(exported ? [`Contact export: ${exported.rows} rows in ${exported.wallSeconds.toFixed(1)} s = ${Math.round(exported.rowsPerSecond)} rows/s; worker peak RSS ${Math.round(exported.peakRssMb)} MB`] : []),
      `load average at the end: ${load} (${os.cpus().length} cores)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (args.json) fs.writeFileSync(args.json, JSON.stringify({ copyRate, runs, exported, load: os.loadavg() }, null, 2));
  } catch (err) {
    failed = true;
    process.stderr.write(`[bench] failed: ${(err as Error).stack ?? String(err)}\n${stack ? stack.tail(40) : ''}\n`);
  } finally {
    await db?.destroy();
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

void main();
