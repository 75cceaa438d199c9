import type { Knex } from 'knex';

/*
 * The voice auto-dialer: AI agents (where an answered call goes), dialer campaigns, their resolved audience (one row
 * per number) and one row per call attempt.
 *
 * The contact state machine (the workflow drives it; the rows are the truth):
 *   pending ──claimed for a first attempt──▶ active ──outcome: done──▶ done
 *                                            active ──outcome: retry──▶ active (next_attempt_at set, a durable timer waits)
 *   pending|active ──end_time / cancel──▶ expired | canceled        pending ──refused at dial time (DNC…)──▶ done (refused)
 * EXACTLY-ONCE per attempt: call_attempts is unique on (campaign_id, seq, attempt); the row is written `dialing`
 * before the carrier is called and the provider call id recorded after (activities/dialer.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ai_agents', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('name').notNullable().defaultTo('');
    t.uuid('conversation_config_id').notNullable().defaultTo(knex.raw('gen_random_uuid()'));
    // [{type: SEAX_CALL|SEAX_SMS|SEAX_WABP, inbound_pick_up_message, outbound_starting_message, outbound_voice,
    //   outbound_language, inbound_voice, inbound_language, twiml_url?, stream_url?}]
    t.jsonb('integrations').notNullable().defaultTo('[]');
    t.timestamps(true, true);
    t.unique(['workspace_id', 'conversation_config_id']);
    t.index(['workspace_id', 'created_at']);
  });

  await knex.schema.createTable('dialer_campaigns', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('draft_name');
    t.text('type').notNullable().checkIn(['VOICE_DROP', 'PROGRESSIVE_DIALER', 'AI_AGENT']);
    t.text('mode').notNullable().defaultTo('WEB');
    t.text('stage').notNullable().defaultTo('INSTANCE');
    t.text('status').notNullable().checkIn(['scheduled', 'running', 'paused', 'completed', 'canceled', 'failed']);
    t.text('message').notNullable().defaultTo('');
    t.text('tts_language').notNullable();
    t.text('tts_voice').notNullable();
    t.text('audio_url');
    t.boolean('capture_keypress').notNullable().defaultTo(false);
    t.boolean('capture_stt').notNullable().defaultTo(false);
    t.uuid('ai_agent_id').references('ai_agents.id').onDelete('SET NULL');
    t.uuid('ai_agent_conversation_config_id');
    t.jsonb('overwrite_phone_recipient');
    t.specificType('phone_ids', 'uuid[]').notNullable();
    t.jsonb('audience').notNullable().defaultTo('{}'); // domain/segment.ts SegmentFilter
    t.jsonb('audience_refs').notNullable().defaultTo('{}'); // the request's filter ids, for campaign_metadata
    t.specificType('attach_contact_label_ids', 'uuid[]').notNullable().defaultTo('{}');
    t.integer('max_attempts').notNullable().defaultTo(1);
    t.integer('max_dialers').notNullable().defaultTo(20);
    t.integer('agent_lines'); // PROGRESSIVE_DIALER: calls the recipient can take at once (null: max_dialers)
    t.boolean('is_schedule').notNullable().defaultTo(false);
    t.boolean('is_timezone_aware').notNullable().defaultTo(false);
    t.text('timezone');
    t.timestamp('start_time', { useTz: true }).notNullable();
    t.timestamp('end_time', { useTz: true }).notNullable();
    t.integer('ring_timeout_seconds').notNullable().defaultTo(30);
    t.integer('time_limit_seconds').notNullable().defaultTo(3600);
    t.jsonb('retry_delays').notNullable().defaultTo('{}'); // {no_answer, busy, failed, machine} seconds
    t.jsonb('calling_window').notNullable().defaultTo('{"start": "08:00", "end": "21:00"}');
    t.text('opt_out_digit'); // a keypress that opts the contact out (DNC); null: none
    t.text('legacy_shape'); // 'script' when created with the refactored wiki's fields
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
  });

  await knex.schema.createTable('dialer_contacts', (t) => {
    t.uuid('campaign_id').notNullable().references('dialer_campaigns.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.uuid('workspace_id').notNullable();
    t.uuid('contact_id').notNullable();
    t.text('phone').notNullable();
    t.uuid('phone_id').notNullable();
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'active', 'done', 'expired', 'canceled']);
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('not_before', { useTz: true }); // calling window: not claimable before this instant
    t.timestamp('next_attempt_at', { useTz: true }); // a retry waits until then
    t.text('outcome'); // human | machine | unknown | no_answer | busy | failed | canceled | refused | expired | opted_out
    t.text('finish_reason');
    t.uuid('last_attempt_id');
    t.integer('batch'); // the placing activity that claimed it first: a retried activity takes the same contacts
    t.primary(['campaign_id', 'seq']);
    t.unique(['campaign_id', 'phone']);
  });
  await knex.raw(`CREATE INDEX dialer_contacts_pending_idx ON dialer_contacts (campaign_id, seq) WHERE status = 'pending' AND batch IS NULL`);
  await knex.raw('CREATE INDEX dialer_contacts_batch_idx ON dialer_contacts (campaign_id, batch) WHERE batch IS NOT NULL');

  await knex.schema.createTable('call_attempts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.uuid('campaign_id').notNullable().references('dialer_campaigns.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.integer('attempt').notNullable();
    t.uuid('contact_id');
    t.uuid('phone_id').references('phones.id').onDelete('SET NULL');
    t.text('from_address').notNullable();
    t.text('to_address').notNullable();
    // dialing (row written, carrier not yet answered) | queued | initiated | ringing | in-progress | completed | busy | no-answer | failed | canceled
    t.text('status').notNullable().defaultTo('dialing');
    t.text('answered_by');
    t.text('provider');
    t.text('provider_call_id');
    t.text('digits');
    t.text('speech_result');
    t.double('speech_confidence');
    t.integer('duration_seconds');
    t.integer('sequence_number').notNullable().defaultTo(-1); // the last status callback applied (Twilio SequenceNumber)
    t.boolean('abandoned').notNullable().defaultTo(false);
    t.boolean('opted_out').notNullable().defaultTo(false);
    t.text('finish_reason');
    t.text('finished_by');
    t.text('recording_url');
    t.text('error_code');
    t.text('error_message');
    t.timestamp('dialing_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('placed_at', { useTz: true });
    t.timestamp('ringing_at', { useTz: true });
    t.timestamp('answered_at', { useTz: true });
    t.timestamp('bridged_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['campaign_id', 'seq', 'attempt']);
    t.index(['workspace_id', 'created_at']);
  });
  await knex.raw(`CREATE UNIQUE INDEX call_attempts_provider_id ON call_attempts (provider, provider_call_id) WHERE provider_call_id IS NOT NULL`);
  // Bridged calls still up (progressive dialing's free agent lines) and the 30-day abandonment of a phone.
  await knex.raw(`CREATE INDEX call_attempts_live_bridged ON call_attempts (campaign_id) WHERE bridged_at IS NOT NULL AND ended_at IS NULL`);
  await knex.raw(`CREATE INDEX call_attempts_phone_answered ON call_attempts (phone_id, answered_at) WHERE answered_at IS NOT NULL`);

  // Calls have their own per-number rate (Twilio: calls per second per account/number), paced like messages.
  await knex.schema.alterTable('sender_pacers', (t) => t.double('call_next_at_ms').notNullable().defaultTo(0));
  await knex.schema.alterTable('phones', (t) => t.decimal('calls_per_second', 10, 3)); // null: 1 call per second
  await knex.schema.alterTable('workspaces', (t) => t.text('call_opt_out_digit').defaultTo('9')); // default opt-out key of dialer calls
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workspaces', (t) => t.dropColumn('call_opt_out_digit'));
  await knex.schema.alterTable('phones', (t) => t.dropColumn('calls_per_second'));
  await knex.schema.alterTable('sender_pacers', (t) => t.dropColumn('call_next_at_ms'));
  await knex.schema.dropTableIfExists('call_attempts');
  await knex.schema.dropTableIfExists('dialer_contacts');
  await knex.schema.dropTableIfExists('dialer_campaigns');
  await knex.schema.dropTableIfExists('ai_agents');
}
