import type { Knex } from 'knex';

/** Tenancy, credentials, senders, the contact book, consent audit and async jobs. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');

  await knex.schema.createTable('workspaces', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('status').notNullable().defaultTo('active'); // active | disabled
    // Workspace defaults for per-key limits; a key's own columns override them.
    t.integer('rate_limit_per_minute').notNullable().defaultTo(120);
    t.integer('daily_quota').notNullable().defaultTo(10000);
    t.integer('monthly_quota').notNullable().defaultTo(250000);
    t.text('default_country').notNullable().defaultTo('US');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('account').notNullable();
    t.text('first_name');
    t.text('last_name');
    t.text('email');
    t.text('phone');
    t.text('role').notNullable().defaultTo('agent'); // owner | agent
    t.text('language').notNullable().defaultTo('en-US');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'account']);
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('kind').notNullable(); // seax (single X-API-Key token) | pair (Zagely pk_/sk_)
    t.text('name').notNullable();
    t.text('public_key').unique(); // pair only
    t.text('secret_hash').notNullable().unique(); // sha256 hex of the token or secret; the secret itself is never stored
    t.specificType('abilities', 'text[]').notNullable().defaultTo('{*}');
    t.uuid('session_id'); // optional bound sender (Zagely session = SeaX phone)
    t.integer('rate_limit_per_minute');
    t.integer('daily_quota');
    t.integer('monthly_quota');
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('disabled_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['workspace_id']);
  });

  // Request counters shared by every API process: one row per key, period and period start.
  await knex.schema.createTable('api_key_usage', (t) => {
    t.uuid('api_key_id').notNullable().references('api_keys.id').onDelete('CASCADE');
    t.text('period').notNullable(); // minute | day | month
    t.timestamp('period_start', { useTz: true }).notNullable();
    t.integer('count').notNullable().defaultTo(0);
    t.primary(['api_key_id', 'period', 'period_start']);
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.uuid('api_key_id').notNullable().references('api_keys.id').onDelete('CASCADE');
    t.text('path').notNullable();
    t.text('key').notNullable();
    t.text('method').notNullable();
    t.text('request_hash').notNullable();
    t.text('state').notNullable().defaultTo('in_progress'); // in_progress | completed
    t.integer('response_status');
    t.text('response_body');
    t.jsonb('response_headers');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
    t.primary(['api_key_id', 'path', 'key']);
    t.index(['created_at']);
  });

  await knex.schema.createTable('phones', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('phone').notNullable(); // E.164
    t.text('country').notNullable().defaultTo('US');
    t.text('type').notNullable().defaultTo('LOCAL'); // LOCAL | TOLL_FREE | SHORT_CODE
    t.text('source').notNullable().defaultTo('SIMULATOR'); // provider: SIMULATOR | TWILIO | WHATSAPP_CLOUD
    t.jsonb('phone_capability').notNullable();
    t.boolean('is_default').notNullable().defaultTo(false);
    t.boolean('enabled').notNullable().defaultTo(true);
    t.boolean('is_owned').notNullable().defaultTo(true);
    t.text('generic_reply_message');
    t.text('dnc_reply_message');
    t.boolean('enabled_generic_reply').notNullable().defaultTo(false);
    t.boolean('enabled_dnc_reply').notNullable().defaultTo(false);
    t.boolean('enabled_recipient').notNullable().defaultTo(false);
    t.jsonb('call_recipient');
    t.jsonb('sms_recipient');
    t.jsonb('wabp_recipient');
    t.text('whatsapp_business_account_phone_id');
    t.text('whatsapp_status');
    t.text('status').notNullable().defaultTo('connected'); // Zagely session status
    t.integer('daily_limit');
    t.boolean('warmup_enabled').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'phone']);
  });
  await knex.raw('CREATE UNIQUE INDEX phones_one_default ON phones (workspace_id) WHERE is_default');
  // A key bound to a session (phone) loses the binding when the phone is deleted.
  await knex.raw('ALTER TABLE api_keys ADD CONSTRAINT api_keys_session_fk FOREIGN KEY (session_id) REFERENCES phones(id) ON DELETE SET NULL');

  await knex.schema.createTable('labels', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('color').notNullable().defaultTo('#19b9c3');
    t.text('description');
    t.boolean('is_system').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX labels_workspace_name ON labels (workspace_id, lower(name))');

  await knex.schema.createTable('contacts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('phone'); // E.164
    t.text('whatsapp_phone'); // E.164
    t.text('email');
    t.text('note');
    t.jsonb('custom_fields').notNullable().defaultTo('{}');
    t.text('timezone');
    t.boolean('blocked').notNullable().defaultTo(false);
    t.timestamp('opted_out_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['workspace_id', 'created_at']);
  });
  await knex.raw('CREATE UNIQUE INDEX contacts_workspace_phone ON contacts (workspace_id, phone) WHERE phone IS NOT NULL');
  await knex.raw('CREATE INDEX contacts_name_trgm ON contacts USING gin (name gin_trgm_ops)');
  await knex.raw('CREATE INDEX contacts_phone_trgm ON contacts USING gin (phone gin_trgm_ops)');
  await knex.raw('CREATE INDEX contacts_email_trgm ON contacts USING gin (email gin_trgm_ops)');

  await knex.schema.createTable('contact_labels', (t) => {
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.uuid('contact_id').notNullable().references('contacts.id').onDelete('CASCADE');
    t.uuid('label_id').notNullable().references('labels.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['contact_id', 'label_id']);
    t.index(['label_id', 'contact_id']);
  });

  await knex.schema.createTable('contact_groups', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('type').notNullable(); // static | dynamic
    t.text('description');
    t.jsonb('filters'); // dynamic only: {tags, custom_fields, created_from, created_to}
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['workspace_id']);
  });

  await knex.schema.createTable('contact_group_members', (t) => {
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.uuid('group_id').notNullable().references('contact_groups.id').onDelete('CASCADE');
    t.uuid('contact_id').notNullable().references('contacts.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['group_id', 'contact_id']);
    t.index(['contact_id']);
  });

  // Consent and opt-out audit: append-only, kept when the contact is deleted (no FK to contacts).
  await knex.schema.createTable('consent_events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.uuid('contact_id').notNullable();
    t.text('phone');
    t.text('action').notNullable(); // opt_out | opt_in | block | unblock
    t.text('source').notNullable(); // api | keyword | import | admin | system
    t.text('actor'); // api key id, user id or "system"
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['workspace_id', 'contact_id', 'created_at']);
  });
  await knex.raw(`CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'consent_events is append-only'; END $$`);
  await knex.raw(`CREATE TRIGGER consent_events_no_change BEFORE UPDATE OR DELETE ON consent_events
    FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()`);

  await knex.schema.createTable('jobs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('type').notNullable(); // import_contacts | export_contacts | ...
    t.text('status').notNullable().defaultTo('pending'); // pending | processing | finished | failed
    t.integer('progress').notNullable().defaultTo(0); // 0-100
    t.integer('total_items').notNullable().defaultTo(0);
    t.integer('processed_items').notNullable().defaultTo(0);
    t.integer('failed_items').notNullable().defaultTo(0);
    t.jsonb('params').notNullable().defaultTo('{}');
    t.jsonb('result');
    t.jsonb('error_report');
    t.text('workflow_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['workspace_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'jobs', 'consent_events', 'contact_group_members', 'contact_groups', 'contact_labels', 'contacts',
    'labels', 'phones', 'idempotency_keys', 'api_key_usage', 'api_keys', 'users', 'workspaces',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('DROP FUNCTION IF EXISTS consent_events_append_only()');
}
