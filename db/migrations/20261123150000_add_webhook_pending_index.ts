import type { Knex } from 'knex';

/**
 * The dispatcher's sweep asks, per subscription, whether a delivery is in back-off (pending with an attempt made):
 * with this index that is a lookup among the few pending rows, not a scan of the subscription's whole history.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (subscription_id) WHERE status = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS webhook_deliveries_pending_idx');
}
