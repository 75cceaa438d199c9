import type { Knex } from 'knex';
import type { ImportedFields } from '../../domain/contact-import';
import type { ContactRow, ImportRowFailureRow } from '../rows';

/** A contact as an import chunk reads it: its fields and whether this import created it. */
export type ImportExistingRow = ContactRow & { import_job_id: string | null };

/**
 * The set-based writes of one contact-import chunk, each one statement over the whole chunk, all in the caller's
 * transaction (the chunk commits whole or not at all, so a retried chunk cannot duplicate anything).
 */
export function contactImportsRepo(db: Knex) {
  return {
    /**
     * The contacts that rows with these phones (matched on phone) and these WhatsApp-only numbers (matched on phone
     * or WhatsApp number) are, locked until the chunk commits so nothing changes them between read and write.
     */
    lockExisting: (trx: Knex, workspaceId: string, phones: string[], whatsappOnly: string[]): Promise<ImportExistingRow[]> =>
      phones.length || whatsappOnly.length
        ? trx('contacts')
            .where({ workspace_id: workspaceId })
            .andWhere((q) => {
              q.whereRaw('phone = ANY(?::text[])', [[...phones, ...whatsappOnly]]);
              if (whatsappOnly.length) q.orWhereRaw('whatsapp_phone = ANY(?::text[])', [whatsappOnly]);
            })
            .orderBy([{ column: 'created_at' }, { column: 'id' }])
            .forUpdate()
        : Promise.resolve([]),

    /**
     * Insert new contacts with the ids given (minted by the caller, so each row's contact is known without reading
     * the rows back). A phone taken meanwhile by a concurrent writer is not inserted: answers how many were.
     */
    async insert(trx: Knex, workspaceId: string, jobId: string, rows: (ImportedFields & { id: string })[]): Promise<number> {
      if (!rows.length) return 0;
      const col = <K extends keyof (ImportedFields & { id: string })>(k: K) => rows.map((r) => r[k]);
      const inserted: { rowCount: number | null } = await trx.raw(
        `INSERT INTO contacts (id, workspace_id, import_job_id, name, phone, whatsapp_phone, email, note, timezone, custom_fields)
         SELECT u.id, ?, ?, u.name, u.phone, u.whatsapp_phone, u.email, u.note, u.timezone, u.custom_fields::jsonb
           FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                AS u(id, name, phone, whatsapp_phone, email, note, timezone, custom_fields)
         ON CONFLICT (workspace_id, phone) WHERE phone IS NOT NULL DO NOTHING`,
        [workspaceId, jobId, col('id'), col('name'), col('phone'), col('whatsapp_phone'), col('email'), col('note'), col('timezone'), rows.map((r) => JSON.stringify(r.custom_fields))] as unknown as Knex.Value[],
      );
      return inserted.rowCount ?? 0;
    },

    /** Write new field values over existing contacts (only rows that really change are passed). */
    async update(trx: Knex, workspaceId: string, rows: (ImportedFields & { id: string })[]): Promise<ContactRow[]> {
      if (!rows.length) return [];
      const col = <K extends keyof (ImportedFields & { id: string })>(k: K) => rows.map((r) => r[k]);
      const { rows: updated } = await trx.raw(
        `UPDATE contacts c SET name = u.name, whatsapp_phone = u.whatsapp_phone, email = u.email, note = u.note,
                timezone = u.timezone, custom_fields = u.custom_fields::jsonb, updated_at = now()
           FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                AS u(id, name, whatsapp_phone, email, note, timezone, custom_fields)
          WHERE c.id = u.id AND c.workspace_id = ?
         RETURNING c.*`,
        [col('id'), col('name'), col('whatsapp_phone'), col('email'), col('note'), col('timezone'), rows.map((r) => JSON.stringify(r.custom_fields)), workspaceId] as unknown as Knex.Value[],
      );
      return updated as ContactRow[];
    },

    /** The label ids of these contacts, sorted, keyed by contact. */
    async labelIds(trx: Knex, workspaceId: string, contactIds: string[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>();
      if (!contactIds.length) return out;
      const { rows } = await trx.raw(
        `SELECT contact_id, array_agg(label_id::text ORDER BY label_id) AS ids FROM contact_labels
          WHERE workspace_id = ? AND contact_id = ANY(?::uuid[]) GROUP BY contact_id`,
        [workspaceId, contactIds],
      );
      for (const r of rows as { contact_id: string; ids: string[] }[]) out.set(r.contact_id, r.ids);
      return out;
    },

    /** Attach (contact, label) pairs; answers the pairs that were not attached before. */
    async attachLabels(trx: Knex, workspaceId: string, pairs: { contactId: string; labelId: string }[]): Promise<{ contact_id: string; label_id: string }[]> {
      if (!pairs.length) return [];
      const { rows } = await trx.raw(
        `INSERT INTO contact_labels (workspace_id, contact_id, label_id)
         SELECT ?, u.c, u.l FROM unnest(?::uuid[], ?::uuid[]) AS u(c, l)
         ON CONFLICT DO NOTHING RETURNING contact_id, label_id`,
        [workspaceId, pairs.map((p) => p.contactId), pairs.map((p) => p.labelId)],
      );
      return rows as { contact_id: string; label_id: string }[];
    },

    /** Keep the rows that failed, with their reasons (a row already recorded stays as it is). */
    recordFailures: (trx: Knex, rows: ImportRowFailureRow[]) =>
      rows.length
        ? trx.raw(
            `INSERT INTO import_row_failures (job_id, workspace_id, row_number, reason, message, cells)
             SELECT ?, ?, u.r, u.reason, u.message, u.cells::jsonb FROM unnest(?::int[], ?::text[], ?::text[], ?::text[]) AS u(r, reason, message, cells)
             ON CONFLICT DO NOTHING`,
            [rows[0].job_id, rows[0].workspace_id, rows.map((r) => r.row_number), rows.map((r) => r.reason), rows.map((r) => r.message), rows.map((r) => JSON.stringify(r.cells))],
          )
        : Promise.resolve(),

    /** A job's failed rows in file order, streamed. */
    failures: (workspaceId: string, jobId: string): AsyncIterable<ImportRowFailureRow> =>
      db('import_row_failures').where({ workspace_id: workspaceId, job_id: jobId }).orderBy('row_number').stream() as unknown as AsyncIterable<ImportRowFailureRow>,
  };
}
