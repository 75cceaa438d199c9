import type { Knex } from 'knex';

export type ConsentAction = 'opt_out' | 'opt_in' | 'block' | 'unblock';
export type ConsentSource = 'api' | 'keyword' | 'import' | 'admin' | 'system';

export interface ConsentEventRow {
  id: string;
  workspace_id: string;
  contact_id: string;
  phone: string | null;
  action: ConsentAction;
  source: ConsentSource;
  actor: string | null;
  detail: Record<string, unknown>;
  created_at: Date;
}

/** The consent and opt-out audit trail: append-only (a trigger refuses updates and deletes). */
export function consentRepo(db: Knex) {
  return {
    record: (row: Omit<ConsentEventRow, 'id' | 'created_at' | 'detail'> & { detail?: Record<string, unknown> }, trx: Knex = db) =>
      trx('consent_events').insert({ ...row, detail: JSON.stringify(row.detail ?? {}) }),
    forContact: (workspaceId: string, contactId: string): Promise<ConsentEventRow[]> =>
      db('consent_events').where({ workspace_id: workspaceId, contact_id: contactId }).orderBy('created_at', 'asc'),
  };
}
