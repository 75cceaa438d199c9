import type { Knex } from 'knex';

export interface JobRow {
  id: string;
  workspace_id: string;
  type: string;
  status: 'pending' | 'processing' | 'finished' | 'failed';
  progress: number;
  total_items: number;
  processed_items: number;
  failed_items: number;
  params: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error_report: Record<string, unknown> | null;
  workflow_id: string | null;
  created_at: Date;
  updated_at: Date;
}

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
