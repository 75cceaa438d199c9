import type { Knex } from 'knex';
import type { CallEvent, InboundEvent, NormalizedEvent, ProviderName, StatusEvent } from '../../carriers/types';
import { consentRepo } from '../../db/repositories/consent';
import { contactsRepo } from '../../db/repositories/contacts';
import { conversationsRepo } from '../../db/repositories/conversations';
import { eventsRepo, type NewEvent } from '../../db/repositories/events';
import { complianceRepo } from '../../db/repositories/compliance';
import { messagesRepo } from '../../db/repositories/messages';
import { contactEventData, conversationEventData, messageEventData, statusEventType } from '../events';
import { matchComplianceKeyword, type ComplianceKeywordClass } from '../../domain/opt-out';
import { normalizePhone } from '../../domain/phone';
import { DNC_LABEL_NAME } from '../../domain/segment';
import type { Logger } from '../../lib/logger';
import type { CarrierPhoneRow, ContactRow, MessageRow } from '../../db/rows';

/*
 * The one ingest path for carrier events. Callback routes (Twilio, WhatsApp Cloud, simulator) authenticate the
 * provider's request and resolve our phone; from here on nothing depends on which provider it was, except the
 * provider name that scopes provider message ids.
 *
 * Every change and the events describing it are written in ONE transaction, so an event exists exactly when its
 * change committed. Providers retry callbacks they did not see acknowledged; both paths are idempotent:
 *   - status reports go through messagesRepo.applyCallbackStatus (row lock, forward-only, `firstTime` per status),
 *     and an event is written only when this report set its status's timestamp for the first time;
 *   - inbound messages are inserted with ON CONFLICT DO NOTHING on (provider, provider_message_id) first, and a
 *     retry that finds the row does nothing else.
 */

export interface StatusOutcome {
  type: 'status';
  providerMessageId: string;
  /** False when no message has this provider id (acknowledged and logged, never an error: providers retry on non-2xx). */
  known: boolean;
  messageId?: string;
  status?: string;
  /** The event written by this report, if any. */
  event?: string;
}

export interface ReplyIntent {
  kind: 'dnc' | 'help';
  workspaceId: string;
  phoneId: string;
  contactId: string;
  conversationId: string;
  channel: 'sms' | 'mms' | 'whatsapp';
  /** The customer's address (the inbound message's `from`). */
  to: string;
  /** Our sender address (the inbound message's `to`). */
  from: string;
  content: string;
  inboundMessageId: string;
}

export interface InboundOutcome {
  type: 'inbound';
  duplicate: boolean;
  workspaceId: string;
  messageId: string;
  contactId: string | null;
  contactCreated: boolean;
  conversationId: string | null;
  conversationCreated: boolean;
  /** The compliance keyword found in the message and whether it changed the contact's consent. */
  compliance: { class: ComplianceKeywordClass; keyword: string; applied: boolean } | null;
  /** A compliance reply the phone is configured to send (DNC confirmation or help text); sent after commit. */
  reply?: ReplyIntent;
}

export interface IgnoredOutcome {
  type: 'ignored';
  reason: string;
}

/** A call progress event, handed to the dialer (services/dialer-calls.ts). */
export interface CallIngestOutcome {
  type: 'call';
  providerCallId: string;
  /** False when no call attempt of ours matches it. */
  known: boolean;
}

export type IngestOutcome = StatusOutcome | InboundOutcome | IgnoredOutcome | CallIngestOutcome;

/** An authenticated event with what the route resolved: the phone it belongs to (inbound) and the phones it may touch. */
export interface ResolvedEvent {
  event: NormalizedEvent;
  /** Inbound: the receiving phone. Required for inbound events. */
  phone?: CarrierPhoneRow;
  /** Status: when set, only messages sent from these phones may be updated (the ones the signature vouches for). */
  allowedPhoneIds?: ReadonlySet<string>;
}

export interface CarrierEventsDeps {
  db: Knex;
  logger: Logger;
  defaultCountry?: string;
  /**
   * Sends a compliance reply after the inbound transaction committed. Hook for the outbound send path
   * (api/services/messages.ts): record an outbound SYSTEM message (is_marketing false) and start its workflow.
   * Until it is wired, intents are logged and returned in the outcome.
   */
  sendReply?: (intent: ReplyIntent) => Promise<void>;
  /** Applies a call progress event to its dialer call attempt (services/dialer-calls.ts); false when it is none of ours. */
  onCallEvent?: (provider: ProviderName, e: CallEvent) => Promise<boolean>;
}

const conversationChannel = (channel: InboundEvent['channel']): 'sms' | 'whatsapp' => (channel === 'whatsapp' ? 'whatsapp' : 'sms');

function contentTypeOf(e: InboundEvent): string {
  if (e.contentType === 'sticker') return 'image';
  if (e.contentType === 'other') return e.text ? 'text' : 'other';
  return e.contentType;
}

export function carrierEventsService(deps: CarrierEventsDeps) {
  const { db, logger } = deps;
  const messages = messagesRepo(db);
  const contacts = contactsRepo(db);
  const conversations = conversationsRepo(db);
  const events = eventsRepo(db);
  const consent = consentRepo(db);

  async function ingestStatus(provider: ProviderName, e: StatusEvent, allowedPhoneIds?: ReadonlySet<string>): Promise<StatusOutcome> {
    const base: StatusOutcome = { type: 'status', providerMessageId: e.providerMessageId, known: false };
    return db.transaction(async (trx) => {
      if (allowedPhoneIds) {
        const found = await messages.findByProviderId(provider, e.providerMessageId, trx);
        if (found && (!found.phone_id || !allowedPhoneIds.has(found.phone_id))) {
          logger.warn({ provider, providerMessageId: e.providerMessageId }, 'status callback for a message of a phone the signature does not cover; ignored');
          return base;
        }
      }
      const change = await messages.applyCallbackStatus(provider, e.providerMessageId, e.status, e.occurredAt, { code: e.errorCode, message: e.errorMessage }, trx);
      if (!change) {
        logger.info({ provider, providerMessageId: e.providerMessageId, status: e.status }, 'status callback for an unknown provider message id; acknowledged');
        return base;
      }
      const outcome: StatusOutcome = { ...base, known: true, messageId: change.message.id, status: change.message.status };
      const type = change.firstTime ? statusEventType(e.status) : undefined;
      if (type) {
        const contact = change.message.contact_id ? await contacts.get(change.message.workspace_id, change.message.contact_id, trx) : undefined;
        await events.record(
          {
            workspace_id: change.message.workspace_id,
            type,
            subject_type: 'message',
            subject_id: change.message.id,
            data: messageEventData(change.message, contact, {
              reported_status: e.status,
              previous_status: change.previousStatus,
              occurred_at: e.occurredAt.toISOString(),
            }),
          },
          trx,
        );
        outcome.event = type;
      }
      return outcome;
    });
  }

  async function ingestInbound(provider: ProviderName, phone: CarrierPhoneRow, e: InboundEvent): Promise<InboundOutcome> {
    const workspaceId = phone.workspace_id;
    const outcome = await db.transaction(async (trx): Promise<InboundOutcome> => {
      const inserted = await messages.insertUnlessKnown(
        {
          workspace_id: workspaceId,
          channel: e.channel,
          direction: 'inbound',
          sender_type: 'CUSTOMER',
          content_type: contentTypeOf(e),
          phone_id: phone.id,
          from_address: e.from,
          to_address: e.to,
          content: e.text,
          media_urls: e.mediaUrls,
          is_marketing: false,
          status: 'received',
          received_at: e.occurredAt,
          provider,
          provider_message_id: e.providerMessageId,
        },
        trx,
      );
      if (!inserted) {
        const existing = (await messages.findByProviderId(provider, e.providerMessageId, trx))!;
        logger.info({ provider, providerMessageId: e.providerMessageId }, 'inbound message already recorded (provider retry); nothing to do');
        return {
          type: 'inbound', duplicate: true, workspaceId: existing.workspace_id, messageId: existing.id, contactId: existing.contact_id,
          contactCreated: false, conversationId: existing.conversation_id, conversationCreated: false, compliance: null,
        };
      }

      const newEvents: NewEvent[] = [];
      const phoneNumber = normalizePhone(e.from, deps.defaultCountry ?? 'US') ?? e.from;
      let contact = await contacts.findByAnyPhone(workspaceId, phoneNumber, trx);
      let contactCreated = false;
      if (!contact) {
        const created = await contacts.insertIfAbsent(
          workspaceId,
          { name: phoneNumber, phone: phoneNumber, ...(e.channel === 'whatsapp' ? { whatsapp_phone: phoneNumber } : {}) },
          trx,
        );
        contact = created.contact;
        contactCreated = created.created;
        if (contactCreated) {
          newEvents.push({ workspace_id: workspaceId, type: 'contact.created', subject_type: 'contact', subject_id: contact.id, data: contactEventData(contact, { source: 'inbound' }) });
        }
      }

      const opened = await conversations.touchOrOpen(
        { workspace_id: workspaceId, contact_id: contact.id, channel: conversationChannel(e.channel), phone_id: phone.id },
        e.occurredAt,
        trx,
      );
      const message = await messages.link(inserted.id, { contact_id: contact.id, conversation_id: opened.conversation.id }, trx);
      const conv = opened.conversation;
      newEvents.push(
        opened.created
          ? { workspace_id: workspaceId, type: 'conversation.new', subject_type: 'conversation', subject_id: conv.id, data: conversationEventData(conv, contact, message) }
          : {
              workspace_id: workspaceId,
              type: 'conversation.updated',
              subject_type: 'conversation',
              subject_id: conv.id,
              data: conversationEventData(conv, contact, message, {
                updated_fields: ['last_message_at'],
                previous: { last_message_at: opened.previousLastMessageAt ? new Date(opened.previousLastMessageAt).toISOString() : null },
                current: { last_message_at: conv.last_message_at ? new Date(conv.last_message_at).toISOString() : null },
              }),
            },
      );

      const compliance = await applyCompliance(trx, phone, contact, message, newEvents);
      newEvents.push({
        workspace_id: workspaceId,
        type: 'message.received',
        subject_type: 'message',
        subject_id: message.id,
        data: messageEventData(message, compliance.contact, { compliance: compliance.result }),
      });
      await events.record(newEvents, trx);

      return {
        type: 'inbound',
        duplicate: false,
        workspaceId,
        messageId: message.id,
        contactId: contact.id,
        contactCreated,
        conversationId: conv.id,
        conversationCreated: opened.created,
        compliance: compliance.result,
        ...(compliance.reply ? { reply: { ...compliance.reply, inboundMessageId: message.id, conversationId: conv.id } } : {}),
      };
    });

    if (outcome.reply) {
      if (deps.sendReply) {
        try {
          await deps.sendReply(outcome.reply);
        } catch (err) {
          logger.error({ err, reply: outcome.reply }, 'compliance reply could not be started');
        }
      } else {
        logger.warn({ kind: outcome.reply.kind, messageId: outcome.messageId }, 'compliance reply not sent: no outbound send path wired (CarrierEventsDeps.sendReply)');
      }
    }
    return outcome;
  }

  /**
   * Opt-out, opt-in and help keywords, acted on here and nowhere else. Opt-out and opt-in change the contact only
   * when its state differs (a second STOP writes no second audit row or event); "YES" opts in only a contact that
   * is currently opted out.
   */
  async function applyCompliance(
    trx: Knex,
    phone: CarrierPhoneRow,
    contact: ContactRow,
    message: MessageRow,
    out: NewEvent[],
  ): Promise<{ contact: ContactRow; result: InboundOutcome['compliance']; reply?: Omit<ReplyIntent, 'inboundMessageId' | 'conversationId'> }> {
    const match = matchComplianceKeyword(message.content);
    if (!match) return { contact, result: null };
    const workspaceId = phone.workspace_id;
    const replyTo = (kind: ReplyIntent['kind'], content: string) => ({
      kind, workspaceId, phoneId: phone.id, contactId: contact.id, channel: message.channel as ReplyIntent['channel'], to: message.from_address, from: message.to_address, content,
    });
    const detail = { keyword: match.keyword, message_id: message.id, phone_id: phone.id, channel: message.channel };

    if (match.class === 'opt_out') {
      const changed = await contacts.setOptedOut(workspaceId, contact.id, true, DNC_LABEL_NAME, trx);
      if (changed) {
        await consent.record({ workspace_id: workspaceId, contact_id: contact.id, phone: message.from_address, action: 'opt_out', source: 'keyword', actor: 'contact', detail }, trx);
        out.push({ workspace_id: workspaceId, type: 'contact.opted_out', subject_type: 'contact', subject_id: contact.id, data: contactEventData(changed, { source: 'keyword', ...detail }) });
      }
      const reply = phone.enabled_dnc_reply && phone.dnc_reply_message ? replyTo('dnc', phone.dnc_reply_message) : undefined;
      return { contact: changed ?? contact, result: { class: 'opt_out', keyword: match.keyword, applied: !!changed }, reply };
    }

    if (match.class === 'opt_in') {
      if (match.keyword === 'YES' && !contact.opted_out_at && !(await hasDnc(trx, workspaceId, contact.id))) {
        return { contact, result: null };
      }
      const changed = await contacts.setOptedOut(workspaceId, contact.id, false, DNC_LABEL_NAME, trx);
      if (changed) {
        await consent.record({ workspace_id: workspaceId, contact_id: contact.id, phone: message.from_address, action: 'opt_in', source: 'keyword', actor: 'contact', detail }, trx);
        out.push({
          workspace_id: workspaceId, type: 'contact.updated', subject_type: 'contact', subject_id: contact.id,
          data: contactEventData(changed, { updated_fields: ['opted_out_at', 'labels'], source: 'keyword', ...detail }),
        });
      }
      return { contact: changed ?? contact, result: { class: 'opt_in', keyword: match.keyword, applied: !!changed } };
    }

    const reply = phone.enabled_generic_reply && phone.generic_reply_message ? replyTo('help', phone.generic_reply_message) : undefined;
    return { contact, result: { class: 'help', keyword: match.keyword, applied: true }, reply };
  }

  const hasDnc = async (trx: Knex, workspaceId: string, contactId: string): Promise<boolean> => (await complianceRepo(trx).dncContactIds(workspaceId, [contactId], trx)).has(contactId);

  return {
    ingestStatus,
    ingestInbound,

    /** Applies authenticated, resolved events in order; call (voice) events go to the dialer. */
    async ingest(provider: ProviderName, items: ResolvedEvent[]): Promise<IngestOutcome[]> {
      const out: IngestOutcome[] = [];
      for (const item of items) {
        const e = item.event;
        if (e.type === 'status') out.push(await ingestStatus(provider, e, item.allowedPhoneIds));
        else if (e.type === 'inbound') {
          if (!item.phone) {
            logger.warn({ provider, to: e.to, providerMessageId: e.providerMessageId }, 'inbound message for no known phone; acknowledged');
            out.push({ type: 'ignored', reason: 'unknown phone' });
          } else out.push(await ingestInbound(provider, item.phone, e));
        } else if (deps.onCallEvent) {
          out.push({ type: 'call', providerCallId: e.providerCallId, known: await deps.onCallEvent(provider, e) });
        } else {
          logger.debug({ provider, providerCallId: e.providerCallId, status: e.status }, 'call event with no dialer wired; acknowledged');
          out.push({ type: 'ignored', reason: 'call event' });
        }
      }
      return out;
    },
  };
}

export type CarrierEventsService = ReturnType<typeof carrierEventsService>;
