import path from 'node:path';
import { seaxJobResponse, textBody } from '../../schemas/responses';
import { z } from 'zod';
import type { RouteDeps } from '../../context';
import { principalOf, workspaceFromPath } from '../../middleware/auth';
import { uploadReader } from '../../multipart';
import { route, uuid } from '../../routing';
import { duplicateStrategy, labelRefs, phoneCountry } from '../../schemas/imports';
import { workspaceParams, workspaceId } from '../../schemas/seax/common';
import { seaxJobView } from './jobs';

const TAG = 'SeaX Contacts';
const jobParams = z.object({ workspace_id: workspaceId, job_id: uuid });
const importFields = z.object({
  label_ids: labelRefs.optional().meta({ description: 'Labels for every imported contact: a JSON array of label ids (or names of existing labels), as the quick start sends.' }),
});

/** SeaX `POST /import_contacts` (multipart CSV or .xlsx), and our job cancel and failed-rows routes. */
export function seaxImportRoutes({ services, config }: RouteDeps) {
  const { imports } = services;
  const upload = uploadReader({ dir: path.join(config.EXPORT_DIR, 'uploads'), maxBytes: config.IMPORT_MAX_BYTES });
  return [
    route({
      method: 'post',
      path: '/api/v1/workspace/:workspace_id/import_contacts',
      tag: TAG,
      summary: 'Import contacts from a CSV or .xlsx file (async job)',
      description:
        'multipart/form-data with `file` (CSV: UTF-8 with or without BOM, `,` `;` or tab; or .xlsx, first sheet) and optional `label_ids`. ' +
        'A header row names the columns, case-insensitively: phone (phone_number, mobile), whatsapp_phone, name (or first_name + last_name), ' +
        'email, note(s), labels/tags (separated by ; or |; DNC opts the contact out), timezone; every other column becomes a custom field. ' +
        'The file is counted before the answer (`total_items`), then imported by a workflow; poll `GET /jobs/{job_id}` until finished or failed. ' +
        'Every row ends created, updated, marked, skipped or failed with a reason (`result`); failed rows download from `failed_rows_url`.',
      ability: 'contacts.write',
      params: workspaceParams,
      query: z.object({ duplicate_strategy: duplicateStrategy, phone_country: phoneCountry }),
      upload: { file: 'file', fields: importFields },
      response: seaxJobResponse,
      errors: [503],
      handler: async (ctx, { query }) => {
        const ws = workspaceFromPath(ctx);
        const p = principalOf(ctx);
        const { file, fields } = await upload(ctx, 'file', importFields);
        const job = await imports.start(
          ws,
          { upload: file, duplicateStrategy: query.duplicate_strategy, phoneCountry: query.phone_country ?? p.defaultCountry, labelRefs: fields.label_ids, actor: p.keyId },
          { file: 'file', labels: 'label_ids', group: 'group_id', location: 'body' },
        );
        return seaxJobView(job);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/workspace/:workspace_id/jobs/:job_id/cancel',
      tag: 'SeaX Jobs',
      summary: 'Stop a running contact import after the chunk in hand (extension)',
      description: 'The rows imported so far stay; the job ends `failed` with `error_report.code` = canceled. 409 when it is not running.',
      ability: 'contacts.write',
      params: jobParams,
      response: seaxJobResponse,
      errors: [409],
      handler: async (ctx, { params }) => seaxJobView(await imports.cancel(workspaceFromPath(ctx), params.job_id)),
    }),
    route({
      method: 'get',
      path: '/api/v1/workspace/:workspace_id/jobs/:job_id/failed_rows',
      tag: 'SeaX Jobs',
      summary: 'An import’s failed rows as CSV: row number, reason, message, then the row as it was (extension)',
      ability: 'contacts.read',
      params: jobParams,
      response: textBody,
      responseType: 'text/csv',
      handler: async (ctx, { params }) => {
        const { fileName, csv } = await imports.failedRows(workspaceFromPath(ctx), params.job_id);
        ctx.type = 'text/csv; charset=utf-8';
        ctx.attachment(fileName);
        ctx.body = csv;
      },
    }),
  ];
}
