import type { Knex } from 'knex';
import { contactsRepo, DuplicatePhoneError } from '../db/repositories/contacts';
import { eventsRepo } from '../db/repositories/events';
import { messagesRepo } from '../db/repositories/messages';
import { phonesRepo } from '../db/repositories/phones';
import { countSegments } from '../domain/sms-segments';
import type { Logger } from '../lib/logger';
import type { ContactRow, MessageRow, MessageStatus, PhoneRow } from '../db/rows';
import type { WorkflowStarters } from '../temporal/starters';
import { conflict, invalid, notFound, unavailable, type AppError } from './errors';
import { messageEventData } from './events';

/** Scheduled sends may be at most this far ahead (SeaX: "up to 7 days in advance"). */
export const MAX_SCHEDULE_AHEAD_MS = 7 * 24 * 3600 * 1000;

export type ContentType = 'text' | 'image' | 'video' | 'audio' | 'document' | 'template';

export interface SendInput {
  channel: 'sms' | 'whatsapp';
  sender: PhoneRow;
  /** E.164. */
  to: string;
  content: string | null;
  mediaUrls: string[];
  contentType: ContentType;
  template?: Record<string, unknown>;
  sendAt?: Date;
  /**
   * Marketing unless the caller marks the send transactional (domain/compliance.ts): quiet hours apply to
   * marketing only; blocked / opted-out / DNC recipients are refused either way.
   */
  transactional?: boolean;
  apiKeyId?: string;
}

/**
 * A reply the platform itself sends into a conversation: SYSTEM (compliance: the DNC confirmation, the HELP text)
 * or BOT (keyword auto-replies, automations). Never marketing. The compliance gate (activities/messaging.ts) lets
 * SYSTEM replies through to opted-out / DNC / blocked contacts and refuses BOT replies to them like any other
 * non-system traffic.
 */
export interface ReplyInput {
  workspaceId: string;
  phoneId: string;
  contactId: string;
  conversationId: string | null;
  channel: 'sms' | 'mms' | 'whatsapp';
  /** The customer's address (E.164). */
  to: string;
  /** Our sender address. */
  from: string;
  content: string;
  mediaUrl?: string | null;
  senderType: 'SYSTEM' | 'BOT';
  /** The inbound message this answers (for logs). */
  inReplyTo?: string;
}

/** Validate `send_at` (ISO with offset, already parsed): in the future and at most 7 days ahead; 422 naming the field. */
export function checkSendAt(sendAt: Date, now: Date, field = 'send_at'): void {
  if (Number.isNaN(sendAt.getTime())) throw invalid(field, `The ${field} field must be an ISO 8601 date-time.`);
  if (sendAt.getTime() <= now.getTime()) throw invalid(field, `The ${field} field must be in the future.`);
  if (sendAt.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS) throw invalid(field, `The ${field} field may be at most 7 days ahead.`);
}

/**
 * Single sends: the API writes the message row (the intent) and starts its workflow (`message-<id>`) before it
 * answers; the worker does the carrier call. Cancel and reschedule change the row first (compare-and-set: the
 * database is the source of truth), then signal the workflow.
 */
export function messageService(deps: { db: Knex; starters: WorkflowStarters; logger: Logger; clock?: () => Date }) {
  const { db, starters, logger } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const messages = messagesRepo(db);
  const events = eventsRepo(db);

  /**
   * Record an outbound message and its `message.new` event in one transaction (a savepoint when `trx` already is
   * one), so the event exists exactly when the row does.
   */
  const insertOutbound = (row: Parameters<typeof messages.insert>[0], trx: Knex = db): Promise<MessageRow> =>
    trx.transaction(async (t) => {
      const msg = await messages.insert(row, t);
      const contact = msg.contact_id ? await contacts.get(msg.workspace_id, msg.contact_id, t) : undefined;
      await events.record({ workspace_id: msg.workspace_id, type: 'message.new', subject_type: 'message', subject_id: msg.id, data: messageEventData(msg, contact) }, t);
      return msg;
    });
  const contacts = contactsRepo(db);
  const phones = phonesRepo(db);

  async function findOrCreateContact(workspaceId: string, phone: string): Promise<ContactRow> {
    const existing = await contacts.findByPhone(workspaceId, phone);
    if (existing) return existing;
    try {
      return await contacts.insert(workspaceId, { name: phone, phone });
    } catch (err) {
      if (!(err instanceof DuplicatePhoneError)) throw err;
      const raced = await contacts.findByPhone(workspaceId, phone);
      if (!raced) throw err;
      return raced;
    }
  }

  /** Start the message workflow for a recorded row (`message-<id>`: starting it again is a no-op). */
  async function startMessage(row: MessageRow, sendAt?: Date): Promise<MessageRow> {
    let workflowId: string;
    try {
      workflowId = await starters.message({ workspaceId: row.workspace_id, messageId: row.id, to: row.to_address, sendAt });
    } catch (err) {
      // Nothing may be left that could send later without a workflow: the row fails now.
      await messages.markFailed(row.workspace_id, row.id, ['scheduled', 'queued'], { code: 'workflow_unavailable', message: 'The send could not be started; retry.' });
      throw unavailable('The workflow service is unavailable; retry shortly.', { cause: String(err) });
    }
    await messages.setWorkflowId(row.workspace_id, row.id, workflowId);
    return { ...row, workflow_id: workflowId };
  }

  /** Write a queued SYSTEM/BOT reply row (not marketing) in `trx`; start it with `startMessage` after commit. */
  async function recordReply(input: ReplyInput, trx: Knex = db): Promise<MessageRow> {
    const media = input.mediaUrl ? [input.mediaUrl] : [];
    const isSms = input.channel !== 'whatsapp';
    const segments = isSms && input.content ? countSegments(input.content) : undefined;
    return insertOutbound(
      {
        workspace_id: input.workspaceId,
        channel: isSms ? (media.length ? 'mms' : 'sms') : 'whatsapp',
        direction: 'outbound',
        sender_type: input.senderType,
        content_type: media.length && !input.content ? 'image' : 'text',
        phone_id: input.phoneId,
        contact_id: input.contactId,
        conversation_id: input.conversationId,
        from_address: input.from,
        to_address: input.to,
        content: input.content,
        media_urls: media,
        is_marketing: false,
        status: 'queued',
        queued_at: now(),
        ...(segments ? { encoding: segments.encoding, segments: segments.segments } : {}),
      },
      trx,
    );
  }

  return {
    recordReply,
    startMessage,

    /** Record and start a SYSTEM or BOT reply (see ReplyInput). */
    async sendReply(input: ReplyInput): Promise<MessageRow> {
      const row = await recordReply(input);
      logger.debug({ messageId: row.id, inReplyTo: input.inReplyTo, senderType: input.senderType }, 'reply queued');
      return startMessage(row);
    },

    /** The workspace's phone with this number, or 422 naming `field`. */
    async senderByNumber(workspaceId: string, number: string, field: string): Promise<PhoneRow> {
      const phone = await phones.findByNumber(workspaceId, number);
      if (!phone) throw invalid(field, `The ${field} field must be one of the workspace's phone numbers.`);
      if (!phone.enabled) throw invalid(field, `The phone ${number} is disabled.`);
      return phone;
    },

    /** The workspace's phone with this id (a Zagely session), or 422 naming `field`. */
    async senderById(workspaceId: string, id: string, field: string): Promise<PhoneRow> {
      const phone = await phones.get(workspaceId, id);
      if (!phone) throw invalid(field, `The ${field} field must name one of the workspace's sessions.`);
      if (!phone.enabled) throw invalid(field, `The session ${id} is disabled.`);
      return phone;
    },

    async send(workspaceId: string, input: SendInput): Promise<MessageRow> {
      const at = now();
      if (input.sendAt) checkSendAt(input.sendAt, at);
      const contact = await findOrCreateContact(workspaceId, input.to);
      const isSms = input.channel === 'sms';
      const segments = isSms && input.content ? countSegments(input.content) : undefined;
      const scheduled = input.sendAt !== undefined;
      const row = await insertOutbound({
        workspace_id: workspaceId,
        channel: isSms ? (input.mediaUrls.length ? 'mms' : 'sms') : 'whatsapp',
        direction: 'outbound',
        sender_type: 'AGENT',
        content_type: input.contentType,
        phone_id: input.sender.id,
        contact_id: contact.id,
        api_key_id: input.apiKeyId ?? null,
        from_address: input.sender.phone,
        to_address: input.to,
        content: input.content,
        media_urls: input.mediaUrls,
        template: input.template ?? null,
        is_marketing: !input.transactional,
        status: scheduled ? 'scheduled' : 'queued',
        ...(scheduled ? { send_at: input.sendAt } : { queued_at: at }),
        ...(segments ? { encoding: segments.encoding, segments: segments.segments } : {}),
      });
      return startMessage(row, input.sendAt);
    },

    async get(workspaceId: string, id: string): Promise<MessageRow> {
      const row = await messages.get(workspaceId, id);
      if (!row) throw notFound('Message');
      return row;
    },

    list: messages.list,

    /** One message with its contact's and sender's names (the list item shape). */
    async getListed(workspaceId: string, id: string) {
      const { rows } = await messages.list(workspaceId, { id }, { limit: 1, offset: 0 });
      if (!rows[0]) throw notFound('Message');
      return rows[0];
    },

    /** Cancel a message that is not being sent yet; 409 naming the current status otherwise. */
    async cancel(workspaceId: string, id: string): Promise<MessageRow> {
      const row = await messages.transition(workspaceId, id, ['scheduled', 'queued'], 'canceled');
      if (!row) throw tooLate(await this.get(workspaceId, id), 'canceled');
      await signal(id, () => starters.cancelMessage(id));
      return row;
    },

    /** Move a scheduled message's send time; 409 naming the current status when it is not scheduled. */
    async reschedule(workspaceId: string, id: string, sendAt: Date): Promise<MessageRow> {
      checkSendAt(sendAt, now());
      const row = await messages.setSendAt(workspaceId, id, sendAt, ['scheduled']);
      if (!row) throw tooLate(await this.get(workspaceId, id), 'rescheduled');
      await signal(id, () => starters.rescheduleMessage(id, sendAt));
      return row;
    },
  };

  /** The row already changed; a failed signal only delays the workflow noticing (dispatch re-reads the row). */
  async function signal(id: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (err) {
      logger.warn({ err, messageId: id }, 'message workflow not signalled; the row is authoritative');
    }
  }
}

function tooLate(m: MessageRow, what: string): AppError {
  const status: MessageStatus = m.status;
  return conflict(`The message is ${status} and can no longer be ${what}.`, { status }, 'invalid_status');
}
