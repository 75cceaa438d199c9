import type { Knex } from 'knex';
import { fanOutDeliveries } from './webhooks';
import type { EventRow } from '../rows';

export type NewEvent = Pick<EventRow, 'workspace_id' | 'type' | 'data'> & Partial<Pick<EventRow, 'subject_type' | 'subject_id' | 'occurred_at'>>;

type EventValues = { workspace_id: string; type: string; subject_type?: string | null; subject_id?: string | null; occurred_at?: Date | string | null; data: string };

async function insertWithDeliveries(trx: Knex, rows: EventValues[]): Promise<void> {
  // One statement over one JSON array (an import's chunk records thousands): no per-row placeholders to build and
  // parse, and PostgreSQL's JSON parser reads it faster than array literals of JSON text.
  const { rows: inserted } = (await trx.raw(
    `INSERT INTO events (workspace_id, type, subject_type, subject_id, data, occurred_at)
     SELECT (e.v->>'w')::uuid, e.v->>'t', e.v->>'st', (e.v->>'s')::uuid, e.v->'d', coalesce((e.v->>'o')::timestamptz, now())
       FROM json_array_elements(?::json) WITH ORDINALITY AS e(v, n)
      ORDER BY e.n
     RETURNING id`,
    ['[' + rows.map((r) => `{"w":${JSON.stringify(r.workspace_id)},"t":${JSON.stringify(r.type)},"st":${JSON.stringify(r.subject_type ?? null)},"s":${JSON.stringify(r.subject_id ?? null)},"o":${JSON.stringify(r.occurred_at ?? null)},"d":${r.data}}`).join(',') + ']'],
  )) as { rows: { id: string }[] };
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
