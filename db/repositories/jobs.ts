import type { Knex } from 'knex';
import type { JobRow } from '../rows';

/** Generic async job records (imports, exports, campaign dispatch), always scoped by workspace. */
export function jobsRepo(db: Knex) {
  const scoped = (workspaceId: string, id: string) => db('jobs').where({ workspace_id: workspaceId, id });
  return {
    async create(row: Pick<JobRow, 'workspace_id' | 'type'> & Partial<Pick<JobRow, 'params' | 'workflow_id' | 'total_items'>>, trx: Knex = db): Promise<JobRow> {
      const [job] = await trx('jobs').insert(row).returning('*');
      return job as JobRow;
    },
    get: (workspaceId: string, id: string): Promise<JobRow | undefined> => scoped(workspaceId, id).first(),
    update: (workspaceId: string, id: string, patch: Partial<Omit<JobRow, 'id' | 'workspace_id'>>) =>
      scoped(workspaceId, id).update({ ...patch, updated_at: db.fn.now() }),
  };
}
