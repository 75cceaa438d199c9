import ExcelJS from 'exceljs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Response } from 'superagent';
import type { Harness, TestWorkspace } from './harness';

/** Poll a job over the SeaX API until it is finished or failed (generous deadline), and answer it. */
export async function waitForSeaxJob(h: Harness, ws: TestWorkspace, jobId: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.http.get(`/api/v1/workspace/${ws.id}/jobs/${jobId}`).set(ws.seax);
    if (res.status !== 200) throw new Error(`GET job answered ${res.status}: ${JSON.stringify(res.body)}`);
    if (res.body.status === 'finished' || res.body.status === 'failed') return res.body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${res.body.status} after ${timeoutMs} ms: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Wait until `check` holds (polling), or fail after the deadline. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An .xlsx file with these rows on its first sheet (exceljs's streaming writer), as a Buffer. */
export async function xlsxOf(rows: unknown[][]): Promise<Buffer> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-xlsx-')), 'contacts.xlsx');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
  const sheet = wb.addWorksheet('Contacts');
  for (const r of rows) sheet.addRow(r).commit();
  await wb.commit();
  const buf = fs.readFileSync(file);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return buf;
}

/** A supertest response body read as text (CSV downloads): `.buffer(true).parse(asText)`. */
export const asText = (res: Response, cb: (err: Error | null, body: unknown) => void) => {
  let text = '';
  res.on('data', (c: Buffer) => (text += c.toString()));
  res.on('end', () => cb(null, text));
};
