import type { Knex } from 'knex';
import type { ConsentEventRow } from '../rows';

/** The consent and opt-out audit trail: append-only (a trigger refuses updates and deletes). */
export function consentRepo(db: Knex) {
  return {
    record: (row: Omit<ConsentEventRow, 'id' | 'created_at' | 'detail'> & { detail?: Record<string, unknown> }, trx: Knex = db) =>
      trx('consent_events').insert({ ...row, detail: JSON.stringify(row.detail ?? {}) }),
    forContact: (workspaceId: string, contactId: string): Promise<ConsentEventRow[]> =>
      db('consent_events').where({ workspace_id: workspaceId, contact_id: contactId }).orderBy('created_at', 'asc'),
  };
}
