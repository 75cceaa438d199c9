import type { Knex } from 'knex';
import { campaignLogQuery } from '../repositories/campaigns';
import { applyMessageFilter, type MessageFilter } from '../repositories/messages';

/** Streamed read models of the log exports: every row matching the list routes' filters, in a stable order. */

const stream = (q: Knex.QueryBuilder) => q.stream() as unknown as AsyncIterable<Record<string, unknown>>;

/** A campaign's per-recipient log in audience order (the campaign is the workspace's: the caller checked it). */
export const campaignLogExportRows = (db: Knex, campaignId: string, f: { statuses?: string[] }) => stream(campaignLogQuery(db, campaignId, f).orderBy('r.seq'));

/** The workspace's messages matching the filter, oldest first, with the contact's name. */
export const messageExportRows = (db: Knex, workspaceId: string, f: MessageFilter) =>
  stream(
    db('messages as m')
      .where('m.workspace_id', workspaceId)
      .modify((q) => applyMessageFilter(q, f))
      .leftJoin('contacts as c', 'c.id', 'm.contact_id')
      .select('m.*', 'c.name as contact_name')
      .orderBy([{ column: 'm.created_at' }, { column: 'm.id' }]),
  );
