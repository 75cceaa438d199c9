import type { Knex } from 'knex';
import type { ContactMessageRow, ContactRow } from '../rows';

export type ContactFields = Partial<Pick<ContactRow, 'name' | 'phone' | 'whatsapp_phone' | 'email' | 'note' | 'custom_fields' | 'timezone'>>;

/** Thrown when a phone number is already used by another contact of the workspace. */
export class DuplicatePhoneError extends Error {
  constructor(readonly phone: string) {
    super(`A contact with phone ${phone} already exists.`);
  }
}

const isUniqueViolation = (err: unknown) => (err as { code?: string; constraint?: string }).code === '23505';

/** Contacts, always scoped by workspace. Listing and filtering go through segments.ts. */
export function contactsRepo(db: Knex) {
  const scoped = (workspaceId: string, trx: Knex = db) => trx('contacts').where({ workspace_id: workspaceId });
  return {
    get: (workspaceId: string, id: string, trx: Knex = db): Promise<ContactRow | undefined> => scoped(workspaceId, trx).andWhere({ id }).first(),
    findByPhone: (workspaceId: string, phone: string, trx: Knex = db): Promise<ContactRow | undefined> =>
      scoped(workspaceId, trx).andWhere({ phone }).first(),
    /** Of the given phones, the contacts that exist (one query). */
    findByPhones: (workspaceId: string, phones: string[], trx: Knex = db): Promise<ContactRow[]> =>
      phones.length ? scoped(workspaceId, trx).whereIn('phone', phones) : Promise.resolve([]),
    /** The contact whose phone or WhatsApp number is `phone` (phone first), for inbound messages. */
    findByAnyPhone: (workspaceId: string, phone: string, trx: Knex = db): Promise<ContactRow | undefined> =>
      scoped(workspaceId, trx)
        .andWhere((q) => q.where({ phone }).orWhere({ whatsapp_phone: phone }))
        .orderByRaw('(phone = ?) DESC, created_at ASC', [phone])
        .first(),

    /**
     * Insert a contact for an unknown inbound number unless one with that phone appeared meanwhile (a concurrent
     * inbound); returns the row and whether this call created it.
     */
    async insertIfAbsent(workspaceId: string, fields: ContactFields & { name: string; phone: string }, trx: Knex = db): Promise<{ contact: ContactRow; created: boolean }> {
      const [row] = await trx('contacts')
        .insert({ ...fields, custom_fields: JSON.stringify(fields.custom_fields ?? {}), workspace_id: workspaceId })
        .onConflict()
        .ignore()
        .returning('*');
      if (row) return { contact: row as ContactRow, created: true };
      const existing = await scoped(workspaceId, trx).andWhere({ phone: fields.phone }).first();
      return { contact: existing as ContactRow, created: false };
    },

    /**
     * Opt-out state by compare-and-set: `optedOut` true sets opted_out_at (when not set) and attaches the system DNC
     * label; false clears both. Returns the contact when anything changed, undefined when it already was so.
     */
    async setOptedOut(workspaceId: string, id: string, optedOut: boolean, dncLabelName: string, trx: Knex = db): Promise<ContactRow | undefined> {
      const dnc = trx('labels').where({ workspace_id: workspaceId, is_system: true, name: dncLabelName }).select('id');
      let labelsChanged: number;
      if (optedOut) {
        const res = await trx.raw(
          `INSERT INTO contact_labels (workspace_id, contact_id, label_id)
           SELECT ?, ?, id FROM labels WHERE workspace_id = ? AND is_system AND name = ? ON CONFLICT DO NOTHING`,
          [workspaceId, id, workspaceId, dncLabelName],
        );
        labelsChanged = res.rowCount ?? 0;
      } else {
        labelsChanged = await trx('contact_labels').where({ workspace_id: workspaceId, contact_id: id }).whereIn('label_id', dnc).delete();
      }
      const [row] = await scoped(workspaceId, trx)
        .andWhere({ id })
        .modify((q) => (optedOut ? q.whereNull('opted_out_at') : q.whereNotNull('opted_out_at')))
        .update({ opted_out_at: optedOut ? trx.fn.now() : null, updated_at: trx.fn.now() })
        .returning('*');
      if (row) return row as ContactRow;
      return labelsChanged > 0 ? scoped(workspaceId, trx).andWhere({ id }).first() : undefined;
    },

    existingIds: async (workspaceId: string, ids: string[], trx: Knex = db): Promise<Set<string>> =>
      ids.length ? new Set((await scoped(workspaceId, trx).whereIn('id', ids).select('id')).map((r: { id: string }) => r.id)) : new Set(),

    async insert(workspaceId: string, fields: ContactFields & { name: string }, trx: Knex = db): Promise<ContactRow> {
      try {
        const [row] = await trx('contacts')
          .insert({ ...fields, custom_fields: JSON.stringify(fields.custom_fields ?? {}), workspace_id: workspaceId })
          .returning('*');
        return row as ContactRow;
      } catch (err) {
        if (isUniqueViolation(err) && fields.phone) throw new DuplicatePhoneError(fields.phone);
        throw err;
      }
    },

    async update(workspaceId: string, id: string, fields: ContactFields, trx: Knex = db): Promise<ContactRow | undefined> {
      const patch: Record<string, unknown> = { ...fields, updated_at: trx.fn.now() };
      if (fields.custom_fields !== undefined) patch.custom_fields = JSON.stringify(fields.custom_fields);
      try {
        const [row] = await scoped(workspaceId, trx).andWhere({ id }).update(patch).returning('*');
        return row as ContactRow | undefined;
      } catch (err) {
        if (isUniqueViolation(err) && fields.phone) throw new DuplicatePhoneError(fields.phone);
        throw err;
      }
    },

    /** Set flags with compare-and-set; returns the row only when something changed. */
    async setBlocked(workspaceId: string, id: string, blocked: boolean, trx: Knex = db): Promise<ContactRow | undefined> {
      const [row] = await scoped(workspaceId, trx).andWhere({ id, blocked: !blocked }).update({ blocked, updated_at: trx.fn.now() }).returning('*');
      return row as ContactRow | undefined;
    },

    delete: (workspaceId: string, id: string, trx: Knex = db): Promise<number> => scoped(workspaceId, trx).andWhere({ id }).delete(),

    /** The contact's latest messages, newest first (Zagely's contact view shows the last 10). */
    recentMessages: (workspaceId: string, contactId: string, limit = 10): Promise<ContactMessageRow[]> =>
      db('messages')
        .where({ workspace_id: workspaceId, contact_id: contactId })
        .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
        .limit(limit)
        .select('id', 'channel', 'direction', 'content_type', 'content', 'status', 'phone_id', 'created_at'),

    /** Groups of many contacts in one query, keyed by contact id (static memberships). */
    async groupsFor(workspaceId: string, contactIds: string[]): Promise<Map<string, { id: string; name: string }[]>> {
      const out = new Map<string, { id: string; name: string }[]>();
      if (!contactIds.length) return out;
      const rows: { contact_id: string; id: string; name: string }[] = await db('contact_group_members as m')
        .join('contact_groups as g', 'g.id', 'm.group_id')
        .where('m.workspace_id', workspaceId)
        .whereIn('m.contact_id', contactIds)
        .orderBy('g.name')
        .select('m.contact_id', 'g.id', 'g.name');
      for (const { contact_id, ...g } of rows) out.set(contact_id, [...(out.get(contact_id) ?? []), g]);
      return out;
    },
  };
}
