import { ApplicationFailure } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { campaignsRepo, type ClaimedRecipient } from '../db/repositories/campaigns';
import { eventsRepo, type NewEvent } from '../db/repositories/events';
import { phonesRepo } from '../db/repositories/phones';
import { shortenLinks, type CampaignStatus } from '../domain/campaigns';
import { complianceVerdict } from '../domain/compliance';
import { messageEventData } from '../services/events';
import { effectiveRateLimit, spacedSlots, type RateLimit } from '../domain/pacing';
import { nextAllowedSendTime } from '../domain/quiet-hours';
import { DNC_LABEL_NAME } from '../domain/segment';
import { countSegments } from '../domain/sms-segments';
import { contactVariables, render } from '../domain/template';
import type { Logger } from '../lib/logger';
import { toActivityFailure } from '../carriers/failure';
import type { Activities, BatchInput, BatchResult } from '../workflows/shared/activities';
import { CarrierError, type SendResult } from '../carriers/types';
import type { CarrierRegistry } from '../carriers/registry';
import { callCarrier, createMessagingActivities, messageStatusEventData, startHeartbeat, type Sender } from './messaging';
import type { CampaignRow, MessageRow } from '../db/rows';

export interface CampaignDeps {
  db: Knex;
  logger: Logger;
  carriers: CarrierRegistry;
  clock?: () => Date;
  /** Base of short links (`<publicUrl>/l/<code>`). */
  publicUrl?: string;
}

/** How far ahead of now a batch reserves sender slots: bounds how long a batch runs, so pause acts within one batch. */
const HORIZON_MS = 5_000;
/** A sender's messages are reserved and claimed in slices of about this much sending time (one transaction each). */
const SLICE_MS = 50;
/** A lane more than this late (or one send interval, if longer) on a slot takes new slots for the rest of its slice. */
const LATE_MS = 10;
/** Outcomes are written in bulk when this many are waiting, or every FLUSH_MS. */
const FLUSH_ROWS = 200;
const FLUSH_MS = 100;

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
/** What a message costs a sender's pacer: SMS segments (carriers count those), one for WhatsApp. */
const unitsOf = (m: MessageRow) => (m.channel === 'whatsapp' ? 1 : (m.segments ?? 1));

/** At most `n` holders at once. */
function gate(n: number) {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    acquire: (): Promise<void> => (free > 0 ? (free--, Promise.resolve()) : new Promise((r) => waiting.push(r))),
    release: () => (waiting.length ? waiting.shift()!() : free++),
  };
}
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
export function createCampaignActivities(deps: CampaignDeps): Pick<Activities, 'prepareCampaign' | 'runCampaignBatch' | 'failCampaignBatch' | 'finishCampaign' | 'createCampaignRun'> {
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
   * Claim recipients for batch `batch` and write their messages, in one transaction. Each sender gives what it can
   * send in its share of the horizon (HORIZON_MS split between the run's parallel batches), so a batch lasts a few
   * seconds whatever the sender's rate. Recipients in their quiet hours are deferred (not_before), not claimed;
   * refused ones (opted out, DNC, blocked since the audience was resolved) get a failed message, as single sends do.
   */
  const claim = async (c: CampaignRow, input: BatchInput): Promise<{ messages: MessageRow[]; retryAt: number | null }> => {
    const senders = await loadSenders(c.workspace_id, c.phone_ids);
    const ws = await db('workspaces').where({ id: c.workspace_id }).first('timezone', 'quiet_hours_start', 'quiet_hours_end');
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
          fallbackTimeZone: ws?.timezone ?? 'UTC',
          window: { start: ws?.quiet_hours_start ?? '08:00', end: ws?.quiet_hours_end ?? '21:00' },
        });
        if (!next) due.push(r);
        else if (deferred.has(next.getTime())) deferred.get(next.getTime())!.push(r.seq);
        else deferred.set(next.getTime(), [r.seq]);
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

  /**
   * Just before sending a slice of one sender's messages: reserve their send times on the sender's shared pacer
   * (row lock: every batch of every campaign on this sender takes its slots in turn, always from now on, so a batch
   * that fell behind never overlaps another's) and claim them for sending (queued → sending, compare-and-set), in
   * one transaction. Messages whose slot falls at or after end_time expire instead.
   */
  const reserveAndClaim = (c: CampaignRow, phoneId: string, rate: RateLimit, slice: MessageRow[]) =>
    db.transaction(async (trx) => {
      const next = (await campaigns.lockPacers(trx, c.workspace_id, [phoneId])).get(phoneId) ?? 0;
      const slots = spacedSlots(next, rate, now().getTime(), slice.map(unitsOf));
      const endMs = c.end_time?.getTime() ?? Infinity;
      const at = new Map(slice.map((m, i) => [m.id, slots.times[i]]));
      const due = slice.filter((m) => at.get(m.id)! < endMs).map((m) => m.id);
      const claimed = await campaigns.moveMessages(trx, c.workspace_id, due, ['queued'], 'sending');
      const expired = await campaigns.moveMessages(trx, c.workspace_id, slice.filter((m) => at.get(m.id)! >= endMs).map((m) => m.id), ['queued'], 'expired');
      await campaigns.setPacer(trx, phoneId, slots.nextAtMs);
      return { claimed: claimed.sort((a, b) => at.get(a.id)! - at.get(b.id)!), at, expired: expired.length };
    });

  /** New slots, from now on, for messages already claimed whose slots a late lane can no longer keep. */
  const reslot = (c: CampaignRow, phoneId: string, rate: RateLimit, msgs: MessageRow[]): Promise<Map<string, number>> =>
    db.transaction(async (trx) => {
      const next = (await campaigns.lockPacers(trx, c.workspace_id, [phoneId])).get(phoneId) ?? 0;
      const slots = spacedSlots(next, rate, now().getTime(), msgs.map(unitsOf));
      await campaigns.setPacer(trx, phoneId, slots.nextAtMs);
      return new Map(msgs.map((m, i) => [m.id, slots.times[i]]));
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

  /**
   * Send a batch's queued messages, one lane per sender running side by side: each lane reserves and claims a slice
   * (SLICE_MS of its rate) at a time, then sends each message at its slot, never closer to the lane's previous send
   * than the sender's spacing (a late timer does not turn into a burst), with at most `concurrency` requests in
   * flight for the whole batch. Outcomes are written in bulk while sending goes on. Answers the last error that
   * calls for a retry of the batch (transient or ambiguous), if any.
   */
  const sendPaced = async (c: CampaignRow, queued: MessageRow[], senders: Map<string, Sender & { rate: RateLimit }>, concurrency: number, result: BatchResult): Promise<unknown> => {
    const inFlight = gate(concurrency);
    const buffer: Outcome[] = [];
    let writing: Promise<unknown> = Promise.resolve();
    let retryError: unknown;
    const flush = () => {
      const outcomes = buffer.splice(0);
      if (!outcomes.length) return;
      // A crash before this write leaves the rows `sending`: the batch's retry reconciles them.
      writing = writing.then(() => recordOutcomes(c.workspace_id, outcomes)).then((r) => {
        result.sent += r.sent;
        result.failed += r.failed;
      });
    };
    const timer = setInterval(flush, FLUSH_MS);
    const lane = async (phoneId: string, msgs: MessageRow[]) => {
      const sender = senders.get(phoneId)!;
      const step = sender.rate.windowMs / sender.rate.limit;
      const sliceSize = Math.max(1, Math.floor(SLICE_MS / step));
      const lateMs = Math.max(step, LATE_MS);
      const sends: Promise<void>[] = [];
      let last = -Infinity;
      for (let i = 0; i < msgs.length; i += sliceSize) {
        const { claimed, at, expired } = await reserveAndClaim(c, phoneId, sender.rate, msgs.slice(i, i + sliceSize));
        result.expired += expired;
        for (const [j, m] of claimed.entries()) {
          await inFlight.acquire();
          // Fallen behind its slots (busy event loop, full gate): the rest of the slice takes new slots after
          // everyone else's, rather than overlapping the next reservation on this sender.
          if (now().getTime() > at.get(m.id)! + lateMs) for (const [id, t] of await reslot(c, phoneId, sender.rate, claimed.slice(j))) at.set(id, t);
          const due = Math.max(at.get(m.id)!, last + step * unitsOf(m));
          await sleep(due - now().getTime());
          last = Math.max(due, now().getTime());
          sends.push(
            (async (): Promise<Outcome> => {
              try {
                const carrier = carriers.forSender(sender);
                return { m, result: await callCarrier(carriers, carrier, m, sender), provider: carrier.provider };
              } catch (error) {
                return { m, error };
              }
            })().then((o) => {
              inFlight.release();
              if (o.error && !(o.error instanceof CarrierError && o.error.kind === 'permanent')) retryError = o.error;
              buffer.push(o);
              if (buffer.length >= FLUSH_ROWS) flush();
            }),
          );
        }
        if (expired) {
          // Past end_time: the rest of this lane expires too.
          result.expired += (await campaigns.moveMessages(db, c.workspace_id, msgs.slice(i + sliceSize).map((m) => m.id), ['queued'], 'expired')).length;
          break;
        }
      }
      await Promise.all(sends);
    };
    try {
      const bySender = new Map<string, MessageRow[]>();
      for (const m of queued) {
        const list = bySender.get(m.phone_id!) ?? [];
        if (!list.length) bySender.set(m.phone_id!, list);
        list.push(m);
      }
      await Promise.all([...bySender].map(([phoneId, msgs]) => lane(phoneId, msgs)));
    } finally {
      clearInterval(timer);
      flush();
      await writing;
    }
    return retryError;
  };

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
