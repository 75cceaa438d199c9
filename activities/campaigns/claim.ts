import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { campaignsRepo, type ClaimedRecipient } from '../../db/repositories/campaigns';
import { complianceRepo } from '../../db/repositories/compliance';
import { eventsRepo, type NewEvent } from '../../db/repositories/events';
import type { CampaignRow, MessageRow } from '../../db/rows';
import { shortenLinks } from '../../domain/campaigns';
import { complianceVerdict } from '../../domain/compliance';
import { nextAllowedSendTime } from '../../domain/quiet-hours';
import { countSegments } from '../../domain/sms-segments';
import { contactVariables, render } from '../../domain/template';
import { messageEventData } from '../../services/events';
import type { BatchInput } from '../../workflows/shared/activities';
import { messageStatusEventData } from '../messaging';
import { HORIZON_MS, senderLoader } from './senders';

const shortCode = () => randomBytes(6).toString('base64url');

type Claimed = ClaimedRecipient & { dnc: boolean };

/**
 * Claim recipients for batch `batch` and write their messages, in one transaction. Each sender gives what it can
 * send in its share of the horizon (HORIZON_MS split between the run's parallel batches), so a batch lasts a few
 * seconds whatever the sender's rate. Recipients in their quiet hours are deferred (not_before), not claimed;
 * refused ones (opted out, DNC, blocked since the audience was resolved) get a failed message, as single sends do.
 * EXACTLY-ONCE: claiming a recipient and inserting its message row (id fixed in the recipient row) is one
 * transaction, FOR UPDATE SKIP LOCKED, so no two batches claim the same recipient and none is claimed without its
 * message.
 */
export function batchClaimer(deps: { db: Knex; clock?: () => Date; publicUrl?: string }) {
  const { db } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const campaigns = campaignsRepo(db);
  const events = eventsRepo(db);
  const compliance = complianceRepo(db);
  const loadSenders = senderLoader(db);
  return async (c: CampaignRow, input: BatchInput): Promise<{ messages: MessageRow[]; retryAt: number | null }> => {
    const senders = await loadSenders(c.workspace_id, c.phone_ids);
    const ws = await compliance.workspaceWindow(c.workspace_id);
    return db.transaction(async (trx) => {
      const t0 = now().getTime();
      let left = input.batchSize;
      const picked: Claimed[] = [];
      for (const [phoneId, s] of senders) {
        if (left <= 0) break;
        const share = Math.max(1, Math.floor((HORIZON_MS * s.rate.limit) / s.rate.windowMs / input.parallelBatches));
        const rows = await campaigns.claimPending(trx, c.id, phoneId, Math.min(left, share));
        picked.push(...(rows as Claimed[]));
        left -= rows.length;
      }
      if (!picked.length) return { messages: [], retryAt: null };

      // Quiet hours (marketing traffic): defer recipients outside their window, grouped by the instant they open.
      const deferred = new Map<number, number[]>();
      const due: Claimed[] = [];
      for (const r of picked) {
        const next = nextAllowedSendTime({
          now: new Date(t0),
          timeZone: r.contact.timezone,
          fallbackTimeZone: ws.timeZone,
          window: { start: ws.start, end: ws.end },
        });
        if (!next) due.push(r);
        else if (deferred.has(next.getTime())) deferred.get(next.getTime())!.push(r.seq);
        else deferred.set(next.getTime(), [r.seq]);
      }
      for (const [at, seqs] of deferred) await campaigns.deferRecipients(trx, c.id, seqs, new Date(at));
      if (!due.length) return { messages: [], retryAt: Math.min(...deferred.keys()) };

      const dncContacts = await compliance.dncContactIds(c.workspace_id, due.map((r) => r.contact.id), trx);
      const links: { code: string; workspace_id: string; campaign_id: string; message_id: string; contact_id: string; url: string }[] = [];
      const rows = due.map((r) => {
        const sender = senders.get(r.phone_id)!;
        let text = render(c.message, contactVariables(r.contact)).text;
        if (c.enable_link_shortening && deps.publicUrl) {
          const codes = new Map<string, string>();
          text = shortenLinks(text, (url) => {
            if (!codes.has(url)) {
              const code = shortCode();
              codes.set(url, code);
              links.push({ code, workspace_id: c.workspace_id, campaign_id: c.id, message_id: r.message_id, contact_id: r.contact.id, url });
            }
            return `${deps.publicUrl!.replace(/\/$/, '')}/l/${codes.get(url)}`;
          });
        }
        const verdict = complianceVerdict('marketing', { blocked: r.contact.blocked, optedOut: r.contact.opted_out_at !== null, dnc: dncContacts.has(r.contact.id) });
        const isSms = c.channel !== 'whatsapp';
        const segments = isSms ? countSegments(text) : undefined;
        return {
          id: r.message_id,
          workspace_id: c.workspace_id,
          channel: c.channel === 'sms' && c.media_urls.length ? 'mms' : c.channel,
          direction: 'outbound',
          sender_type: 'AGENT',
          content_type: c.channel === 'whatsapp' && c.media_urls.length ? 'image' : 'text',
          phone_id: r.phone_id,
          contact_id: r.contact.id,
          campaign_id: c.id,
          from_address: sender.phone,
          to_address: r.phone,
          content: text,
          media_urls: JSON.stringify(c.media_urls),
          is_marketing: true,
          ...(verdict.allowed
            ? { status: 'queued', queued_at: new Date(t0) }
            : { status: 'failed', failed_at: new Date(t0), error_code: verdict.code, error_message: verdict.message }),
          ...(segments ? { encoding: segments.encoding, segments: segments.segments } : {}),
        };
      });
      const inserted = await campaigns.insertMessages(trx, rows);
      await campaigns.insertLinks(trx, links);
      await campaigns.markClaimed(trx, c.id, due.map((r) => r.seq), input.batch);
      const contacts = new Map(due.map((r) => [r.contact.id, r.contact]));
      const evts: NewEvent[] = inserted.map((m) => ({ workspace_id: m.workspace_id, type: 'message.new', subject_type: 'message', subject_id: m.id, data: messageEventData(m, contacts.get(m.contact_id!)) }));
      for (const m of inserted.filter((x) => x.status === 'failed')) {
        evts.push({ workspace_id: m.workspace_id, type: 'message.failed', subject_type: 'message', subject_id: m.id, data: messageStatusEventData(m) });
      }
      await events.record(evts, trx);
      return { messages: inserted, retryAt: null };
    });
  };
}
