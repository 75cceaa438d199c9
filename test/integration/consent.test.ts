import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

let h: Harness;
let ws: TestWorkspace;
beforeAll(async () => {
  h = await createHarness();
  ws = await h.workspace();
});
afterAll(() => h.close());

const audit = (contactId: string) => h.db('consent_events').where({ workspace_id: ws.id, contact_id: contactId }).orderBy('created_at');

describe('consent audit', () => {
  it('records attaching the DNC label by id, once, with the key that did it', async () => {
    const dnc = await h.db('labels').where({ workspace_id: ws.id, name: 'DNC' }).first();
    const created = await h.http.post(`/api/v1/workspace/${ws.id}/contacts`).set(ws.seax).send({ name: 'Grace', phone: '+14155550177', contact_label_ids: [dnc.id] });
    expect(created.status).toBe(200);
    const again = await h.http.patch(`/api/v1/workspace/${ws.id}/contacts/${created.body.id}`).set(ws.seax).send({ contact_label_ids: [dnc.id] });
    expect(again.status).toBe(200);
    const rows = await audit(created.body.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'opt_out', source: 'api', detail: { label: 'DNC' }, phone: '+14155550177' });
    const key = await h.db('api_keys').where({ workspace_id: ws.id, kind: 'seax' }).whereNull('revoked_at').first();
    expect(rows[0].actor).toBe(key.id);
  });

  it('records a Zagely tag that names the DNC label', async () => {
    const res = await h.http.post('/api/v1/contacts').set(ws.zagely).send({ phone_number: '+14155550178', tags: ['dnc', 'vip'] });
    expect(res.status).toBe(201);
    expect(await audit(res.body.data.id)).toEqual([expect.objectContaining({ action: 'opt_out', detail: { label: 'DNC' } })]);
  });

  it('keeps the audit trail when the contact is deleted, and refuses to rewrite it', async () => {
    const res = await h.http.post('/api/v1/contacts').set(ws.zagely).send({ phone_number: '+14155550179' });
    await h.http.post(`/api/contacts/${res.body.data.id}/block`).set(ws.zagely);
    expect((await h.http.delete(`/api/v1/contacts/${res.body.data.id}`).set(ws.zagely)).status).toBe(200);
    expect(await audit(res.body.data.id)).toEqual([expect.objectContaining({ action: 'block' })]);
    await expect(h.db('consent_events').where({ contact_id: res.body.data.id }).delete()).rejects.toThrow(/append-only/);
  });
});
