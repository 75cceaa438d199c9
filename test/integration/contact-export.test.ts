import { contactService } from '../../services/contacts';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

let h: Harness;
let ws: TestWorkspace;
const names = { phone: 'phone', label_ids: 'label_ids' };

beforeAll(async () => {
  h = await createHarness({ worker: true });
  ws = await h.workspace();
  const contacts = contactService(h.db);
  await contacts.create(ws.id, { name: 'Ada Lovelace', phone: '+14155550101', tag_names: ['vip'] }, names);
  await contacts.create(ws.id, { name: '=HYPERLINK("http://evil")', phone: '+14155550102', note: '+1 formula?' }, names);
  const other = await h.workspace('Other');
  await contacts.create(other.id, { name: 'Not mine', phone: '+14155550103' }, names);
});
afterAll(() => h.close());

async function waitForJob(jobId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const res = await h.http.get(`/api/v1/jobs/${jobId}`).set(ws.zagely);
    expect(res.status).toBe(200);
    if (res.body.data.status === 'finished' || res.body.data.status === 'failed') return res.body.data;
    await new Promise((r) => setTimeout(r, 100));
  }
  const wf = await h.temporal.workflow.getHandle(`contact-export-${jobId}`).describe().then((d) => d.raw.pendingActivities).catch((e) => String(e));
  throw new Error(`job did not finish: ${JSON.stringify(wf, null, 1).slice(0, 1500)}`);
}

describe('contact export through the API, a Temporal workflow and its activity', () => {
  it('exports only this workspace’s contacts to a CSV that is safe to open', async () => {
    const start = await h.http.post('/api/contacts/export').set(ws.zagely).send({});
    expect(start.status).toBe(202);
    expect(start.body.job_id).toEqual(expect.any(String));

    const job = await waitForJob(start.body.job_id);
    expect(job).toMatchObject({ status: 'finished', total_items: 2, processed_items: 2, progress: 100 });

    // The workflow ran under its business id with the operator's search attributes.
    const handle = h.temporal.workflow.getHandle(`contact-export-${start.body.job_id}`);
    // The job row is finished by the activity; the workflow completes a moment later.
    expect(await handle.result()).toEqual({ rows: 2 });
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.searchAttributes.WorkspaceId).toEqual([ws.id]);

    const csv = await h.http.get(job.download_url as string).set(ws.zagely).buffer(true).parse((res, cb) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => cb(null, text));
    });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = (csv.body as string).trim().split('\n');
    expect(lines[0]).toBe('id,name,phone,whatsapp_phone,email,note,labels,blocked,opted_out_at,custom_fields,timezone,created_at');
    expect(lines).toHaveLength(3);
    expect(csv.body).toContain('Ada Lovelace,+14155550101,,,,vip,false');
    expect(csv.body).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv.body).toContain("'+1 formula?");
    expect(csv.body).not.toContain('Not mine');

    const seax = await h.http.get(`/api/v1/workspace/${ws.id}/jobs/${start.body.job_id}`).set(ws.seax);
    expect(seax.status).toBe(200);
    expect(seax.body).toMatchObject({ id: start.body.job_id, status: 'finished', job_type: 'export_contacts', total_items: 2 });
  });

  it('keeps jobs and files private to their workspace', async () => {
    const start = await h.http.post('/api/contacts/export').set(ws.zagely).send({});
    await waitForJob(start.body.job_id);
    const other = await h.workspace('Snoop');
    expect((await h.http.get(`/api/v1/jobs/${start.body.job_id}`).set(other.zagely)).status).toBe(404);
    expect((await h.http.get(`/api/contacts/export/${start.body.job_id}/download`).set(other.zagely)).status).toBe(404);
    expect((await h.http.get(`/api/v1/workspace/${other.id}/jobs/${start.body.job_id}`).set(other.seax)).status).toBe(404);
    expect((await h.http.get(`/api/v1/workspace/${ws.id}/jobs/${start.body.job_id}`).set(other.seax)).status).toBe(403);
  });

  it('rejects unknown filter fields naming them', async () => {
    const res = await h.http.post('/api/contacts/export').set(ws.zagely).send({ colour: 'red', group_id: 'nope' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(Object.keys(res.body.error.details.errors)).toEqual(expect.arrayContaining(['group_id']));
  });
});

describe('contact export filters, read exactly as the contact list reads them', () => {
  let extra: TestWorkspace;
  let team: { id: string };
  let foreignGroup: { id: string };

  /** The contact ids a finished export wrote, in file order. */
  async function exportedIds(headers: Record<string, string>, filters: Record<string, unknown>): Promise<string[]> {
    const start = await h.http.post('/api/contacts/export').set(headers).send(filters);
    if (start.status !== 202) throw new Error(`export: ${start.status} ${JSON.stringify(start.body)}`);
    let job: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) {
      job = (await h.http.get(`/api/v1/jobs/${start.body.job_id}`).set(headers)).body.data;
      if (job.status === 'finished' || job.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job.status).toBe('finished');
    const csv = await h.http.get(job.download_url as string).set(headers).buffer(true).parse((res, cb) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => cb(null, text));
    });
    return (csv.body as string).trim().split('\n').slice(1).map((line) => line.split(',')[0]);
  }

  /** The ids GET /api/v1/contacts answers for the same filters (as a query string). */
  async function listedIds(headers: Record<string, string>, query: Record<string, unknown>): Promise<string[]> {
    const res = await h.http.get('/api/v1/contacts').query({ ...query, per_page: 200, sort_by: 'created_at', sort_order: 'asc' }).set(headers);
    // qs writes arrays as tags[0]=a&tags[1]=b, which the list route reads (api/routing.ts normalizeQuery).
    if (res.status !== 200) throw new Error(`list: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body.data as { id: string }[]).map((c) => c.id);
  }

  beforeAll(async () => {
    extra = await h.workspace('Filters');
    const contacts = contactService(h.db);
    const made = [];
    made.push(await contacts.create(extra.id, { name: 'Grace Hopper', phone: '+14155550201', tag_names: ['vip', 'navy'] }, names));
    made.push(await contacts.create(extra.id, { name: 'Alan Turing', phone: '+14155550202', tag_names: ['vip'] }, names));
    made.push(await contacts.create(extra.id, { name: 'Blocked Bob', phone: '+14155550203' }, names));
    made.push(await contacts.create(extra.id, { name: 'Opted Olga', phone: '+14155550204', tag_names: ['navy'] }, names));
    await contacts.setBlocked(extra.id, made[2].id, true, 'test');
    await h.db('contacts').where({ id: made[3].id }).update({ opted_out_at: new Date() });
    team = (await h.http.post('/api/v1/contact-groups').set(extra.zagely).send({ name: 'Team' })).body.data;
    await h.http.post(`/api/v1/contact-groups/${team.id}/contacts`).set(extra.zagely).send({ contact_ids: [made[0].id, made[2].id] });
    foreignGroup = (await h.http.post('/api/v1/contact-groups').set(ws.zagely).send({ name: 'Not yours' })).body.data;
  });

  it.each([
    ['search with no match', { search: 'zzzz' }, 0],
    ['search', { search: ' grace ' }, 1],
    ['search by phone', { search: '0202' }, 1],
    ['tags (all of them)', { tags: ['vip', 'navy'] }, 1],
    ['one tag', { tags: ['navy'] }, 2],
    ['is_blocked', { is_blocked: true }, 1],
    ['opted_out false', { opted_out: false }, 3],
    ['a static group', { group: true }, 2],
    ['a group and a tag', { group: true, tags: ['vip'] }, 1],
  ])('%s: the same contacts as the list', async (_what, f: Record<string, unknown>, count: number) => {
    const { group, ...filters } = f;
    const body = { ...filters, ...(group ? { group_id: team.id } : {}) };
    const expected = await listedIds(extra.zagely, body);
    expect(expected).toHaveLength(count);
    expect(await exportedIds(extra.zagely, body)).toEqual(expected);
    // The SeaX key works on the route too, with the same result.
    expect(await exportedIds(extra.seax, body)).toEqual(expected);
  });

  it('finds nothing for a search that matches nothing (not the whole book)', async () => {
    expect(await exportedIds(extra.zagely, { search: 'zzzz' })).toEqual([]);
  });

  it("refuses another workspace's group as the list does: 422 naming group_id, no job", async () => {
    const jobsBefore = await h.db('jobs').where({ workspace_id: extra.id }).count<{ n: number }[]>({ n: '*' });
    const list = await h.http.get('/api/v1/contacts').query({ group_id: foreignGroup.id }).set(extra.zagely);
    expect(list.status).toBe(422);
    for (const headers of [extra.zagely, extra.seax]) {
      const res = await h.http.post('/api/contacts/export').set(headers).send({ group_id: foreignGroup.id });
      expect(res.status).toBe(list.status);
      expect(res.body.error.code).toBe('validation_failed');
      expect(Object.keys(res.body.error.details.errors)).toEqual(['group_id']);
    }
    expect(await h.db('jobs').where({ workspace_id: extra.id }).count<{ n: number }[]>({ n: '*' })).toEqual(jobsBefore);
  });

  it('validates the filters as the list does', async () => {
    const res = await h.http.post('/api/contacts/export').set(extra.zagely).send({ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.details.errors)).toEqual(['tags']);
  });
});
