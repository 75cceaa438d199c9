import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { complianceRepo } from '../db/repositories/compliance';
import { eventsRepo } from '../db/repositories/events';
import { messagesRepo } from '../db/repositories/messages';
import { phonesRepo } from '../db/repositories/phones';
import { complianceVerdict, trafficKindOf } from '../domain/compliance';
import { nextAllowedSendTime } from '../domain/quiet-hours';
import { exhausted } from '../domain/retries';
import type { Logger } from '../lib/logger';
import type { DispatchResult } from '../workflows/shared/activities';
import { toActivityFailure } from '../carriers/failure';
import type { WhatsAppMediaType } from '../carriers/message';
import { withCapability, type AnyCarrier, type CarrierRegistry } from '../carriers/registry';
import { CarrierError, type SendResult } from '../carriers/types';
import type { MessageRow, MessageStatus, PhoneRow } from '../db/rows';

export interface MessagingDeps {
  db: Knex;
  logger: Logger;
  carriers: CarrierRegistry;
  /** Injectable time for quiet hours and scheduling decisions. */
  clock?: () => Date;
}

export type Sender = PhoneRow & { credentials_encrypted: string | null; provider_sender_id: string | null };

const NOT_YET_SENT: MessageStatus[] = ['scheduled', 'queued'];
/** A scheduled message whose send_at is further away than this was moved later (rescheduled): wait again. */
const EARLY_TOLERANCE_MS = 1000;

/** Heartbeats while a carrier request is outstanding, so a dead worker's attempt is retried within the heartbeat timeout. */
export function startHeartbeat(): () => void {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return () => undefined; // called outside an activity (unit use)
  }
  ctx.heartbeat();
  const timer = setInterval(() => ctx?.heartbeat(), 1000);
  return () => clearInterval(timer);
}

/** `data` of message.sent / message.failed recorded by the send paths. */
export const messageStatusEventData = (m: MessageRow) => ({
  id: m.id,
  message_id: m.id,
  channel: m.channel,
  direction: m.direction,
  type: m.content_type,
  from: m.from_address,
  to: m.to_address,
  content: m.content,
  status: m.status,
  contact_id: m.contact_id,
  session_id: m.phone_id,
  provider: m.provider,
  provider_message_id: m.provider_message_id,
  error_code: m.error_code,
  error_message: m.error_message,
  created_at: m.created_at.toISOString(),
  sent_at: m.sent_at?.toISOString() ?? null,
  failed_at: m.failed_at?.toISOString() ?? null,
});

/** The one carrier request of a message (SMS/MMS or WhatsApp text, media or template); the message id is the idempotency key. */
export function callCarrier(carriers: CarrierRegistry, carrier: AnyCarrier, m: MessageRow, sender: Sender): Promise<SendResult> {
  const statusCallbackUrl = carriers.statusCallbackUrl(carrier.provider);
  if (m.channel === 'whatsapp') {
    const from = sender.provider_sender_id ?? sender.whatsapp_business_account_phone_id ?? sender.phone;
    const base = { from, to: m.to_address, idempotencyKey: m.id, ...(statusCallbackUrl ? { statusCallbackUrl } : {}) };
    const whatsapp = withCapability(carrier, 'whatsapp');
    if (m.content_type === 'template' && m.template) {
      return whatsapp.sendWhatsApp({ ...base, kind: 'template', template: m.template as unknown as { name: string; language: string; components?: unknown[] } });
    }
    if (m.content_type !== 'text' && m.media_urls.length) {
      return whatsapp.sendWhatsApp({ ...base, kind: 'media', mediaUrl: m.media_urls[0], mediaType: m.content_type as WhatsAppMediaType, ...(m.content ? { caption: m.content } : {}) });
    }
    return whatsapp.sendWhatsApp({ ...base, kind: 'text', text: m.content ?? '' });
  }
  return withCapability(carrier, 'sms').sendSms({
    from: sender.phone,
    to: m.to_address,
    body: m.content ?? '',
    ...(m.media_urls.length ? { mediaUrls: m.media_urls } : {}),
    idempotencyKey: m.id,
    ...(statusCallbackUrl ? { statusCallbackUrl } : {}),
  });
}

/** Activities that send single messages through carriers (and, later, campaign batches). */
export function createMessagingActivities(deps: MessagingDeps) {
  const { db, carriers, logger } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const messages = messagesRepo(db);
  const events = eventsRepo(db);
  const compliance = complianceRepo(db);
  const phones = phonesRepo(db);

  /** Compare-and-set to failed plus its message.failed event, in one transaction; undefined when the CAS lost. */
  const fail = (m: MessageRow, from: MessageStatus[], error: { code: string; message: string; provider?: string | null }) =>
    db.transaction(async (trx) => {
      const row = await messages.markFailed(m.workspace_id, m.id, from, error, trx);
      if (row) await events.record({ workspace_id: row.workspace_id, type: 'message.failed', subject_type: 'message', subject_id: row.id, data: messageStatusEventData(row) }, trx);
      return row;
    });

  /** The carrier kept refusing the message: failed with its last error (a carrier verdict, not a crash). */
  const giveUp = async (m: MessageRow, from: MessageStatus[], provider: string): Promise<DispatchResult> => {
    const code = m.error_code ?? 'carrier_unavailable';
    const row = await fail(m, from, { code, message: m.error_message ?? 'The carrier kept failing; not sent.', provider });
    return { status: row?.status ?? 'failed', errorCode: code };
  };

  const recordSent = async (m: MessageRow, provider: string, result: SendResult): Promise<DispatchResult> => {
    const row = await db.transaction(async (trx) => {
      const sent = await messages.markSent(m.workspace_id, m.id, provider, result.providerMessageId, trx);
      if (sent) await events.record({ workspace_id: sent.workspace_id, type: 'message.sent', subject_type: 'message', subject_id: sent.id, data: messageStatusEventData(sent) }, trx);
      return sent;
    });
    if (row) return { status: row.status };
    const current = await messages.get(m.workspace_id, m.id);
    return { status: current?.status ?? 'sent' };
  };

  /**
   * The carrier step of a message already claimed (`sending`). EXACTLY-ONCE towards the provider is made here:
   * - the row went `sending` (compare-and-set) before the request, so only one attempt at a time owns the call;
   * - a carrier error that provably created nothing (not `ambiguous`) puts the row back to `queued`: the retry
   *   sends again, safely;
   * - a crash (worker killed) or an ambiguous error leaves the row `sending`; the retry then arrives with
   *   `reconcile` and first asks the provider (Carrier.findSent: the simulator by idempotency key, Twilio by
   *   listing To/From/body since sending_at) and records the message it finds instead of sending a second one;
   * - a provider that cannot be searched (WhatsApp Cloud) is never re-sent after an ambiguous outcome: the message
   *   is marked failed with `delivery_unconfirmed` (at most once beats twice; a later status callback carrying
   *   our idempotency key can still prove it was delivered);
   * - the provider id is recorded with `sent` in one compare-and-set, so a late duplicate activity changes nothing.
   */
  const send = async (m: MessageRow, reconcile: boolean): Promise<DispatchResult> => {
    const sender = m.phone_id ? ((await phones.get(m.workspace_id, m.phone_id)) as Sender | undefined) : undefined;
    if (!sender) {
      const row = await fail(m, ['sending'], { code: 'sender_missing', message: 'The sender phone no longer exists.' });
      return { status: row?.status ?? 'failed', errorCode: 'sender_missing' };
    }
    let carrier: AnyCarrier | undefined;
    try {
      carrier = carriers.forSender(sender);
      if (reconcile) {
        if (!carrier.findSent) {
          const row = await fail(m, ['sending'], {
            code: 'delivery_unconfirmed',
            message: `An earlier attempt may have reached ${carrier.provider}, which cannot be searched; not sent again to avoid a duplicate.`,
            provider: carrier.provider,
          });
          return { status: row?.status ?? 'failed', errorCode: 'delivery_unconfirmed' };
        }
        const found = await carrier.findSent({
          idempotencyKey: m.id,
          channel: m.channel === 'whatsapp' ? 'whatsapp' : 'sms',
          from: m.channel === 'whatsapp' ? (sender.provider_sender_id ?? sender.phone) : sender.phone,
          to: m.to_address,
          body: m.content ?? '',
          since: m.sending_at ?? m.created_at,
        });
        if (found) {
          logger.info({ messageId: m.id, providerMessageId: found.providerMessageId }, 'reconciled: the provider already had this message');
          return await recordSent(m, carrier.provider, found);
        }
        if (exhausted(m.transient_failures)) return await giveUp(m, ['sending'], carrier.provider);
      }
      const result = await callCarrier(carriers, carrier, m, sender);
      return await recordSent(m, carrier.provider, result);
    } catch (err) {
      if (err instanceof CarrierError) {
        if (err.kind === 'permanent') {
          const row = await fail(m, ['sending'], { code: err.code, message: err.message, provider: err.provider });
          return { status: row?.status ?? 'failed', errorCode: err.code };
        }
        // Only what a carrier answered counts towards giving up (domain/retries.ts); a crash or a timeout of the
        // activity itself never does, and the activity is retried without limit.
        const transient = err.kind === 'transient';
        if (!err.ambiguous) {
          if (transient && exhausted(m.transient_failures + 1)) return await giveUp({ ...m, error_code: err.code, error_message: err.message }, ['sending'], err.provider);
          await messages.release(m.workspace_id, m.id, { code: err.code, message: err.message, transient });
        } else if (transient) {
          // Ambiguous: the row stays `sending`, so the next attempt reconciles before sending; counted now.
          await messages.countTransientFailure(m.workspace_id, m.id);
        }
      }
      throw toActivityFailure(err);
    }
  };

  return {
    /**
     * Send one message if it is due, allowed and not sent yet. Safe to run any number of times: a message past
     * `sending` is returned as it is; a `sending` one is reconciled with the provider before any new request.
     * This is the single place where the compliance rule (domain/compliance.ts) is enforced for outbound traffic.
     */
    async dispatchMessage(input: { workspaceId: string; messageId: string }): Promise<DispatchResult> {
      const stopHeartbeat = startHeartbeat();
      try {
        for (let round = 0; round < 5; round++) {
          const m = await messages.get(input.workspaceId, input.messageId);
          if (!m) throw ApplicationFailure.nonRetryable(`message ${input.messageId} not found`, 'MessageNotFound');
          if (m.status === 'sending') return await send(m, true);
          if (!NOT_YET_SENT.includes(m.status)) return { status: m.status, ...(m.error_code ? { errorCode: m.error_code } : {}) };

          if (m.status === 'scheduled' && m.send_at && m.send_at.getTime() > now().getTime() + EARLY_TOLERANCE_MS) {
            return { deferUntil: m.send_at.toISOString() }; // rescheduled later than the workflow's timer knew
          }
          // Compliance: blocked / opted-out / DNC recipients are refused and the attempt is recorded as failed.
          const kind = trafficKindOf(m);
          const verdict = complianceVerdict(kind, await compliance.recipientFacts(m.workspace_id, { contactId: m.contact_id, phone: m.to_address }));
          if (!verdict.allowed) {
            const row = await fail(m, NOT_YET_SENT, { code: verdict.code, message: verdict.message });
            if (row) return { status: 'failed', errorCode: verdict.code };
            continue; // canceled or claimed meanwhile: look again
          }
          // Quiet hours defer marketing traffic to the next allowed instant (the workflow sleeps durably).
          if (kind === 'marketing') {
            const w = await compliance.sendingWindow(m.workspace_id, m.contact_id);
            const next = nextAllowedSendTime({ now: now(), timeZone: w.contactTimeZone, fallbackTimeZone: w.workspaceTimeZone, window: { start: w.start, end: w.end } });
            if (next) {
              const row = await messages.setSendAt(m.workspace_id, m.id, next, NOT_YET_SENT);
              if (row) return { deferUntil: next.toISOString() };
              continue;
            }
          }
          const claimed = await messages.markSending(m.workspace_id, m.id);
          if (!claimed) continue; // canceled or another attempt claimed it: look again
          return await send(claimed, false);
        }
        throw new Error(`message ${input.messageId} kept changing status; retrying`);
      } finally {
        stopHeartbeat();
      }
    },

    /** After the dispatch activity gave up: a message not yet sent is marked failed with the last error. */
    async failUnsentMessage(input: { workspaceId: string; messageId: string; code: string; message: string }): Promise<{ status: string }> {
      const m = await messages.get(input.workspaceId, input.messageId);
      if (!m) return { status: 'missing' };
      const row = await fail(m, ['scheduled', 'queued', 'sending'], { code: m.error_code ?? input.code, message: m.error_message ?? input.message });
      return { status: row?.status ?? (await messages.get(input.workspaceId, input.messageId))?.status ?? 'missing' };
    },
  };
}
