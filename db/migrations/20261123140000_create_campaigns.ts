import type { Knex } from 'knex';

/*
 * Campaigns (both dialects), their resolved audience (one recipient row per phone), short links and the shared
 * per-sender pacers.
 *
 * The recipient state machine (what makes a campaign exactly-once; see activities/campaigns.ts):
 *   pending ──claim (batch k, one transaction with its message row)──▶ claimed ──▶ the message row carries the rest
 *   pending ──end_time passed──▶ expired          pending ──campaign canceled──▶ canceled
 * A claimed recipient's message goes queued → sending → sent|failed|expired|canceled like any other message.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('campaigns', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('dialect').notNullable().checkIn(['seax', 'zagely']);
    t.text('name').notNullable();
    t.text('channel').notNullable().checkIn(['sms', 'mms', 'whatsapp']);
    t.text('message').notNullable();
    t.jsonb('media_urls').notNullable().defaultTo('[]');
    t.jsonb('buttons');
    t.specificType('phone_ids', 'uuid[]').notNullable();
    // The audience as a domain/segment.ts SegmentFilter (label ids, exclusions, group, tags, …), plus the dialect's
    // own fields as the client sent them (target_type, target_filters) for display.
    t.jsonb('audience').notNullable().defaultTo('{}');
    t.text('target_type');
    t.jsonb('target_filters');
    t.text('status').notNullable().checkIn(['draft', 'scheduled', 'running', 'paused', 'completed', 'canceled', 'failed']);
    t.timestamp('start_time', { useTz: true }); // no sends before (SeaX start_time, Zagely scheduled_at)
    t.timestamp('end_time', { useTz: true }); // sends stop; the rest expire
    t.boolean('enable_link_shortening').notNullable().defaultTo(false);
    t.specificType('attach_contact_label_ids', 'uuid[]').notNullable().defaultTo('{}');
    // Recurring campaigns: {cron?, interval_seconds?, timezone, end_at?}; each firing creates a run (parent_id = this).
    t.jsonb('recurrence');
    t.boolean('recurrence_paused').notNullable().defaultTo(false);
    t.uuid('parent_id').references('campaigns.id').onDelete('CASCADE');
    t.integer('run_number');
    t.text('run_key'); // the Schedule firing that created this run (its workflow id): one run per firing
    t.uuid('job_id').notNullable().defaultTo(knex.raw('gen_random_uuid()')); // SeaX answers a job_id on create
    t.text('workflow_id');
    t.integer('target_contact_count');
    t.integer('excluded_count');
    t.timestamp('started_at', { useTz: true });
    t.timestamp('paused_at', { useTz: true });
    t.timestamp('completed_at', { useTz: true });
    t.timestamp('canceled_at', { useTz: true });
    t.timestamp('labels_attached_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['workspace_id', 'created_at']);
    t.unique(['parent_id', 'run_key'], { indexName: 'campaigns_run_unique' });
  });

  await knex.schema.createTable('campaign_recipients', (t) => {
    t.uuid('campaign_id').notNullable().references('campaigns.id').onDelete('CASCADE');
    t.integer('seq').notNullable(); // order of the resolved audience; batches claim in this order
    t.uuid('workspace_id').notNullable();
    t.uuid('contact_id').notNullable();
    t.text('phone').notNullable(); // E.164 address (deduplicated per campaign)
    t.uuid('phone_id').notNullable(); // the sender (sticky, else spread)
    t.uuid('message_id').notNullable().defaultTo(knex.raw('gen_random_uuid()')); // the message row's id once claimed
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'claimed', 'expired', 'canceled']);
    t.integer('batch'); // the batch that claimed it: a retried batch finds its own recipients again
    t.timestamp('not_before', { useTz: true }); // quiet hours: not claimable before this instant
    t.primary(['campaign_id', 'seq']);
    t.unique(['campaign_id', 'phone']);
    t.index(['campaign_id', 'batch']);
  });
  // Claiming reads only pending rows of one sender, in order: this index shrinks as the campaign progresses.
  await knex.raw(`CREATE INDEX campaign_recipients_pending_idx ON campaign_recipients (campaign_id, phone_id, seq) WHERE status = 'pending'`);

  // Campaign statistics and logs read a campaign's messages; a message the campaign's end_time stopped is expired.
  await knex.schema.alterTable('messages', (t) => t.timestamp('expired_at', { useTz: true }));
  await knex.raw('CREATE INDEX messages_campaign_idx ON messages (campaign_id) WHERE campaign_id IS NOT NULL');

  await knex.schema.createTable('campaign_links', (t) => {
    t.text('code').primary();
    t.uuid('workspace_id').notNullable();
    t.uuid('campaign_id').notNullable().references('campaigns.id').onDelete('CASCADE');
    t.uuid('message_id').notNullable();
    t.uuid('contact_id').notNullable();
    t.text('url').notNullable();
    t.timestamp('first_clicked_at', { useTz: true });
    t.integer('clicks').notNullable().defaultTo(0);
    t.index(['campaign_id']);
    t.index(['message_id']);
  });

  // One pacer per sender, shared by every campaign using it: the theoretical time (epoch ms, fractional) at which
  // the sender's next send may go out (GCRA, domain/pacing.ts spacedSlots). Locked FOR UPDATE while reserving.
  await knex.schema.createTable('sender_pacers', (t) => {
    t.uuid('phone_id').primary().references('phones.id').onDelete('CASCADE');
    t.uuid('workspace_id').notNullable();
    t.double('next_at_ms').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sender_pacers');
  await knex.schema.dropTableIfExists('campaign_links');
  await knex.raw('DROP INDEX IF EXISTS messages_campaign_idx');
  await knex.schema.alterTable('messages', (t) => t.dropColumn('expired_at'));
  await knex.schema.dropTableIfExists('campaign_recipients');
  await knex.schema.dropTableIfExists('campaigns');
}
