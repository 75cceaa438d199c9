import type { Knex } from 'knex';
import type { ApiKeyRow } from './api-keys';
import type { WorkspaceRow } from './workspaces';

export type WorkspaceLimits = Partial<Pick<WorkspaceRow, 'rate_limit_per_minute' | 'daily_quota' | 'monthly_quota'>>;
export type KeyLimits = Partial<Pick<ApiKeyRow, 'rate_limit_per_minute' | 'daily_quota' | 'monthly_quota' | 'expires_at'>>;

/** Operator-set request limits: workspace defaults, and per-key overrides (null means the workspace default). */
export function limitsRepo(db: Knex) {
  return {
    setWorkspaceLimits: async (id: string, limits: WorkspaceLimits): Promise<WorkspaceRow | undefined> => {
      const [row] = await db('workspaces').where({ id }).update({ ...limits, updated_at: db.fn.now() }).returning('*');
      return row as WorkspaceRow | undefined;
    },

    setKeyLimits: async (id: string, limits: KeyLimits, trx: Knex = db): Promise<ApiKeyRow | undefined> => {
      const [row] = await trx('api_keys').where({ id }).update(limits).returning('*');
      return row as ApiKeyRow | undefined;
    },
  };
}
