import type { Knex } from 'knex';
import { apiKeysRepo } from '../db/repositories/api-keys';
import { workspacesRepo } from '../db/repositories/workspaces';
import type { ApiKeyRow, WorkspaceRow } from '../db/rows';
import { notFound } from './errors';
import { keyService } from './keys';

export interface ProvisionedWorkspace {
  workspace: WorkspaceRow;
  api_key: string;
  public_key: string;
  secret_key: string;
}

/** Tenant provisioning and the operator's view of workspaces, shared by the admin API, the CLI and the demo bootstrap. */
export function workspaceService(db: Knex) {
  const repo = workspacesRepo(db);
  const found = (ws: WorkspaceRow | undefined): WorkspaceRow => {
    if (!ws) throw notFound('Workspace');
    return ws;
  };
  return {
    get: async (id: string): Promise<WorkspaceRow> => found(await repo.get(id)),
    list: (): Promise<WorkspaceRow[]> => repo.list(),
    /** The workspace's live keys (no secrets). */
    keysOf: (id: string): Promise<ApiKeyRow[]> => apiKeysRepo(db).list(id),
    setStatus: async (id: string, status: WorkspaceRow['status']): Promise<WorkspaceRow> => found(await repo.setStatus(id, status)),
    /** Workspace defaults for per-key request limits (a key's own limits override them). */
    setLimits: async (id: string, limits: Partial<Pick<WorkspaceRow, 'rate_limit_per_minute' | 'daily_quota' | 'monthly_quota'>>): Promise<WorkspaceRow> => found(await repo.setLimits(id, limits)),

    /** A workspace with its system labels, a SeaX key and a full-ability Zagely key pair, in one transaction. */
    async provision(input: { name: string; default_country?: string }): Promise<ProvisionedWorkspace> {
      return db.transaction(async (trx) => {
        const workspace = await repo.create(input, trx);
        const keys = keyService(trx);
        const seax = await keys.resetSeaxKey(workspace.id, 'Default API key', trx);
        const pair = await keys.createPair(workspace.id, { name: 'Default key pair', abilities: ['*'] }, trx);
        return { workspace, api_key: seax.apiKey, public_key: pair.publicKey, secret_key: pair.secretKey };
      });
    },
  };
}
