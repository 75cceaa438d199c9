import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import fs from 'node:fs';
import { jobsRepo } from '../db/repositories/jobs';
import { emptyTotals, rowsCounted } from '../domain/contact-import';
import { tableRows, TableError, type TableRow } from '../lib/tabular';
import { contactImportWriter, importUploadPath, type ImportParams, type ImportResult } from '../services/imports';
import type { Activities } from '../workflows/shared/activities';

export interface ImportActivityDeps {
  db: Knex;
  exportDir: string;
  /** Rows per chunk (one transaction each); default 5,000. */
  importChunkRows?: number;
}

const HEARTBEAT_MS = 2000;

/** Contact imports: stream the stored upload and hand it to the import writer chunk by chunk. */
export function createImportActivities({ db, exportDir, importChunkRows = 5000 }: ImportActivityDeps): Pick<Activities, 'runContactImport' | 'discardImportUpload'> {
  const jobs = jobsRepo(db);
  const writer = contactImportWriter(db);
  const uploadOf = (params: ImportParams) => importUploadPath(exportDir, params);

  return {
    /**
     * Resumes after the rows the job row counts (its totals are committed with each chunk, so they are the
     * checkpoint): those rows are read again and passed over, never applied twice. Heartbeats while it runs.
     */
    async runContactImport({ workspaceId, jobId }) {
      const ctx = Context.current();
      const job = await jobs.get(workspaceId, jobId);
      if (!job) throw ApplicationFailure.nonRetryable(`job ${jobId} not found in workspace ${workspaceId}`);
      const params = job.params as unknown as ImportParams;
      const result = job.result as ImportResult | null;
      if (job.status === 'finished' || job.status === 'failed') return { rows: job.processed_items, canceled: result?.canceled === true };
      const file = uploadOf(params);
      if (!file || !fs.existsSync(file)) throw ApplicationFailure.nonRetryable('The uploaded file is no longer available; import it again.', 'ImportUnreadable');

      let totals = result?.totals ?? emptyTotals();
      const skip = rowsCounted(totals);
      let current = job;
      let canceled = job.cancel_requested_at !== null;
      const beat = setInterval(() => ctx.heartbeat({ rows: rowsCounted(totals) }), HEARTBEAT_MS);
      try {
        // One chunk is written while the next is read and parsed; chunks still commit one after the other.
        let writing: Promise<void> = Promise.resolve();
        const apply = async (chunk: TableRow[]) => {
          const prepared = writer.prepare(current, chunk);
          await writing;
          if (canceled) return;
          if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('activity canceled');
          writing = writer.apply(current, prepared, totals).then((done) => {
            totals = done.totals;
            current = done.job;
            canceled = done.cancelRequested;
            ctx.heartbeat({ rows: rowsCounted(totals) });
          });
          writing.catch(() => undefined); // awaited before the next chunk or at the end
        };
        let seen = -1; // the header is row 0
        let chunk: TableRow[] = [];
        if (!canceled) {
          for await (const row of tableRows(file, params.source)) {
            seen += 1;
            if (seen === 0 || seen <= skip) continue;
            chunk.push(row);
            if (chunk.length >= importChunkRows) {
              await apply(chunk);
              chunk = [];
              if (canceled) break;
            }
          }
          if (!canceled && chunk.length) await apply(chunk);
          await writing;
        }
        await writer.finish(current, totals, canceled);
      } catch (err) {
        if (err instanceof TableError) throw ApplicationFailure.nonRetryable(err.message, 'ImportUnreadable');
        throw err;
      } finally {
        clearInterval(beat);
      }
      fs.rmSync(file, { force: true });
      return { rows: rowsCounted(totals), canceled };
    },

    async discardImportUpload({ workspaceId, jobId }) {
      const job = await jobs.get(workspaceId, jobId);
      const file = job ? uploadOf(job.params as unknown as ImportParams) : undefined;
      if (file) fs.rmSync(file, { force: true });
    },
  };
}
