import type { Knex } from 'knex';
import fs from 'node:fs';
import path from 'node:path';
import { jobsRepo } from '../db/repositories/jobs';
import type { JobRow } from '../db/rows';
import type { WorkflowStarters } from '../temporal/starters';
import { conflict, gone, notFound, unavailable } from './errors';

/** Job types, as clients see them in `job_type`. */
export type JobType = 'export_contacts' | 'export_webhook_logs' | 'import_contacts' | 'export_campaign_logs' | 'export_messages';

/** Exports whose finished file the job's download routes serve (the webhook log export is served by its e-mailed link). */
const DOWNLOADABLE: readonly string[] = ['export_contacts', 'export_campaign_logs', 'export_messages'];

/**
 * The one job lifecycle of every import, export and report: an intent row first, then its workflow (the job id
 * doubles as the workflow's business id), so the row exists before the workflow can touch it. When the workflow
 * cannot be started the row is marked failed and the caller gets `unavailable`: nothing is left that would run
 * later without a workflow.
 */
export function jobService(db: Knex, starters: WorkflowStarters, exportDir: string) {
  const jobs = jobsRepo(db);

  async function start(
    workspaceId: string,
    type: JobType,
    params: Record<string, unknown>,
    startWorkflow: (job: { workspaceId: string; jobId: string }) => Promise<string>,
    totalItems = 0,
    status: JobRow['status'] = 'pending',
  ): Promise<JobRow> {
    const job = await jobs.create({ workspace_id: workspaceId, type, params, total_items: totalItems, status });
    let workflowId: string;
    try {
      workflowId = await startWorkflow({ workspaceId, jobId: job.id });
    } catch (err) {
      await jobs.update(workspaceId, job.id, { status: 'failed', error_report: { message: 'The job could not be started; retry.' } });
      throw unavailable('The workflow service is unavailable; retry shortly.', { cause: String(err) });
    }
    await jobs.update(workspaceId, job.id, { workflow_id: workflowId });
    return { ...job, workflow_id: workflowId };
  }

  const get = async (workspaceId: string, id: string): Promise<JobRow> => {
    const job = await jobs.get(workspaceId, id);
    if (!job) throw notFound('Job');
    return job;
  };

  return {
    get,

    /** The file of a finished contact export: conflict while it runs, gone when the file was removed. */
    contactExportFile: (workspaceId: string, id: string) => exportFile(workspaceId, id, ['export_contacts']),

    /** The file of any finished downloadable export (contacts, campaign logs, messages). */
    exportFile: (workspaceId: string, id: string) => exportFile(workspaceId, id, DOWNLOADABLE),

    /** Export the workspace's contacts matching `params` (`contact-export-<job>`). */
    startContactExport: (workspaceId: string, params: Record<string, unknown>): Promise<JobRow> => start(workspaceId, 'export_contacts', params, starters.contactExport),

    /** Export the workspace's SeaX webhook logs and e-mail a link (`webhook-log-export-<job>`). */
    startWebhookLogExport: (workspaceId: string, params: Record<string, unknown>): Promise<JobRow> => start(workspaceId, 'export_webhook_logs', params, starters.webhookLogExport),

    /** Import a stored upload of `rows` rows into contacts (`contact-import-<job>`). */
    startContactImport: (workspaceId: string, params: Record<string, unknown>, rows: number, fileName: string): Promise<JobRow> =>
      // Already counted and stored, so it is processing from the client's point of view (SeaX's example answer).
      start(workspaceId, 'import_contacts', params, (job) => starters.contactImport({ ...job, fileName, rows }), rows, 'processing'),

    /** Export a campaign's per-recipient log or the message history as CSV (`campaign-log-export-<job>`, `message-export-<job>`). */
    startLogExport: (workspaceId: string, type: 'export_campaign_logs' | 'export_messages', params: Record<string, unknown>, summary: string): Promise<JobRow> =>
      start(workspaceId, type, params, (job) => starters.logExport({ ...job, kind: type === 'export_messages' ? 'message' : 'campaign-log', summary })),
  };

  async function exportFile(workspaceId: string, id: string, types: readonly string[]): Promise<{ job: JobRow; path: string }> {
    const job = await get(workspaceId, id);
    const file = typeof job.result?.file === 'string' ? path.resolve(exportDir, job.result.file) : undefined;
    if (!types.includes(job.type) || job.status !== 'finished' || !file || !file.startsWith(path.resolve(exportDir, workspaceId))) {
      throw conflict(`The export is ${job.status}; download it once it is finished.`, { status: job.status }, 'job_not_finished');
    }
    if (!fs.existsSync(file)) throw gone('export_expired', 'The export file is no longer available; start a new export.');
    return { job, path: file };
  }
}

/** The job service as other services take it. */
export type JobService = ReturnType<typeof jobService>;

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
    result: jobResult(job),
  };
}

/**
 * What a job's `result` shows clients: an import's outcome counts (created, updated, marked, skipped, failed, each
 * reason's count, canceled), an export's row count; never the stored file's path.
 */
export function jobResult(job: JobRow): Record<string, unknown> | null {
  const r = job.result;
  if (!r) return null;
  if (job.type === 'import_contacts') {
    const totals = (r.totals ?? {}) as Record<string, unknown>;
    return { ...totals, ...(r.canceled ? { canceled: true } : {}) };
  }
  return typeof r.rows === 'number' ? { rows: r.rows } : null;
}
