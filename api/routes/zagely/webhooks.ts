import { z } from 'zod';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookSubscriptionRow } from '../../../db/repositories/webhooks';
import type { ApiDeps } from '../../context';
import { principalOf } from '../../middleware/auth';
import { route } from '../../routing';
import { messageResponse, paginated } from '../../schemas/zagely/common';
import {
  attemptView,
  deliveryListQuery,
  deliveryParams,
  deliveryView,
  webhookCreateBody,
  webhookCreatedView,
  webhookParams,
  webhookUpdateBody,
  webhookView,
} from '../../schemas/zagely/webhooks';
import { keyList } from '../../../lib/sealed-secrets';
import { webhookService } from '../../services/webhooks';
import { iso, page } from './views';

const TAG = 'Webhooks';

const toWebhook = (w: WebhookSubscriptionRow): z.infer<typeof webhookView> => ({
  id: w.id,
  url: w.url,
  events: w.events,
  active: w.active,
  created_at: w.created_at.toISOString(),
  updated_at: w.updated_at.toISOString(),
});

const toAttempt = (a: WebhookAttemptRow): z.infer<typeof attemptView> => ({
  attempt: a.attempt,
  status_code: a.status_code,
  duration_ms: a.duration_ms,
  error: a.error,
  response_body: a.response_body,
  signature: a.signature,
  created_at: a.created_at.toISOString(),
});

const toDelivery = (d: WebhookDeliveryRow, attempts?: WebhookAttemptRow[]): z.infer<typeof deliveryView> => ({
  id: d.id,
  webhook_id: d.subscription_id,
  event: d.event_type,
  event_id: d.event_id,
  status: d.status,
  attempts: d.attempts,
  last_status_code: d.last_status_code,
  last_error: d.last_error,
  signature: d.signature,
  duration_ms: d.duration_ms,
  next_attempt_at: iso(d.next_attempt_at),
  occurred_at: d.occurred_at.toISOString(),
  created_at: d.created_at.toISOString(),
  updated_at: d.updated_at.toISOString(),
  ...(attempts ? { attempt_log: attempts.map(toAttempt) } : {}),
});

const accepted = z.object({ message: z.string(), data: deliveryView });

const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-01T00:00:00Z' }).transform((v) => new Date(v));
const replayRangeBody = z
  .object({
    from: instant.meta({ description: 'Deliveries created at or after this instant.' }),
    to: instant.meta({ description: 'Deliveries created at or before this instant.' }),
    status: z
      .enum(['failed', 'succeeded'], { error: 'must be failed or succeeded' })
      .default('failed')
      .meta({ description: 'Which deliveries to send again; `succeeded` re-sends deliveries a receiver acknowledged but lost.' }),
  })
  // Zod runs object refinements even when a field failed, so only compare two parsed instants.
  .refine((b) => !(b.from instanceof Date && b.to instanceof Date) || b.from <= b.to, { path: ['to'], error: 'must not be before from' });

/** Zagely webhooks: subscriptions (secret shown only on create), delivery log, test events and replays. */
export function zagelyWebhookRoutes({ db, config }: ApiDeps) {
  const webhooks = webhookService({ db, outboundAllowedHosts: config.OUTBOUND_ALLOWED_HOSTS, credentialsKeys: keyList(config.CREDENTIALS_ENCRYPTION_KEY) });

  return [
    route({
      method: 'get',
      path: '/api/v1/webhooks',
      tag: TAG,
      summary: 'List the webhooks of the workspace',
      ability: 'webhooks.read',
      query: z.object({ page: deliveryListQuery.shape.page, per_page: deliveryListQuery.shape.per_page }),
      response: paginated(webhookView),
      handler: async (ctx, { query }) => {
        const { rows, total } = await webhooks.list(principalOf(ctx).workspaceId, query);
        return page(rows.map(toWebhook), total, query);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/webhooks',
      tag: TAG,
      summary: 'Register a webhook (secret generated when omitted, shown only here)',
      ability: 'webhooks.write',
      body: webhookCreateBody,
      status: 201,
      response: z.object({ data: webhookCreatedView }),
      handler: async (ctx, { body }) => {
        const row = await webhooks.create(principalOf(ctx).workspaceId, body);
        return { data: { ...toWebhook(row), secret: row.secret } };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/webhooks/:webhook',
      tag: TAG,
      summary: 'Show a webhook (without its secret)',
      ability: 'webhooks.read',
      params: webhookParams,
      response: z.object({ data: webhookView }),
      handler: async (ctx, { params }) => ({ data: toWebhook(await webhooks.get(principalOf(ctx).workspaceId, params.webhook)) }),
    }),
    ...(['put', 'patch'] as const).map((method) =>
      route({
        method,
        path: '/api/v1/webhooks/:webhook',
        tag: TAG,
        summary: 'Update url, events or active (only sent fields change)',
        ability: 'webhooks.write',
        params: webhookParams,
        body: webhookUpdateBody,
        response: z.object({ data: webhookView }),
        handler: async (ctx, { params, body }) => ({ data: toWebhook(await webhooks.update(principalOf(ctx).workspaceId, params.webhook, body)) }),
      }),
    ),
    route({
      method: 'delete',
      path: '/api/v1/webhooks/:webhook',
      tag: TAG,
      summary: 'Delete a webhook (pending deliveries are dropped)',
      ability: 'webhooks.write',
      params: webhookParams,
      response: messageResponse,
      handler: async (ctx, { params }) => {
        await webhooks.delete(principalOf(ctx).workspaceId, params.webhook);
        return { message: 'Webhook deleted.' };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/webhooks/:webhook/deliveries',
      tag: TAG,
      summary: 'Paginated delivery log (status, signature, attempts, duration), newest first',
      ability: 'webhooks.read',
      params: webhookParams,
      query: deliveryListQuery,
      response: paginated(deliveryView),
      handler: async (ctx, { params, query }) => {
        const { rows, attempts, total } = await webhooks.deliveries(principalOf(ctx).workspaceId, params.webhook, query);
        const withLog = query.include_attempts ?? true;
        return page(rows.map((d) => toDelivery(d, withLog ? attempts.filter((a) => a.delivery_id === d.id) : undefined)), total, query);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/webhooks/:webhook/test',
      tag: TAG,
      summary: 'Dispatch a synthetic webhook.test event to the configured URL',
      description: 'Answers 202 with the queued delivery; its attempts appear in the delivery log.',
      ability: 'webhooks.write',
      params: webhookParams,
      status: 202,
      response: accepted,
      handler: async (ctx, { params }) => ({ message: 'Test event queued.', data: toDelivery(await webhooks.test(principalOf(ctx).workspaceId, params.webhook)) }),
    }),
    route({
      method: 'post',
      path: '/api/v1/webhooks/:webhook/deliveries/:delivery/replay',
      tag: TAG,
      summary: 'Send a failed delivery again, under the same delivery id',
      description: '409 unless the delivery is failed. The replay gets a fresh retry schedule; attempt numbers continue.',
      ability: 'webhooks.write',
      params: deliveryParams,
      status: 202,
      response: accepted,
      handler: async (ctx, { params }) => ({
        message: 'Replay queued.',
        data: toDelivery(await webhooks.replay(principalOf(ctx).workspaceId, params.webhook, params.delivery)),
      }),
    }),
    route({
      method: 'post',
      path: '/api/v1/webhooks/:webhook/deliveries/replay',
      tag: TAG,
      summary: 'Send again every failed delivery created in a time range, under their delivery ids',
      description: 'Answers 202 with how many deliveries were queued; each gets a fresh retry schedule, attempt numbers continue.',
      ability: 'webhooks.write',
      params: webhookParams,
      body: replayRangeBody,
      status: 202,
      response: z.object({ message: z.string(), data: z.object({ count: z.number().int() }) }),
      handler: async (ctx, { params, body }) => {
        const count = await webhooks.replayRange(principalOf(ctx).workspaceId, params.webhook, body);
        return { message: `${count} ${count === 1 ? 'delivery' : 'deliveries'} queued for replay.`, data: { count } };
      },
    }),
  ];
}
