import type { Knex } from 'knex';
import { workspacesRepo, type WorkspaceRow } from '../../db/repositories/workspaces';
import { keyService } from './keys';

export interface ProvisionedWorkspace {
  workspace: WorkspaceRow;
  api_key: string;
  public_key: string;
  secret_key: string;
}

/** Tenant provisioning, shared by the admin API, the CLI and the demo bootstrap. */
export function workspaceService(db: Knex) {
  const repo = workspacesRepo(db);
  return {
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
