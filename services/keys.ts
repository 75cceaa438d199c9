import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { apiKeysRepo } from '../db/repositories/api-keys';
import { sha256Hex } from './access';
import type { ApiKeyRow } from '../db/rows';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform random base62 (rejection sampling, no modulo bias). */
function randomToken(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export interface KeyPairInput {
  name: string;
  abilities?: string[];
  session_id?: string | null;
  rate_limit_per_minute?: number | null;
  daily_quota?: number | null;
  monthly_quota?: number | null;
  expires_at?: Date | null;
}

/** Issuing credentials. Plain secrets are returned once, here, and only their hashes are stored. */
export function keyService(db: Knex) {
  const repo = apiKeysRepo(db);
  return {
    /** SeaX: a new workspace key; every previous SeaX key of the workspace stops working in the same transaction. */
    async resetSeaxKey(
      workspaceId: string,
      name = 'API Key',
      trx?: Knex,
      limits: Pick<KeyPairInput, 'rate_limit_per_minute' | 'daily_quota' | 'monthly_quota' | 'expires_at'> = {},
    ): Promise<{ row: ApiKeyRow; apiKey: string }> {
      const run = async (t: Knex) => {
        const apiKey = randomBytes(32).toString('hex');
        await repo.revokeSeaxKeys(workspaceId, t);
        const row = await repo.insert({ ...limits, workspace_id: workspaceId, kind: 'seax', name, secret_hash: sha256Hex(apiKey), abilities: ['*'] }, t);
        return { row, apiKey };
      };
      return trx ? run(trx) : db.transaction(run);
    },

    /** Zagely: a pk_/sk_ pair with abilities, optional session binding, limits and expiry. */
    async createPair(workspaceId: string, input: KeyPairInput, trx: Knex = db): Promise<{ row: ApiKeyRow; publicKey: string; secretKey: string }> {
      const publicKey = `pk_${randomToken(32)}`;
      const secretKey = `sk_${randomToken(48)}`;
      const row = await repo.insert(
        {
          workspace_id: workspaceId,
          kind: 'pair',
          name: input.name,
          public_key: publicKey,
          secret_hash: sha256Hex(secretKey),
          abilities: input.abilities?.length ? input.abilities : ['*'],
          session_id: input.session_id ?? null,
          rate_limit_per_minute: input.rate_limit_per_minute ?? null,
          daily_quota: input.daily_quota ?? null,
          monthly_quota: input.monthly_quota ?? null,
          expires_at: input.expires_at ?? null,
        },
        trx,
      );
      return { row, publicKey, secretKey };
    },
  };
}
