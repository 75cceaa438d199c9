import { keyService } from '../../services/keys';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectError, expectFieldError, roomyLimits } from '../helpers/zagely';

let h: Harness;
let ws: TestWorkspace;
beforeAll(async () => {
  h = await createHarness();
  ws = await h.workspace('Groups A');
  await roomyLimits(h.db, ws.id);
});
afterAll(() => h.close());

interface Group {
  id: string;
  name: string;
  type: 'static' | 'dynamic';
  description: string | null;
  filters: Record<string, unknown> | null;
  contacts_count: number;
  created_at: string;
  updated_at: string;
}

async function contact(headers: Record<string, string>, body: Record<string, unknown>): Promise<{ id: string; phone_number: string }> {
  const res = await h.http.post('/api/v1/contacts').set(headers).send(body);
  if (res.status !== 201) throw new Error(`create contact: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

async function group(headers: Record<string, string>, body: Record<string, unknown>): Promise<Group> {
  const res = await h.http.post('/api/v1/contact-groups').set(headers).send(body);
  if (res.status !== 201) throw new Error(`create group: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

const contactIds = (body: { data: { contacts: { id: string }[] } }) => body.data.contacts.map((c) => c.id);

describe('creating groups', () => {
  it('creates a static group (the default type) and a dynamic group with its count', async () => {
    const own = await h.workspace('Groups create');
    await contact(own.zagely, { phone_number: '+15553000001', tags: ['vip'] });
    await contact(own.zagely, { phone_number: '+15553000002', tags: ['vip', 'new'] });
    await contact(own.zagely, { phone_number: '+15553000003' });

    const res = await h.http.post('/api/v1/contact-groups').set(own.zagely).send({ name: 'VIP Customers' });
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'VIP Customers',
      type: 'static',
      description: null,
      filters: null,
      contacts_count: 0,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    const dynamic = await group(own.zagely, {
      name: 'New VIPs',
      type: 'dynamic',
      description: 'Tagged vip',
      filters: { tags: ['vip'], created_from: '2026-01-01' },
    });
    expect(dynamic).toMatchObject({ type: 'dynamic', description: 'Tagged vip', filters: { tags: ['vip'], created_from: '2026-01-01' }, contacts_count: 2 });
    const everyone = await group(own.zagely, { name: 'Everyone', type: 'dynamic', filters: {} });
    expect(everyone.contacts_count).toBe(3);
    const byField = await group(own.zagely, { name: 'Gold', type: 'dynamic', filters: { custom_fields: { plan: 'gold' } } });
    expect(byField.contacts_count).toBe(0);
  });

  it.each([
    ['name', {}],
    ['name', { name: '' }],
    ['name', { name: '   ' }],
    ['name', { name: 'x'.repeat(256) }],
    ['type', { name: 'g', type: 'smart' }],
    ['description', { name: 'g', description: 12 }],
    ['filters', { name: 'g', type: 'dynamic' }],
    ['filters', { name: 'g', type: 'dynamic', filters: null }],
    ['filters', { name: 'g', type: 'static', filters: { tags: ['vip'] } }],
    ['filters', { name: 'g', type: 'dynamic', filters: { tag: ['vip'] } }],
    ['filters', { name: 'g', type: 'dynamic', filters: ['vip'] }],
    ['filters.tags', { name: 'g', type: 'dynamic', filters: { tags: 'vip' } }],
    ['filters.custom_fields.plan', { name: 'g', type: 'dynamic', filters: { custom_fields: { plan: { tier: 1 } } } }],
    ['filters.custom_fields', { name: 'g', type: 'dynamic', filters: { custom_fields: 'plan=gold' } }],
    ['filters.created_from', { name: 'g', type: 'dynamic', filters: { created_from: 'last week' } }],
    ['filters.created_from', { name: 'g', type: 'dynamic', filters: { created_from: '2026-02-30' } }],
    ['filters.created_to', { name: 'g', type: 'dynamic', filters: { created_to: '2026-01-01T00:00:00' } }],
    ['filters.created_to', { name: 'g', type: 'dynamic', filters: { created_from: '2026-02-01', created_to: '2026-01-31' } }],
  ] as [string, Record<string, unknown>][])('refuses a bad %s with 422 naming it (%j)', async (field, body) => {
    const before = await h.db('contact_groups').where({ workspace_id: ws.id }).count({ n: '*' });
    expectFieldError(await h.http.post('/api/v1/contact-groups').set(ws.zagely).send(body), field);
    expect(await h.db('contact_groups').where({ workspace_id: ws.id }).count({ n: '*' })).toEqual(before);
  });

  it('accepts a one-day range and date-times with a zone', async () => {
    const g = await group(ws.zagely, {
      name: 'One day',
      type: 'dynamic',
      filters: { created_from: '2026-01-31', created_to: '2026-01-31' },
    });
    expect(g.filters).toEqual({ created_from: '2026-01-31', created_to: '2026-01-31' });
    await group(ws.zagely, { name: 'Zoned', type: 'dynamic', filters: { created_from: '2026-01-01T09:00:00+02:00' } });
  });
});

describe('listing groups', () => {
  it('lists groups with contacts_count, paginated and filterable', async () => {
    const own = await h.workspace('Groups list');
    const a = await contact(own.zagely, { phone_number: '+15553100001', tags: ['vip'] });
    const b = await contact(own.zagely, { phone_number: '+15553100002' });
    const team = await group(own.zagely, { name: 'Team' });
    await h.http.post(`/api/v1/contact-groups/${team.id}/contacts`).set(own.zagely).send({ contact_ids: [a.id, b.id] });
    const vips = await group(own.zagely, { name: 'VIPs', type: 'dynamic', filters: { tags: ['vip'] } });
    const empty = await group(own.zagely, { name: 'Empty team' });

    const res = await h.http.get('/api/v1/contact-groups').set(own.zagely);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ current_page: 1, total: 3, per_page: 50, last_page: 1 });
    expect(res.body.data.map((g: Group) => [g.id, g.contacts_count])).toEqual([
      [empty.id, 0],
      [vips.id, 1],
      [team.id, 2],
    ]);

    const paged = await h.http.get('/api/v1/contact-groups?per_page=2&page=2').set(own.zagely);
    expect(paged.body).toMatchObject({ current_page: 2, per_page: 2, total: 3, last_page: 2 });
    expect(paged.body.data.map((g: Group) => g.id)).toEqual([team.id]);

    const dynamicOnly = await h.http.get('/api/v1/contact-groups?type=dynamic').set(own.zagely);
    expect(dynamicOnly.body.data.map((g: Group) => g.id)).toEqual([vips.id]);
    const searched = await h.http.get('/api/v1/contact-groups?search=team').set(own.zagely);
    expect(searched.body.data.map((g: Group) => g.id).sort()).toEqual([empty.id, team.id].sort());

    expectFieldError(await h.http.get('/api/v1/contact-groups?per_page=500').set(own.zagely), 'per_page');
    expectFieldError(await h.http.get('/api/v1/contact-groups?type=smart').set(own.zagely), 'type');
  });

  it('counts a page of groups in a bounded number of queries, however many are dynamic', async () => {
    const own = await h.workspace('Groups queries');
    await contact(own.zagely, { phone_number: '+15553200001', tags: ['t0'] });
    const queriesFor = async () => {
      let n = 0;
      const count = () => n++;
      h.db.on('query', count);
      try {
        const res = await h.http.get('/api/v1/contact-groups?per_page=200').set(own.zagely);
        expect(res.status).toBe(200);
      } finally {
        h.db.removeListener('query', count);
      }
      return n;
    };
    await group(own.zagely, { name: 's0' });
    await group(own.zagely, { name: 'd0', type: 'dynamic', filters: { tags: ['t0'] } });
    const few = await queriesFor();
    for (let i = 1; i <= 12; i++) {
      await group(own.zagely, { name: `s${i}` });
      await group(own.zagely, { name: `d${i}`, type: 'dynamic', filters: { tags: [`t${i % 3}`] } });
    }
    expect(await queriesFor()).toBe(few);
  });
});

describe('showing a group', () => {
  it('shows a static group with its first 100 contacts, newest first', async () => {
    const own = await h.workspace('Groups show');
    const rows = Array.from({ length: 105 }, (_, i) => ({
      workspace_id: own.id,
      name: `Bulk ${i}`,
      phone: `+1555340${String(i).padStart(4, '0')}`,
      created_at: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000),
    }));
    const inserted: { id: string }[] = await h.db('contacts').insert(rows).returning('id');
    const g = await group(own.zagely, { name: 'Bulk', description: 'Many' });
    const added = await h.http.post(`/api/v1/contact-groups/${g.id}/contacts`).set(own.zagely).send({ contact_ids: inserted.map((r) => r.id) });
    expect(added.body).toMatchObject({ added: 105, contacts_count: 105 });

    const res = await h.http.get(`/api/v1/contact-groups/${g.id}`).set(own.zagely);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: g.id, name: 'Bulk', description: 'Many', contacts_count: 105 });
    expect(res.body.data.contacts).toHaveLength(100);
    expect(contactIds(res.body)).toEqual(inserted.map((r) => r.id).reverse().slice(0, 100));
    expect(res.body.data.contacts[0]).toMatchObject({ name: 'Bulk 104', phone_number: '+15553400104', groups: [{ id: g.id, name: 'Bulk' }] });
  });

  it('shows a dynamic group with the contacts its filters select', async () => {
    const own = await h.workspace('Groups show dynamic');
    const gold = await contact(own.zagely, { phone_number: '+15553500001', custom_fields: { plan: 'gold' } });
    await contact(own.zagely, { phone_number: '+15553500002', custom_fields: { plan: 'silver' } });
    const g = await group(own.zagely, { name: 'Gold plan', type: 'dynamic', filters: { custom_fields: { plan: 'gold' } } });
    const res = await h.http.get(`/api/v1/contact-groups/${g.id}`).set(own.zagely);
    expect(res.body.data.contacts_count).toBe(1);
    expect(contactIds(res.body)).toEqual([gold.id]);
    expect(res.body.data.contacts[0].groups).toEqual([{ id: g.id, name: 'Gold plan' }]);
  });

  it('answers 404 for an unknown group and 422 for a malformed id', async () => {
    expectError(await h.http.get('/api/v1/contact-groups/00000000-0000-4000-8000-000000000000').set(ws.zagely), 404, 'not_found');
    expectFieldError(await h.http.get('/api/v1/contact-groups/abc').set(ws.zagely), 'group');
  });
});

describe('updating and deleting groups', () => {
  it('changes only the fields sent, and refilters a dynamic group', async () => {
    const own = await h.workspace('Groups update');
    await contact(own.zagely, { phone_number: '+15553600001', tags: ['a'] });
    await contact(own.zagely, { phone_number: '+15553600002', tags: ['a', 'b'] });
    const g = await group(own.zagely, { name: 'Tagged', type: 'dynamic', description: 'first', filters: { tags: ['a'] } });
    expect(g.contacts_count).toBe(2);

    const renamed = await h.http.patch(`/api/v1/contact-groups/${g.id}`).set(own.zagely).send({ name: 'Renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toMatchObject({ name: 'Renamed', description: 'first', filters: { tags: ['a'] }, contacts_count: 2 });

    const refiltered = await h.http.put(`/api/v1/contact-groups/${g.id}`).set(own.zagely).send({ filters: { tags: ['a', 'b'] }, description: null, type: 'dynamic' });
    expect(refiltered.status).toBe(200);
    expect(refiltered.body.data).toMatchObject({ name: 'Renamed', description: null, filters: { tags: ['a', 'b'] }, contacts_count: 1 });

    expectFieldError(await h.http.patch(`/api/v1/contact-groups/${g.id}`).set(own.zagely).send({ type: 'static' }), 'type');
    expectFieldError(await h.http.patch(`/api/v1/contact-groups/${g.id}`).set(own.zagely).send({ filters: null }), 'filters');
    expectFieldError(await h.http.patch(`/api/v1/contact-groups/${g.id}`).set(own.zagely).send({ filters: { tags: [1] } }), 'filters.tags.0');
    expectFieldError(await h.http.patch(`/api/v1/contact-groups/${g.id}`).set(own.zagely).send({ name: '' }), 'name');

    const s = await group(own.zagely, { name: 'Static' });
    expectFieldError(await h.http.patch(`/api/v1/contact-groups/${s.id}`).set(own.zagely).send({ filters: { tags: ['a'] } }), 'filters');
    const stored = await h.db('contact_groups').where({ id: g.id }).first();
    expect(stored).toMatchObject({ type: 'dynamic', name: 'Renamed', filters: { tags: ['a', 'b'] } });
  });

  it('deletes a group and its memberships but keeps the contacts', async () => {
    const own = await h.workspace('Groups delete');
    const c = await contact(own.zagely, { phone_number: '+15553700001' });
    const g = await group(own.zagely, { name: 'Short-lived' });
    await h.http.post(`/api/v1/contact-groups/${g.id}/contacts`).set(own.zagely).send({ contact_ids: [c.id] });

    const res = await h.http.delete(`/api/v1/contact-groups/${g.id}`).set(own.zagely);
    expect(res.status).toBe(200);
    expect(res.body.message).toMatch(/deleted/i);
    expectError(await h.http.get(`/api/v1/contact-groups/${g.id}`).set(own.zagely), 404, 'not_found');
    const still = await h.http.get(`/api/v1/contacts/${c.id}`).set(own.zagely);
    expect(still.status).toBe(200);
    expect(still.body.data.groups).toEqual([]);
    expect(await h.db('contact_group_members').where({ group_id: g.id })).toHaveLength(0);
    expectError(await h.http.delete(`/api/v1/contact-groups/${g.id}`).set(own.zagely), 404, 'not_found');
  });
});

describe('static group members', () => {
  it('adds by id and by phone, reporting what was already there and what was not found', async () => {
    const own = await h.workspace('Members add');
    const a = await contact(own.zagely, { phone_number: '+15553800001' });
    const b = await contact(own.zagely, { phone_number: '+15553800002' });
    const c = await contact(own.zagely, { phone_number: '+15553800003' });
    const g = await group(own.zagely, { name: 'Members' });
    const url = `/api/v1/contact-groups/${g.id}/contacts`;

    const first = await h.http.post(url).set(own.zagely).send({ contact_ids: [a.id], phone_numbers: ['+1 555-380-0002', '(555) 380-0001'] });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      message: expect.any(String),
      added: 2,
      already_members: 0,
      not_found: [],
      invalid_phone_numbers: [],
      contacts_count: 2,
    });

    const unknownId = '00000000-0000-4000-8000-00000000abcd';
    const second = await h.http
      .post(url)
      .set(own.zagely)
      .send({ contact_ids: [b.id, unknownId, unknownId, c.id.toUpperCase()], phone_numbers: ['+15553899999', 'not a phone', '555-380-0003', '+15553899999'] });
    expect(second.body).toEqual({
      message: expect.any(String),
      added: 1,
      already_members: 1,
      not_found: [unknownId, '+15553899999'],
      invalid_phone_numbers: ['not a phone'],
      contacts_count: 3,
    });
    const members = await h.db('contact_group_members').where({ group_id: g.id }).pluck('contact_id');
    expect(members.sort()).toEqual([a.id, b.id, c.id].sort());

    const listed = await h.http.get(`/api/v1/contacts?group_id=${g.id}`).set(own.zagely);
    expect(listed.body.total).toBe(3);
  });

  it('removes by id and by phone with a DELETE body, reporting non-members and unknowns', async () => {
    const own = await h.workspace('Members remove');
    const a = await contact(own.zagely, { phone_number: '+15553900001' });
    const b = await contact(own.zagely, { phone_number: '+15553900002' });
    const outsider = await contact(own.zagely, { phone_number: '+15553900003' });
    const g = await group(own.zagely, { name: 'Shrinking' });
    const url = `/api/v1/contact-groups/${g.id}/contacts`;
    await h.http.post(url).set(own.zagely).send({ contact_ids: [a.id, b.id] });

    const res = await h.http
      .delete(url)
      .set(own.zagely)
      .send({ contact_ids: [a.id, outsider.id], phone_numbers: ['+15553909999', '+1 555 390 0002', '??'] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      message: expect.any(String),
      removed: 2,
      not_members: 1,
      not_found: ['+15553909999'],
      invalid_phone_numbers: ['??'],
      contacts_count: 0,
    });
    expect(await h.db('contact_group_members').where({ group_id: g.id })).toHaveLength(0);
    expect((await h.http.get(`/api/v1/contacts/${a.id}`).set(own.zagely)).status).toBe(200);

    expectFieldError(await h.http.delete(url).set(own.zagely).send({}), 'contact_ids');
    expectFieldError(await h.http.delete(url).set(own.zagely), 'contact_ids');
    expectFieldError(await h.http.delete(url).set(own.zagely).send({ contact_ids: ['nope'] }), 'contact_ids.0');
  });

  it.each([
    ['contact_ids', {}],
    ['contact_ids', { contact_ids: [], phone_numbers: [] }],
    ['contact_ids', { contact_ids: 'abc' }],
    ['contact_ids.1', { contact_ids: ['00000000-0000-4000-8000-000000000001', 'abc'] }],
    ['phone_numbers', { phone_numbers: '+15550000000' }],
    ['phone_numbers.0', { phone_numbers: [15550000000] }],
  ] as [string, Record<string, unknown>][])('refuses a bad %s with 422 naming it (%j)', async (field, body) => {
    const g = await group(ws.zagely, { name: `Bad ${field}` });
    expectFieldError(await h.http.post(`/api/v1/contact-groups/${g.id}/contacts`).set(ws.zagely).send(body), field);
  });

  it('refuses to add to or remove from a dynamic group', async () => {
    const c = await contact(ws.zagely, { phone_number: '+15554000001' });
    const g = await group(ws.zagely, { name: 'Auto', type: 'dynamic', filters: { tags: ['auto'] } });
    const add = await h.http.post(`/api/v1/contact-groups/${g.id}/contacts`).set(ws.zagely).send({ contact_ids: [c.id] });
    expect(expectFieldError(add, 'group')[0]).toMatch(/dynamic/);
    const remove = await h.http.delete(`/api/v1/contact-groups/${g.id}/contacts`).set(ws.zagely).send({ contact_ids: [c.id] });
    expect(expectFieldError(remove, 'group')[0]).toMatch(/dynamic/);
    expect(await h.db('contact_group_members').where({ group_id: g.id })).toHaveLength(0);
  });

  it('answers 404 for an unknown group', async () => {
    const url = '/api/v1/contact-groups/00000000-0000-4000-8000-000000000000/contacts';
    expectError(await h.http.post(url).set(ws.zagely).send({ phone_numbers: ['+15550000000'] }), 404, 'not_found');
    expectError(await h.http.delete(url).set(ws.zagely).send({ phone_numbers: ['+15550000000'] }), 404, 'not_found');
  });
});

describe('abilities', () => {
  it('reads with contacts.read and writes with contacts.write', async () => {
    const { publicKey, secretKey } = await keyService(h.db).createPair(ws.id, { name: 'reader', abilities: ['contacts.read'] });
    const reader = { 'X-Public-Key': publicKey, 'X-Secret-Key': secretKey };
    const g = await group(ws.zagely, { name: 'Readable' });
    expect((await h.http.get('/api/v1/contact-groups').set(reader)).status).toBe(200);
    expect((await h.http.get(`/api/v1/contact-groups/${g.id}`).set(reader)).status).toBe(200);
    for (const res of [
      await h.http.post('/api/v1/contact-groups').set(reader).send({ name: 'Nope' }),
      await h.http.patch(`/api/v1/contact-groups/${g.id}`).set(reader).send({ name: 'Nope' }),
      await h.http.put(`/api/v1/contact-groups/${g.id}`).set(reader).send({ name: 'Nope' }),
      await h.http.delete(`/api/v1/contact-groups/${g.id}`).set(reader),
      await h.http.post(`/api/v1/contact-groups/${g.id}/contacts`).set(reader).send({ phone_numbers: ['+15550000000'] }),
      await h.http.delete(`/api/v1/contact-groups/${g.id}/contacts`).set(reader).send({ phone_numbers: ['+15550000000'] }),
    ]) {
      expectError(res, 403, 'insufficient_ability');
      expect(res.body.error.details).toEqual({ required_ability: 'contacts.write' });
    }
  });
});

describe('workspace isolation', () => {
  it('never shows or changes another workspace’s groups, nor adds its contacts', async () => {
    const b = await h.workspace('Groups B');
    const theirContact = await contact(b.zagely, { phone_number: '+15554100001', tags: ['shared-tag'] });
    const theirs = await group(b.zagely, { name: 'B only group' });
    await h.http.post(`/api/v1/contact-groups/${theirs.id}/contacts`).set(b.zagely).send({ contact_ids: [theirContact.id] });

    const url = `/api/v1/contact-groups/${theirs.id}`;
    for (const res of [
      await h.http.get(url).set(ws.zagely),
      await h.http.put(url).set(ws.zagely).send({ name: 'hijacked' }),
      await h.http.patch(url).set(ws.zagely).send({ name: 'hijacked' }),
      await h.http.post(`${url}/contacts`).set(ws.zagely).send({ phone_numbers: ['+15554100001'] }),
      await h.http.delete(`${url}/contacts`).set(ws.zagely).send({ contact_ids: [theirContact.id] }),
      await h.http.delete(url).set(ws.zagely),
    ]) {
      expectError(res, 404, 'not_found');
    }
    const list = await h.http.get('/api/v1/contact-groups?per_page=200').set(ws.zagely);
    expect(list.body.data.map((g: Group) => g.id)).not.toContain(theirs.id);
    expectFieldError(await h.http.get(`/api/v1/contacts?group_id=${theirs.id}`).set(ws.zagely), 'group_id');

    // B's contact, named by id or phone, is "not found" for A's group and is not added.
    const mine = await group(ws.zagely, { name: 'Mine' });
    const res = await h.http.post(`/api/v1/contact-groups/${mine.id}/contacts`).set(ws.zagely).send({ contact_ids: [theirContact.id], phone_numbers: ['+15554100001'] });
    expect(res.body).toMatchObject({ added: 0, not_found: [theirContact.id, '+15554100001'], contacts_count: 0 });
    expect(await h.db('contact_group_members').where({ group_id: mine.id })).toHaveLength(0);

    // A dynamic group of A never selects B's contacts.
    const dyn = await group(ws.zagely, { name: 'Shared tag', type: 'dynamic', filters: { tags: ['shared-tag'] } });
    expect(dyn.contacts_count).toBe(0);
    const shown = await h.http.get(`/api/v1/contact-groups/${theirs.id}`).set(b.zagely);
    expect(shown.body.data).toMatchObject({ name: 'B only group', contacts_count: 1 });
  });
});
