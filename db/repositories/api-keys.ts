import type { Knex } from 'knex';
import type { ApiKeyRow, AuthKeyRow } from '../rows';

const authColumns = [
  'k.*',
  'w.status as workspace_status',
  'w.rate_limit_per_minute as ws_rate_limit_per_minute',
  'w.daily_quota as ws_daily_quota',
  'w.monthly_quota as ws_monthly_quota',
  'w.default_country as ws_default_country',
];

export function apiKeysRepo(db: Knex) {
  const authQuery = () => db('api_keys as k').join('workspaces as w', 'w.id', 'k.workspace_id').first(authColumns);
  return {
    findBySecretHash: (hash: string): Promise<AuthKeyRow | undefined> =>
      authQuery().where('k.secret_hash', hash).andWhere('k.kind', 'seax'),

    findByPublicKey: (publicKey: string): Promise<AuthKeyRow | undefined> =>
      authQuery().where('k.public_key', publicKey).andWhere('k.kind', 'pair'),

    async insert(row: Omit<Partial<ApiKeyRow>, 'id'> & Pick<ApiKeyRow, 'workspace_id' | 'kind' | 'name' | 'secret_hash'>, trx: Knex = db) {
      const [inserted] = await trx('api_keys').insert(row).returning('*');
      return inserted as ApiKeyRow;
    },

    list: (workspaceId: string, kind?: ApiKeyRow['kind']): Promise<ApiKeyRow[]> =>
      db('api_keys')
        .where({ workspace_id: workspaceId })
        .whereNull('revoked_at')
        .modify((q) => (kind ? q.where({ kind }) : q))
        .orderBy('created_at', 'asc'),

    get: (workspaceId: string, id: string): Promise<ApiKeyRow | undefined> =>
      db('api_keys').where({ workspace_id: workspaceId, id }).whereNull('revoked_at').first(),

    /** Revoke every live SeaX key of a workspace (SeaX allows one at a time); returns how many. */
    revokeSeaxKeys: (workspaceId: string, trx: Knex = db): Promise<number> =>
      trx('api_keys').where({ workspace_id: workspaceId, kind: 'seax' }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() }),

    revoke: (workspaceId: string, id: string): Promise<number> =>
      db('api_keys').where({ workspace_id: workspaceId, id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() }),

    setDisabled: (workspaceId: string, id: string, disabled: boolean): Promise<number> =>
      db('api_keys')
        .where({ workspace_id: workspaceId, id })
        .whereNull('revoked_at')
        .modify((q) => (disabled ? q.whereNull('disabled_at') : q))
        .update({ disabled_at: disabled ? db.fn.now() : null }),
  };
}
