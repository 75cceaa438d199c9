import fs from 'node:fs';
import { z } from 'zod';
import type { RouteDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { route, uuid } from '../../routing';
import { exportStartedResponse, textBody, zagelyJobResponse } from '../../schemas/responses';
import { zagelyContactSegment } from './contact-filter';
import { zagelyJob } from './views';

/** The list route's filters (GET /api/v1/contacts), as JSON; read by the same function (./contact-filter.ts). */
const exportBody = z
  .object({
    search: z.string({ error: 'must be a string' }).max(255, { error: 'must be at most 255 characters' }).optional(),
    tags: z
      .array(z.string({ error: 'must be a string' }).max(255, { error: 'must be at most 255 characters' }), { error: 'must be an array of tag names' })
      .max(50, { error: 'must have at most 50 tags' })
      .transform((tags) => tags.map((t) => t.trim()).filter(Boolean))
      .optional(),
    is_blocked: z.boolean({ error: 'must be true or false' }).optional(),
    opted_out: z.boolean({ error: 'must be true or false' }).optional(),
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
      response: exportStartedResponse,
      errors: [503],
      handler: async (ctx, { body }) => {
        const { workspaceId } = principalOf(ctx);
        // Resolved (and the group checked) now, as the list route does; the activity applies the same segment.
        const segment = await zagelyContactSegment(services.groups, workspaceId, body);
        const job = await jobs.startContactExport(workspaceId, { filters: body, segment });
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
      response: zagelyJobResponse,
      handler: async (ctx, { params }) => ({ data: present(await jobs.get(principalOf(ctx).workspaceId, params.job)) }),
    }),
    route({
      method: 'get',
      path: '/api/contacts/export/:job/download',
      tag: 'Contacts',
      summary: 'Download a finished contact export as CSV',
      ability: 'contacts.read',
      params: jobParams,
      response: textBody,
      responseType: 'text/csv',
      errors: [409, 410],
      handler: async (ctx, { params }) => {
        const { job, path: file } = await jobs.contactExportFile(principalOf(ctx).workspaceId, params.job);
        ctx.type = 'text/csv; charset=utf-8';
        ctx.attachment(`contacts-${job.id}.csv`);
        ctx.body = fs.createReadStream(file);
      },
    }),
  ];
}
