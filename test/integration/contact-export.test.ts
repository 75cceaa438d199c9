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
