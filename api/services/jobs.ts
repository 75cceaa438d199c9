import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { jobsRepo, type JobRow } from '../../db/repositories/jobs';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared/search-attributes';
import { workflowIds } from '../../workflows/shared/ids';
import { contactExportWorkflow } from '../../workflows/contact-export';
import { ApiError, notFound } from '../errors';

/** Async jobs: an intent row first, then its workflow (the job id doubles as the workflow's business id). */
export function jobService(db: Knex, temporal: Client, taskQueue: string) {
  const jobs = jobsRepo(db);
  return {
    async get(workspaceId: string, id: string): Promise<JobRow> {
      const job = await jobs.get(workspaceId, id);
      if (!job) throw notFound('Job');
      return job;
    },

    /** Record an export job and start its workflow; the job row exists before the workflow can touch it. */
    async startContactExport(workspaceId: string, params: Record<string, unknown>): Promise<JobRow> {
      const job = await jobs.create({ workspace_id: workspaceId, type: 'export_contacts', params });
      const workflowId = workflowIds.contactExport(job.id);
      try {
        await temporal.workflow.start(contactExportWorkflow, {
          taskQueue,
          workflowId,
          args: [{ workspaceId, jobId: job.id }],
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.workspaceId, value: workspaceId },
            { key: SEARCH_ATTRIBUTES.workflowKind, value: 'contact-export' },
          ],
        });
      } catch (err) {
        await jobs.update(workspaceId, job.id, { status: 'failed', error_report: { message: 'The job could not be started; retry.' } });
        throw new ApiError(503, 'service_unavailable', 'The workflow service is unavailable; retry shortly.', { cause: String(err) });
      }
      await jobs.update(workspaceId, job.id, { workflow_id: workflowId });
      return { ...job, workflow_id: workflowId };
    },
  };
}

/** The SeaX job shape (import_contacts example in the bulk SMS tutorial). */
export function seaxJob(job: JobRow) {
  return {
    id: job.id,
    status: job.status,
    job_type: job.type,
    created_time: job.created_at.toISOString(),
    updated_time: job.updated_at.toISOString(),
    progress: job.progress,
    total_items: job.total_items,
    processed_items: job.processed_items,
    failed_items: job.failed_items,
    error_report: job.error_report,
  };
}
