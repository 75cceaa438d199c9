import type { Knex } from 'knex';

/**
 * An attempt is logged before its request goes out (completed false, with the error it keeps should the worker die
 * mid-request) and completed with the outcome afterwards, so the delivery log never counts fewer requests than
 * the receiver saw. Rows written before this migration are complete.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhook_attempts', (t) => {
    t.boolean('completed').notNullable().defaultTo(true);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhook_attempts', (t) => t.dropColumn('completed'));
}
