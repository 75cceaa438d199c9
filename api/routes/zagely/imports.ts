import path from 'node:path';
import { exportStartedResponse, textBody, zagelyJobResponse } from '../../schemas/responses';
import { z } from 'zod';
import type { RouteDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { uploadReader } from '../../multipart';
import { route, uuid } from '../../routing';
import { duplicateStrategy, phoneCountry, tagNames } from '../../schemas/imports';
import { serveExport } from '../seax/jobs';
import { zagelyJob } from './views';

const jobParams = z.object({ job: uuid });
const importFields = z.object({
  duplicate_strategy: duplicateStrategy,
  phone_country: phoneCountry,
  tags: tagNames.optional().meta({ description: 'Tags for every imported contact (`tags[]`, repeated); missing tags are created.' }),
  group_id: uuid.optional().meta({ description: 'A static group every imported contact joins.' }),
});

/** Zagely `POST /api/contacts/import` (documented: CSV/XLSX, async, 202), and our job cancel, failed-rows and download routes. */
export function zagelyImportRoutes({ services, config }: RouteDeps) {
  const { imports, jobs } = services;
  const upload = uploadReader({ dir: path.join(config.EXPORT_DIR, 'uploads'), maxBytes: config.IMPORT_MAX_BYTES });
  const start = (p: string) =>
    route({
      method: 'post',
      path: p,
      tag: 'Contacts',
      summary: 'Bulk import contacts from a CSV or .xlsx file (async, 202)',
      description:
        'multipart/form-data: `file`, and optionally `duplicate_strategy` (mark | skip | update), `phone_country`, `tags[]`, `group_id` (static). ' +
        'Columns are read from the header row (phone_number/phone/mobile, whatsapp_phone, name or first_name + last_name, email, notes, tags/labels with ; or |, timezone; ' +
        'the rest become custom fields). Answers 202 with the job, rows already counted; poll `GET /api/v1/jobs/{job}`.',
      ability: 'contacts.write',
      upload: { file: 'file', fields: importFields },
      status: 202,
      response: exportStartedResponse,
      errors: [503],
      handler: async (ctx) => {
        const p = principalOf(ctx);
        const { file, fields } = await upload(ctx, 'file', importFields);
        const job = await imports.start(
          p.workspaceId,
          { upload: file, duplicateStrategy: fields.duplicate_strategy, phoneCountry: fields.phone_country ?? p.defaultCountry, tagNames: fields.tags, groupId: fields.group_id, actor: p.keyId },
          { file: 'file', labels: 'tags', group: 'group_id', location: 'body' },
        );
        return { job_id: job.id, status: job.status, message: 'Import started. Poll the job until it is finished.', data: zagelyJob(job) };
      },
    });
  return [
    start('/api/contacts/import'),
    start('/api/v1/contacts/import'),
    route({
      method: 'post',
      path: '/api/v1/jobs/:job/cancel',
      tag: 'Jobs',
      summary: 'Stop a running contact import after the chunk in hand (extension)',
      description: 'The rows imported so far stay; the job ends `failed` with `error.code` = canceled. 409 when it is not running.',
      ability: 'contacts.write',
      params: jobParams,
      response: zagelyJobResponse,
      errors: [409],
      handler: async (ctx, { params }) => ({ data: zagelyJob(await imports.cancel(principalOf(ctx).workspaceId, params.job)) }),
    }),
    route({
      method: 'get',
      path: '/api/v1/jobs/:job/failed-rows',
      tag: 'Jobs',
      summary: 'An import’s failed rows as CSV: row number, reason, message, then the row as it was (extension)',
      ability: 'contacts.read',
      params: jobParams,
      response: textBody,
      responseType: 'text/csv',
      handler: async (ctx, { params }) => {
        const { fileName, csv } = await imports.failedRows(principalOf(ctx).workspaceId, params.job);
        ctx.type = 'text/csv; charset=utf-8';
        ctx.attachment(fileName);
        ctx.body = csv;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/jobs/:job/download',
      tag: 'Jobs',
      summary: 'Download a finished export (contacts, campaign recipients, messages) as CSV (extension)',
      description: 'Needs the ability that reads what the export holds: contacts.read, campaigns.read or messages.read.',
      params: jobParams,
      response: textBody,
      responseType: 'text/csv',
      errors: [409, 410],
      handler: async (ctx, { params }) => serveExport(ctx, await jobs.exportFile(principalOf(ctx).workspaceId, params.job)),
    }),
  ];
}
