import type { z } from 'zod';
import type { SeaxLogRow, WebhookSubscriptionRow } from '../../../db/repositories/webhooks';
import { SEAX_EVENT_DESCRIPTIONS, SEAX_EVENT_TYPES, seaxEventBody, seaxTriggeredBy } from '../../../domain/seax-events';
import type { ApiDeps } from '../../context';
import { ApiError } from '../../errors';
import { workspaceFromPath } from '../../middleware/auth';
import { route, type RouteSpec } from '../../routing';
import { workspaceParams } from '../../schemas/seax/common';
import {
  envelopeView,
  eventTypeList,
  logList,
  logListQuery,
  subscriptionCreateBody,
  subscriptionCreatedView,
  subscriptionList,
  subscriptionListQuery,
  subscriptionParams,
  subscriptionUpdateBody,
  subscriptionView,
  testBody,
  type SeaxSubscription,
} from '../../schemas/seax/notify';
import { keyList } from '../../../lib/sealed-secrets';
import { seaxNotifyService } from '../../services/seax-notify';

const TAG = 'SeaX Webhook Notifications';
const BASE = '/notify-api/v1/workspaces/:workspace_id';

const toSubscription = (s: WebhookSubscriptionRow): SeaxSubscription => ({
  webhook_url: s.url,
  event_types: s.events,
  created_by: s.created_by,
  is_enabled: s.active,
  type: s.type ?? 'SEASALT',
  id: s.id,
  created_at: s.created_at.toISOString(),
  updated_at: s.updated_at.toISOString(),
  updated_by: s.updated_by,
});

/** A log as documented. The payload's `data` is rebuilt from the stored event exactly as the delivery built it. */
function toLog(l: SeaxLogRow): z.infer<typeof logList>['data'][number] {
  const { data } = seaxEventBody(l.event_type, l.payload);
  return {
    id: String(l.id),
    workspace_id: l.workspace_id,
    event_id: l.event_id,
    subscription_id: l.subscription_id,
    event_type: l.event_type,
    webhook_url: l.webhook_url,
    delivery_status: l.delivery_status,
    status_code: l.status_code === null ? null : String(l.status_code),
    // A receiver that never answered has no body: say why instead (timeout, refused, connection error).
    response_body: l.response_body ?? (l.status_code === null ? l.error : null),
    delivered_event_obj: {
      id: l.delivery_id,
      workspace_id: l.workspace_id,
      workspace_name: l.workspace_name,
      value: {
        event_type: l.event_type,
        event_source: 'seax',
        event_triggered_by: seaxTriggeredBy(data),
        payload: data,
        occurred_at: new Date(l.occurred_at).toISOString(),
        // Attempts are recorded when they end; the request left duration_ms earlier.
        sent_at: new Date(new Date(l.created_at).getTime() - l.duration_ms).toISOString(),
        subscription_created_by: l.subscription_created_by,
        subscription_updated_by: l.subscription_updated_by,
      },
    },
    created_at: new Date(l.created_at).toISOString(),
  };
}

/** SeaX notify-api: webhook subscriptions, supported event types, test sends and delivery logs. */
export function seaxNotifyRoutes({ db, config, clock }: ApiDeps): RouteSpec[] {
  const notify = seaxNotifyService({ db, outboundAllowedHosts: config.OUTBOUND_ALLOWED_HOSTS, credentialsKeys: keyList(config.CREDENTIALS_ENCRYPTION_KEY), clock });

  const logsRoute = (path: string, perSubscription: boolean) =>
    route({
      method: 'get',
      path,
      tag: TAG,
      summary: perSubscription ? 'Delivery logs of one subscription' : 'Delivery logs of the workspace',
      description:
        'One log per delivery attempt (a retried delivery has several). `delivery_status` success = the receiver answered 2xx. ' +
        '`limit` 0 (default) returns every log; `total` counts all matching logs.',
      ability: 'webhooks.read',
      params: perSubscription ? subscriptionParams : workspaceParams,
      query: logListQuery,
      response: logList,
      handler: async (ctx, { params, query }) => {
        const { rows, total } = await notify.logs(
          workspaceFromPath(ctx),
          {
            subscriptionId: (params as { subscription_id?: string }).subscription_id,
            eventType: query.event_type,
            deliveryStatus: query.delivery_status,
            startDate: query.start_date,
            endDate: query.end_date,
          },
          query,
        );
        return { total, data: rows.map(toLog) };
      },
    });

  return [
    route({
      method: 'post',
      path: `${BASE}/subscription`,
      tag: TAG,
      summary: 'Create a webhook subscription',
      description: 'Answers 200 with the subscription and, only here, the `secret` that signs its deliveries (an addition).',
      ability: 'webhooks.write',
      params: workspaceParams,
      body: subscriptionCreateBody,
      response: subscriptionCreatedView,
      handler: async (ctx, { body }) => {
        const row = await notify.create(workspaceFromPath(ctx), body);
        return { ...toSubscription(row), secret: row.secret };
      },
    }),
    route({
      method: 'get',
      path: `${BASE}/subscription`,
      tag: TAG,
      summary: 'List the workspace’s subscriptions',
      ability: 'webhooks.read',
      params: workspaceParams,
      query: subscriptionListQuery,
      response: subscriptionList,
      handler: async (ctx, { query }) => ({ subscriptions: (await notify.list(workspaceFromPath(ctx), query)).map(toSubscription) }),
    }),
    route({
      method: 'get',
      path: `${BASE}/subscription/:subscription_id`,
      tag: TAG,
      summary: 'A subscription',
      ability: 'webhooks.read',
      params: subscriptionParams,
      response: subscriptionView,
      handler: async (ctx, { params }) => toSubscription(await notify.get(workspaceFromPath(ctx), params.subscription_id)),
    }),
    route({
      method: 'patch',
      path: `${BASE}/subscription/:subscription_id`,
      tag: TAG,
      summary: 'Update a subscription (only the fields sent change; updated_by is required)',
      ability: 'webhooks.write',
      params: subscriptionParams,
      body: subscriptionUpdateBody,
      response: subscriptionView,
      handler: async (ctx, { params, body }) => toSubscription(await notify.update(workspaceFromPath(ctx), params.subscription_id, body)),
    }),
    route({
      method: 'delete',
      path: `${BASE}/subscription/:subscription_id`,
      tag: TAG,
      summary: 'Delete a subscription (its pending deliveries are dropped)',
      ability: 'webhooks.write',
      params: subscriptionParams,
      status: 204,
      handler: async (ctx, { params }) => {
        await notify.delete(workspaceFromPath(ctx), params.subscription_id);
      },
    }),
    route({
      method: 'get',
      path: '/notify-api/v1/event_types',
      tag: TAG,
      summary: 'The event types a subscription may name',
      description: 'call.* and conversation.label.* are accepted but not produced yet (no voice, no conversation labels).',
      ability: 'webhooks.read',
      response: eventTypeList,
      handler: () => SEAX_EVENT_TYPES.map((event_type) => ({ event_type, description: SEAX_EVENT_DESCRIPTIONS[event_type] })),
    }),
    route({
      method: 'post',
      path: `${BASE}/test`,
      tag: TAG,
      summary: 'Send the sample payload of an event type to a URL, now',
      description:
        'Synchronous: the documented sample (fresh `id`, current `timestamp`, this workspace) is POSTed with a 10 s deadline and ' +
        'the answer is that payload, with `X-Webhook-Status-Code` and `X-Webhook-Duration-Ms`. Signed with the secret of the ' +
        'workspace’s newest subscription to the same URL, unsigned when there is none. A receiver that does not answer 2xx ' +
        'gives 502 `webhook_test_failed` with `details` {status_code, response_body, error, payload}. Not logged.',
      ability: 'webhooks.write',
      params: workspaceParams,
      body: testBody,
      response: envelopeView,
      errors: [502],
      handler: async (ctx, { body }) => {
        const { payload, outcome } = await notify.test(workspaceFromPath(ctx), body.event_type, body.webhook_url);
        if (outcome.error !== null) {
          throw new ApiError(502, 'webhook_test_failed', `The webhook URL did not accept the test event: ${outcome.error}.`, {
            status_code: outcome.statusCode,
            response_body: outcome.responseBody,
            error: outcome.error,
            payload,
          });
        }
        ctx.set('X-Webhook-Status-Code', String(outcome.statusCode));
        ctx.set('X-Webhook-Duration-Ms', String(outcome.durationMs));
        return payload;
      },
    }),
    logsRoute(`${BASE}/logs`, false),
    logsRoute(`${BASE}/logs/:subscription_id`, true),
  ];
}
