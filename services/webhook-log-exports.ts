import type { Knex } from 'knex';
import fs from 'node:fs';
import path from 'node:path';
import { jobsRepo } from '../db/repositories/jobs';
import type { JobRow } from '../db/rows';
import { verifyExportLink } from '../lib/export-link';
import { forbidden, gone } from './errors';
import type { JobService } from './jobs';

const WEBHOOK_LOG_EXPORT_JOB = 'export_webhook_logs';
/** Exports whose file an e-mailed link may serve. */
const LINKED_EXPORT_JOBS = [WEBHOOK_LOG_EXPORT_JOB, 'export_campaign_logs', 'export_messages'];

/** The languages of the export e-mail. */
export type LogExportLang = 'en-US' | 'zh-TW';

/** A log export job's params: where the link goes, the date range and the e-mail's language. */
export interface WebhookLogExportParams {
  email: string;
  start_date?: string;
  end_date?: string;
  lang: LogExportLang;
}

/**
 * SeaX webhook log exports: a job row, then its workflow (CSV, then an e-mailed link); and the file behind a link.
 * The link is the only credential of the download, so every refusal says which of the link's checks failed.
 */
export function webhookLogExportService(deps: { db: Knex; jobs: JobService; exportDir: string; linkSecret: string }) {
  const jobs = jobsRepo(deps.db);
  return {
    start: (workspaceId: string, params: WebhookLogExportParams): Promise<JobRow> => deps.jobs.startWebhookLogExport(workspaceId, { ...params }),

    /** The export file a download token names: 403 when the token is not ours, 410 when it or the file is gone. */
    async file(token: string, now: Date = new Date()): Promise<{ path: string; name: string }> {
      const verified = verifyExportLink(deps.linkSecret, token, now);
      if (!verified.ok) {
        throw verified.reason === 'expired'
          ? gone('link_expired', 'This download link has expired; export the logs again for a new one.')
          : forbidden('invalid_link', 'This download link is not valid: it was altered or cut short. Use the link from the e-mail as it is.');
      }
      const { workspaceId, jobId } = verified.link;
      const job = await jobs.get(workspaceId, jobId);
      const file = typeof job?.result?.file === 'string' ? path.resolve(deps.exportDir, job.result.file) : undefined;
      if (!job || !LINKED_EXPORT_JOBS.includes(job.type) || !file || !file.startsWith(path.resolve(deps.exportDir, workspaceId) + path.sep) || !fs.existsSync(file)) {
        throw gone('export_gone', 'The exported file is no longer available; export the logs again.');
      }
      return { path: file, name: job.type === WEBHOOK_LOG_EXPORT_JOB ? `webhook-logs-${jobId}.csv` : `${job.type.replace('export_', '').replace(/_/g, '-')}-${jobId}.csv` };
    },
  };
}
