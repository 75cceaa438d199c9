import type { Knex } from 'knex';

export interface ConversationRow {
  id: string;
  workspace_id: string;
  contact_id: string;
  phone_id: string | null;
  channel: 'sms' | 'whatsapp' | 'email';
  status: 'open' | 'ended';
  last_message_at: Date | null;
  ended_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

type ConversationKey = Pick<ConversationRow, 'workspace_id' | 'contact_id' | 'channel' | 'phone_id'>;

/** Conversations: at most one open per contact, channel and sender (a partial unique index enforces it). */
export function conversationsRepo(db: Knex) {
  const open = (key: ConversationKey, trx: Knex) =>
    trx('conversations')
      .where({ workspace_id: key.workspace_id, contact_id: key.contact_id, channel: key.channel, status: 'open' })
      .modify((q) => (key.phone_id ? q.andWhere({ phone_id: key.phone_id }) : q.whereNull('phone_id')));
  return {
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
