import type { Knex } from 'knex';
import { fanOutDeliveries } from './webhooks';
import type { EventRow } from '../rows';

export type NewEvent = Pick<EventRow, 'workspace_id' | 'type' | 'data'> & Partial<Pick<EventRow, 'subject_type' | 'subject_id' | 'occurred_at'>>;

async function insertWithDeliveries(trx: Knex, rows: Record<string, unknown>[]): Promise<void> {
  const inserted: { id: string }[] = await trx('events').insert(rows).returning('id');
  // Webhook deliveries for these events, in the same transaction (one INSERT … SELECT, see webhooks.ts).
  await fanOutDeliveries(trx, inserted.map((r) => r.id));
}

/**
 * The events outbox. Callers pass the transaction that makes the change, so an event exists exactly when its
 * change committed. Webhook deliveries are fanned out here too, in the same transaction.
 */
export function eventsRepo(db: Knex) {
  return {
    async record(events: NewEvent | NewEvent[], trx: Knex = db): Promise<void> {
      const rows = (Array.isArray(events) ? events : [events]).map((e) => ({ ...e, data: JSON.stringify(e.data) }));
      if (!rows.length) return;
      if (!trx.isTransaction) return trx.transaction((t) => insertWithDeliveries(t, rows));
      return insertWithDeliveries(trx, rows);
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
