import type { Knex } from 'knex';
import type { LabelRow } from '../rows';

/** Contact labels (a Zagely "tag" is a label, matched by name, case-insensitively). */
export function labelsRepo(db: Knex) {
  const scoped = (workspaceId: string, trx: Knex = db) => trx('labels').where({ workspace_id: workspaceId });
  return {
    /** The system labels (DNC) among `labelIds` that the contact does not carry yet. */
    systemLabelsNotOn: (workspaceId: string, contactId: string, labelIds: string[], trx: Knex = db): Promise<{ name: string }[]> =>
      trx('labels as l')
        .where({ 'l.workspace_id': workspaceId, 'l.is_system': true })
        .whereIn('l.id', labelIds)
        .whereNotExists(trx('contact_labels as cl').whereRaw('cl.label_id = l.id').andWhere('cl.contact_id', contactId))
        .select('l.name'),
    /** The label ids a contact carries, in id order. */
    idsOfContact: async (contactId: string, trx: Knex = db): Promise<string[]> =>
      (await trx('contact_labels').where({ contact_id: contactId }).orderBy('label_id').pluck('label_id')) as string[],
    /** The workspace's labels with one of these ids or (lower-cased) names. */
    byIdsOrNames: (workspaceId: string, ids: string[], lowerNames: string[]): Promise<Pick<LabelRow, 'id' | 'name' | 'is_system'>[]> =>
      scoped(workspaceId)
        .andWhere((q) => {
          q.whereRaw('lower(name) = ANY(?::text[])', [lowerNames]);
          if (ids.length) q.orWhereIn('id', ids);
        })
        .select('id', 'name', 'is_system'),
    list: (workspaceId: string): Promise<LabelRow[]> => scoped(workspaceId).orderBy([{ column: 'is_system', order: 'desc' }, { column: 'name' }]),
    /** A page of the workspace's labels (system labels first, then by name, ties by id), `limit` undefined for all. */
    async page(workspaceId: string, opts: { limit?: number; offset: number }): Promise<{ rows: LabelRow[]; total: number }> {
      const [rows, [{ n }]] = await Promise.all([
        scoped(workspaceId)
          .orderByRaw('is_system DESC, lower(name) ASC, id ASC')
          .modify((q) => (opts.limit === undefined ? q : q.limit(opts.limit)))
          .offset(opts.offset),
        scoped(workspaceId).count<{ n: string }[]>({ n: '*' }),
      ]);
      return { rows: rows as LabelRow[], total: Number(n) };
    },
    get: (workspaceId: string, id: string): Promise<LabelRow | undefined> => scoped(workspaceId).andWhere({ id }).first(),
    getMany: (workspaceId: string, ids: string[]): Promise<LabelRow[]> => (ids.length ? scoped(workspaceId).whereIn('id', ids) : Promise.resolve([])),
    findByName: (workspaceId: string, name: string): Promise<LabelRow | undefined> =>
      scoped(workspaceId).andWhereRaw('lower(name) = lower(?)', [name]).first(),

    /** Ids (of the given ones) that exist in the workspace. */
    async existingIds(workspaceId: string, ids: string[], trx: Knex = db): Promise<Set<string>> {
      if (!ids.length) return new Set();
      const rows: { id: string }[] = await scoped(workspaceId, trx).whereIn('id', ids).select('id');
      return new Set(rows.map((r) => r.id));
    },

    /** Labels by name, creating the missing ones; returns ids in input order. Safe under concurrency. */
    async ensureByNames(workspaceId: string, names: string[], trx: Knex = db): Promise<string[]> {
      const byName = await labelsRepo(db).ensureNamed(workspaceId, names, trx);
      return [...new Set(names.map((n) => n.trim().toLowerCase()))].flatMap((n) => (byName.has(n) ? [byName.get(n)!.id] : []));
    },

    /** Labels by name, creating the missing ones, keyed by lower-cased name (a system label such as DNC is found, never created). */
    async ensureNamed(workspaceId: string, names: string[], trx: Knex = db): Promise<Map<string, Pick<LabelRow, 'id' | 'name' | 'is_system'>>> {
      const unique = [...new Map(names.map((n) => [n.trim().toLowerCase(), n.trim()])).values()].filter(Boolean);
      if (!unique.length) return new Map();
      await trx.raw(
        `INSERT INTO labels (workspace_id, name) SELECT ?, n FROM unnest(?::text[]) AS n
         ON CONFLICT (workspace_id, lower(name)) DO NOTHING`,
        [workspaceId, unique],
      );
      const rows: (Pick<LabelRow, 'id' | 'name' | 'is_system'> & { lname: string })[] = await scoped(workspaceId, trx)
        .whereIn(trx.raw('lower(name)') as unknown as string, unique.map((n) => n.toLowerCase()))
        .select('id', 'name', 'is_system', trx.raw('lower(name) as lname'));
      return new Map(rows.map(({ lname, ...l }) => [lname, l]));
    },

    async create(row: Pick<LabelRow, 'workspace_id' | 'name'> & Partial<Pick<LabelRow, 'color' | 'description'>>): Promise<LabelRow> {
      const [label] = await db('labels').insert(row).returning('*');
      return label as LabelRow;
    },
    async update(workspaceId: string, id: string, patch: Partial<Pick<LabelRow, 'name' | 'color' | 'description'>>): Promise<LabelRow | undefined> {
      const [label] = await scoped(workspaceId).andWhere({ id, is_system: false }).update({ ...patch, updated_at: db.fn.now() }).returning('*');
      return label as LabelRow | undefined;
    },
    delete: (workspaceId: string, id: string): Promise<number> => scoped(workspaceId).andWhere({ id, is_system: false }).delete(),

    /** Labels of many contacts in one query, keyed by contact id. */
    async forContacts(workspaceId: string, contactIds: string[]): Promise<Map<string, LabelRow[]>> {
      const out = new Map<string, LabelRow[]>();
      if (!contactIds.length) return out;
      const rows: (LabelRow & { contact_id: string })[] = await db('contact_labels as cl')
        .join('labels as l', 'l.id', 'cl.label_id')
        .where('cl.workspace_id', workspaceId)
        .whereIn('cl.contact_id', contactIds)
        .orderBy('l.name')
        .select('l.*', 'cl.contact_id');
      for (const { contact_id, ...label } of rows) {
        const list = out.get(contact_id) ?? [];
        list.push(label);
        out.set(contact_id, list);
      }
      return out;
    },

    /** Attach labels to contacts (set-based; existing pairs are kept). */
    attach: (workspaceId: string, contactIds: string[], labelIds: string[], trx: Knex = db) =>
      contactIds.length && labelIds.length
        ? trx.raw(
            `INSERT INTO contact_labels (workspace_id, contact_id, label_id)
             SELECT ?, c, l FROM unnest(?::uuid[]) AS c CROSS JOIN unnest(?::uuid[]) AS l
             ON CONFLICT DO NOTHING`,
            [workspaceId, contactIds, labelIds],
          )
        : Promise.resolve(),

    /**
     * Make a contact's user labels exactly `labelIds`. System labels (DNC) are kept: they follow opt-out rules,
     * and an edit that merely omits them must not put an opted-out contact back in the audience.
     */
    async replaceForContact(workspaceId: string, contactId: string, labelIds: string[], trx: Knex = db) {
      await trx('contact_labels')
        .where({ workspace_id: workspaceId, contact_id: contactId })
        .whereNotIn('label_id', labelIds)
        .whereNotIn('label_id', trx('labels').where({ workspace_id: workspaceId, is_system: true }).select('id'))
        .delete();
      await labelsRepo(db).attach(workspaceId, [contactId], labelIds, trx);
    },
  };
}
