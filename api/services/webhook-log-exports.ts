import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import fs from 'node:fs';
import path from 'node:path';
import type { WebhookLogExportParams } from '../../activities/webhook-exports';
import { jobsRepo, type JobRow } from '../../db/repositories/jobs';
import { verifyExportLink } from '../../lib/export-link';
import { workflowIds } from '../../workflows/shared/ids';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared/search-attributes';
import { webhookLogExportWorkflow } from '../../workflows/webhook-log-export';
import { ApiError } from '../errors';

export const WEBHOOK_LOG_EXPORT_JOB = 'export_webhook_logs';

/**
 * SeaX webhook log exports: a job row, then its workflow (CSV, then an e-mailed link); and the file behind a link.
 * The link is the only credential of the download, so every refusal says which of the link's checks failed.
 */
export function webhookLogExportService(deps: { db: Knex; temporal: Client; taskQueue: string; exportDir: string; linkSecret: string }) {
  const jobs = jobsRepo(deps.db);
  return {
    async start(workspaceId: string, params: WebhookLogExportParams): Promise<JobRow> {
      const job = await jobs.create({ workspace_id: workspaceId, type: WEBHOOK_LOG_EXPORT_JOB, params: { ...params } });
      const workflowId = workflowIds.webhookLogExport(job.id);
      try {
        await deps.temporal.workflow.start(webhookLogExportWorkflow, {
          taskQueue: deps.taskQueue,
          workflowId,
          args: [{ workspaceId, jobId: job.id }],
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.workspaceId, value: workspaceId },
            { key: SEARCH_ATTRIBUTES.workflowKind, value: 'webhook-log-export' },
          ],
        });
      } catch (err) {
        await jobs.update(workspaceId, job.id, { status: 'failed', error_report: { message: 'The job could not be started; retry.' } });
        throw new ApiError(503, 'service_unavailable', 'The workflow service is unavailable; retry shortly.', { cause: String(err) });
      }
      await jobs.update(workspaceId, job.id, { workflow_id: workflowId });
      return { ...job, workflow_id: workflowId };
    },

    /** The export file a download token names: 403 when the token is not ours, 410 when it or the file is gone. */
    async file(token: string, now: Date = new Date()): Promise<{ path: string; name: string }> {
      const verified = verifyExportLink(deps.linkSecret, token, now);
      if (!verified.ok) {
        throw verified.reason === 'expired'
          ? new ApiError(410, 'link_expired', 'This download link has expired; export the logs again for a new one.')
          : new ApiError(403, 'invalid_link', 'This download link is not valid: it was altered or cut short. Use the link from the e-mail as it is.');
      }
      const { workspaceId, jobId } = verified.link;
      const job = await jobs.get(workspaceId, jobId);
      const file = typeof job?.result?.file === 'string' ? path.resolve(deps.exportDir, job.result.file) : undefined;
      if (!job || job.type !== WEBHOOK_LOG_EXPORT_JOB || !file || !file.startsWith(path.resolve(deps.exportDir, workspaceId) + path.sep) || !fs.existsSync(file)) {
        throw new ApiError(410, 'export_gone', 'The exported file is no longer available; export the logs again.');
      }
      return { path: file, name: `webhook-logs-${jobId}.csv` };
    },
  };
}
