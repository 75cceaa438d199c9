import { Context } from '@temporalio/activity';
import fs from 'node:fs';
import path from 'node:path';
import { jobsRepo } from '../db/repositories/jobs';
import { contactExportRows } from '../db/repositories/contact-export';
import type { Knex } from 'knex';
import { writeCsvFile } from '../lib/csv';
import type { Activities } from '../workflows/shared/activities';

export const EXPORT_COLUMNS = ['id', 'name', 'phone', 'whatsapp_phone', 'email', 'note', 'labels', 'blocked', 'opted_out_at', 'custom_fields', 'timezone', 'created_at'];

/** Contact exports: stream matching contacts into a CSV file under the export directory. */
export function createExportActivities({ db, exportDir }: { db: Knex; exportDir: string }): Pick<Activities, 'runContactExport' | 'failJob'> {
  const jobs = jobsRepo(db);
  return {
    /** Writes `<exportDir>/<workspace>/<job>.csv` (rewritten whole on retry, so a retry cannot duplicate rows). */
    async runContactExport({ workspaceId, jobId }: { workspaceId: string; jobId: string }): Promise<{ rows: number }> {
      const job = await jobs.get(workspaceId, jobId);
      if (!job) throw new Error(`job ${jobId} not found in workspace ${workspaceId}`);
      await jobs.update(workspaceId, jobId, { status: 'processing' });
      const dir = path.join(exportDir, workspaceId);
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${jobId}.csv`);
      const rows = await writeCsvFile(file, EXPORT_COLUMNS, contactExportRows(db, workspaceId, job.params), (n) => {
        if (n % 1000 === 0) Context.current().heartbeat(n);
      });
      await jobs.update(workspaceId, jobId, {
        status: 'finished',
        progress: 100,
        total_items: rows,
        processed_items: rows,
        result: { file: path.relative(exportDir, file), rows },
      });
      return { rows };
    },

    /** Record a job's failure so clients polling it see why. */
    async failJob({ workspaceId, jobId, message }: { workspaceId: string; jobId: string; message: string }): Promise<void> {
      await jobs.update(workspaceId, jobId, { status: 'failed', error_report: { message } });
    },
  };
}
