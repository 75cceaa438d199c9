import type { Knex } from 'knex';
import type { IdempotencyRow } from '../rows';

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/** Idempotency records: claimed before the handler runs, completed with the response it produced. */
export function idempotencyRepo(db: Knex) {
  const scope = (apiKeyId: string, path: string, key: string) => ({ api_key_id: apiKeyId, path, key });
  return {
    /**
     * Claim the key for this request. Returns null when this request owns it now, or the existing record.
     * A record past its 24 h TTL is replaced, in the same statement, so two racing requests cannot both win.
     */
    async claim(row: Pick<IdempotencyRow, 'api_key_id' | 'path' | 'key' | 'method' | 'request_hash'>): Promise<IdempotencyRow | null> {
      const expired = new Date(Date.now() - IDEMPOTENCY_TTL_MS);
      const inserted = await db.raw(
        `INSERT INTO idempotency_keys (api_key_id, path, key, method, request_hash)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (api_key_id, path, key) DO UPDATE
           SET method = excluded.method, request_hash = excluded.request_hash, state = 'in_progress',
               response_status = NULL, response_body = NULL, response_headers = NULL, response_secrets_encrypted = NULL,
               created_at = now(), completed_at = NULL
           WHERE idempotency_keys.created_at < ?
         RETURNING api_key_id`,
        [row.api_key_id, row.path, row.key, row.method, row.request_hash, expired],
      );
      if (inserted.rows.length) return null;
      const existing = await db('idempotency_keys').where(scope(row.api_key_id, row.path, row.key)).first();
      return existing ?? null;
    },

    get: (apiKeyId: string, path: string, key: string): Promise<IdempotencyRow | undefined> =>
      db('idempotency_keys').where(scope(apiKeyId, path, key)).first(),

    complete: (apiKeyId: string, path: string, key: string, status: number, body: string, headers: Record<string, string>, secretsEncrypted: string | null = null) =>
      db('idempotency_keys').where(scope(apiKeyId, path, key)).update({
        state: 'completed',
        response_status: status,
        response_body: body,
        response_headers: headers,
        response_secrets_encrypted: secretsEncrypted,
        completed_at: db.fn.now(),
      }),

    /** Forget a claim whose request failed on our side, so the client's retry runs again. */
    release: (apiKeyId: string, path: string, key: string) =>
      db('idempotency_keys').where(scope(apiKeyId, path, key)).andWhere({ state: 'in_progress' }).delete(),

    prune: (now: Date) => db('idempotency_keys').where('created_at', '<', new Date(now.getTime() - IDEMPOTENCY_TTL_MS)).delete(),
  };
}
