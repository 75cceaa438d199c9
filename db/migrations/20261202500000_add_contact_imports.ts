import type { Knex } from 'knex';

/**
 * Contact imports: a job can be asked to stop (checked by the import between chunks), contacts remember the import
 * that created them (so a later row of the same file is told apart from a contact that was there before), WhatsApp
 * numbers are indexed (an import matches WhatsApp-only rows on them), and every failed row is kept with its reason
 * for the job's failed-rows CSV.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs', (t) => {
    t.timestamp('cancel_requested_at', { useTz: true });
  });
  await knex.schema.alterTable('contacts', (t) => {
    t.uuid('import_job_id'); // the import job that created the contact; no FK: jobs may be deleted
  });
  await knex.raw('CREATE INDEX contacts_workspace_whatsapp ON contacts (workspace_id, whatsapp_phone) WHERE whatsapp_phone IS NOT NULL');
  await knex.schema.createTable('import_row_failures', (t) => {
    t.uuid('job_id').notNullable().references('jobs.id').onDelete('CASCADE');
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.integer('row_number').notNullable(); // the row as a spreadsheet numbers it (the header is row 1)
    t.text('reason').notNullable(); // invalid_phone | missing_phone | invalid_email | …
    t.text('message').notNullable();
    t.jsonb('cells').notNullable(); // the row's cells as they were in the file (a JSON array of strings)
    t.primary(['job_id', 'row_number']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('import_row_failures');
  await knex.raw('DROP INDEX IF EXISTS contacts_workspace_whatsapp');
  await knex.schema.alterTable('contacts', (t) => t.dropColumn('import_job_id'));
  await knex.schema.alterTable('jobs', (t) => t.dropColumn('cancel_requested_at'));
}
