import type { Knex } from 'knex';

/*
 * One auto-reply per inbound message: the log row is inserted before the reply is recorded (ON CONFLICT DO
 * NOTHING), so a provider retrying the same inbound webhook, or two api processes racing, produce one reply.
 * auto_reply_id becomes nullable: the SeaX phone-level generic reply (no rule row) is logged with a null rule.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('auto_reply_logs', (t) => {
    t.unique(['inbound_message_id'], { indexName: 'auto_reply_logs_inbound_message_id_unique' });
  });
  await knex.raw('ALTER TABLE auto_reply_logs ALTER COLUMN auto_reply_id DROP NOT NULL');
  await knex.schema.alterTable('auto_replies', (t) => {
    t.index(['workspace_id', 'origin', 'created_at'], 'auto_replies_workspace_origin_created_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('auto_replies', (t) => t.dropIndex(['workspace_id', 'origin', 'created_at'], 'auto_replies_workspace_origin_created_idx'));
  await knex('auto_reply_logs').whereNull('auto_reply_id').delete();
  await knex.schema.alterTable('auto_reply_logs', (t) => {
    t.dropUnique(['inbound_message_id'], 'auto_reply_logs_inbound_message_id_unique');
  });
  await knex.raw('ALTER TABLE auto_reply_logs ALTER COLUMN auto_reply_id SET NOT NULL');
}
