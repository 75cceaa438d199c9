import { seaxLabelRoutes } from '../../api/routes/seax/labels';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectSeaxError, expectSeaxFieldError, fill, pairWith, specsOf } from '../helpers/seax';

let h: Harness;
let a: TestWorkspace;
let b: TestWorkspace;
const base = (ws: TestWorkspace) => `/api/v1/workspace/${ws.id}/labels`;
const LABEL_FIELDS = ['name', 'color', 'description', 'id', 'is_system', 'created_time', 'updated_time'];

beforeAll(async () => {
  h = await createHarness();
  [a, b] = await Promise.all([h.workspace('A'), h.workspace('B')]);
});
afterAll(() => h.close());

const create = (ws: TestWorkspace, body: Record<string, unknown>) => h.http.post(base(ws)).set(ws.seax).send(body);
const dncOf = async (ws: TestWorkspace): Promise<string> => (await h.db('labels').where({ workspace_id: ws.id, name: 'DNC' }).first()).id;

describe('POST /labels', () => {
  it('creates a label with the documented default colour, in the documented shape', async () => {
    const res = await create(a, { name: '  vip_customers ' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(LABEL_FIELDS);
    expect(res.body).toMatchObject({ name: 'vip_customers', color: '#19b9c3', description: null, is_system: false });
    expect(new Date(res.body.created_time).toISOString()).toBe(res.body.created_time);
    const full = await create(a, { name: 'Support', color: '#FF5733', description: 'Customer support inquiries' });
    expect(full.body).toMatchObject({ name: 'Support', color: '#FF5733', description: 'Customer support inquiries' });
    expect((await h.http.get(`${base(a)}/${full.body.id}`).set(a.seax)).body).toEqual(full.body);
  });

  it('refuses a name the workspace already has, whatever its case, the system DNC label included', async () => {
    expect((await create(a, { name: 'Gold' })).status).toBe(200);
    expect(expectSeaxFieldError(await create(a, { name: 'GOLD' }), 'name')[0]).toMatch(/already exists/);
    expectSeaxFieldError(await create(a, { name: 'dnc' }), 'name');
    expect((await create(b, { name: 'gold' })).status).toBe(200);
  });

  it.each([
    ['name', {}],
    ['name', { name: '' }],
    ['name', { name: '   ' }],
    ['name', { name: 5 }],
    ['name', { name: 'x'.repeat(101) }],
    ['color', { name: 'c1', color: 'red' }],
    ['color', { name: 'c2', color: '#12345' }],
    ['description', { name: 'c3', description: 42 }],
    ['description', { name: 'c4', description: 'd'.repeat(1001) }],
  ])('rejects a bad %s with 422 naming it', async (field, body) => {
    expectSeaxFieldError(await create(a, body), field);
  });
});

describe('GET /labels', () => {
  it('lists the system label first, then by name, with paging and the total', async () => {
    const ws = await h.workspace('Label list');
    for (const name of ['beta', 'Alpha', 'gamma']) expect((await create(ws, { name })).status).toBe(200);
    const all = await h.http.get(base(ws)).set(ws.seax);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(4);
    expect(all.body.data.map((l: { name: string; is_system: boolean }) => [l.name, l.is_system])).toEqual([
      ['DNC', true],
      ['Alpha', false],
      ['beta', false],
      ['gamma', false],
    ]);
    expect(Object.keys(all.body.data[0])).toEqual(LABEL_FIELDS);
    const page = await h.http.get(`${base(ws)}?offset=1&limit=2`).set(ws.seax);
    expect(page.body).toMatchObject({ total: 4 });
    expect(page.body.data.map((l: { name: string }) => l.name)).toEqual(['Alpha', 'beta']);
    expect((await h.http.get(`${base(ws)}?offset=2&limit=0`).set(ws.seax)).body.data.map((l: { name: string }) => l.name)).toEqual(['beta', 'gamma']);
    for (let i = 0; i < 10; i++) await create(ws, { name: `extra ${i}` });
    const defaulted = await h.http.get(base(ws)).set(ws.seax);
    expect(defaulted.body.data).toHaveLength(10);
    expect(defaulted.body.total).toBe(14);
    expectSeaxFieldError(await h.http.get(`${base(ws)}?limit=x`).set(ws.seax), 'limit');
    expectSeaxFieldError(await h.http.get(`${base(ws)}?offset=-1`).set(ws.seax), 'offset');
  });
});

describe('GET, PATCH, PUT and DELETE /labels/:label_id', () => {
  it('changes only the fields sent', async () => {
    const created = (await create(a, { name: 'Sales', color: '#33C3FF', description: 'Sales talk' })).body;
    const url = `${base(a)}/${created.id}`;
    const renamed = await h.http.patch(url).set(a.seax).send({ name: 'Sales EMEA' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: created.id, name: 'Sales EMEA', color: '#33C3FF', description: 'Sales talk', created_time: created.created_time });
    const put = await h.http.put(url).set(a.seax).send({ color: '#000', description: null });
    expect(put.body).toMatchObject({ name: 'Sales EMEA', color: '#000', description: null });
    const same = await h.http.patch(url).set(a.seax).send({});
    expect(same.body).toMatchObject({ name: 'Sales EMEA', color: '#000' });
    // Renaming to its own name in another case is fine; to another label's name is not.
    expect((await h.http.patch(url).set(a.seax).send({ name: 'SALES emea' })).body.name).toBe('SALES emea');
    await create(a, { name: 'Marketing' });
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ name: 'marketing' }), 'name');
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ name: '' }), 'name');
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ color: 'blue' }), 'color');
    expect((await h.http.get(url).set(a.seax)).body.name).toBe('SALES emea');
  });

  it('keeps system labels read-only', async () => {
    const dnc = await dncOf(a);
    for (const method of ['patch', 'put', 'delete'] as const) {
      const res = await h.http[method](`${base(a)}/${dnc}`).set(a.seax).send({ name: 'Do call' });
      expectSeaxError(res, 403);
      expect(res.body.message).toMatch(/"DNC" is a system label/);
    }
    const read = await h.http.get(`${base(a)}/${dnc}`).set(a.seax);
    expect(read.body).toMatchObject({ name: 'DNC', is_system: true });
  });

  it('deletes with 204 and takes the label off every contact', async () => {
    const doomed = (await create(a, { name: 'Doomed' })).body;
    const keep = (await create(a, { name: 'Keep' })).body;
    const contact = await h.http
      .post(`/api/v1/workspace/${a.id}/contacts`)
      .set(a.seax)
      .send({ phone: '+12025550601', contact_label_ids: [doomed.id, keep.id] });
    expect(contact.body.contact_labels).toHaveLength(2);
    const del = await h.http.delete(`${base(a)}/${doomed.id}`).set(a.seax);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expectSeaxError(await h.http.get(`${base(a)}/${doomed.id}`).set(a.seax), 404);
    expectSeaxError(await h.http.delete(`${base(a)}/${doomed.id}`).set(a.seax), 404);
    const after = await h.http.get(`/api/v1/workspace/${a.id}/contacts/${contact.body.id}`).set(a.seax);
    expect(after.body.contact_labels.map((l: { name: string }) => l.name)).toEqual(['Keep']);
  });

  it('answers 404 for unknown ids and 422 for malformed ones', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const method of ['get', 'patch', 'put', 'delete'] as const) {
      expectSeaxError(await h.http[method](`${base(a)}/${unknown}`).set(a.seax).send({ name: 'x' }), 404);
      expectSeaxFieldError(await h.http[method](`${base(a)}/label-1`).set(a.seax).send({}), 'label_id');
    }
  });
});

describe('workspace isolation and abilities', () => {
  it('answers 403 on every label route when the key belongs to another workspace', async () => {
    const victim = (await create(b, { name: 'B label' })).body;
    const specs = specsOf(h, seaxLabelRoutes);
    expect(specs.length).toBe(6);
    for (const spec of specs) {
      const url = fill(spec.path, { workspace_id: b.id, label_id: victim.id });
      expectSeaxError(await h.http[spec.method](url).set(a.seax).send({ name: 'hacked' }), 403);
    }
    expect((await h.http.get(`${base(b)}/${victim.id}`).set(b.seax)).body.name).toBe('B label');
    expect(await h.db('labels').where({ name: 'hacked' }).first()).toBeUndefined();
  });

  it('answers 404 when another workspace’s label id is used on the own path', async () => {
    const victim = (await create(b, { name: 'B only' })).body;
    for (const method of ['get', 'patch', 'put', 'delete'] as const) {
      expectSeaxError(await h.http[method](`${base(a)}/${victim.id}`).set(a.seax).send({ name: 'x' }), 404);
    }
    expectSeaxError(await h.http.delete(`${base(a)}/${await dncOf(b)}`).set(a.seax), 404);
    expect((await h.http.get(`${base(b)}/${victim.id}`).set(b.seax)).body.name).toBe('B only');
  });

  it('needs contacts.read to list and contacts.write to change', async () => {
    const reader = await pairWith(h, a, ['contacts.read']);
    expect((await h.http.get(base(a)).set(reader)).status).toBe(200);
    const res = await h.http.post(base(a)).set(reader).send({ name: 'reader label' });
    expectSeaxError(res, 403);
    expect(res.body.details).toEqual({ required_ability: 'contacts.write' });
  });
});
