import type { Knex } from 'knex';

/*
 * Webhook subscriptions (both dialects), one delivery per (subscription, event) and one row per HTTP attempt.
 * The signing secret is stored in plain text: it must be retrievable to sign every request (a hash would not do);
 * the API shows it only in the create response. Encrypting it at rest with CREDENTIALS_ENCRYPTION_KEY is possible
 * later without an API change.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_subscriptions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('dialect').notNullable().checkIn(['zagely', 'seax']);
    t.text('url').notNullable();
    t.specificType('events', 'text[]').notNullable();
    t.text('secret').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    // SeaX notify-api fields (SEASALT | ZAPIER, created_by / updated_by); unused by Zagely.
    t.text('type');
    t.text('created_by');
    t.text('updated_by');
    t.timestamps(true, true);
    t.index(['workspace_id', 'created_at']);
  });
  // Fan-out looks up the active subscriptions of a workspace on every event write.
  await knex.raw('CREATE INDEX webhook_subscriptions_active_idx ON webhook_subscriptions (workspace_id) WHERE active');

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')); // the stable delivery id sent to the receiver
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.uuid('subscription_id').notNullable().references('webhook_subscriptions.id').onDelete('CASCADE');
    t.uuid('event_id').notNullable(); // events.id, or a fresh id for a synthetic webhook.test
    t.text('event_type').notNullable();
    t.jsonb('payload').notNullable(); // the event's canonical data; the dialect envelope is built when sending
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'succeeded', 'failed']);
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true });
    t.integer('last_status_code');
    t.text('last_error');
    t.text('signature'); // of the last attempt
    t.integer('duration_ms'); // of the last attempt
    // Set once the dispatcher has taken the delivery (first attempt made, or its workflow started); NULL = new or replayed.
    t.timestamp('dispatched_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['subscription_id', 'event_id'], { indexName: 'webhook_deliveries_subscription_event_unique' });
    t.index(['subscription_id', 'created_at']);
  });
  await knex.raw('CREATE INDEX webhook_deliveries_undispatched_idx ON webhook_deliveries (created_at) WHERE dispatched_at IS NULL');

  await knex.schema.createTable('webhook_attempts', (t) => {
    t.bigIncrements('id');
    t.uuid('delivery_id').notNullable().references('webhook_deliveries.id').onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.integer('status_code');
    t.text('response_body'); // truncated to 2 KB
    t.integer('duration_ms').notNullable();
    t.text('error');
    t.text('signature');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['delivery_id', 'attempt']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('webhook_attempts');
  await knex.schema.dropTableIfExists('webhook_deliveries');
  await knex.schema.dropTableIfExists('webhook_subscriptions');
}
