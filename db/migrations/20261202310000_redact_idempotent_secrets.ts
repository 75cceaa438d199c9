import type { Knex } from 'knex';
import { redactSecrets } from '../../lib/idempotency-secrets';

/*
 * Stored idempotent responses no longer keep secrets in clear (api/middleware/idempotency-secrets.ts): new ones
 * keep them sealed in response_secrets_encrypted. Responses stored before (at most 24 h old) are redacted in place;
 * a replay of one of them names the fields it could not restore (Idempotent-Replay-Redacted).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => t.text('response_secrets_encrypted'));
  const rows: { api_key_id: string; path: string; key: string; response_body: string }[] = await knex('idempotency_keys')
    .whereRaw(`response_body ~ '"(secret|secret_key|api_key)"\\s*:'`)
    .select('api_key_id', 'path', 'key', 'response_body');
  for (const row of rows) {
    const { body, secrets } = redactSecrets(row.response_body);
    if (secrets.length) await knex('idempotency_keys').where({ api_key_id: row.api_key_id, path: row.path, key: row.key }).update({ response_body: body });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => t.dropColumn('response_secrets_encrypted'));
}
