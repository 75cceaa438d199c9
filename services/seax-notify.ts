import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { postWebhook, type PostOutcome } from '../lib/webhook-post';
import { WEBHOOK_LOG_ORDER_COLUMNS, type WebhookLogFilter } from '../db/repositories/webhook-logs';
import { workspacesRepo } from '../db/repositories/workspaces';
import { SEAX_SUBSCRIPTION_ORDER_COLUMNS, webhooksRepo, type OrderBy } from '../db/repositories/webhooks';
import { SEAX_SAMPLE_PAYLOADS, type SeaxEnvelope, type SeaxEventType } from '../domain/seax-events';
import { generateWebhookSecret, signedHeaders } from '../domain/webhooks';
import { guardedFetch, parseAllowList, type GuardedFetch } from '../lib/outbound-url';
import { mintSealedWebhookSecret, openWebhookSecret } from '../lib/sealed-secrets';
import { notFound } from './errors';
import { outboundUrlGuard } from './outbound-urls';
import type { WebhookSubscriptionRow } from '../db/rows';

/** The fields subscriptions can be ordered by. */
export const SUBSCRIPTION_ORDER_FIELDS = Object.keys(SEAX_SUBSCRIPTION_ORDER_COLUMNS) as (keyof typeof SEAX_SUBSCRIPTION_ORDER_COLUMNS)[];
/** The fields delivery logs can be ordered by. */
export const LOG_ORDER_FIELDS = Object.keys(WEBHOOK_LOG_ORDER_COLUMNS) as (keyof typeof WEBHOOK_LOG_ORDER_COLUMNS)[];
export type { OrderBy };

/** The deadline of a test send (the delivery engine's default, WEBHOOK_TIMEOUT_MS, is the same 10 s). */
export const TEST_SEND_TIMEOUT_MS = 10_000;

/**
 * SeaX notify-api subscriptions (rows of dialect 'seax' beside Zagely's), test sends and delivery logs. URLs pass
 * the registration-time SSRF check (422 naming `webhook_url`); deliveries check again at connect time.
 */
export function seaxNotifyService(deps: { db: Knex; outboundAllowedHosts: string | undefined; credentialsKeys: string[]; fetch?: GuardedFetch; clock?: () => Date }) {
  const repo = webhooksRepo(deps.db);
  const workspaces = workspacesRepo(deps.db);
  const assertPublicUrls = outboundUrlGuard(deps.outboundAllowedHosts);
  // Built on first use: route factories also run only to list specs (tests, OpenAPI).
  let fetch = deps.fetch;
  const send = (): GuardedFetch => (fetch ??= guardedFetch(parseAllowList(deps.outboundAllowedHosts)));
  const now = () => deps.clock?.() ?? new Date();
  const dialect = 'seax' as const;

  const mustGet = async (workspaceId: string, id: string): Promise<WebhookSubscriptionRow> => {
    const row = await repo.getSubscription(workspaceId, id);
    if (!row || row.dialect !== dialect) throw notFound('Subscription');
    return row;
  };

  return {
    list: (workspaceId: string, q: { type?: string; order_by: OrderBy<keyof typeof SEAX_SUBSCRIPTION_ORDER_COLUMNS> }) =>
      repo.listSeaxSubscriptions(workspaceId, { type: q.type, order: q.order_by }),
    get: mustGet,
    async create(workspaceId: string, body: { webhook_url: string; event_types: string[]; created_by: string; is_enabled: boolean; type: string }) {
      await assertPublicUrls([{ field: 'webhook_url', url: body.webhook_url }]);
      const { secret, ...sealed } = mintSealedWebhookSecret(deps.credentialsKeys, generateWebhookSecret);
      const row = await repo.insertSubscription({
        ...sealed,
        workspace_id: workspaceId,
        dialect,
        url: body.webhook_url,
        events: body.event_types,
        active: body.is_enabled,
        type: body.type,
        created_by: body.created_by,
        updated_by: body.created_by,
      });
      return { ...row, secret };
    },
    async update(workspaceId: string, id: string, body: { webhook_url?: string; event_types?: string[]; is_enabled?: boolean; type?: string; updated_by: string }) {
      await mustGet(workspaceId, id);
      if (body.webhook_url !== undefined) await assertPublicUrls([{ field: 'webhook_url', url: body.webhook_url }]);
      const row = await repo.updateSubscription(workspaceId, id, {
        url: body.webhook_url,
        events: body.event_types,
        active: body.is_enabled,
        type: body.type,
        updated_by: body.updated_by,
      });
      if (!row) throw notFound('Subscription');
      return row;
    },
    async delete(workspaceId: string, id: string) {
      await mustGet(workspaceId, id);
      await repo.deleteSubscription(workspaceId, id);
    },

    /**
     * Send the documented sample of `eventType` to `url` now and answer what was sent and how the receiver
     * answered. The sample carries a fresh id, the current time and the real workspace. When a SeaX subscription of
     * the workspace has this URL, the request is signed with its secret (and names its created_by/updated_by), so
     * the receiver's verification is tested too; otherwise it goes unsigned. Not logged: logs belong to subscriptions.
     */
    async test(workspaceId: string, eventType: SeaxEventType, url: string): Promise<{ payload: SeaxEnvelope; outcome: PostOutcome }> {
      await assertPublicUrls([{ field: 'webhook_url', url }]);
      const [sub, ws] = await Promise.all([repo.secretForUrl(workspaceId, dialect, url), workspaces.get(workspaceId)]);
      const sample = SEAX_SAMPLE_PAYLOADS[eventType];
      const payload: SeaxEnvelope = {
        ...sample,
        id: randomUUID(),
        timestamp: now().toISOString(),
        workspace: { id: workspaceId, name: ws?.name ?? '' },
        ...(sub ? { subscription_created_by: sub.created_by, subscription_updated_by: sub.updated_by } : {}),
      };
      const body = JSON.stringify(payload);
      const timestamp = Math.floor(now().getTime() / 1000);
      const headers = sub
        ? signedHeaders({ secret: openWebhookSecret(sub.id, sub.secret_encrypted, deps.credentialsKeys), deliveryId: payload.id, eventType, timestamp, body })
        : { 'content-type': 'application/json', 'user-agent': 'Switchboard-Webhooks/1', 'webhook-id': payload.id, 'webhook-timestamp': String(timestamp) };
      return { payload, outcome: await postWebhook(send(), url, headers, body, TEST_SEND_TIMEOUT_MS) };
    },

    /** Delivery logs of the workspace's SeaX subscriptions, or of one of them (404 unless it is the workspace's). */
    async logs(
      workspaceId: string,
      f: WebhookLogFilter,
      p: { order_by: OrderBy<keyof typeof WEBHOOK_LOG_ORDER_COLUMNS>; limit: number; offset: number },
    ) {
      if (f.subscriptionId) await mustGet(workspaceId, f.subscriptionId);
      return repo.seaxLogs(workspaceId, f, { order: p.order_by, limit: p.limit === 0 ? undefined : p.limit, offset: p.offset });
    },
  };
}
