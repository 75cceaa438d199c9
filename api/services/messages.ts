import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { contactsRepo, DuplicatePhoneError, type ContactRow } from '../../db/repositories/contacts';
import { messagesRepo, type MessageRow, type MessageStatus } from '../../db/repositories/messages';
import { phonesRepo, type PhoneRow } from '../../db/repositories/phones';
import { countSegments } from '../../domain/sms-segments';
import type { Logger } from '../../lib/logger';
import { workflowIds } from '../../workflows/shared/ids';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared/search-attributes';
import { cancelSignal, rescheduleSignal, sendMessageWorkflow } from '../../workflows/send-message';
import { ApiError, notFound, ValidationError } from '../errors';

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
  if (Number.isNaN(sendAt.getTime())) throw ValidationError.field(field, `The ${field} field must be an ISO 8601 date-time.`);
  if (sendAt.getTime() <= now.getTime()) throw ValidationError.field(field, `The ${field} field must be in the future.`);
  if (sendAt.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS) throw ValidationError.field(field, `The ${field} field may be at most 7 days ahead.`);
}

/**
 * Single sends: the API writes the message row (the intent) and starts its workflow (`message-<id>`) before it
 * answers; the worker does the carrier call. Cancel and reschedule change the row first (compare-and-set: the
 * database is the source of truth), then signal the workflow.
 */
export function messageService(deps: { db: Knex; temporal: Client; taskQueue: string; logger: Logger; clock?: () => Date }) {
  const { db, temporal, taskQueue, logger } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const messages = messagesRepo(db);
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
    const workflowId = workflowIds.message(row.id);
    try {
      await temporal.workflow.start(sendMessageWorkflow, {
        taskQueue,
        workflowId,
        args: [{ workspaceId: row.workspace_id, messageId: row.id, ...(sendAt ? { sendAt: sendAt.toISOString() } : {}) }],
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.workspaceId, value: row.workspace_id },
          { key: SEARCH_ATTRIBUTES.workflowKind, value: 'message' },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        await messages.markFailed(row.workspace_id, row.id, ['scheduled', 'queued'], { code: 'workflow_unavailable', message: 'The send could not be started; retry.' });
        throw new ApiError(503, 'service_unavailable', 'The workflow service is unavailable; retry shortly.', { cause: String(err) });
      }
    }
    await messages.setWorkflowId(row.workspace_id, row.id, workflowId);
    return { ...row, workflow_id: workflowId };
  }

  /** Write a queued SYSTEM/BOT reply row (not marketing) in `trx`; start it with `startMessage` after commit. */
  async function recordReply(input: ReplyInput, trx: Knex = db): Promise<MessageRow> {
    const media = input.mediaUrl ? [input.mediaUrl] : [];
    const isSms = input.channel !== 'whatsapp';
    const segments = isSms && input.content ? countSegments(input.content) : undefined;
    return messages.insert(
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
      if (!phone) throw ValidationError.field(field, `The ${field} field must be one of the workspace's phone numbers.`);
      if (!phone.enabled) throw ValidationError.field(field, `The phone ${number} is disabled.`);
      return phone;
    },

    /** The workspace's phone with this id (a Zagely session), or 422 naming `field`. */
    async senderById(workspaceId: string, id: string, field: string): Promise<PhoneRow> {
      const phone = await phones.get(workspaceId, id);
      if (!phone) throw ValidationError.field(field, `The ${field} field must name one of the workspace's sessions.`);
      if (!phone.enabled) throw ValidationError.field(field, `The session ${id} is disabled.`);
      return phone;
    },

    async send(workspaceId: string, input: SendInput): Promise<MessageRow> {
      const at = now();
      if (input.sendAt) checkSendAt(input.sendAt, at);
      const contact = await findOrCreateContact(workspaceId, input.to);
      const isSms = input.channel === 'sms';
      const segments = isSms && input.content ? countSegments(input.content) : undefined;
      const scheduled = input.sendAt !== undefined;
      const row = await messages.insert({
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
      await signal(id, (h) => h.signal(cancelSignal));
      return row;
    },

    /** Move a scheduled message's send time; 409 naming the current status when it is not scheduled. */
    async reschedule(workspaceId: string, id: string, sendAt: Date): Promise<MessageRow> {
      checkSendAt(sendAt, now());
      const row = await messages.setSendAt(workspaceId, id, sendAt, ['scheduled']);
      if (!row) throw tooLate(await this.get(workspaceId, id), 'rescheduled');
      await signal(id, (h) => h.signal(rescheduleSignal, { sendAt: sendAt.toISOString() }));
      return row;
    },
  };

  /** The row already changed; a failed signal only delays the workflow noticing (dispatch re-reads the row). */
  async function signal(id: string, fn: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<void>): Promise<void> {
    try {
      await fn(temporal.workflow.getHandle(workflowIds.message(id)));
    } catch (err) {
      logger.warn({ err, messageId: id }, 'message workflow not signalled; the row is authoritative');
    }
  }
}

function tooLate(m: MessageRow, what: string): ApiError {
  const status: MessageStatus = m.status;
  return new ApiError(409, 'invalid_status', `The message is ${status} and can no longer be ${what}.`, { status });
}
