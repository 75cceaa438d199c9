import type { Knex } from 'knex';

export type MessageStatus =
  | 'scheduled' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read' | 'received' | 'canceled' | 'expired';

export interface MessageRow {
  id: string;
  workspace_id: string;
  channel: 'sms' | 'mms' | 'whatsapp' | 'email';
  direction: 'outbound' | 'inbound';
  sender_type: 'CUSTOMER' | 'AGENT' | 'BOT' | 'SYSTEM';
  content_type: string;
  phone_id: string | null;
  contact_id: string | null;
  conversation_id: string | null;
  campaign_id: string | null;
  api_key_id: string | null;
  from_address: string;
  to_address: string;
  content: string | null;
  media_urls: string[];
  template: Record<string, unknown> | null;
  is_marketing: boolean;
  status: MessageStatus;
  provider: string | null;
  provider_message_id: string | null;
  error_code: string | null;
  error_message: string | null;
  encoding: string | null;
  segments: number | null;
  send_at: Date | null;
  queued_at: Date | null;
  sending_at: Date | null;
  sent_at: Date | null;
  delivered_at: Date | null;
  undelivered_at: Date | null;
  failed_at: Date | null;
  read_at: Date | null;
  received_at: Date | null;
  canceled_at: Date | null;
  workflow_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Statuses a carrier callback can report, in the order a message moves through them. */
export const CALLBACK_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'read'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

/**
 * Rank of each status: a callback moves a message only to a higher rank, so late or duplicate callbacks never move
 * it backwards (a `sent` arriving after `delivered` only fills in sent_at). Terminal failures and delivery share a
 * rank, so `failed` never overrides `delivered` or the other way round; `read` outranks both.
 */
export const STATUS_RANK: Record<MessageStatus, number> = {
  scheduled: 0, queued: 1, sending: 2, sent: 3, delivered: 5, undelivered: 5, failed: 5, read: 6,
  received: 9, canceled: 9, expired: 9,
};

const rankSql = (col: string) =>
  `CASE ${col} ${Object.entries(STATUS_RANK).map(([s, r]) => `WHEN '${s}' THEN ${r}`).join(' ')} ELSE 0 END`;

export interface StatusChange {
  message: MessageRow;
  previousStatus: MessageStatus;
  /** True when this update set the status's timestamp for the first time (emit its event exactly then). */
  firstTime: boolean;
}

/** Messages, always scoped by workspace, except lookups by provider id for callbacks (the provider id is unique). */
export function messagesRepo(db: Knex) {
  return {
    async insert(row: Partial<MessageRow> & Pick<MessageRow, 'workspace_id' | 'channel' | 'direction' | 'from_address' | 'to_address' | 'status'>, trx: Knex = db): Promise<MessageRow> {
      const [msg] = await trx('messages')
        .insert({ ...row, media_urls: JSON.stringify(row.media_urls ?? []), template: row.template ? JSON.stringify(row.template) : null })
        .returning('*');
      return msg as MessageRow;
    },

    get: (workspaceId: string, id: string, trx: Knex = db): Promise<MessageRow | undefined> =>
      trx('messages').where({ workspace_id: workspaceId, id }).first(),

    findByProviderId: (provider: string, providerMessageId: string, trx: Knex = db): Promise<MessageRow | undefined> =>
      trx('messages').where({ provider, provider_message_id: providerMessageId }).first(),

    /**
     * Compare-and-set on status: moves the message from one of `from` to `to`, setting `<to>_at`, and returns the
     * row only when this call made the change (a retried activity or a racing worker gets undefined).
     */
    async transition(workspaceId: string, id: string, from: MessageStatus[], to: MessageStatus, patch: Partial<MessageRow> = {}, trx: Knex = db): Promise<MessageRow | undefined> {
      const tsColumn = `${to}_at`;
      const [row] = await trx('messages')
        .where({ workspace_id: workspaceId, id })
        .whereIn('status', from)
        .update({ ...patch, status: to, [tsColumn]: trx.fn.now(), updated_at: trx.fn.now() })
        .returning('*');
      return row as MessageRow | undefined;
    },

    /**
     * Apply a carrier status report by provider id: forward-only (see STATUS_RANK), records the first time of each
     * status and the provider's error, and tells whether this report was the first of its kind.
     */
    async applyCallbackStatus(
      provider: string,
      providerMessageId: string,
      status: CallbackStatus,
      occurredAt: Date,
      error: { code?: string | null; message?: string | null } = {},
      trx: Knex = db,
    ): Promise<StatusChange | undefined> {
      const ts = `${status}_at`;
      const result = await trx.raw(
        `WITH old AS (
           SELECT id, status, ${ts} AS ts FROM messages WHERE provider = ? AND provider_message_id = ? FOR UPDATE
         )
         UPDATE messages m SET
           status = CASE WHEN ${rankSql('?::text')} > ${rankSql('m.status')} THEN ?::text ELSE m.status END,
           ${ts} = COALESCE(m.${ts}, ?),
           error_code = CASE WHEN ? IN ('failed', 'undelivered') THEN COALESCE(?, m.error_code) ELSE m.error_code END,
           error_message = CASE WHEN ? IN ('failed', 'undelivered') THEN COALESCE(?, m.error_message) ELSE m.error_message END,
           updated_at = now()
         FROM old WHERE m.id = old.id
         RETURNING m.*, old.status AS previous_status, (old.ts IS NULL) AS first_time`,
        [provider, providerMessageId, status, status, occurredAt, status, error.code ?? null, status, error.message ?? null],
      );
      const row = result.rows[0];
      if (!row) return undefined;
      const { previous_status, first_time, ...message } = row;
      return { message: message as MessageRow, previousStatus: previous_status, firstTime: first_time };
    },
  };
}
