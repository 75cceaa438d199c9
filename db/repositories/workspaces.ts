import type { Knex } from 'knex';
import type { WorkspaceRow } from '../rows';

/** System labels that exist in every workspace; read-only through the API. */
export const SYSTEM_LABELS = [
  { name: 'DNC', color: '#e53935', description: 'Do not contact: opted out or marked by an agent. Never sent marketing traffic.' },
] as const;

export function workspacesRepo(db: Knex) {
  return {
    async create(input: Partial<Omit<WorkspaceRow, 'id'>> & { name: string }, trx: Knex = db): Promise<WorkspaceRow> {
      const [ws] = await trx('workspaces').insert(input).returning('*');
      await trx('labels').insert(SYSTEM_LABELS.map((l) => ({ ...l, workspace_id: ws.id, is_system: true })));
      return ws as WorkspaceRow;
    },
    get: (id: string): Promise<WorkspaceRow | undefined> => db('workspaces').where({ id }).first(),
    list: (): Promise<WorkspaceRow[]> => db('workspaces').orderBy('created_at', 'asc'),
    setStatus: (id: string, status: WorkspaceRow['status']) =>
      db('workspaces').where({ id }).update({ status, updated_at: db.fn.now() }).returning('*').then((r) => r[0] as WorkspaceRow | undefined),
    /** Workspace defaults for per-key request limits (a key's own columns override them). */
    async setLimits(id: string, limits: Partial<Pick<WorkspaceRow, 'rate_limit_per_minute' | 'daily_quota' | 'monthly_quota'>>): Promise<WorkspaceRow | undefined> {
      const [row] = await db('workspaces').where({ id }).update({ ...limits, updated_at: db.fn.now() }).returning('*');
      return row as WorkspaceRow | undefined;
    },
    count: async (): Promise<number> => Number((await db('workspaces').count({ n: '*' }))[0].n),
  };
}
