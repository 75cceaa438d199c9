import type { Knex } from 'knex';

/**
 * How many times a carrier refused a message with a transient error (or an ambiguous one that turned out to have
 * sent nothing). Only these count towards giving up on a message (domain/retries.ts): a worker crash or an activity
 * timeout never does, so a crash cannot turn into a business failure.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.integer('transient_failures').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => t.dropColumn('transient_failures'));
}
