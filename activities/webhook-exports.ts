import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import path from 'node:path';
import { jobsRepo } from '../db/repositories/jobs';
import { webhookLogsQuery } from '../db/repositories/webhook-logs';
import { signExportLink } from '../lib/export-link';
import { toActivityFailure } from '../carriers/failure';
import { SmtpCarrier, type SmtpConfig } from '../carriers/smtp/adapter';
import type { Knex } from 'knex';
import { writeCsvFile } from '../lib/csv';
import type { LogExportLang, WebhookLogExportParams } from '../services/webhook-log-exports';
import type { Activities } from '../workflows/shared/activities';
import type { JobRow, WebhookLogRow } from '../db/rows';

export interface WebhookExportDeps {
  db: Knex;
  exportDir: string;
  clock?: () => Date;
  /** SeaX log export settings; without them the export's e-mail step fails the job with the reason. */
  logExports?: {
    /** The relay for the link e-mail (SMTP_URL); undefined when none is configured. */
    smtp?: SmtpConfig;
    from: string;
    /** The API's public base URL the link points at (PUBLIC_URL). */
    publicUrl?: string;
    linkSecret: string;
    linkTtlSeconds: number;
  };
}

/** SMTP_URL → the adapter's settings: smtps:// is implicit TLS (465), smtp:// upgrades with STARTTLS when offered (587). */
export function smtpConfigFromUrl(raw: string): SmtpConfig {
  const u = new URL(raw);
  const secure = u.protocol === 'smtps:';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port) || (secure ? 465 : 587),
    secure,
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    // Inside the activity's 30 s start-to-close timeout, so a hung relay fails the attempt instead of the timeout.
    connectionTimeoutMs: 10_000,
    greetingTimeoutMs: 10_000,
    socketTimeoutMs: 20_000,
  };
}

export const WEBHOOK_LOG_EXPORT_COLUMNS = [
  'id', 'created_at', 'subscription_id', 'event_type', 'event_id', 'delivery_id', 'webhook_url', 'delivery_status',
  'status_code', 'attempt', 'error', 'response_body', 'occurred_at', 'payload',
] as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The link e-mail in the requested language (SeaX offers English and Traditional Chinese). */
export function logExportEmail(lang: LogExportLang, d: { link: string; rows: number; start?: string; end?: string; expiresAt: Date; what?: { en: string; zh: string } }) {
  const expires = d.expiresAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const lines = d.what
    ? lang === 'zh-TW'
      ? {
          subject: `您的${d.what.zh}匯出檔已準備就緒`,
          intro: `您要求匯出的${d.what.zh}（共 ${d.rows} 筆）已準備就緒。請點選以下連結下載 CSV 檔案：`,
          expiry: `此連結將於 ${expires} 失效。`,
          ignore: '若您並未提出此要求，請忽略此郵件。',
        }
      : {
          subject: `Your ${d.what.en} export is ready`,
          intro: `The ${d.what.en} you asked for (${d.rows} ${d.rows === 1 ? 'row' : 'rows'}) is ready. Download the CSV file here:`,
          expiry: `The link works until ${expires}.`,
          ignore: 'If you did not ask for this export, ignore this e-mail.',
        }
    : lang === 'zh-TW'
      ? {
          subject: '您的 Webhook 傳送紀錄匯出檔已準備就緒',
          intro: `您要求匯出的 Webhook 傳送紀錄（${d.start ?? '最早的紀錄'} 至 ${d.end ?? '現在'}，共 ${d.rows} 筆）已準備就緒。請點選以下連結下載 CSV 檔案：`,
          expiry: `此連結將於 ${expires} 失效。`,
          ignore: '若您並未提出此要求，請忽略此郵件。',
        }
      : {
          subject: 'Your webhook delivery log export is ready',
          intro: `The webhook delivery logs you asked for (${d.start ?? 'the first log'} to ${d.end ?? 'now'}, ${d.rows} ${d.rows === 1 ? 'log' : 'logs'}) are ready. Download the CSV file here:`,
          expiry: `The link works until ${expires}.`,
          ignore: 'If you did not ask for this export, ignore this e-mail.',
        };
  return {
    subject: lines.subject,
    text: `${lines.intro}\n\n${d.link}\n\n${lines.expiry}\n\n${lines.ignore}\n`,
    html: `<p>${escapeHtml(lines.intro)}</p><p><a href="${escapeHtml(d.link)}">${escapeHtml(d.link)}</a></p><p>${escapeHtml(lines.expiry)}</p><p>${escapeHtml(lines.ignore)}</p>`,
  };
}

/**
 * E-mails a finished export's signed download link once. The sent e-mail is recorded on the job and checked first,
 * so a retried activity does not send again; the Message-ID is derived from `key` (the job), so the one duplicate
 * this cannot rule out (the relay accepted, then the worker died before recording) carries the same id and receivers
 * can collapse it. Finishes the job.
 */
export function exportLinkMailer({ db, clock, logExports }: WebhookExportDeps) {
  const jobs = jobsRepo(db);
  const now = () => clock?.() ?? new Date();
  return async (job: JobRow, to: string, key: string, compose: (link: string, rows: number, expiresAt: Date) => { subject: string; text: string; html: string }): Promise<{ sent: boolean }> => {
    const { workspace_id: workspaceId, id: jobId } = job;
    const result = job.result ?? {};
    if (result.email) return { sent: false };
    if (typeof result.file !== 'string') throw ApplicationFailure.nonRetryable('the export file was not written');
    if (!logExports?.smtp) throw ApplicationFailure.nonRetryable('No SMTP relay is configured (SMTP_URL): the export link cannot be e-mailed.');
    if (!logExports.publicUrl) throw ApplicationFailure.nonRetryable('PUBLIC_URL is not set: the export link cannot be built.');
    const expiresAt = new Date(now().getTime() + logExports.linkTtlSeconds * 1000);
    const token = signExportLink(logExports.linkSecret, { workspaceId, jobId, expiresAt });
    const link = `${logExports.publicUrl.replace(/\/+$/, '')}/notify-api/v1/exports/${token}`;
    const mail = compose(link, Number(result.rows ?? 0), expiresAt);
    const smtp = new SmtpCarrier(logExports.smtp);
    let messageId: string;
    try {
      messageId = (await smtp.sendEmail({ from: logExports.from, to, ...mail, idempotencyKey: key })).providerMessageId;
    } catch (err) {
      throw toActivityFailure(err);
    } finally {
      await smtp.close();
    }
    await jobs.update(workspaceId, jobId, {
      status: 'finished',
      progress: 100,
      result: { ...result, email: { to, message_id: messageId, sent_at: now().toISOString(), link_expires_at: expiresAt.toISOString() } },
    });
    return { sent: true };
  };
}

/** SeaX webhook log exports: the workspace's delivery logs as a CSV file, then an e-mail with a signed link to it. */
export function createWebhookExportActivities({ db, exportDir, clock, logExports }: WebhookExportDeps): Pick<Activities, 'runWebhookLogExport' | 'emailWebhookLogExport'> {
  const jobs = jobsRepo(db);
  const mailLink = exportLinkMailer({ db, exportDir, clock, logExports });
  const mustGet = async (workspaceId: string, jobId: string) => {
    const job = await jobs.get(workspaceId, jobId);
    if (!job) throw ApplicationFailure.nonRetryable(`job ${jobId} not found in workspace ${workspaceId}`);
    return { job, params: job.params as unknown as WebhookLogExportParams };
  };

  return {
    /**
     * Streams the logs in the job's date range, oldest first, into `<exportDir>/<workspace>/webhook-logs-<job>.csv`
     * (written to a .partial file and renamed, so a retry rewrites it whole and a reader never sees half a file).
     */
    async runWebhookLogExport({ workspaceId, jobId }: { workspaceId: string; jobId: string }): Promise<{ rows: number }> {
      const { job, params } = await mustGet(workspaceId, jobId);
      // Only forward: a retry after the e-mail went out leaves the job finished.
      if (job.status === 'pending') await jobs.update(workspaceId, jobId, { status: 'processing' });
      const dir = path.join(exportDir, workspaceId);
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `webhook-logs-${jobId}.csv`);
      const source = webhookLogsQuery(db, workspaceId, {
        startDate: params.start_date ? new Date(params.start_date) : undefined,
        endDate: params.end_date ? new Date(params.end_date) : undefined,
      })
        .orderBy([{ column: 'a.created_at' }, { column: 'a.id' }])
        .stream() as unknown as AsyncIterable<WebhookLogRow>;
      const rows = await writeCsvFile(file, WEBHOOK_LOG_EXPORT_COLUMNS, source as unknown as AsyncIterable<Record<string, unknown>>, (n) => {
        if (n % 1000 === 0) Context.current().heartbeat(n);
      });
      // Merged, so a retry after the e-mail went out keeps its record (the e-mail step checks it).
      await jobs.update(workspaceId, jobId, {
        total_items: rows,
        processed_items: rows,
        result: { ...job.result, file: path.relative(exportDir, file), rows },
      });
      return { rows };
    },

    /** E-mails the signed download link once (exportLinkMailer). */
    async emailWebhookLogExport({ workspaceId, jobId }: { workspaceId: string; jobId: string }): Promise<{ sent: boolean }> {
      const { job, params } = await mustGet(workspaceId, jobId);
      return mailLink(job, params.email, `webhook-log-export-${jobId}`, (link, rows, expiresAt) =>
        logExportEmail(params.lang, { link, rows, start: params.start_date, end: params.end_date, expiresAt }),
      );
    },
  };
}
