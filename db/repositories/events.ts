import type { Knex } from 'knex';

export interface EventRow {
  id: string;
  seq: number;
  workspace_id: string;
  type: string;
  subject_type: string | null;
  subject_id: string | null;
  data: Record<string, unknown>;
  occurred_at: Date;
}

export type NewEvent = Pick<EventRow, 'workspace_id' | 'type' | 'data'> & Partial<Pick<EventRow, 'subject_type' | 'subject_id' | 'occurred_at'>>;

/**
 * The events outbox. Callers pass the transaction that makes the change, so an event exists exactly when its
 * change committed; webhook delivery reads from here.
 */
export function eventsRepo(db: Knex) {
  return {
    async record(events: NewEvent | NewEvent[], trx: Knex = db): Promise<void> {
      const rows = (Array.isArray(events) ? events : [events]).map((e) => ({ ...e, data: JSON.stringify(e.data) }));
      if (rows.length) await trx('events').insert(rows);
    },
    list: (workspaceId: string, filter: { type?: string; subjectId?: string } = {}): Promise<EventRow[]> =>
      db('events')
        .where({ workspace_id: workspaceId })
        .modify((q) => {
          if (filter.type) q.andWhere({ type: filter.type });
          if (filter.subjectId) q.andWhere({ subject_id: filter.subjectId });
        })
        .orderBy('seq'),
  };
}
