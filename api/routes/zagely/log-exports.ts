import { z } from 'zod';
import { exportStartedResponse } from '../../schemas/responses';
import type { MessageExportParams } from '../../../services/log-exports';
import type { RouteDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { route } from '../../routing';
import { exportEmailBody, zagelyMessageExportBody } from '../../schemas/exports';
import { campaignParams, recipientListQuery } from '../../schemas/zagely/campaigns';
import { zagelyJob } from './views';

const messageBody = zagelyMessageExportBody;
type MessageBody = Omit<z.output<typeof messageBody>, 'session_id'> & { sender?: string };

/** The export's params from either dialect's body (`sms` includes MMS, as the message list reads it). */
export function messageExportParams(b: MessageBody): MessageExportParams {
  return {
    start_date: b.start_date,
    end_date: b.end_date,
    channel: b.channel === 'sms' ? ['sms', 'mms'] : b.channel ? [b.channel] : undefined,
    direction: b.direction,
    statuses: b.status,
    phone_id: b.sender,
    contact_id: b.contact_id,
    email: b.email,
    lang: b.lang,
  };
}

const started = (job: Parameters<typeof zagelyJob>[0]) => ({
  job_id: job.id,
  status: job.status,
  message: 'Export started. Poll the job until it is finished, then download the file.',
  data: zagelyJob(job),
});

/** Zagely log exports (ours): a campaign's recipients and the message history, as jobs (202) with a CSV download. */
export function zagelyLogExportRoutes({ services }: RouteDeps) {
  const exports = services.logExports;
  const recipients = (prefix: '/api' | '/api/v1') =>
    route({
      method: 'post',
      path: `${prefix}/campaigns/:campaign/recipients/export`,
      tag: 'Campaigns',
      summary: 'Export a campaign’s recipients with their message status as CSV (async, 202; extension)',
      description: 'The rows `GET …/recipients` lists, with the same `status` filter, in audience order; optional `email` for a signed link.',
      ability: 'campaigns.read',
      params: campaignParams,
      query: z.object({ status: recipientListQuery.shape.status }),
      body: exportEmailBody,
      status: 202,
      response: exportStartedResponse,
      errors: [503],
      handler: async (ctx, { params, query, body }) => started(await exports.campaignLogs(principalOf(ctx).workspaceId, params.campaign, { statuses: query.status, ...body })),
    });
  return [
    recipients('/api'),
    recipients('/api/v1'),
    route({
      method: 'post',
      path: '/api/v1/messages/export',
      tag: 'Messages',
      summary: 'Export the message history as CSV: date range, channel, direction, status, session, contact (async, 202; extension)',
      ability: 'messages.read',
      body: messageBody,
      status: 202,
      response: exportStartedResponse,
      errors: [503],
      handler: async (ctx, { body }) => {
        const { session_id, ...rest } = body;
        return started(await exports.messages(principalOf(ctx).workspaceId, messageExportParams({ ...rest, sender: session_id })));
      },
    }),
  ];
}
