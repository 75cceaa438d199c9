import fs from 'node:fs';
import { z } from 'zod';
import { textBody } from '../../schemas/responses';
import type { RouteDeps } from '../../context';
import { workspaceFromPath } from '../../middleware/auth';
import { route } from '../../routing';
import { workspaceParams } from '../../schemas/seax/common';

const TAG = 'SeaX Notify';
const EXAMPLE_DATE = 'e.g. 2024-06-01T23:59:59-07:00';

/**
 * The date forms GET …/logs takes (api/schemas/seax/notify.ts), so the same values export what that lists: ISO 8601
 * with an offset or Z (none = UTC); a bare date is that day's start, or for `end_date` its last moment.
 */
const dateBound = (end: boolean) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .refine((v) => z.iso.datetime({ offset: true, local: true }).safeParse(v).success || z.iso.date().safeParse(v).success, {
      error: `must be an ISO 8601 date-time, ${EXAMPLE_DATE}`,
    })
    .transform((v) =>
      z.iso.date().safeParse(v).success
        ? new Date(`${v}T${end ? '23:59:59.999' : '00:00:00.000'}Z`)
        : new Date(/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(v) ? v : `${v}Z`),
    );

const exportBody = z
  .object({
    email: z
      .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
      .trim()
      .pipe(z.email({ error: 'must be a valid email address' }))
      .meta({ description: 'The address that receives the download link.', example: 'test@email.com' }),
    start_date: dateBound(false).optional().meta({ description: `Logs created at or after this instant (ISO 8601 with offset, ${EXAMPLE_DATE}).` }),
    end_date: dateBound(true).optional().meta({ description: `Logs created at or before this instant (ISO 8601 with offset, ${EXAMPLE_DATE}).` }),
    lang: z
      .string({ error: 'must be a string' })
      .nullish()
      // SeaX: en-US or zh-TW; any other value falls back to English rather than failing.
      .transform((v): 'en-US' | 'zh-TW' => (v?.trim().toLowerCase() === 'zh-tw' ? 'zh-TW' : 'en-US'))
      .meta({ description: 'E-mail language: en-US or zh-TW; anything else means English.' }),
  })
  // Zod runs object refinements even when a field failed, so only compare two parsed instants.
  .refine((b) => !(b.start_date instanceof Date && b.end_date instanceof Date) || b.start_date <= b.end_date, { path: ['end_date'], error: 'must not be before start_date' });

/** SeaX `POST …/logs/export` (protected): start the export; the link arrives by e-mail. */
export function seaxNotifyExportRoutes(deps: RouteDeps) {
  const exports = deps.services.webhookLogExports;
  return [
    route({
      method: 'post',
      path: '/notify-api/v1/workspaces/:workspace_id/logs/export',
      tag: TAG,
      summary: 'Export webhook delivery logs of a date range; a download link is e-mailed',
      description: 'Asynchronous: the CSV is written by a workflow, then a signed link (valid 7 days by default) is sent to `email`.',
      ability: 'webhooks.read',
      params: workspaceParams,
      body: exportBody,
      response: z.object({ job_id: z.string(), message: z.string() }),
      handler: async (ctx, { body }) => {
        const job = await exports.start(workspaceFromPath(ctx), { ...body, start_date: body.start_date?.toISOString(), end_date: body.end_date?.toISOString() });
        return { job_id: job.id, message: 'Log export job started. You will receive an email once the file is ready.' };
      },
    }),
  ];
}

/** `GET /notify-api/v1/exports/:token` (public): the signed link from the export e-mail; the token is the credential. */
export function seaxNotifyExportDownloadRoutes(deps: RouteDeps) {
  const exports = deps.services.webhookLogExports;
  return [
    route({
      method: 'get',
      path: '/notify-api/v1/exports/:token',
      tag: TAG,
      summary: 'Download an exported log file (the link from the export e-mail; no key)',
      params: z.object({ token: z.string().max(1024) }),
      response: textBody,
      responseType: 'text/csv',
      errors: [403, 410],
      handler: async (ctx, { params }) => {
        const file = await exports.file(params.token);
        ctx.type = 'text/csv; charset=utf-8';
        ctx.attachment(file.name);
        ctx.set('Cache-Control', 'private, no-store');
        ctx.body = fs.createReadStream(file.path);
      },
    }),
  ];
}
