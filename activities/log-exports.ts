import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import path from 'node:path';
import { campaignLogExportRows, messageExportRows } from '../db/queries/exports';
import { jobsRepo } from '../db/repositories/jobs';
import { writeCsvFile } from '../lib/csv';
import type { CampaignLogExportParams, MessageExportParams } from '../services/log-exports';
import type { Activities } from '../workflows/shared/activities';
import { exportLinkMailer, logExportEmail, type WebhookExportDeps } from './webhook-exports';

export const CAMPAIGN_LOG_EXPORT_COLUMNS = [
  'seq', 'message_id', 'contact_id', 'contact_name', 'phone', 'phone_id', 'status', 'content', 'provider_message_id',
  'sent_at', 'delivered_at', 'read_at', 'failed_at', 'error_code', 'error_message',
] as const;

export const MESSAGE_EXPORT_COLUMNS = [
  'id', 'created_at', 'channel', 'direction', 'status', 'from_address', 'to_address', 'contact_id', 'contact_name', 'phone_id',
  'campaign_id', 'content_type', 'content', 'media_urls', 'provider', 'provider_message_id', 'error_code', 'error_message',
  'segments', 'send_at', 'sent_at', 'delivered_at', 'read_at', 'failed_at', 'received_at',
] as const;

const WHAT = {
  export_campaign_logs: { en: 'campaign log', zh: '活動傳送紀錄' },
  export_messages: { en: 'message history', zh: '訊息紀錄' },
} as const;

/** Campaign log and message history exports: the rows the list routes show, as a CSV file; then the link e-mail when asked. */
export function createLogExportActivities(deps: WebhookExportDeps): Pick<Activities, 'runLogExport' | 'emailExportLink'> {
  const { db, exportDir } = deps;
  const jobs = jobsRepo(db);
  const mailLink = exportLinkMailer(deps);
  const mustGet = async (workspaceId: string, jobId: string) => {
    const job = await jobs.get(workspaceId, jobId);
    if (!job) throw ApplicationFailure.nonRetryable(`job ${jobId} not found in workspace ${workspaceId}`);
    return job;
  };

  return {
    /** Writes `<exportDir>/<workspace>/<type>-<job>.csv` whole (a retry rewrites it); finished unless a link is to be e-mailed. */
    async runLogExport({ workspaceId, jobId }) {
      const job = await mustGet(workspaceId, jobId);
      if (job.status === 'pending') await jobs.update(workspaceId, jobId, { status: 'processing' });
      const dir = path.join(exportDir, workspaceId);
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${job.type.replace('export_', '').replace(/_/g, '-')}-${jobId}.csv`);
      const heartbeat = (n: number) => n % 1000 === 0 && Context.current().heartbeat(n);
      let rows: number;
      let email: string | undefined;
      if (job.type === 'export_campaign_logs') {
        const p = job.params as unknown as CampaignLogExportParams;
        email = p.email;
        rows = await writeCsvFile(file, CAMPAIGN_LOG_EXPORT_COLUMNS, campaignLogExportRows(db, p.campaign_id, { statuses: p.statuses }), heartbeat);
      } else if (job.type === 'export_messages') {
        const p = job.params as unknown as MessageExportParams;
        email = p.email;
        const filter = {
          channel: p.channel,
          direction: p.direction,
          statuses: p.statuses,
          phoneId: p.phone_id,
          contactId: p.contact_id,
          from: p.start_date ? new Date(p.start_date) : undefined,
          to: p.end_date ? new Date(p.end_date) : undefined,
        };
        rows = await writeCsvFile(file, MESSAGE_EXPORT_COLUMNS, messageExportRows(db, workspaceId, filter), heartbeat);
      } else {
        throw ApplicationFailure.nonRetryable(`job ${jobId} is not a log export (${job.type})`);
      }
      // Merged, so a retry after the e-mail went out keeps its record.
      await jobs.update(workspaceId, jobId, {
        ...(email ? {} : { status: 'finished' as const, progress: 100 }),
        total_items: rows,
        processed_items: rows,
        result: { ...job.result, file: path.relative(exportDir, file), rows },
      });
      return { rows };
    },

    async emailExportLink({ workspaceId, jobId }) {
      const job = await mustGet(workspaceId, jobId);
      const p = job.params as unknown as { email?: string; lang?: 'en-US' | 'zh-TW' };
      if (!p.email) return { sent: false };
      const what = WHAT[job.type as keyof typeof WHAT];
      return mailLink(job, p.email, `${job.type}-${jobId}`, (link, rows, expiresAt) => logExportEmail(p.lang ?? 'en-US', { link, rows, expiresAt, what }));
    },
  };
}
