import type { Knex } from 'knex';

/** Messages and their delivery lifecycle, conversations, the events outbox, templates, keywords and automations. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workspaces', (t) => {
    t.text('timezone').notNullable().defaultTo('UTC'); // fallback for contacts without one (quiet hours)
    t.text('quiet_hours_start').notNullable().defaultTo('08:00');
    t.text('quiet_hours_end').notNullable().defaultTo('21:00');
  });

  await knex.schema.alterTable('phones', (t) => {
    t.text('credentials_encrypted'); // AES-256-GCM (activities/carriers/secrets.ts); never returned by the API
    t.text('provider_sender_id'); // e.g. the WhatsApp phone-number-id
    t.decimal('messages_per_second', 10, 3); // null: the default for the number type
  });

  await knex.schema.createTable('conversations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.uuid('contact_id').notNullable().references('contacts.id').onDelete('CASCADE');
    t.uuid('phone_id').references('phones.id').onDelete('SET NULL');
    t.text('channel').notNullable(); // sms | whatsapp | email
    t.text('status').notNullable().defaultTo('open'); // open | ended
    t.timestamp('last_message_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // One open conversation per contact, channel and sender.
  await knex.raw(`CREATE UNIQUE INDEX conversations_one_open ON conversations (workspace_id, contact_id, channel, phone_id)
                  WHERE status = 'open'`);

  await knex.schema.createTable('messages', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('channel').notNullable(); // sms | mms | whatsapp | email
    t.text('direction').notNullable(); // outbound | inbound
    t.text('sender_type').notNullable().defaultTo('AGENT'); // CUSTOMER | AGENT | BOT | SYSTEM
    t.text('content_type').notNullable().defaultTo('text'); // text | image | video | audio | document | template
    t.uuid('phone_id').references('phones.id').onDelete('SET NULL');
    t.uuid('contact_id').references('contacts.id').onDelete('SET NULL');
    t.uuid('conversation_id').references('conversations.id').onDelete('SET NULL');
    t.uuid('campaign_id');
    t.uuid('api_key_id');
    t.text('from_address').notNullable();
    t.text('to_address').notNullable();
    t.text('content');
    t.jsonb('media_urls').notNullable().defaultTo('[]');
    t.jsonb('template'); // WhatsApp template {name, language, components}
    t.boolean('is_marketing').notNullable().defaultTo(true);
    // queued | scheduled | sending | sent | delivered | undelivered | failed | read | received | canceled | expired
    t.text('status').notNullable();
    t.text('provider');
    t.text('provider_message_id');
    t.text('error_code');
    t.text('error_message');
    t.text('encoding'); // GSM-7 | UCS-2 (SMS only)
    t.integer('segments');
    t.timestamp('send_at', { useTz: true }); // scheduled messages
    t.timestamp('queued_at', { useTz: true });
    t.timestamp('sending_at', { useTz: true });
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('undelivered_at', { useTz: true });
    t.timestamp('failed_at', { useTz: true });
    t.timestamp('read_at', { useTz: true });
    t.timestamp('received_at', { useTz: true });
    t.timestamp('canceled_at', { useTz: true });
    t.text('workflow_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['workspace_id', 'created_at']);
    t.index(['workspace_id', 'contact_id', 'created_at']);
    t.index(['conversation_id', 'created_at']);
  });
  // A provider id names one message: duplicate callbacks and inbound retries resolve to the same row.
  await knex.raw(`CREATE UNIQUE INDEX messages_provider_id ON messages (provider, provider_message_id)
                  WHERE provider_message_id IS NOT NULL`);
  await knex.raw(`CREATE INDEX messages_scheduled ON messages (workspace_id, send_at) WHERE status = 'scheduled'`);

  // The events outbox: written in the same transaction as the change it describes; webhooks deliver from here.
  await knex.schema.createTable('events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    // Insertion order (occurred_at is the transaction's start time, shared by all its events). Across concurrent
    // transactions seq is not commit order: a reader that tails this table must allow for gaps that fill in later.
    t.bigIncrements('seq', { primaryKey: false });
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('type').notNullable(); // message.sent, contact.created, …
    t.text('subject_type'); // message | conversation | contact | session | campaign
    t.uuid('subject_id');
    t.jsonb('data').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['workspace_id', 'seq']);
    t.index(['subject_id']);
  });

  await knex.schema.createTable('message_templates', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('channel').notNullable().defaultTo('all');
    t.text('content').notNullable();
    t.text('media_url');
    t.jsonb('buttons').notNullable().defaultTo('[]');
    t.specificType('variables', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX message_templates_name ON message_templates (workspace_id, lower(name))');

  // SeaX phone keywords and Zagely automations: one table, two dialects.
  await knex.schema.createTable('auto_replies', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.uuid('phone_id').references('phones.id').onDelete('CASCADE'); // null: every sender of the workspace
    t.text('origin').notNullable(); // seax_keyword | zagely_automation
    t.text('name').notNullable();
    t.text('channel').notNullable().defaultTo('all');
    t.text('trigger_type').notNullable().defaultTo('keyword'); // keyword | welcome | away | fallback
    t.text('trigger_value');
    t.text('match_mode').notNullable().defaultTo('exact'); // exact | contains | fuzzy
    t.text('response_content');
    t.text('response_media_url');
    t.jsonb('response_buttons').notNullable().defaultTo('[]');
    t.jsonb('conditions').notNullable().defaultTo('{}');
    t.integer('priority').notNullable().defaultTo(0);
    t.boolean('is_active').notNullable().defaultTo(true);
    t.boolean('enabled_contact_label').notNullable().defaultTo(false);
    t.boolean('keep_dnc_label_only').notNullable().defaultTo(false);
    t.specificType('contact_label_ids', 'uuid[]').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['workspace_id', 'phone_id']);
  });

  await knex.schema.createTable('auto_reply_logs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.uuid('auto_reply_id').notNullable().references('auto_replies.id').onDelete('CASCADE');
    t.uuid('inbound_message_id');
    t.uuid('reply_message_id');
    t.uuid('contact_id');
    t.text('matched_text');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['auto_reply_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['auto_reply_logs', 'auto_replies', 'message_templates', 'events', 'messages', 'conversations']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable('phones', (t) => t.dropColumns('credentials_encrypted', 'provider_sender_id', 'messages_per_second'));
  await knex.schema.alterTable('workspaces', (t) => t.dropColumns('timezone', 'quiet_hours_start', 'quiet_hours_end'));
}
