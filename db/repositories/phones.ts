import type { Knex } from 'knex';
import type { PhoneCapability, PhoneRow } from '../rows';

export type NewPhone = Pick<PhoneRow, 'workspace_id' | 'name' | 'phone'> & Partial<Omit<PhoneRow, 'id' | 'created_at' | 'updated_at'>>;

export const DEFAULT_CAPABILITY: PhoneCapability = { sms: true, mms: true, voice: true, fax: false, whatsapp: false, whatsapp_business_platform: false };

/** Filters of the SeaX phone list; an absent field sets no condition. */
export interface PhoneListFilter {
  isOwned?: boolean;
  enabled?: boolean;
  /** true: phone_capability.voice is on; false: it is off. */
  voiceAvailable?: boolean;
}

export type PhonePatch = Partial<Omit<PhoneRow, 'id' | 'workspace_id' | 'created_at' | 'updated_at'>>;

/** Runs inside the write's transaction with the row before (undefined on create) and after (undefined on delete). */
export type PhoneChangeHook = (change: { before?: PhoneRow; after?: PhoneRow }, trx: Knex) => Promise<void>;

/** Which unique rule a failed phone insert or update broke, if any. */
export function phoneConflictOf(err: unknown): 'number' | 'default' | undefined {
  const e = err as { code?: string; constraint?: string };
  if (e?.code !== '23505') return undefined;
  return e.constraint === 'phones_one_default' ? 'default' : 'number';
}

/** Sender phones (a Zagely "session"), always scoped by workspace. */
export function phonesRepo(db: Knex) {
  return {
    /**
     * Insert a phone; when it is the default, the previous default stops being one in the same transaction.
     * `credentialsFor` encrypts credentials bound to the new row's id; they are written in the same transaction.
     */
    async create(row: NewPhone, onChange?: PhoneChangeHook, credentialsFor?: (phoneId: string) => string): Promise<PhoneRow> {
      return db.transaction(async (trx) => {
        if (row.is_default) await trx('phones').where({ workspace_id: row.workspace_id, is_default: true }).update({ is_default: false });
        let [phone] = await trx('phones')
          .insert({ ...row, phone_capability: JSON.stringify(row.phone_capability ?? DEFAULT_CAPABILITY) })
          .returning('*');
        if (credentialsFor) {
          [phone] = await trx('phones').where({ id: phone.id }).update({ credentials_encrypted: credentialsFor(phone.id as string) }).returning('*');
        }
        await onChange?.({ after: phone as PhoneRow }, trx);
        return phone as PhoneRow;
      });
    },
    get: (workspaceId: string, id: string): Promise<PhoneRow | undefined> => db('phones').where({ workspace_id: workspaceId, id }).first(),
    /** Which of these ids are the workspace's phones, with their number, name and whether they are enabled (one query). */
    states: (workspaceId: string, ids: string[]): Promise<{ id: string; phone: string; name: string; enabled: boolean }[]> =>
      ids.length ? db('phones').where({ workspace_id: workspaceId }).whereIn('id', ids).select('id', 'phone', 'name', 'enabled') : Promise.resolve([]),
    findByNumber: (workspaceId: string, phone: string): Promise<PhoneRow | undefined> =>
      db('phones').where({ workspace_id: workspaceId, phone }).first(),
    /** The SeaX phone list: filtered, oldest first (ties by id), `limit` undefined for all, with the total. */
    async list(workspaceId: string, filter: PhoneListFilter, opts: { limit?: number; offset: number }): Promise<{ rows: PhoneRow[]; total: number }> {
      const base = db('phones')
        .where({ workspace_id: workspaceId })
        .modify((q) => {
          if (filter.isOwned !== undefined) q.andWhere({ is_owned: filter.isOwned });
          if (filter.enabled !== undefined) q.andWhere({ enabled: filter.enabled });
          if (filter.voiceAvailable !== undefined) {
            q.andWhereRaw(`coalesce((phone_capability->>'voice')::boolean, false) = ?`, [filter.voiceAvailable]);
          }
        });
      const [rows, [{ n }]] = await Promise.all([
        base
          .clone()
          .orderBy([{ column: 'created_at', order: 'asc' }, { column: 'id', order: 'asc' }])
          .modify((q) => (opts.limit === undefined ? q : q.limit(opts.limit)))
          .offset(opts.offset),
        base.clone().count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows: rows as PhoneRow[], total: Number(n) };
    },

    /** Change the given fields; making a phone the default unsets the previous default in the same transaction. */
    async update(workspaceId: string, id: string, patch: PhonePatch, onChange?: PhoneChangeHook): Promise<PhoneRow | undefined> {
      return db.transaction(async (trx) => {
        const before = onChange ? ((await trx('phones').where({ workspace_id: workspaceId, id }).forUpdate().first()) as PhoneRow | undefined) : undefined;
        if (patch.is_default) {
          await trx('phones').where({ workspace_id: workspaceId, is_default: true }).whereNot({ id }).update({ is_default: false });
        }
        const values: Record<string, unknown> = { ...patch, updated_at: trx.fn.now() };
        if (patch.phone_capability) values.phone_capability = JSON.stringify(patch.phone_capability);
        const [row] = await trx('phones').where({ workspace_id: workspaceId, id }).update(values).returning('*');
        if (row && before) await onChange?.({ before, after: row as PhoneRow }, trx);
        return row as PhoneRow | undefined;
      });
    },

    async delete(workspaceId: string, id: string, onChange?: PhoneChangeHook): Promise<number> {
      return db.transaction(async (trx) => {
        const rows = (await trx('phones').where({ workspace_id: workspaceId, id }).delete().returning('*')) as PhoneRow[];
        for (const before of rows) await onChange?.({ before }, trx);
        return rows.length;
      });
    },
  };
}
