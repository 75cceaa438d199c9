import type { Knex } from 'knex';
import type { AutoReplyLogRow, AutoReplyOrigin, AutoReplyRow, TriggerType } from '../rows';

export type NewAutoReply = Pick<AutoReplyRow, 'workspace_id' | 'origin' | 'name'> & Partial<Omit<AutoReplyRow, 'id' | 'created_at' | 'updated_at'>>;
export type AutoReplyPatch = Partial<Omit<AutoReplyRow, 'id' | 'workspace_id' | 'origin' | 'created_at' | 'updated_at'>>;

export interface AutoReplyFilter {
  origin?: AutoReplyOrigin;
  phoneId?: string;
  isActive?: boolean;
  triggerType?: TriggerType;
}

const jsonb = (row: Partial<AutoReplyRow>) => ({
  ...row,
  ...(row.response_buttons !== undefined ? { response_buttons: JSON.stringify(row.response_buttons) } : {}),
  ...(row.conditions !== undefined ? { conditions: JSON.stringify(row.conditions) } : {}),
});

/** SeaX phone keywords and Zagely automations: one table, told apart by `origin`. */
export function autoRepliesRepo(db: Knex) {
  const scoped = (workspaceId: string, trx: Knex = db) => trx<AutoReplyRow>('auto_replies').where('workspace_id', workspaceId);

  return {
    async list(workspaceId: string, f: AutoReplyFilter, opts: { limit?: number; offset: number }): Promise<{ rows: AutoReplyRow[]; total: number }> {
      const q = scoped(workspaceId).modify((b) => {
        if (f.origin) b.andWhere('origin', f.origin);
        if (f.phoneId) b.andWhere('phone_id', f.phoneId);
        if (f.isActive !== undefined) b.andWhere('is_active', f.isActive);
        if (f.triggerType) b.andWhere('trigger_type', f.triggerType);
      });
      const [{ count }] = await q.clone().count<{ count: string }[]>({ count: '*' });
      const rows = await q.clone().orderBy([{ column: 'created_at', order: 'asc' }, { column: 'id', order: 'asc' }]).offset(opts.offset).modify((b) => {
        if (opts.limit) b.limit(opts.limit);
      });
      return { rows: rows as AutoReplyRow[], total: Number(count) };
    },

    /** The keywords of many phones in one query, keyed by phone id (SeaX `GET /phones`). */
    async keywordsOfPhones(workspaceId: string, phoneIds: string[]): Promise<Map<string, AutoReplyRow[]>> {
      const out = new Map<string, AutoReplyRow[]>();
      if (!phoneIds.length) return out;
      const rows = (await scoped(workspaceId).andWhere('origin', 'seax_keyword').whereIn('phone_id', phoneIds).orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])) as AutoReplyRow[];
      for (const r of rows) out.set(r.phone_id!, [...(out.get(r.phone_id!) ?? []), r]);
      return out;
    },

    async get(workspaceId: string, id: string, origin?: AutoReplyOrigin): Promise<AutoReplyRow | undefined> {
      return (await scoped(workspaceId).andWhere('id', id).modify((b) => {
        if (origin) b.andWhere('origin', origin);
      }).first()) as AutoReplyRow | undefined;
    },

    async insert(row: NewAutoReply): Promise<AutoReplyRow> {
      const [created] = await db('auto_replies').insert(jsonb(row as Partial<AutoReplyRow>)).returning('*');
      return created as AutoReplyRow;
    },

    async update(workspaceId: string, id: string, patch: AutoReplyPatch, origin?: AutoReplyOrigin): Promise<AutoReplyRow | undefined> {
      const [row] = await scoped(workspaceId)
        .andWhere('id', id)
        .modify((b) => {
          if (origin) b.andWhere('origin', origin);
        })
        .update({ ...jsonb(patch), updated_at: db.fn.now() } as never)
        .returning('*');
      return row as AutoReplyRow | undefined;
    },

    /** Flip is_active atomically (two concurrent toggles give on→off→on, never a lost update). */
    async toggle(workspaceId: string, id: string, origin: AutoReplyOrigin): Promise<AutoReplyRow | undefined> {
      const [row] = await scoped(workspaceId)
        .andWhere({ id, origin })
        .update({ is_active: db.raw('NOT is_active'), updated_at: db.fn.now() } as never)
        .returning('*');
      return row as AutoReplyRow | undefined;
    },

    delete: (workspaceId: string, id: string, origin: AutoReplyOrigin): Promise<number> => scoped(workspaceId).andWhere({ id, origin }).delete(),

    /** Active rules that may answer a message on `phoneId` and `channel` (phone_id null = every phone). */
    async candidates(workspaceId: string, phoneId: string, channel: string, trx: Knex = db): Promise<AutoReplyRow[]> {
      return (await scoped(workspaceId, trx)
        .andWhere('is_active', true)
        .andWhere((w) => w.whereNull('phone_id').orWhere('phone_id', phoneId))
        .andWhere((w) => w.whereIn('channel', ['all', channel]))) as AutoReplyRow[];
    },

    /** Claim the inbound message for one reply: the log row, or undefined when it was already answered. */
    async claim(row: Omit<AutoReplyLogRow, 'id' | 'created_at' | 'reply_message_id'>, trx: Knex = db): Promise<AutoReplyLogRow | undefined> {
      const [log] = await trx('auto_reply_logs').insert(row).onConflict('inbound_message_id').ignore().returning('*');
      return log as AutoReplyLogRow | undefined;
    },

    async logFor(workspaceId: string, inboundMessageId: string, trx: Knex = db): Promise<AutoReplyLogRow | undefined> {
      return (await trx('auto_reply_logs').where({ workspace_id: workspaceId, inbound_message_id: inboundMessageId }).first()) as AutoReplyLogRow | undefined;
    },

    async setReply(logId: string, replyMessageId: string, trx: Knex = db): Promise<void> {
      await trx('auto_reply_logs').where({ id: logId }).update({ reply_message_id: replyMessageId });
    },

    /** The newest `limit` trigger logs of one rule. */
    recentLogs: (workspaceId: string, autoReplyId: string, limit = 50): Promise<AutoReplyLogRow[]> =>
      db('auto_reply_logs').where({ workspace_id: workspaceId, auto_reply_id: autoReplyId }).orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]).limit(limit),
  };
}

export type AutoRepliesRepo = ReturnType<typeof autoRepliesRepo>;
