import fs from 'node:fs';
import { z } from 'zod';
import type { JobRow } from '../../../db/rows';
import { seaxJobResponse, textBody } from '../../schemas/responses';
import { seaxJob } from '../../../services/jobs';
import type { Ctx, RouteDeps } from '../../context';
import { assertAbility, workspaceFromPath, type Ability } from '../../middleware/auth';
import { route, uuid } from '../../routing';

const jobParams = z.object({ workspace_id: z.string(), job_id: uuid });

/** Who may download each kind of export: the ability that reads what it holds. */
export const EXPORT_ABILITY: Record<string, Ability> = { export_contacts: 'contacts.read', export_campaign_logs: 'campaigns.read', export_messages: 'messages.read' };

/** Answer a finished export's file as a CSV download, once the key is seen to have the ability that reads it. */
export function serveExport(ctx: Ctx, { job, path }: { job: JobRow; path: string }): void {
  assertAbility(ctx, EXPORT_ABILITY[job.type]);
  ctx.type = 'text/csv; charset=utf-8';
  ctx.attachment(`${job.type.replace('export_', '')}-${job.id}.csv`);
  ctx.body = fs.createReadStream(path);
}

/** The SeaX job shape with where to fetch its files (extensions): an export's download, an import's failed rows. */
export function seaxJobView(job: JobRow) {
  const base = `/api/v1/workspace/${job.workspace_id}/jobs/${job.id}`;
  return {
    ...seaxJob(job),
    ...(job.type === 'import_contacts' ? { failed_rows_url: job.failed_items > 0 ? `${base}/failed_rows` : null } : {}),
    ...(job.type in EXPORT_ABILITY ? { download_url: job.status === 'finished' ? `${base}/download` : null } : {}),
  };
}

/** SeaX `GET /jobs/{job_id}`: poll an import or export until it is finished or failed; and download a finished export. */
export function seaxJobRoutes({ services }: RouteDeps) {
  const { jobs } = services;
  return [
    route({
      method: 'get',
      path: '/api/v1/workspace/:workspace_id/jobs/:job_id',
      tag: 'SeaX Jobs',
      summary: 'An async job with its progress',
      params: jobParams,
      response: seaxJobResponse,
      handler: async (ctx, { params }) => seaxJobView(await jobs.get(workspaceFromPath(ctx), params.job_id)),
    }),
    route({
      method: 'get',
      path: '/api/v1/workspace/:workspace_id/jobs/:job_id/download',
      tag: 'SeaX Jobs',
      summary: 'Download a finished export (contacts, campaign logs, messages) as CSV (extension)',
      description: 'Needs the ability that reads what the export holds: contacts.read, campaigns.read or messages.read.',
      params: jobParams,
      response: textBody,
      responseType: 'text/csv',
      errors: [409, 410],
      handler: async (ctx, { params }) => serveExport(ctx, await jobs.exportFile(workspaceFromPath(ctx), params.job_id)),
    }),
  ];
}
