import fs from 'node:fs';
import { contactService } from '../../services/contacts';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { asText, waitForSeaxJob, xlsxOf } from '../helpers/imports';
import { expectSeaxError, expectSeaxFieldError, pairWith } from '../helpers/seax';
import { expectError, expectFieldError, roomyLimits } from '../helpers/zagely';

/*
 * Contact import over HTTP in both dialects, through the real workflow and worker, in chunks of 3 rows so every
 * file crosses chunk boundaries (duplicates of an earlier row land in another chunk than the row they repeat).
 */
let h: Harness;
const names = { phone: 'phone', label_ids: 'label_ids' };

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { IMPORT_CHUNK_ROWS: '3', IMPORT_MAX_BYTES: '65536' } });
});
afterAll(() => h.close());

/** A workspace of its own per test, with room for polling its jobs. */
async function workspace(name: string): Promise<TestWorkspace> {
  const w = await h.workspace(name);
  await roomyLimits(h.db, w.id);
  return w;
}

const seaxImport = (w: TestWorkspace, body: Buffer | string, query = '', fileName = 'contacts.csv') =>
  h.http.post(`/api/v1/workspace/${w.id}/import_contacts${query}`).set(w.seax).attach('file', Buffer.from(body), fileName);

const contactsOf = (w: TestWorkspace) => h.db('contacts').where({ workspace_id: w.id }).orderBy('phone');
const eventCount = async (w: TestWorkspace, type: string) => Number((await h.db('events').where({ workspace_id: w.id, type }).count({ n: '*' }))[0].n);
const labelsOf = async (contactId: string) =>
  (await h.db('contact_labels as cl').join('labels as l', 'l.id', 'cl.label_id').where('cl.contact_id', contactId).orderBy('l.name').pluck('l.name')) as string[];

describe('SeaX POST /import_contacts', () => {
  it('imports a CSV: the answer counts the rows, every row ends with one outcome, bad rows are kept with their reasons', async () => {
    const w = await workspace('outcomes');
    await contactService(h.db).create(w.id, { name: 'Existing', phone: '+14155550100', email: 'old@example.com' }, names);
    const csv = [
      'Name,Phone,Email,Labels,City',
      'Ada Lovelace,(415) 555-0101,ada@example.com,vip;newsletter,London',
      'Existing Again,+14155550100,new@example.com,returning,Paris',
      'No Number,,nobody@example.com,,',
      'Bad Number,not a phone,,,',
      'Bad Mail,4155550102,not-an-email,,',
      'Ada Twice,415.555.0101,,second,',
      'Opted Out,4155550103,,DNC,',
      '=HYPERLINK("http://evil"),12,,,',
      ',,,,', // blank: not a row
      'Grace Hopper,+1 415 555 0104,,,New York',
    ].join('\r\n');
    const res = await seaxImport(w, csv, '?phone_country=US');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'processing', job_type: 'import_contacts', total_items: 9, processed_items: 0, failed_items: 0, progress: 0 });
    expect(typeof res.body.created_time).toBe('string');

    const job = await waitForSeaxJob(h, w, res.body.id);
    expect(job).toMatchObject({ status: 'finished', progress: 100, total_items: 9, processed_items: 9, failed_items: 4 });
    // mark (the default): duplicates keep their fields and get the labels.
    expect(job.result).toEqual({
      created: 3,
      updated: 0,
      marked: 2,
      skipped: 0,
      failed: 4,
      reasons: { duplicate: 1, duplicate_in_file: 1, missing_phone: 1, invalid_phone: 2, invalid_email: 1 },
    });

    const contacts = await contactsOf(w);
    expect(contacts.map((c) => c.phone)).toEqual(['+14155550100', '+14155550101', '+14155550103', '+14155550104']);
    const [existing, ada, opted, grace] = contacts;
    expect(existing).toMatchObject({ name: 'Existing', email: 'old@example.com' });
    expect(await labelsOf(existing.id)).toEqual(['returning']);
    expect(ada).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', custom_fields: { City: 'London' } });
    expect(await labelsOf(ada.id)).toEqual(['newsletter', 'second', 'vip']);
    expect(grace).toMatchObject({ name: 'Grace Hopper', custom_fields: { City: 'New York' } });

    // A DNC label opts the contact out as the contact API does: the system label, a consent record, contact.opted_out.
    expect(await labelsOf(opted.id)).toEqual(['DNC']);
    const consent = await h.db('consent_events').where({ contact_id: opted.id });
    expect(consent).toHaveLength(1);
    expect(consent[0]).toMatchObject({ action: 'opt_out', source: 'import', detail: { label: 'DNC', job_id: res.body.id, row: 8 } });
    const reachable = await h.http.get(`/api/v1/workspace/${w.id}/contacts`).set(w.seax).query({ exclude_labels: 'DNC', limit: 0 });
    expect(reachable.body.data.map((c: { phone: string }) => c.phone)).not.toContain('+14155550103');

    // Events: one contact.created per created contact; contact.updated where a row really changed something: the
    // marked existing contact and Ada (each got a label; Ada's second row is in another chunk than her first).
    expect(await eventCount(w, 'contact.created')).toBe(3 + 1); // + the contact created through the service above
    expect(await eventCount(w, 'contact.opted_out')).toBe(1);
    const updates = await h.db('events').where({ workspace_id: w.id, type: 'contact.updated' });
    expect(updates.map((e) => e.subject_id).sort()).toEqual([existing.id, ada.id].sort());
    expect(updates.find((e) => e.subject_id === existing.id)!.data).toMatchObject({ source: 'import', job_id: res.body.id, updated_fields: ['label_ids'] });

    // The failed rows, as CSV: row numbers as a spreadsheet shows them, the reason, the row as it was (formula-escaped).
    expect(job.failed_rows_url).toBe(`/api/v1/workspace/${w.id}/jobs/${res.body.id}/failed_rows`);
    const failed = await h.http.get(job.failed_rows_url as string).set(w.seax).buffer(true).parse(asText);
    expect(failed.status).toBe(200);
    expect(failed.headers['content-type']).toMatch(/text\/csv/);
    const lines = (failed.body as string).trim().split('\n');
    expect(lines[0]).toBe('row,reason,message,Name,Phone,Email,Labels,City');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['4,missing_phone', '5,invalid_phone', '6,invalid_email', '9,invalid_phone']);
    expect(failed.body).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });

  it('update writes non-empty cells over the contact and adds labels; skip leaves it untouched; never clears DNC', async () => {
    const w = await workspace('strategies');
    const contacts = contactService(h.db);
    const dnc = await h.db('labels').where({ workspace_id: w.id, name: 'DNC' }).first();
    const a = await contacts.create(w.id, { name: 'A', phone: '+14155550201', email: 'a@example.com', note: 'keep', custom_fields: { tier: 'gold' }, label_ids: [dnc.id] }, names);
    const b = await contacts.create(w.id, { name: 'B', phone: '+14155550202' }, names);
    const file = ['phone,name,email,note,tier,tags', '+14155550201,A New,,,platinum,vip', '+14155550202,,b@example.com,,,', '+14155550203,C,,,,'].join('\n');

    const skip = await waitForSeaxJob(h, w, (await seaxImport(w, file, '?duplicate_strategy=skip')).body.id);
    expect(skip.result).toMatchObject({ created: 1, skipped: 2, updated: 0, marked: 0, failed: 0, reasons: { duplicate: 2 } });
    expect(await h.db('contacts').where({ id: a.id }).first()).toMatchObject({ name: 'A', email: 'a@example.com' });
    expect(await labelsOf(a.id)).toEqual(['DNC']);

    const eventsBefore = await eventCount(w, 'contact.updated');
    const update = await waitForSeaxJob(h, w, (await seaxImport(w, file, '?duplicate_strategy=update')).body.id);
    expect(update.result).toMatchObject({ created: 0, updated: 3, skipped: 0, failed: 0 });
    expect(await h.db('contacts').where({ id: a.id }).first()).toMatchObject({ name: 'A New', email: 'a@example.com', note: 'keep', custom_fields: { tier: 'platinum' } });
    expect(await labelsOf(a.id)).toEqual(['DNC', 'vip']);
    expect(await h.db('contacts').where({ id: b.id }).first()).toMatchObject({ name: 'B', email: 'b@example.com' });
    // contact.updated for the two that changed, not for C (its row changed nothing).
    expect((await eventCount(w, 'contact.updated')) - eventsBefore).toBe(2);
    const change = (await h.db('events').where({ workspace_id: w.id, type: 'contact.updated', subject_id: a.id }).orderBy('seq', 'desc').first()).data;
    expect(change).toMatchObject({ previous: { name: 'A', custom_fields: { tier: 'gold' } }, current: { name: 'A New', custom_fields: { tier: 'platinum' } } });
    expect(change.updated_fields).toEqual(expect.arrayContaining(['name', 'custom_fields', 'label_ids']));

    // The same file again changes nothing: no event at all.
    const again = await waitForSeaxJob(h, w, (await seaxImport(w, file, '?duplicate_strategy=update')).body.id);
    expect(again.result).toMatchObject({ updated: 3 });
    expect((await eventCount(w, 'contact.updated')) - eventsBefore).toBe(2);
  });

  it('reads a UTF-8 file with BOM and semicolons, label_ids as the quick start sends them, and phone_country', async () => {
    const w = await workspace('bom');
    const label = (await h.http.post(`/api/v1/workspace/${w.id}/labels`).set(w.seax).send({ name: 'Imported' })).body;
    const csv = '\ufeffNombre;Teléfono;Mobile;Notes\n"Zoë; the second";;020 7946 0018;"line one\nline two"\nJosé;;07700 900123;\n';
    const res = await h.http
      .post(`/api/v1/workspace/${w.id}/import_contacts?phone_country=gb`)
      .set(w.seax)
      .field('label_ids', JSON.stringify([label.id]))
      .attach('file', Buffer.from(csv), 'contacts.csv');
    expect(res.status).toBe(200);
    const job = await waitForSeaxJob(h, w, res.body.id);
    expect(job.result).toMatchObject({ created: 2, failed: 0 });
    const rows = await contactsOf(w);
    expect(rows.map((r) => [r.phone, r.note])).toEqual([
      ['+442079460018', 'line one\nline two'],
      ['+447700900123', null],
    ]);
    // "Nombre" and "Teléfono" are not known columns: custom fields (an empty cell sets nothing).
    expect(rows[0].custom_fields).toEqual({ Nombre: 'Zoë; the second' });
    for (const r of rows) expect(await labelsOf(r.id)).toEqual(['Imported']);
  });

  it('refuses what it cannot import, naming the problem, and writes nothing', async () => {
    const w = await workspace('refusals');
    const noPhone = await seaxImport(w, 'name,email\nAda,ada@example.com\n');
    expect(expectSeaxFieldError(noPhone, 'file')[0]).toMatch(/no phone column.*name, email/);
    expect(expectSeaxFieldError(await seaxImport(w, ''), 'file')[0]).toMatch(/empty/);
    expect(expectSeaxFieldError(await seaxImport(w, 'phone,name\n\n'), 'file')[0]).toMatch(/no contacts/);
    const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0]);
    expect(expectSeaxFieldError(await seaxImport(w, xls, '', 'old.xls'), 'file')[0]).toMatch(/\.xls/);
    expect(expectSeaxFieldError(await seaxImport(w, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]), '', 'photo.png'), 'file')[0]).toMatch(/neither a CSV nor/);
    expect(expectSeaxFieldError(await seaxImport(w, 'phone\n"+1415\n'), 'file')[0]).toMatch(/cannot be read/);
    expect(expectSeaxFieldError(await seaxImport(w, Buffer.from('PK\x03\x04garbage'), '', 'x.xlsx'), 'file')[0]).toMatch(/xlsx/);
    expectSeaxFieldError(await seaxImport(w, 'phone\n+14155550101\n', '?duplicate_strategy=merge'), 'duplicate_strategy');
    expectSeaxFieldError(await seaxImport(w, 'phone\n+14155550101\n', '?phone_country=XX'), 'phone_country');
    const unknown = await h.http.post(`/api/v1/workspace/${w.id}/import_contacts`).set(w.seax).field('label_ids', '["no-such-label"]').attach('file', Buffer.from('phone\n+14155550101\n'), 'c.csv');
    expect(expectSeaxFieldError(unknown, 'label_ids')[0]).toMatch(/no-such-label/);
    const noFile = await h.http.post(`/api/v1/workspace/${w.id}/import_contacts`).set(w.seax).field('label_ids', '[]');
    expectSeaxFieldError(noFile, 'file');
    expectSeaxError(await h.http.post(`/api/v1/workspace/${w.id}/import_contacts`).set(w.seax).send({ file: 'phone\n1' }), 415);
    // Beyond IMPORT_MAX_BYTES (64 KiB here): 413, in the dialect's shape.
    const big = `phone\n${Array.from({ length: 8000 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`).join('\n')}\n`;
    expectSeaxError(await seaxImport(w, big), 413);
    expect(await h.db('jobs').where({ workspace_id: w.id })).toHaveLength(0);
    expect(await contactsOf(w)).toHaveLength(0);
    expect(fs.readdirSync(`${h.config.EXPORT_DIR}/uploads`)).toEqual([]);
  });
});

describe('Zagely POST /api/contacts/import', () => {
  it('imports an .xlsx with tags[] and a static group, answering 202 with the job', async () => {
    const w = await workspace('xlsx');
    const group = (await h.http.post('/api/v1/contact-groups').set(w.zagely).send({ name: 'Imported', type: 'static' })).body.data;
    const xlsx = await xlsxOf([
      ['First Name', 'Last Name', 'Phone Number', 'WhatsApp', 'E-mail', 'Tags', 'Timezone', 'Plan'],
      ['Ada', 'Lovelace', 14155550301, null, 'ada@example.com', 'vip | beta', 'Europe/London', 'gold'],
      ['Wa', 'Only', null, '+14155550399', null, null, null, null],
      ['Bad', 'Zone', '+14155550302', null, null, null, 'Mars/Olympus', null],
    ]);
    for (const prefix of ['/api', '/api/v1']) {
      const res = await h.http
        .post(`${prefix}/contacts/import`)
        .set(w.zagely)
        .field('duplicate_strategy', 'update')
        .field('tags[]', 'spring')
        .field('tags[]', 'fair')
        .field('group_id', group.id)
        .attach('file', xlsx, 'contacts.xlsx');
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ job_id: expect.any(String), status: 'processing', data: { type: 'import_contacts', total_items: 3 } });
      const job = await waitForSeaxJob(h, w, res.body.job_id);
      expect(job.status).toBe('finished');
      const zagely = await h.http.get(`/api/v1/jobs/${res.body.job_id}`).set(w.zagely);
      expect(zagely.body.data).toMatchObject({ status: 'finished', failed_items: 1, failed_rows_url: `/api/v1/jobs/${res.body.job_id}/failed-rows` });
      expect(zagely.body.data.result).toMatchObject(prefix === '/api' ? { created: 2, failed: 1, reasons: { invalid_timezone: 1 } } : { updated: 2, failed: 1, reasons: { duplicate: 2 } });
    }
    const rows = await contactsOf(w);
    expect(rows).toHaveLength(2);
    const ada = rows.find((r) => r.phone === '+14155550301')!;
    expect(ada).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', timezone: 'Europe/London', custom_fields: { first_name: 'Ada', last_name: 'Lovelace', Plan: 'gold' } });
    expect(await labelsOf(ada.id)).toEqual(['beta', 'fair', 'spring', 'vip']);
    const wa = rows.find((r) => r.whatsapp_phone === '+14155550399')!;
    expect(wa).toMatchObject({ phone: null, name: 'Wa Only' });
    const members = await h.http.get('/api/v1/contacts').set(w.zagely).query({ group_id: group.id });
    expect(members.body.total).toBe(2);
    const failed = await h.http.get(`/api/v1/jobs/${(await h.db('jobs').where({ workspace_id: w.id }).first()).id}/failed-rows`).set(w.zagely).buffer(true).parse(asText);
    expect(failed.body).toContain('4,invalid_timezone');
  });

  it('validates options in the Zagely envelope', async () => {
    const w = await workspace('zagely refusals');
    const dynamic = (await h.http.post('/api/v1/contact-groups').set(w.zagely).send({ name: 'Dyn', type: 'dynamic', filters: { tags: ['x'] } })).body.data;
    const file = Buffer.from('phone\n+14155550101\n');
    expectFieldError(await h.http.post('/api/contacts/import').set(w.zagely).field('group_id', dynamic.id).attach('file', file, 'c.csv'), 'group_id');
    expectFieldError(await h.http.post('/api/contacts/import').set(w.zagely).field('duplicate_strategy', 'nope').attach('file', file, 'c.csv'), 'duplicate_strategy');
    expectFieldError(await h.http.post('/api/contacts/import').set(w.zagely).attach('file', Buffer.from('name\nx\n'), 'c.csv'), 'file');
    expectError(await h.http.post('/api/contacts/import').set(w.zagely).send({}), 415, 'unsupported_media_type');
    const reader = await pairWith(h, w, ['contacts.read']);
    expectError(await h.http.post('/api/contacts/import').set(reader).attach('file', file, 'c.csv'), 403, 'insufficient_ability');
  });
});

describe('jobs of imports', () => {
  it('stay private to their workspace', async () => {
    const w = await workspace('private');
    const res = await seaxImport(w, 'phone\n+14155550501\n');
    await waitForSeaxJob(h, w, res.body.id);
    const other = await workspace('snoop');
    expect((await h.http.get(`/api/v1/jobs/${res.body.id}`).set(other.zagely)).status).toBe(404);
    expect((await h.http.get(`/api/v1/jobs/${res.body.id}/failed-rows`).set(other.zagely)).status).toBe(404);
    expect((await h.http.post(`/api/v1/jobs/${res.body.id}/cancel`).set(other.zagely)).status).toBe(404);
  });

  it('cancel stops after the chunk in hand; the rows before stay imported and the totals add up', async () => {
    const w = await workspace('cancel');
    // A contact the second chunk needs, locked by this test: the import waits inside chunk 2 until we let go.
    const blocker = await contactService(h.db).create(w.id, { name: 'Blocker', phone: '+14155550605' }, names);
    const rows = Array.from({ length: 12 }, (_, i) => `+1415555${String(600 + i).padStart(4, '0')}`);
    const trx = await h.db.transaction();
    await trx('contacts').where({ id: blocker.id }).forUpdate();
    const res = await seaxImport(w, `phone\n${rows.join('\n')}\n`);
    expect(res.status).toBe(200);
    await waitForProcessed(w, res.body.id, 3);
    const cancel = await h.http.post(`/api/v1/workspace/${w.id}/jobs/${res.body.id}/cancel`).set(w.seax);
    expect(cancel.status).toBe(200);
    await trx.commit();

    const job = await waitForSeaxJob(h, w, res.body.id);
    expect(job).toMatchObject({ status: 'failed', processed_items: 6, total_items: 12, error_report: { code: 'canceled' } });
    expect(job.result).toMatchObject({ created: 5, marked: 1, canceled: true });
    expect(await contactsOf(w)).toHaveLength(6);
    expect(await eventCount(w, 'contact.created')).toBe(6);
    // The workflow ended; cancelling again is a conflict naming the status.
    const again = await h.http.post(`/api/v1/jobs/${res.body.id}/cancel`).set(w.zagely);
    expectError(again, 409, 'invalid_state');
    expect(again.body.error.details).toEqual({ status: 'failed' });
    expect(await (await h.temporal.workflow.getHandle(`contact-import-${res.body.id}`)).result()).toEqual({ rows: 6, canceled: true });
  });

  it('runs as contact-import-<job> with search attributes and a summary naming the file', async () => {
    const w = await workspace('temporal');
    const res = await seaxImport(w, 'phone\n+14155550701\n+14155550702\n', '', 'spring-fair.csv');
    await waitForSeaxJob(h, w, res.body.id);
    const d = await h.temporal.workflow.getHandle(`contact-import-${res.body.id}`).describe();
    expect(d.searchAttributes).toMatchObject({ WorkspaceId: [w.id], SwitchboardKind: ['contact-import'] });
    expect(await d.staticSummary()).toContain('"spring-fair.csv" (2 rows)');
  });
});

async function waitForProcessed(w: TestWorkspace, jobId: string, n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await h.db('jobs').where({ id: jobId, workspace_id: w.id }).first()).processed_items < n) {
    if (Date.now() > deadline) throw new Error(`job ${jobId} never reached ${n} rows`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
