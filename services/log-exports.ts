import type { Knex } from 'knex';
import { campaignsRepo } from '../db/repositories/campaigns';
import type { JobRow } from '../db/rows';
import { notFound } from './errors';
import type { JobService } from './jobs';
import type { LogExportLang } from './webhook-log-exports';

/** Where a finished export's link is e-mailed, when the client asked for that. */
export interface ExportEmail {
  email?: string;
  lang: LogExportLang;
}

/** A campaign log export's params: the campaign and the logs list's status filter. */
export interface CampaignLogExportParams extends ExportEmail {
  campaign_id: string;
  statuses?: string[];
}

/** A message history export's params: the message list's filters and a date range (ISO instants, inclusive). */
export interface MessageExportParams extends ExportEmail {
  start_date?: string;
  end_date?: string;
  channel?: string[];
  direction?: 'inbound' | 'outbound';
  statuses?: string[];
  phone_id?: string;
  contact_id?: string;
}

/** Campaign log and message history exports: a job, then its workflow (CSV, then the e-mailed link when asked). */
export function logExportService(deps: { db: Knex; jobs: JobService }) {
  const campaigns = campaignsRepo(deps.db);
  return {
    /** The campaign's per-recipient log with the list's filters; 404 when the campaign is not the workspace's. */
    async campaignLogs(workspaceId: string, campaignId: string, params: Omit<CampaignLogExportParams, 'campaign_id'>): Promise<JobRow> {
      const campaign = await campaigns.get(workspaceId, campaignId);
      if (!campaign) throw notFound('Campaign');
      const p: CampaignLogExportParams = { ...params, campaign_id: campaignId };
      return deps.jobs.startLogExport(workspaceId, 'export_campaign_logs', { ...p }, `Campaign log export of "${campaign.name}"`);
    },

    /** The workspace's messages matching the filters. */
    messages: (workspaceId: string, params: MessageExportParams): Promise<JobRow> =>
      deps.jobs.startLogExport(workspaceId, 'export_messages', { ...params }, 'Message history export'),
  };
}
