import type { Knex } from 'knex';
import type { ConsentEventRow } from '../rows';

/** A consent record to write. */
export type NewConsentEvent = Omit<ConsentEventRow, 'id' | 'created_at' | 'detail'> & { detail?: Record<string, unknown> };

/** The consent and opt-out audit trail: append-only (a trigger refuses updates and deletes). */
export function consentRepo(db: Knex) {
  return {
    /** One record, or many in one statement. */
    record: (rows: NewConsentEvent | NewConsentEvent[], trx: Knex = db) =>
      trx('consent_events').insert((Array.isArray(rows) ? rows : [rows]).map((row) => ({ ...row, detail: JSON.stringify(row.detail ?? {}) }))),
    forContact: (workspaceId: string, contactId: string): Promise<ConsentEventRow[]> =>
      db('consent_events').where({ workspace_id: workspaceId, contact_id: contactId }).orderBy('created_at', 'asc'),
  };
}
