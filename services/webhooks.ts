import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { webhooksRepo } from '../db/repositories/webhooks';
import { generateWebhookSecret, WEBHOOK_TEST_EVENT } from '../domain/webhooks';
import { mintSealedWebhookSecret } from '../lib/sealed-secrets';
import { conflict, notFound } from './errors';
import { outboundUrlGuard } from './outbound-urls';
import { pageWindow } from '../domain/paging';
import type { DeliveryStatus, WebhookSubscriptionRow } from '../db/rows';

/**
 * Zagely webhook subscriptions. URLs pass the registration-time SSRF check (422 naming `url`); the worker checks
 * again at connect time. Test events and replays only write rows: the dispatcher workflow starts their delivery.
 */
export function webhookService(deps: { db: Knex; outboundAllowedHosts: string | undefined; credentialsKeys: string[] }) {
  const repo = webhooksRepo(deps.db);
  const assertPublicUrls = outboundUrlGuard(deps.outboundAllowedHosts);
  const dialect = 'zagely' as const;

  const mustGet = async (workspaceId: string, id: string): Promise<WebhookSubscriptionRow> => {
    const row = await repo.getSubscription(workspaceId, id);
    if (!row || row.dialect !== dialect) throw notFound('Webhook');
    return row;
  };

  return {
    list: (workspaceId: string, p: { page: number; per_page: number }) => repo.listSubscriptions(workspaceId, dialect, pageWindow(p)),
    get: mustGet,
    async create(workspaceId: string, body: { url: string; events: string[]; secret?: string; active: boolean }) {
      await assertPublicUrls([{ field: 'url', url: body.url }]);
      // The secret is stored sealed; the clear value lives only in this answer (shown once).
      const { secret, ...sealed } = mintSealedWebhookSecret(deps.credentialsKeys, generateWebhookSecret, body.secret);
      return { ...(await repo.insertSubscription({ ...sealed, workspace_id: workspaceId, dialect, url: body.url, events: body.events, active: body.active })), secret };
    },
    async update(workspaceId: string, id: string, body: { url?: string; events?: string[]; active?: boolean }) {
      await mustGet(workspaceId, id);
      if (body.url !== undefined) await assertPublicUrls([{ field: 'url', url: body.url }]);
      const row = await repo.updateSubscription(workspaceId, id, body);
      if (!row) throw notFound('Webhook');
      return row;
    },
    async delete(workspaceId: string, id: string) {
      await mustGet(workspaceId, id);
      await repo.deleteSubscription(workspaceId, id);
    },
    async deliveries(workspaceId: string, id: string, p: { page: number; per_page: number; status?: DeliveryStatus }) {
      await mustGet(workspaceId, id);
      return repo.listDeliveries(workspaceId, id, { ...pageWindow(p), status: p.status });
    },
    /** A synthetic webhook.test delivery to this webhook (even when inactive: testing is explicit). */
    async test(workspaceId: string, id: string) {
      const sub = await mustGet(workspaceId, id);
      return repo.insertDelivery({
        workspace_id: workspaceId,
        subscription_id: sub.id,
        event_id: randomUUID(),
        event_type: WEBHOOK_TEST_EVENT,
        payload: { message: 'This is a test event from Switchboard.', webhook_id: sub.id },
      });
    },
    /** Send a failed delivery again under the same delivery id (409 unless it is failed). */
    async replay(workspaceId: string, id: string, deliveryId: string) {
      await mustGet(workspaceId, id);
      const row = await repo.requeueFailed(workspaceId, id, deliveryId);
      if (row) return row;
      const current = await repo.getDelivery(workspaceId, id, deliveryId);
      if (!current) throw notFound('Delivery');
      throw conflict(`Only failed deliveries can be replayed; this one is ${current.status}.`, { status: current.status });
    },
    /** Send again every delivery of this webhook in `status` (failed by default) created in [from, to]; answers how many. */
    async replayRange(workspaceId: string, id: string, r: { from: Date; to: Date; status: Exclude<DeliveryStatus, 'pending'> }) {
      await mustGet(workspaceId, id);
      return repo.requeueRange(workspaceId, id, r);
    },
  };
}
