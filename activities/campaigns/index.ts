import type { Knex } from 'knex';
import { campaignsRepo } from '../../db/repositories/campaigns';
import type { CarrierRegistry } from '../../carriers/registry';
import { toActivityFailure } from '../../carriers/failure';
import type { Logger } from '../../lib/logger';
import type { Activities, BatchInput, BatchResult } from '../../workflows/shared/activities';
import { createMessagingActivities, startHeartbeat } from '../messaging';
import { batchClaimer } from './claim';
import { campaignLoader, createCampaignLifecycleActivities } from './finish';
import { pacedSender } from './send';
import { senderLoader } from './senders';

export interface CampaignDeps {
  db: Knex;
  logger: Logger;
  carriers: CarrierRegistry;
  clock?: () => Date;
  /** Base of short links (`<publicUrl>/l/<code>`). */
  publicUrl?: string;
}

/**
 * Campaign activities: resolve the audience, send batches, finish (claim.ts, send.ts, finish.ts). EXACTLY-ONCE for a
 * campaign is made on the recipient and message state machines (see the campaigns migration):
 * - claiming a recipient and inserting its message row (`queued`, id fixed in the recipient row) is one
 *   transaction, FOR UPDATE SKIP LOCKED: no two batches claim the same recipient, and a recipient is never claimed
 *   without its message or the other way round;
 * - a batch is identified by its number: a retried batch (worker crash, activity timeout) takes the recipients it
 *   claimed before, not new ones;
 * - each message goes queued → sending (bulk compare-and-set) right before its carrier request, with its id as the
 *   provider idempotency key; sent is recorded with a compare-and-set on `sending`;
 * - a message left `sending` (the worker died mid-request, or the outcome was ambiguous) is reconciled by the
 *   single-send path (dispatchMessage: Carrier.findSent before any new request), so it is never sent twice.
 */
export function createCampaignActivities(deps: CampaignDeps): Pick<Activities, 'prepareCampaign' | 'runCampaignBatch' | 'failCampaignBatch' | 'finishCampaign' | 'createCampaignRun'> {
  const { db, logger } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const campaigns = campaignsRepo(db);
  const single = createMessagingActivities(deps);
  const mustGet = campaignLoader(db);
  const loadSenders = senderLoader(db);
  const claim = batchClaimer(deps);
  const sendPaced = pacedSender(deps);

  return {
    ...createCampaignLifecycleActivities({ db, single }),

    /** One batch: claim (or take back, on retry), reserve sender slots, send with bounded concurrency, record in bulk. */
    async runCampaignBatch(input: BatchInput): Promise<BatchResult> {
      const stopHeartbeat = startHeartbeat();
      try {
        const c = await mustGet(input.workspaceId, input.campaignId);
        const result: BatchResult = { claimed: 0, sent: 0, failed: 0, expired: 0, status: c.status, pending: false, retryAt: null };
        let msgs = await campaigns.batchMessages(c.id, input.batch);
        result.claimed = msgs.length; // a retried batch: the recipients it claimed before
        if (!msgs.length) {
          const ended = c.end_time !== null && now().getTime() >= c.end_time.getTime();
          if (c.status === 'running' && !ended) {
            const claimed = await claim(c, input);
            msgs = claimed.messages;
            result.claimed = msgs.length;
            result.failed = msgs.filter((m) => m.status === 'failed').length;
            if (claimed.retryAt !== null) result.retryAt = new Date(claimed.retryAt).toISOString();
          }
          if (!msgs.length) {
            const p = await campaigns.pendingState(c.id);
            return { ...result, pending: p.pending, retryAt: p.dueAt?.toISOString() ?? result.retryAt };
          }
        }
        const senders = await loadSenders(c.workspace_id, msgs.map((m) => m.phone_id!));

        // Left `sending` by an earlier attempt: reconcile through the single-send path (never a blind re-send).
        for (const m of msgs.filter((x) => x.status === 'sending')) {
          const r = await single.dispatchMessage({ workspaceId: c.workspace_id, messageId: m.id });
          if (r.status === 'sent') result.sent++;
          else if (r.status === 'failed') result.failed++;
        }

        const queued = msgs.filter((m) => m.status === 'queued');
        const current = await mustGet(c.workspace_id, c.id);
        if (current.status === 'canceled') {
          await campaigns.moveMessages(db, c.workspace_id, queued.map((m) => m.id), ['queued'], 'canceled');
          return { ...result, status: current.status };
        }
        const retryError = await sendPaced(c, queued, senders, input.concurrency, result);
        if (retryError) {
          logger.warn({ campaignId: c.id, batch: input.batch, err: retryError }, 'campaign batch: some sends will be retried');
          throw toActivityFailure(retryError);
        }
        return { ...result, status: (await mustGet(c.workspace_id, c.id)).status, pending: true };
      } finally {
        stopHeartbeat();
      }
    },
  };
}
