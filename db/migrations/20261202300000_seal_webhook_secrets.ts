import type { Knex } from 'knex';
import { openWebhookSecret, sealWebhookSecret } from '../../lib/sealed-secrets';
import { migrationContext } from '../migration-context';

/*
 * Webhook and subscription signing secrets leave plain text: each is sealed with CREDENTIALS_ENCRYPTION_KEY (bound
 * to its subscription's id) into secret_encrypted, and the clear column is dropped. A database that has secrets to
 * seal and no key to seal them with refuses to migrate, naming the variable, rather than keep them in clear.
 */
export async function up(knex: Knex): Promise<void> {
  const { credentialsKeys } = migrationContext();
  const rows: { id: string; secret: string }[] = await knex('webhook_subscriptions').select('id', 'secret');
  if (rows.length && !credentialsKeys.length) {
    throw new Error(
      `${rows.length} webhook subscription(s) keep their signing secret in clear: set CREDENTIALS_ENCRYPTION_KEY (the key that encrypts carrier credentials) and migrate again`,
    );
  }
  await knex.schema.alterTable('webhook_subscriptions', (t) => t.text('secret_encrypted'));
  for (const row of rows) {
    await knex('webhook_subscriptions').where({ id: row.id }).update({ secret_encrypted: sealWebhookSecret(row.id, row.secret, credentialsKeys) });
  }
  await knex.schema.alterTable('webhook_subscriptions', (t) => {
    t.dropColumn('secret');
    t.text('secret_encrypted').notNullable().alter();
  });
}

export async function down(knex: Knex): Promise<void> {
  const { credentialsKeys } = migrationContext();
  const rows: { id: string; secret_encrypted: string }[] = await knex('webhook_subscriptions').select('id', 'secret_encrypted');
  await knex.schema.alterTable('webhook_subscriptions', (t) => t.text('secret'));
  for (const row of rows) {
    await knex('webhook_subscriptions').where({ id: row.id }).update({ secret: openWebhookSecret(row.id, row.secret_encrypted, credentialsKeys) });
  }
  await knex.schema.alterTable('webhook_subscriptions', (t) => {
    t.dropColumn('secret_encrypted');
    t.text('secret').notNullable().alter();
  });
}
