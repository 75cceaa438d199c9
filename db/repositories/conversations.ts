import type { Knex } from 'knex';
import type { ConversationRow, MessageRow } from '../rows';

/** A conversation with its contact's and sender's names (the API list item). */
export type ListedConversation = ConversationRow & { contact_name: string | null; contact_phone: string | null; phone_name: string | null };

export interface ConversationFilter {
  status?: ConversationRow['status'];
  contactId?: string;
  phoneId?: string;
  channel?: ConversationRow['channel'];
}

type ConversationKey = Pick<ConversationRow, 'workspace_id' | 'contact_id' | 'channel' | 'phone_id'>;

/** Conversations: at most one open per contact, channel and sender (a partial unique index enforces it). */
export function conversationsRepo(db: Knex) {
  const open = (key: ConversationKey, trx: Knex) =>
    trx('conversations')
      .where({ workspace_id: key.workspace_id, contact_id: key.contact_id, channel: key.channel, status: 'open' })
      .modify((q) => (key.phone_id ? q.andWhere({ phone_id: key.phone_id }) : q.whereNull('phone_id')));
  const listed = (workspaceId: string, trx: Knex) =>
    trx('conversations as cv')
      .where('cv.workspace_id', workspaceId)
      .leftJoin('contacts as c', 'c.id', 'cv.contact_id')
      .leftJoin('phones as p', 'p.id', 'cv.phone_id')
      .select('cv.*', 'c.name as contact_name', 'c.phone as contact_phone', 'p.name as phone_name');
  return {
    /** Conversations of a workspace, newest activity first (last message, else creation). */
    async list(workspaceId: string, filter: ConversationFilter, opts: { limit: number; offset: number }, trx: Knex = db): Promise<{ rows: ListedConversation[]; total: number }> {
      const apply = (q: Knex.QueryBuilder) => {
        if (filter.status) q.andWhere('cv.status', filter.status);
        if (filter.contactId) q.andWhere('cv.contact_id', filter.contactId);
        if (filter.phoneId) q.andWhere('cv.phone_id', filter.phoneId);
        if (filter.channel) q.andWhere('cv.channel', filter.channel);
      };
      const [rows, [{ n }]] = await Promise.all([
        listed(workspaceId, trx)
          .modify(apply)
          .orderByRaw('COALESCE(cv.last_message_at, cv.created_at) DESC, cv.id DESC')
          .limit(opts.limit)
          .offset(opts.offset) as Promise<ListedConversation[]>,
        trx('conversations as cv').where('cv.workspace_id', workspaceId).modify(apply).count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows, total: Number(n) };
    },

    getListed: (workspaceId: string, id: string, trx: Knex = db): Promise<ListedConversation | undefined> =>
      listed(workspaceId, trx).andWhere('cv.id', id).first(),

    /** The conversation's latest `limit` messages, oldest first, with the contact's and sender's names. */
    async recentMessages(workspaceId: string, id: string, limit: number, trx: Knex = db) {
      const rows = await trx('messages as m')
        .where({ 'm.workspace_id': workspaceId, 'm.conversation_id': id })
        .leftJoin('contacts as c', 'c.id', 'm.contact_id')
        .leftJoin('phones as p', 'p.id', 'm.phone_id')
        .select('m.*', 'c.name as contact_name', 'c.phone as contact_phone', 'p.name as phone_name')
        .orderBy([{ column: 'm.created_at', order: 'desc' }, { column: 'm.id', order: 'desc' }])
        .limit(limit);
      return (rows as (MessageRow & { contact_name: string | null; contact_phone: string | null; phone_name: string | null })[]).reverse();
    },

    /** Compare-and-set open → ended; undefined when the conversation is missing or not open. */
    end: async (workspaceId: string, id: string, at: Date, trx: Knex = db): Promise<ConversationRow | undefined> => {
      const [row] = await trx('conversations')
        .where({ workspace_id: workspaceId, id, status: 'open' })
        .update({ status: 'ended', ended_at: at, updated_at: trx.fn.now() })
        .returning('*');
      return row as ConversationRow | undefined;
    },

    get: (workspaceId: string, id: string, trx: Knex = db): Promise<ConversationRow | undefined> =>
      trx('conversations').where({ workspace_id: workspaceId, id }).first(),

    /**
     * The open conversation for the key, created when there is none, and touched with `at` as its last message
     * time. Safe under concurrent inbound messages: the insert yields to the unique index and the winner is read.
     */
    async touchOrOpen(key: ConversationKey, at: Date, trx: Knex = db): Promise<{ conversation: ConversationRow; created: boolean; previousLastMessageAt: Date | null }> {
      const existing = (await open(key, trx).forUpdate().first()) as ConversationRow | undefined;
      if (!existing) {
        const [row] = await trx('conversations')
          .insert({ ...key, status: 'open', last_message_at: at })
          .onConflict()
          .ignore()
          .returning('*');
        if (row) return { conversation: row as ConversationRow, created: true, previousLastMessageAt: null };
      }
      const current = existing ?? ((await open(key, trx).forUpdate().first()) as ConversationRow);
      const [row] = await trx('conversations')
        .where({ id: current.id })
        .update({ last_message_at: trx.raw('GREATEST(last_message_at, ?::timestamptz)', [at]), updated_at: trx.fn.now() })
        .returning('*');
      return { conversation: row as ConversationRow, created: false, previousLastMessageAt: current.last_message_at };
    },
  };
}
