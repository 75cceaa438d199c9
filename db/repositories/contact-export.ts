import type { Knex } from 'knex';
import type { SegmentFilter } from '../../domain/segment';
import { segmentQuery } from './segments';

/**
 * The contacts of a workspace that an export job selects (`params.segment`, resolved by the API from the same
 * filters the contact list takes), as flat export rows streamed in creation order.
 */
export function contactExportRows(db: Knex, workspaceId: string, params: Record<string, unknown>): AsyncIterable<Record<string, unknown>> {
  const segment = (params.segment ?? {}) as SegmentFilter;
  return segmentQuery(db, workspaceId, segment)
    .select(
      'c.id', 'c.name', 'c.phone', 'c.whatsapp_phone', 'c.email', 'c.note', 'c.blocked', 'c.opted_out_at', 'c.timezone', 'c.created_at',
      db.raw('c.custom_fields::text as custom_fields'),
      db.raw(`(SELECT string_agg(l.name, ';' ORDER BY l.name) FROM contact_labels cl JOIN labels l ON l.id = cl.label_id
               WHERE cl.contact_id = c.id AND cl.workspace_id = c.workspace_id) as labels`),
    )
    .orderBy('c.created_at', 'asc')
    .stream() as unknown as AsyncIterable<Record<string, unknown>>;
}
