import fs from 'node:fs';
import { z } from 'zod';
import type { RouteDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { route, uuid } from '../../routing';
import { zagelyJob } from './views';

const exportBody = z
  .object({
    search: z.string().max(255).optional(),
    tags: z.array(z.string().min(1)).optional(),
    is_blocked: z.boolean().optional(),
    opted_out: z.boolean().optional(),
    group_id: uuid.optional(),
  })
  .strict();

const jobParams = z.object({ job: uuid });

/** Zagely contact export (async, 202) and the job it creates. */
export function zagelyExportRoutes({ services }: RouteDeps) {
  const { jobs } = services;
  const present = zagelyJob;
  const start = (p: string) =>
    route({
      method: 'post',
      path: p,
      tag: 'Contacts',
      summary: 'Start an async CSV export of contacts (optional filters)',
      ability: 'contacts.read',
      body: exportBody,
      status: 202,
      handler: async (ctx, { body }) => {
        const job = await jobs.startContactExport(principalOf(ctx).workspaceId, body);
        return { job_id: job.id, status: job.status, message: 'Export started. Poll the job until it is finished, then download the file.', data: present(job) };
      },
    });
  return [
    start('/api/contacts/export'),
    start('/api/v1/contacts/export'),
    route({
      method: 'get',
      path: '/api/v1/jobs/:job',
      tag: 'Jobs',
      summary: 'An async job (import, export) with its progress',
      params: jobParams,
      handler: async (ctx, { params }) => ({ data: present(await jobs.get(principalOf(ctx).workspaceId, params.job)) }),
    }),
    route({
      method: 'get',
      path: '/api/contacts/export/:job/download',
      tag: 'Contacts',
      summary: 'Download a finished contact export as CSV',
      ability: 'contacts.read',
      params: jobParams,
      handler: async (ctx, { params }) => {
        const { job, path: file } = await jobs.contactExportFile(principalOf(ctx).workspaceId, params.job);
        ctx.type = 'text/csv; charset=utf-8';
        ctx.attachment(`contacts-${job.id}.csv`);
        ctx.body = fs.createReadStream(file);
      },
    }),
  ];
}
