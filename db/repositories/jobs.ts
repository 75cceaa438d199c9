import type { Knex } from 'knex';
import type { JobRow } from '../rows';

/** Generic async job records (imports, exports, campaign dispatch), always scoped by workspace. */
export function jobsRepo(db: Knex) {
  const scoped = (workspaceId: string, id: string) => db('jobs').where({ workspace_id: workspaceId, id });
  return {
    async create(row: Pick<JobRow, 'workspace_id' | 'type'> & Partial<Pick<JobRow, 'id' | 'params' | 'workflow_id' | 'total_items' | 'status'>>, trx: Knex = db): Promise<JobRow> {
      const [job] = await trx('jobs').insert(row).returning('*');
      return job as JobRow;
    },
    get: (workspaceId: string, id: string): Promise<JobRow | undefined> => scoped(workspaceId, id).first(),
    update: (workspaceId: string, id: string, patch: Partial<Omit<JobRow, 'id' | 'workspace_id'>>, trx: Knex = db) =>
      trx('jobs').where({ workspace_id: workspaceId, id }).update({ ...patch, updated_at: trx.fn.now() }),

    /**
     * Record a chunk's progress by compare-and-set on the rows counted before it (`expectProcessed`), in the chunk's
     * transaction: answers the row, or undefined when another attempt got there first (the chunk must roll back).
     */
    async advance(workspaceId: string, id: string, expectProcessed: number, patch: Partial<Omit<JobRow, 'id' | 'workspace_id'>>, trx: Knex): Promise<JobRow | undefined> {
      const [row] = await trx('jobs')
        .where({ workspace_id: workspaceId, id, processed_items: expectProcessed })
        .whereIn('status', ['pending', 'processing'])
        .update({ ...patch, updated_at: trx.fn.now() })
        .returning('*');
      return row as JobRow | undefined;
    },

    /** Ask a running job to stop, by compare-and-set: the row when it was pending or processing, else undefined. */
    async requestCancel(workspaceId: string, id: string, types: string[]): Promise<JobRow | undefined> {
      const [row] = await scoped(workspaceId, id)
        .whereIn('type', types)
        .whereIn('status', ['pending', 'processing'])
        .update({ cancel_requested_at: db.raw('coalesce(cancel_requested_at, now())'), updated_at: db.fn.now() })
        .returning('*');
      return row as JobRow | undefined;
    },
  };
}
