import type { Knex } from 'knex';
import type { SegmentFilter } from '../../domain/segment';
import { countSegment, segmentQuery } from './segments';
import type { ContactRow } from '../rows';

export type ContactOrderColumn = 'name' | 'phone' | 'created_at' | 'updated_at' | 'whatsapp_phone' | 'email';
/** Sort keys in priority order. */
export type ContactOrder = { column: ContactOrderColumn; direction: 'asc' | 'desc' }[];

const ORDER_SQL: Record<ContactOrderColumn, string> = {
  name: 'lower(c.name)',
  phone: 'c.phone',
  created_at: 'c.created_at',
  updated_at: 'c.updated_at',
  whatsapp_phone: 'c.whatsapp_phone',
  email: 'lower(c.email)',
};

/**
 * Contact pages over a segment with a multi-key sort (SeaX `order_by=phone:asc,name:desc`). Names and emails sort
 * case-insensitively, empty values last in either direction, and ties are broken by id so pages never overlap.
 */
export function contactPagesRepo(db: Knex) {
  return {
    /** `limit` undefined returns every row from `offset`. */
    async page(
      workspaceId: string,
      filter: SegmentFilter,
      opts: { order: ContactOrder; limit?: number; offset: number },
    ): Promise<{ rows: ContactRow[]; total: number }> {
      const order = [...opts.order.map((o) => `${ORDER_SQL[o.column]} ${o.direction === 'asc' ? 'ASC' : 'DESC'} NULLS LAST`), 'c.id ASC'];
      const [rows, total] = await Promise.all([
        segmentQuery(db, workspaceId, filter)
          .select('c.*')
          .orderByRaw(order.join(', '))
          .modify((q) => (opts.limit === undefined ? q : q.limit(opts.limit)))
          .offset(opts.offset),
        countSegment(db, workspaceId, filter),
      ]);
      return { rows: rows as ContactRow[], total };
    },
  };
}
