import type { Knex } from 'knex';
import type { MessageRow, MessageStatus } from '../rows';

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

const FAILURES = new Set<MessageStatus>(['failed', 'undelivered']);
const SUCCESSES = new Set<MessageStatus>(['delivered', 'read']);

/** True when a report names an outcome opposite to the one recorded, or a different failure than the one recorded. */
export function contradictsOutcome(reported: MessageStatus, current: MessageStatus): boolean {
  if (FAILURES.has(reported)) return SUCCESSES.has(current) || (FAILURES.has(current) && current !== reported);
  if (SUCCESSES.has(reported)) return FAILURES.has(current);
  return false;
}

export interface StatusChange {
  message: MessageRow;
  previousStatus: MessageStatus;
  /** True when this update set the status's timestamp for the first time (emit its event exactly then). */
  firstTime: boolean;
}

/** Messages, always scoped by workspace, except lookups by provider id for callbacks (the provider id is unique). */
export function messagesRepo(db: Knex) {
  return {
    /** Insert a message (the caller records its event in the same transaction: services/messages.ts). */
    async insert(row: Partial<MessageRow> & Pick<MessageRow, 'workspace_id' | 'channel' | 'direction' | 'from_address' | 'to_address' | 'status'>, trx: Knex = db): Promise<MessageRow> {
      const [msg] = (await trx('messages')
        .insert({ ...row, media_urls: JSON.stringify(row.media_urls ?? []), template: row.template ? JSON.stringify(row.template) : null })
        .returning('*')) as MessageRow[];
      return msg;
    },

    /**
     * Insert a message unless its (provider, provider_message_id) is already recorded: a provider retrying an
     * inbound webhook resolves to the first row. Returns undefined for such a duplicate. The unique index's lock
     * serialises concurrent retries: the second waits for the first to commit, then inserts nothing.
     */
    async insertUnlessKnown(row: Partial<MessageRow> & Pick<MessageRow, 'workspace_id' | 'channel' | 'direction' | 'from_address' | 'to_address' | 'status' | 'provider' | 'provider_message_id'>, trx: Knex = db): Promise<MessageRow | undefined> {
      const [msg] = await trx('messages')
        .insert({ ...row, media_urls: JSON.stringify(row.media_urls ?? []), template: row.template ? JSON.stringify(row.template) : null })
        .onConflict()
        .ignore()
        .returning('*');
      return msg as MessageRow | undefined;
    },

    /** Attach an inbound message to its contact and conversation once they are resolved. */
    async link(id: string, patch: Pick<MessageRow, 'contact_id' | 'conversation_id'>, trx: Knex = db): Promise<MessageRow> {
      const [msg] = await trx('messages').where({ id }).update(patch).returning('*');
      return msg as MessageRow;
    },

    /** Whether the contact sent anything before this inbound message (welcome automations fire on the first). */
    async hasEarlierInbound(m: Pick<MessageRow, 'workspace_id' | 'contact_id' | 'created_at' | 'id'>): Promise<boolean> {
      const earlier = await db('messages')
        .where({ workspace_id: m.workspace_id, contact_id: m.contact_id, direction: 'inbound' })
        .andWhere((w) => w.where('created_at', '<', m.created_at).orWhere((x) => x.where('created_at', m.created_at).andWhere('id', '<', m.id)))
        .first('id');
      return Boolean(earlier);
    },

    setWorkflowId: (workspaceId: string, id: string, workflowId: string) =>
      db('messages').where({ workspace_id: workspaceId, id }).update({ workflow_id: workflowId }),

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
     * The send step's intent write: claim the message for one carrier call (scheduled|queued → sending). Returns
     * undefined when another attempt claimed it, or it was canceled meanwhile.
     */
    markSending: (workspaceId: string, id: string, trx: Knex = db): Promise<MessageRow | undefined> =>
      messagesRepo(trx).transition(workspaceId, id, ['scheduled', 'queued'], 'sending', { error_code: null, error_message: null }, trx),

    /**
     * sending → queued after a carrier error that provably created nothing (not ambiguous): the next attempt may
     * send again without reconciling. The error is kept on the row until the message is sent. A transient error
     * (not a rate limit) counts as a transient failure. Answers the failures so far, or undefined when the row was
     * not `sending`.
     */
    async release(workspaceId: string, id: string, error: { code: string; message: string; transient: boolean }, trx: Knex = db): Promise<number | undefined> {
      const [row] = await trx('messages')
        .where({ workspace_id: workspaceId, id, status: 'sending' })
        .update({
          status: 'queued',
          error_code: error.code,
          error_message: error.message.slice(0, 1000),
          transient_failures: error.transient ? trx.raw('transient_failures + 1') : trx.raw('transient_failures'),
          updated_at: trx.fn.now(),
        })
        .returning('transient_failures');
      return row?.transient_failures;
    },

    /** One more transient failure of a message still `sending` (an ambiguous send the carrier had no record of). */
    async countTransientFailure(workspaceId: string, id: string, trx: Knex = db): Promise<number | undefined> {
      const [row] = await trx('messages').where({ workspace_id: workspaceId, id, status: 'sending' }).increment('transient_failures', 1).returning('transient_failures');
      return row?.transient_failures;
    },

    /** sending → sent with the provider's id (compare-and-set; undefined when the row was not `sending`). */
    markSent: (workspaceId: string, id: string, provider: string, providerMessageId: string, trx: Knex = db): Promise<MessageRow | undefined> =>
      messagesRepo(trx).transition(workspaceId, id, ['sending'], 'sent', { provider, provider_message_id: providerMessageId, error_code: null, error_message: null }, trx),

    /** Any of `from` → failed with a reason (compare-and-set). */
    markFailed: (workspaceId: string, id: string, from: MessageStatus[], error: { code: string; message: string; provider?: string | null }, trx: Knex = db): Promise<MessageRow | undefined> =>
      messagesRepo(trx).transition(workspaceId, id, from, 'failed', { error_code: error.code, error_message: error.message.slice(0, 1000), ...(error.provider ? { provider: error.provider } : {}) }, trx),

    /** Move a not-yet-sent message's send time (scheduled or quiet-hours deferral); false when it is past that stage. */
    async setSendAt(workspaceId: string, id: string, sendAt: Date, from: MessageStatus[] = ['scheduled'], trx: Knex = db): Promise<MessageRow | undefined> {
      const [row] = await trx('messages')
        .where({ workspace_id: workspaceId, id })
        .whereIn('status', from)
        .update({ send_at: sendAt, updated_at: trx.fn.now() })
        .returning('*');
      return row as MessageRow | undefined;
    },

    /** A page of a workspace's messages with their contact and sender, newest first. */
    async list(
      workspaceId: string,
      filter: { id?: string; channel?: string[]; phoneId?: string; contactId?: string; direction?: string; status?: MessageStatus },
      opts: { limit: number; offset: number },
    ): Promise<{ rows: (MessageRow & { contact_name: string | null; contact_phone: string | null; phone_name: string | null })[]; total: number }> {
      const base = db('messages as m')
        .where('m.workspace_id', workspaceId)
        .modify((q) => {
          if (filter.id) q.andWhere('m.id', filter.id);
          applyMessageFilter(q, { ...filter, statuses: filter.status ? [filter.status] : undefined });
        });
      const [rows, [{ n }]] = await Promise.all([
        base
          .clone()
          .leftJoin('contacts as c', 'c.id', 'm.contact_id')
          .leftJoin('phones as p', 'p.id', 'm.phone_id')
          .select('m.*', 'c.name as contact_name', 'c.phone as contact_phone', 'p.name as phone_name')
          .orderBy([{ column: filter.status === 'scheduled' ? 'm.send_at' : 'm.created_at', order: filter.status === 'scheduled' ? 'asc' : 'desc' }, { column: 'm.id', order: 'desc' }])
          .limit(opts.limit)
          .offset(opts.offset),
        base.clone().count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows, total: Number(n) };
    },

    /**
     * Apply a carrier status report by provider id, under a row lock: forward-only (see STATUS_RANK), records the
     * first time of each status and the provider's error, and tells whether this report was the first of its kind.
     *
     * A lower-ranked report fills in its missing timestamp without moving the status (`sent` after `delivered`);
     * a report that contradicts the outcome already recorded (`failed` after `delivered` or `read`, `delivered`
     * after `failed`, `failed` after `undelivered`) changes nothing, so one message never announces both outcomes.
     * Runs in the caller's transaction (its event rows must commit with the change) or in its own.
     */
    async applyCallbackStatus(
      provider: string,
      providerMessageId: string,
      status: CallbackStatus,
      occurredAt: Date,
      error: { code?: string | null; message?: string | null } = {},
      trx: Knex = db,
    ): Promise<StatusChange | undefined> {
      const apply = async (t: Knex): Promise<StatusChange | undefined> => {
        const current = (await t('messages').where({ provider, provider_message_id: providerMessageId }).forUpdate().first()) as MessageRow | undefined;
        if (!current) return undefined;
        const previousStatus = current.status;
        const unchanged: StatusChange = { message: current, previousStatus, firstTime: false };
        if (contradictsOutcome(status, previousStatus)) return unchanged;
        const ts = `${status}_at` as keyof MessageRow;
        const firstTime = current[ts] === null || current[ts] === undefined;
        const advances = STATUS_RANK[status] > STATUS_RANK[previousStatus];
        if (!firstTime && !advances) return unchanged;
        const patch: Record<string, unknown> = { updated_at: t.fn.now() };
        if (advances) patch.status = status;
        if (firstTime) patch[ts] = occurredAt;
        if (FAILURES.has(status) && (error.code || error.message)) {
          patch.error_code = error.code ?? current.error_code;
          patch.error_message = error.message ?? current.error_message;
        }
        const [message] = await t('messages').where({ id: current.id }).update(patch).returning('*');
        return { message: message as MessageRow, previousStatus, firstTime };
      };
      return trx.isTransaction ? apply(trx) : db.transaction(apply);
    },
  };
}

/** What the message list and the message history export filter on; absent fields set no condition. */
export interface MessageFilter {
  channel?: string[];
  phoneId?: string;
  contactId?: string;
  direction?: string;
  statuses?: string[];
  /** created_at >= from and created_at <= to. */
  from?: Date;
  to?: Date;
}

/** The filter's conditions on `messages as m`. */
export function applyMessageFilter(q: Knex.QueryBuilder, f: MessageFilter): Knex.QueryBuilder {
  if (f.channel) q.whereIn('m.channel', f.channel);
  if (f.phoneId) q.andWhere('m.phone_id', f.phoneId);
  if (f.contactId) q.andWhere('m.contact_id', f.contactId);
  if (f.direction) q.andWhere('m.direction', f.direction);
  if (f.statuses?.length) q.whereIn('m.status', f.statuses);
  if (f.from) q.andWhere('m.created_at', '>=', f.from);
  if (f.to) q.andWhere('m.created_at', '<=', f.to);
  return q;
}
