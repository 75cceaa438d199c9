import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { campaignsRepo } from '../../db/repositories/campaigns';
import { eventsRepo } from '../../db/repositories/events';
import type { CampaignRow } from '../../db/rows';
import type { CampaignStatus } from '../../domain/campaigns';
import type { Activities } from '../../workflows/shared/activities';
import type { createMessagingActivities } from '../messaging';

/** A campaign that must exist: a deleted one ends its workflow (non-retryable). */
export function campaignLoader(db: Knex) {
  const campaigns = campaignsRepo(db);
  return async (workspaceId: string, id: string): Promise<CampaignRow> => {
    const c = await campaigns.get(workspaceId, id);
    if (!c) throw ApplicationFailure.nonRetryable(`campaign ${id} not found`, 'CampaignNotFound');
    return c;
  };
}

/** The start and the end of a run: the audience, the started and completed marks, failed batches, recurring runs. */
export function createCampaignLifecycleActivities(deps: { db: Knex; single: ReturnType<typeof createMessagingActivities> }): Pick<Activities, 'prepareCampaign' | 'failCampaignBatch' | 'finishCampaign' | 'createCampaignRun'> {
  const { db, single } = deps;
  const campaigns = campaignsRepo(db);
  const events = eventsRepo(db);
  const mustGet = campaignLoader(db);
  return {
    /**
     * Resolve the audience (once) and mark the campaign started: status running (from scheduled), started_at and
     * the campaign.started event, exactly once (the compare-and-set on started_at IS NULL).
     */
    async prepareCampaign(input: { workspaceId: string; campaignId: string }): Promise<{ status: CampaignStatus; total: number; excluded: number }> {
      const c = await mustGet(input.workspaceId, input.campaignId);
      if (c.status === 'canceled' || c.status === 'completed') return { status: c.status, total: c.target_contact_count ?? 0, excluded: c.excluded_count ?? 0 };
      const counts = await campaigns.resolveAudience(c);
      const status = await db.transaction(async (trx) => {
        const row = await campaigns.markStarted(trx, c.workspace_id, c.id);
        if (row) {
          await events.record({ workspace_id: c.workspace_id, type: 'campaign.started', subject_type: 'campaign', subject_id: c.id, data: { campaign_id: c.id, name: c.name, total_recipients: counts.total, excluded: counts.excluded } }, trx);
          return row.status as CampaignStatus;
        }
        return ((await campaigns.get(c.workspace_id, c.id, trx))?.status ?? c.status) as CampaignStatus;
      });
      return { status, ...counts };
    },

    /** After a batch gave up (retries exhausted): its unsent messages are failed with the last error. */
    async failCampaignBatch(input: { workspaceId: string; campaignId: string; batch: number; message: string }): Promise<number> {
      const msgs = await campaigns.batchMessages(input.campaignId, input.batch);
      let n = 0;
      for (const m of msgs.filter((x) => x.status === 'queued' || x.status === 'sending')) {
        const r = await single.failUnsentMessage({ workspaceId: input.workspaceId, messageId: m.id, code: 'send_failed', message: input.message });
        if (r.status === 'failed') n++;
      }
      return n;
    },

    /**
     * The end of a run: pending recipients expire (end_time) or are canceled, unsent messages too; labels are
     * attached to every contact that was sent to; the status becomes completed (or stays canceled) and
     * campaign.completed is recorded once.
     */
    async finishCampaign(input: { workspaceId: string; campaignId: string; outcome: 'completed' | 'canceled' | 'expired' }): Promise<{ status: CampaignStatus }> {
      const c = await mustGet(input.workspaceId, input.campaignId);
      const closeAs = input.outcome === 'canceled' ? 'canceled' : 'expired';
      await campaigns.closePending(c.id, closeAs);
      await campaigns.moveMessages(db, c.workspace_id, await campaigns.unsentMessageIds(c.id), ['queued'], closeAs);
      await campaigns.attachLabels(c);
      return db.transaction(async (trx) => {
        const row = await campaigns.markCompleted(trx, c.workspace_id, c.id);
        if (!row) return { status: ((await campaigns.get(c.workspace_id, c.id, trx))?.status ?? c.status) as CampaignStatus };
        const stats = await campaignsRepo(trx).stats(row);
        await events.record({ workspace_id: c.workspace_id, type: 'campaign.completed', subject_type: 'campaign', subject_id: c.id, data: { campaign_id: c.id, name: c.name, statistics: stats } }, trx);
        return { status: 'completed' as const };
      });
    },

    /** A recurring campaign's Schedule fired: create this firing's run (a copy of the template), once per firing. */
    async createCampaignRun(input: { workspaceId: string; parentId: string; runKey: string }): Promise<{ campaignId: string | null }> {
      const parent = await mustGet(input.workspaceId, input.parentId);
      if (parent.status === 'canceled') return { campaignId: null };
      const existing = await campaigns.runByKey(input.workspaceId, parent.id, input.runKey);
      if (existing) return { campaignId: existing.id };
      return db.transaction(async (trx) => {
        await campaigns.lockTemplate(trx, parent.id);
        const again = await campaignsRepo(trx).runByKey(input.workspaceId, parent.id, input.runKey);
        if (again) return { campaignId: again.id };
        const run = await campaigns.insert(
          {
            workspace_id: parent.workspace_id,
            dialect: parent.dialect,
            name: parent.name,
            channel: parent.channel,
            message: parent.message,
            media_urls: parent.media_urls,
            buttons: parent.buttons,
            phone_ids: parent.phone_ids,
            audience: parent.audience,
            target_type: parent.target_type,
            target_filters: parent.target_filters,
            enable_link_shortening: parent.enable_link_shortening,
            attach_contact_label_ids: parent.attach_contact_label_ids,
            status: 'running',
            parent_id: parent.id,
            run_key: input.runKey,
            run_number: await campaignsRepo(trx).nextRunNumber(parent.workspace_id, parent.id, trx),
          },
          trx,
        );
        return { campaignId: run.id };
      });
    },
  };
}
