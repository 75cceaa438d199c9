import { z } from 'zod';
import { seaxJobResponse } from '../../schemas/responses';
import type { RouteDeps } from '../../context';
import { workspaceFromPath } from '../../middleware/auth';
import { route } from '../../routing';
import { exportEmailBody, seaxMessageExportBody } from '../../schemas/exports';
import { campaignLogsQuery, campaignParams } from '../../schemas/seax/campaigns';
import { workspaceParams } from '../../schemas/seax/common';
import { messageExportParams } from '../zagely/log-exports';
import { seaxJobView } from './jobs';

const messageBody = seaxMessageExportBody;

/** SeaX log exports (ours): a campaign's per-recipient log and the message history, as jobs with a CSV download. */
export function seaxLogExportRoutes({ services }: RouteDeps) {
  const exports = services.logExports;
  return [
    route({
      method: 'post',
      path: '/api/v1/workspace/:workspace_id/campaigns/:campaign_id/logs/export',
      tag: 'SeaX Campaigns',
      summary: 'Export a campaign’s per-recipient logs as CSV (async job; extension)',
      description:
        'The logs `GET …/logs` lists, with the same `message_statuses` filter, every row in audience order. Poll `GET /jobs/{job_id}`; ' +
        'the file is at `download_url` once finished. With `email` a signed link is also e-mailed, as the notify-api log export does.',
      ability: 'campaigns.read',
      params: campaignParams,
      query: z.object({ message_statuses: campaignLogsQuery.shape.message_statuses }),
      body: exportEmailBody,
      response: seaxJobResponse,
      errors: [503],
      handler: async (ctx, { params, query, body }) =>
        seaxJobView(await exports.campaignLogs(workspaceFromPath(ctx), params.campaign_id, { statuses: query.message_statuses, ...body })),
    }),
    route({
      method: 'post',
      path: '/api/v1/workspace/:workspace_id/messages/export',
      tag: 'SeaX Messages',
      summary: 'Export the message history as CSV: date range, channel, direction, status, phone, contact (async job; extension)',
      ability: 'messages.read',
      params: workspaceParams,
      body: messageBody,
      response: seaxJobResponse,
      errors: [503],
      handler: async (ctx, { body }) => {
        const { phone_id, ...rest } = body;
        return seaxJobView(await exports.messages(workspaceFromPath(ctx), messageExportParams({ ...rest, sender: phone_id })));
      },
    }),
  ];
}
