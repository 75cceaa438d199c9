import { ApplicationFailure } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { campaignsRepo, type CampaignRow, type ClaimedRecipient } from '../db/repositories/campaigns';
import { eventsRepo, type NewEvent } from '../db/repositories/events';
import type { MessageRow } from '../db/repositories/messages';
import { phonesRepo } from '../db/repositories/phones';
import { shortenLinks, type CampaignStatus } from '../domain/campaigns';
import { complianceVerdict } from '../domain/compliance';
import { messageEventData } from '../domain/events';
import { effectiveRateLimit, spacedSlots, type RateLimit } from '../domain/pacing';
import { nextAllowedSendTime } from '../domain/quiet-hours';
import { DNC_LABEL_NAME } from '../domain/segment';
import { countSegments } from '../domain/sms-segments';
import { contactVariables, render } from '../domain/template';
import type { Logger } from '../lib/logger';
import { CarrierError, toActivityFailure, type SendResult } from './carriers';
import type { CarrierRegistry } from './carriers/registry';
import { callCarrier, createMessagingActivities, messageStatusEventData, startHeartbeat, type Sender } from './messaging';

export interface CampaignDeps {
  db: Knex;
  logger: Logger;
  carriers: CarrierRegistry;
  clock?: () => Date;
  /** Base of short links (`<publicUrl>/l/<code>`). */
  publicUrl?: string;
}

export interface BatchInput {
  workspaceId: string;
  campaignId: string;
  /** The batch number; a retried batch works on the recipients it claimed before. */
  batch: number;
  batchSize: number;
  /** Carrier requests in flight at once within the batch. */
  concurrency: number;
}

export interface BatchResult {
  claimed: number;
  sent: number;
  failed: number;
  expired: number;
  /** The campaign's status as the batch saw it (a lost pause/cancel signal is noticed here). */
  status: CampaignStatus;
  /** Pending recipients remain; `retryAt` is when the next claim can take some (quiet hours, a busy sender). */
  pending: boolean;
  retryAt: string | null;
}

/** How far ahead of now a batch reserves sender slots: bounds how long a batch runs, so pause acts within one batch. */
const HORIZON_MS = 5_000;
/** Carrier requests whose slots fall within this window go out together (one CAS to `sending` for all of them). */
const CHUNK_WINDOW_MS = 200;

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
const shortCode = () => randomBytes(6).toString('base64url');

type Claimed = ClaimedRecipient & { dnc: boolean };

/**
 * Campaign activities: resolve the audience, send batches, finish. EXACTLY-ONCE for a campaign is made here, on
 * the recipient and message state machines (see the campaigns migration):
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
export function createCampaignActivities(deps: CampaignDeps) {
  const { db, carriers, logger } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const campaigns = campaignsRepo(db);
  const events = eventsRepo(db);
  const phones = phonesRepo(db);
  const single = createMessagingActivities(deps);

  const mustGet = async (workspaceId: string, id: string): Promise<CampaignRow> => {
    const c = await campaigns.get(workspaceId, id);
    if (!c) throw ApplicationFailure.nonRetryable(`campaign ${id} not found`, 'CampaignNotFound');
    return c;
  };

  const loadSenders = async (workspaceId: string, ids: string[]): Promise<Map<string, Sender & { rate: RateLimit }>> => {
    const out = new Map<string, Sender & { rate: RateLimit }>();
    for (const id of new Set(ids)) {
      const p = (await phones.get(workspaceId, id)) as (Sender & { messages_per_second: string | null }) | undefined;
      if (!p) continue;
      const type = p.source === 'WHATSAPP_CLOUD' ? 'WHATSAPP' : p.type;
      out.set(id, { ...p, rate: effectiveRateLimit(type, p.messages_per_second) });
    }
    return out;
  };

  /**
   * Claim recipients for batch `batch` and write their messages, in one transaction. Each sender gives at most
   * what it can send within the horizon (given the slots other batches and campaigns already hold on it).
   * Recipients in their quiet hours are deferred (not_before), not claimed; refused ones (opted out, DNC, blocked
   * since the audience was resolved) get a failed message, as single sends do.
   */
  const claim = async (c: CampaignRow, input: BatchInput): Promise<{ messages: MessageRow[]; retryAt: number | null }> => {
    const senders = await loadSenders(c.workspace_id, c.phone_ids);
    const ws = await db('workspaces').where({ id: c.workspace_id }).first('timezone', 'quiet_hours_start', 'quiet_hours_end');
    return db.transaction(async (trx) => {
      // The senders' pacers stay locked until commit: concurrent batches (of any campaign) claim one after the
      // other, each seeing the slots the others reserved, so no batch holds more than the horizon's worth.
      const backlog = await campaigns.lockPacers(trx, c.workspace_id, [...senders.keys()]);
      const t0 = now().getTime();
      let left = input.batchSize;
      let retryAt: number | null = null;
      const picked: Claimed[] = [];
      for (const [phoneId, s] of senders) {
        if (left <= 0) break;
        const step = s.rate.windowMs / s.rate.limit;
        const busyUntil = Math.max(t0, backlog.get(phoneId) ?? 0);
        const room = Math.floor((t0 + HORIZON_MS - busyUntil) / step);
        if (room <= 0) {
          retryAt = Math.min(retryAt ?? Infinity, busyUntil - HORIZON_MS + step);
          continue;
        }
        const rows = await campaigns.claimPending(trx, c.id, phoneId, Math.min(left, room));
        picked.push(...(rows as Claimed[]));
        left -= rows.length;
      }
      if (!picked.length) return { messages: [], retryAt };

      // Quiet hours (marketing traffic): defer recipients outside their window, grouped by the instant they open.
      const deferred = new Map<number, number[]>();
      const due: Claimed[] = [];
      for (const r of picked) {
        const next = nextAllowedSendTime({
          now: new Date(t0),
          timeZone: r.contact.timezone,
          fallbackTimeZone: ws?.timezone ?? 'UTC',
          window: { start: ws?.quiet_hours_start ?? '08:00', end: ws?.quiet_hours_end ?? '21:00' },
        });
        if (next) deferred.set(next.getTime(), [...(deferred.get(next.getTime()) ?? []), r.seq]);
        else due.push(r);
      }
      for (const [at, seqs] of deferred) await campaigns.deferRecipients(trx, c.id, seqs, new Date(at));
      if (!due.length) return { messages: [], retryAt: Math.min(...deferred.keys()) };

      const dncContacts = new Set(
        (
          await trx('contact_labels as cl')
            .join('labels as l', 'l.id', 'cl.label_id')
            .where({ 'cl.workspace_id': c.workspace_id, 'l.is_system': true, 'l.name': DNC_LABEL_NAME })
            .whereIn('cl.contact_id', due.map((r) => r.contact.id))
            .select('cl.contact_id')
        ).map((r: { contact_id: string }) => r.contact_id),
      );
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
      // Each sendable message gets its slot now, under the lock (send_at); refused ones take none.
      for (const [phoneId, s] of senders) {
        const mine = rows.filter((r) => r.phone_id === phoneId && r.status === 'queued');
        if (!mine.length) continue;
        const slots = spacedSlots(backlog.get(phoneId) ?? 0, s.rate, t0, mine.map((m) => m.segments ?? 1));
        mine.forEach((m, i) => Object.assign(m, { send_at: new Date(slots.times[i]) }));
        await campaigns.setPacer(trx, phoneId, slots.nextAtMs);
      }
      const inserted: MessageRow[] = [];
      for (let i = 0; i < rows.length; i += 1000) {
        inserted.push(...((await trx('messages').insert(rows.slice(i, i + 1000)).onConflict('id').ignore().returning('*')) as MessageRow[]));
      }
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

  /** Reserve send times for these messages on their senders' shared pacers (one short transaction). */
  const reserveSlots = (workspaceId: string, msgs: MessageRow[], senders: Map<string, { rate: RateLimit }>): Promise<Map<string, number>> =>
    db.transaction(async (trx) => {
      const at = new Map<string, number>();
      const pacers = await campaigns.lockPacers(trx, workspaceId, msgs.map((m) => m.phone_id!));
      const t0 = now().getTime();
      for (const [phoneId, next] of pacers) {
        const mine = msgs.filter((m) => m.phone_id === phoneId);
        const rate = senders.get(phoneId)?.rate;
        if (!rate) continue;
        const slots = spacedSlots(next, rate, t0, mine.map((m) => (m.channel === 'whatsapp' ? 1 : (m.segments ?? 1))));
        mine.forEach((m, i) => at.set(m.id, slots.times[i]));
        await campaigns.setPacer(trx, phoneId, slots.nextAtMs);
      }
      return at;
    });

  type Outcome = { m: MessageRow; result?: SendResult; provider?: string; error?: unknown };

  /** Write a chunk's outcomes in one transaction: sent (bulk CAS), permanent failures, and releases of clean transient errors. */
  const recordOutcomes = (workspaceId: string, outcomes: Outcome[]) =>
    db.transaction(async (trx) => {
      const sent = outcomes.filter((o) => o.result).map((o) => ({ id: o.m.id, provider: o.provider!, providerMessageId: o.result!.providerMessageId }));
      const sentRows = await campaigns.markSentBulk(trx, workspaceId, sent);
      const evts: NewEvent[] = sentRows.map((m) => ({ workspace_id: workspaceId, type: 'message.sent', subject_type: 'message', subject_id: m.id, data: messageStatusEventData(m) }));
      for (const o of outcomes) {
        if (!(o.error instanceof CarrierError)) continue;
        const e = o.error;
        if (e.kind === 'permanent') {
          const [row] = await campaigns.moveMessages(trx, workspaceId, [o.m.id], ['sending'], 'failed', { error_code: e.code, error_message: e.message.slice(0, 1000), provider: e.provider });
          if (row) evts.push({ workspace_id: workspaceId, type: 'message.failed', subject_type: 'message', subject_id: row.id, data: messageStatusEventData(row) });
        } else if (!e.ambiguous) {
          // Provably nothing was created: back to queued, the batch's retry sends it again.
          await trx('messages').where({ workspace_id: workspaceId, id: o.m.id, status: 'sending' }).update({ status: 'queued', error_code: e.code, error_message: e.message.slice(0, 1000), updated_at: trx.fn.now() });
        }
      }
      await events.record(evts, trx);
      return { sent: sentRows.length, failed: evts.length - sentRows.length };
    });

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
        const [row] = await trx('campaigns')
          .where({ workspace_id: c.workspace_id, id: c.id })
          .whereNull('started_at')
          .whereIn('status', ['draft', 'scheduled', 'running'])
          .update({ status: 'running', started_at: trx.fn.now(), updated_at: trx.fn.now() })
          .returning('*');
        if (row) {
          await events.record({ workspace_id: c.workspace_id, type: 'campaign.started', subject_type: 'campaign', subject_id: c.id, data: { campaign_id: c.id, name: c.name, total_recipients: counts.total, excluded: counts.excluded } }, trx);
          return row.status as CampaignStatus;
        }
        return ((await campaigns.get(c.workspace_id, c.id, trx))?.status ?? c.status) as CampaignStatus;
      });
      return { status, ...counts };
    },

    /** One batch: claim (or take back, on retry), reserve sender slots, send with bounded concurrency, record in bulk. */
    async runCampaignBatch(input: BatchInput): Promise<BatchResult> {
      const stopHeartbeat = startHeartbeat();
      try {
        const c = await mustGet(input.workspaceId, input.campaignId);
        const result: BatchResult = { claimed: 0, sent: 0, failed: 0, expired: 0, status: c.status, pending: false, retryAt: null };
        let msgs = await campaigns.batchMessages(c.id, input.batch);
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
        // A retried batch's slots may be long past: it reserves new ones, so a retry never bursts.
        const retried = result.claimed === 0;

        // Left `sending` by an earlier attempt: reconcile through the single-send path (never a blind re-send).
        for (const m of msgs.filter((x) => x.status === 'sending')) {
          const r = await single.dispatchMessage({ workspaceId: c.workspace_id, messageId: m.id });
          if (r.status === 'sent') result.sent++;
          else if (r.status === 'failed') result.failed++;
        }

        let queued = msgs.filter((m) => m.status === 'queued');
        const current = await mustGet(c.workspace_id, c.id);
        if (current.status === 'canceled') {
          await campaigns.moveMessages(db, c.workspace_id, queued.map((m) => m.id), ['queued'], 'canceled');
          return { ...result, status: current.status };
        }
        const slots = retried ? await reserveSlots(c.workspace_id, queued, senders) : new Map(queued.map((m) => [m.id, m.send_at!.getTime()]));
        queued = queued.sort((a, b) => slots.get(a.id)! - slots.get(b.id)!);

        let writing: Promise<unknown> = Promise.resolve();
        let retryError: unknown;
        for (let i = 0; i < queued.length; ) {
          const first = slots.get(queued[i].id)!;
          await sleep(first - now().getTime());
          const horizon = Math.max(now().getTime(), first) + CHUNK_WINDOW_MS;
          const chunk: MessageRow[] = [];
          while (i < queued.length && chunk.length < input.concurrency && slots.get(queued[i].id)! <= horizon) chunk.push(queued[i++]);
          const endMs = c.end_time?.getTime() ?? Infinity;
          const late = chunk.filter((m) => slots.get(m.id)! >= endMs);
          if (late.length) result.expired += (await campaigns.moveMessages(db, c.workspace_id, late.map((m) => m.id), ['queued'], 'expired')).length;
          const claimed = await campaigns.moveMessages(db, c.workspace_id, chunk.filter((m) => slots.get(m.id)! < endMs).map((m) => m.id), ['queued'], 'sending');
          const outcomes = await Promise.all(
            claimed.map(async (m): Promise<Outcome> => {
              const sender = senders.get(m.phone_id!)!;
              await sleep(slots.get(m.id)! - now().getTime());
              try {
                const carrier = carriers.forSender(sender);
                return { m, result: await callCarrier(carriers, carrier, m, sender), provider: carrier.provider };
              } catch (error) {
                return { m, error };
              }
            }),
          );
          for (const o of outcomes) if (o.error && !(o.error instanceof CarrierError && o.error.kind === 'permanent')) retryError = o.error;
          // Results are written while the next chunk is sent; a crash before the write leaves the rows `sending`.
          writing = writing.then(() => recordOutcomes(c.workspace_id, outcomes)).then((r) => {
            result.sent += r.sent;
            result.failed += r.failed;
          });
        }
        await writing;
        if (retryError) {
          logger.warn({ campaignId: c.id, batch: input.batch, err: retryError }, 'campaign batch: some sends will be retried');
          throw toActivityFailure(retryError);
        }
        const p = await campaigns.pendingState(c.id);
        return { ...result, status: (await mustGet(c.workspace_id, c.id)).status, pending: p.pending, retryAt: p.dueAt?.toISOString() ?? null };
      } finally {
        stopHeartbeat();
      }
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
        const [row] = await trx('campaigns')
          .where({ workspace_id: c.workspace_id, id: c.id })
          .whereIn('status', ['running', 'paused', 'scheduled'])
          .update({ status: 'completed', completed_at: trx.fn.now(), updated_at: trx.fn.now() })
          .returning('*');
        if (!row) return { status: ((await campaigns.get(c.workspace_id, c.id, trx))?.status ?? c.status) as CampaignStatus };
        const stats = await campaignsRepo(trx).stats(row as CampaignRow);
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
        await trx('campaigns').where({ id: parent.id }).forUpdate().first('id');
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
