import { seaxContactRoutes } from '../../api/routes/seax/contacts';
import { workspaceService } from '../../services/workspaces';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectSeaxError, expectSeaxFieldError, fill, pairWith, specsOf } from '../helpers/seax';

let h: Harness;
let a: TestWorkspace;
let b: TestWorkspace;
const base = (ws: TestWorkspace) => `/api/v1/workspace/${ws.id}/contacts`;

const CONTACT_FIELDS = ['name', 'phone', 'note', 'whatsapp_phone', 'contact_field_data', 'id', 'workspace_id', 'created_time', 'updated_time', 'contact_labels'];
const LABEL_FIELDS = ['name', 'color', 'description', 'id', 'is_system', 'created_time', 'updated_time'];

type Contact = { id: string; name: string; phone: string | null; contact_labels: { name: string }[] };

beforeAll(async () => {
  h = await createHarness();
  [a, b] = await Promise.all([h.workspace('A'), h.workspace('B')]);
});
afterAll(() => h.close());

const create = (ws: TestWorkspace, body: Record<string, unknown>) => h.http.post(base(ws)).set(ws.seax).send(body);
const label = async (ws: TestWorkspace, name: string): Promise<string> => {
  const res = await h.http.post(`/api/v1/workspace/${ws.id}/labels`).set(ws.seax).send({ name });
  expect(res.status).toBe(200);
  return res.body.id as string;
};
const dncOf = async (ws: TestWorkspace): Promise<string> => (await h.db('labels').where({ workspace_id: ws.id, name: 'DNC' }).first()).id;

describe('POST /contacts', () => {
  it('creates a contact in the documented shape, with its labels', async () => {
    const vip = await label(a, 'vip_customers');
    const res = await create(a, {
      name: 'John Doe',
      phone: '+1 (202) 555-0143',
      whatsapp_phone: '202 555 0144',
      note: 'VIP customer',
      contact_field_data: { customer_tier: 'gold', visits: 3 },
      contact_label_ids: [vip],
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(CONTACT_FIELDS);
    expect(res.body).toMatchObject({
      name: 'John Doe',
      phone: '+12025550143',
      whatsapp_phone: '+12025550144',
      note: 'VIP customer',
      contact_field_data: { customer_tier: 'gold', visits: 3 },
      workspace_id: a.id,
    });
    expect(res.body.contact_labels).toHaveLength(1);
    expect(Object.keys(res.body.contact_labels[0])).toEqual(LABEL_FIELDS);
    expect(res.body.contact_labels[0]).toMatchObject({ name: 'vip_customers', id: vip, is_system: false, color: '#19b9c3', description: null });
    expect(new Date(res.body.created_time).toISOString()).toBe(res.body.created_time);

    const read = await h.http.get(`${base(a)}/${res.body.id}`).set(a.seax);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it('names the contact after its phone when no name is given, and defaults the rest', async () => {
    const res = await create(a, { phone: '2025550150' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: '+12025550150', phone: '+12025550150', whatsapp_phone: null, note: null, contact_field_data: {}, contact_labels: [] });
    const waOnly = await create(a, { whatsapp_phone: '+447700900123', name: '' });
    expect(waOnly.body).toMatchObject({ name: '+447700900123', phone: null, whatsapp_phone: '+447700900123' });
  });

  it('reads numbers without a country code in the workspace’s default country', async () => {
    const gb = await workspaceService(h.db).provision({ name: 'GB', default_country: 'GB' });
    const res = await h.http.post(`/api/v1/workspace/${gb.workspace.id}/contacts`).set('X-API-Key', gb.api_key).send({ phone: '07700 900456' });
    expect(res.status).toBe(200);
    expect(res.body.phone).toBe('+447700900456');
  });

  it.each([
    ['phone', {}],
    ['phone', { name: 'No number' }],
    ['phone', { phone: null, whatsapp_phone: '' }],
    ['phone', { phone: 'call me' }],
    ['phone', { phone: 12025550100 }],
    ['whatsapp_phone', { phone: '+12025550160', whatsapp_phone: '123' }],
    ['name', { phone: '+12025550160', name: 'x'.repeat(256) }],
    ['name', { phone: '+12025550160', name: 7 }],
    ['note', { phone: '+12025550160', note: ['a'] }],
    ['contact_field_data', { phone: '+12025550160', contact_field_data: 'tier=gold' }],
    ['contact_field_data', { phone: '+12025550160', contact_field_data: [1, 2] }],
    ['contact_label_ids', { phone: '+12025550160', contact_label_ids: 'vip' }],
    ['contact_label_ids.0', { phone: '+12025550160', contact_label_ids: ['vip'] }],
    ['contact_label_ids', { phone: '+12025550160', contact_label_ids: ['00000000-0000-4000-8000-000000000000'] }],
  ])('rejects a bad %s with 422 naming it', async (field, body) => {
    expectSeaxFieldError(await create(a, body), field);
    expect(await h.db('contacts').where({ workspace_id: a.id, phone: '+12025550160' }).first()).toBeUndefined();
  });

  it('rejects a phone another contact has', async () => {
    expect((await create(a, { phone: '+12025550170' })).status).toBe(200);
    const messages = expectSeaxFieldError(await create(a, { phone: '(202) 555-0170', name: 'Twin' }), 'phone');
    expect(messages[0]).toMatch(/\+12025550170 already exists/);
  });

  it('refuses another workspace’s label ids', async () => {
    const theirs = await label(b, 'theirs');
    expectSeaxFieldError(await create(a, { phone: '+12025550180', contact_label_ids: [theirs] }), 'contact_label_ids');
  });
});

describe('GET, PATCH, PUT and DELETE /contacts/:contact_id', () => {
  it('changes only the fields sent', async () => {
    const [gold, silver] = [await label(a, 'gold'), await label(a, 'silver')];
    const created = (
      await create(a, { name: 'Jane', phone: '+12025550201', note: 'n1', contact_field_data: { a: 1 }, contact_label_ids: [gold] })
    ).body;
    const url = `${base(a)}/${created.id}`;

    const noteOnly = await h.http.patch(url).set(a.seax).send({ note: 'n2' });
    expect(noteOnly.status).toBe(200);
    expect(noteOnly.body).toMatchObject({ name: 'Jane', phone: '+12025550201', note: 'n2', contact_field_data: { a: 1 }, created_time: created.created_time });
    expect(noteOnly.body.contact_labels.map((l: { name: string }) => l.name)).toEqual(['gold']);

    const more = await h.http
      .put(url)
      .set(a.seax)
      .send({ name: 'Jane Roe', phone: '202-555-0202', whatsapp_phone: '+12025550203', contact_field_data: { b: true }, contact_label_ids: [silver, gold] });
    expect(more.status).toBe(200);
    expect(more.body).toMatchObject({ name: 'Jane Roe', phone: '+12025550202', whatsapp_phone: '+12025550203', note: 'n2', contact_field_data: { b: true } });
    expect(more.body.contact_labels.map((l: { name: string }) => l.name)).toEqual(['gold', 'silver']);

    const cleared = await h.http.patch(url).set(a.seax).send({ note: null, contact_field_data: null, contact_label_ids: [], phone: null });
    expect(cleared.body).toMatchObject({ name: 'Jane Roe', phone: null, whatsapp_phone: '+12025550203', note: null, contact_field_data: {}, contact_labels: [] });
    expect((await h.http.get(url).set(a.seax)).body).toEqual(cleared.body);
  });

  it('keeps the DNC label when labels are replaced', async () => {
    const dnc = await dncOf(a);
    const vip = await label(a, 'vip-dnc-test');
    const created = (await create(a, { phone: '+12025550211', contact_label_ids: [dnc, vip] })).body;
    expect(created.contact_labels.map((l: { name: string; is_system: boolean }) => [l.name, l.is_system])).toEqual([['DNC', true], ['vip-dnc-test', false]]);
    const res = await h.http.patch(`${base(a)}/${created.id}`).set(a.seax).send({ contact_label_ids: [] });
    expect(res.body.contact_labels.map((l: { name: string }) => l.name)).toEqual(['DNC']);
  });

  it('validates updates', async () => {
    const one = (await create(a, { phone: '+12025550221' })).body;
    await create(a, { phone: '+12025550222' });
    const url = `${base(a)}/${one.id}`;
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ phone: '+1 202 555 0222' }), 'phone');
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ phone: 'abc' }), 'phone');
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ phone: null }), 'phone');
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ name: '' }), 'name');
    expectSeaxFieldError(await h.http.put(url).set(a.seax).send({ name: null }), 'name');
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ whatsapp_phone: 'x' }), 'whatsapp_phone');
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ contact_label_ids: ['00000000-0000-4000-8000-000000000000'] }), 'contact_label_ids');
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ contact_field_data: 5 }), 'contact_field_data');
    expect((await h.http.get(url).set(a.seax)).body).toMatchObject({ phone: '+12025550221', name: '+12025550221' });
  });

  it('deletes with 204, after which the contact is gone', async () => {
    const one = (await create(a, { phone: '+12025550231' })).body;
    const del = await h.http.delete(`${base(a)}/${one.id}`).set(a.seax);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expectSeaxError(await h.http.get(`${base(a)}/${one.id}`).set(a.seax), 404);
    expectSeaxError(await h.http.delete(`${base(a)}/${one.id}`).set(a.seax), 404);
  });

  it('answers 404 for unknown ids and 422 for malformed ones', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const method of ['get', 'patch', 'put', 'delete'] as const) {
      expectSeaxError(await h.http[method](`${base(a)}/${unknown}`).set(a.seax).send({ note: 'x' }), 404);
      expectSeaxFieldError(await h.http[method](`${base(a)}/123`).set(a.seax).send({}), 'contact_id');
    }
  });
});

describe('GET /contacts filters, order and paging', () => {
  let ws: TestWorkspace;
  let other: TestWorkspace;
  const c: Record<string, string> = {};
  const l: Record<string, string> = {};
  let otherLabel: string;
  let otherContact: string;

  const list = (query = '') => h.http.get(`${base(ws)}${query}`).set(ws.seax);
  /** The names of the contacts a query returns, asserting that total matches when the page is complete. */
  const names = async (query: string): Promise<string[]> => {
    const res = await list(query);
    if (res.status !== 200) throw new Error(`${query}: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body.data as Contact[]).map((x) => x.name);
  };
  const q = (params: Record<string, string>) => `?${new URLSearchParams({ limit: '0', ...params })}`;

  beforeAll(async () => {
    ws = await h.workspace('Filters');
    other = await h.workspace('Other');
    for (const name of ['vip', 'gold', 'spam']) l[name] = await label(ws, name);
    l.dnc = await dncOf(ws);
    const rows: [string, Record<string, unknown>][] = [
      ['Alice Anders', { phone: '+12025550101', whatsapp_phone: '+12025550101', contact_label_ids: [l.vip, l.gold] }],
      ['bob Brown', { phone: '+12025550102', contact_label_ids: [l.vip] }],
      ['Carol Chen', { phone: '+12025550103', whatsapp_phone: '+447700900123', contact_label_ids: [l.gold, l.spam] }],
      ['Dave Dole', { phone: '+12025550104', contact_label_ids: [l.dnc] }],
      ['eve Evans', { whatsapp_phone: '+12025550105' }],
    ];
    for (const [i, [name, body]] of rows.entries()) {
      const res = await create(ws, { name, ...body });
      expect(res.status).toBe(200);
      c[name.split(' ')[0].toLowerCase()] = res.body.id;
      const at = new Date(Date.UTC(2025, 6, 1, 0, 0, i));
      await h.db('contacts').where({ id: res.body.id }).update({ created_at: at, updated_at: at });
    }
    otherLabel = await label(other, 'vip');
    otherContact = (await create(other, { name: 'Mallory', phone: '+12025550109', contact_label_ids: [otherLabel] })).body.id;
  });

  it('lists newest first by default, with labels, and the total', async () => {
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(5);
    expect(res.body.data.map((x: Contact) => x.name)).toEqual(['eve Evans', 'Dave Dole', 'Carol Chen', 'bob Brown', 'Alice Anders']);
    const alice = res.body.data.find((x: Contact) => x.name === 'Alice Anders');
    expect(alice.contact_labels.map((x: { name: string }) => x.name)).toEqual(['gold', 'vip']);
    expect(alice.created_time).toBe('2025-07-01T00:00:00.000Z');
  });

  it('filters by keyword over names and phones', async () => {
    expect(await names(q({ keyword: 'ALICE' }))).toEqual(['Alice Anders']);
    expect(await names(q({ keyword: '0103' }))).toEqual(['Carol Chen']);
    expect(await names(q({ keyword: '+12025550102' }))).toEqual(['bob Brown']);
    expect(await names('?keyword=%2B12025550104')).toEqual(['Dave Dole']);
    expect(await names(q({ keyword: 'zzz' }))).toEqual([]);
    expect(await names(q({ keyword: '  ' }))).toHaveLength(5);
  });

  it('filters by whatsapp_phone and whatsapp_phone_only', async () => {
    expect(await names(q({ whatsapp_phone: '+44' }))).toEqual(['Carol Chen']);
    expect(await names(q({ whatsapp_phone: '+1202555010' }))).toEqual(['eve Evans', 'Alice Anders']);
    expect(await names(q({ whatsapp_phone_only: 'true' }))).toEqual(['eve Evans', 'Carol Chen', 'Alice Anders']);
    expect(await names(q({ whatsapp_phone_only: 'false' }))).toHaveLength(5);
  });

  it('filters by any and all labels', async () => {
    expect(await names(q({ any_contact_label_ids: `${l.vip},${l.spam}` }))).toEqual(['Carol Chen', 'bob Brown', 'Alice Anders']);
    expect(await names(`?any_contact_label_ids=${l.vip}&any_contact_label_ids=${l.spam}&limit=0`)).toEqual(['Carol Chen', 'bob Brown', 'Alice Anders']);
    expect(await names(q({ all_contact_label_ids: `${l.vip},${l.gold}` }))).toEqual(['Alice Anders']);
    expect(await names(q({ all_contact_label_ids: l.gold, any_contact_label_ids: l.spam }))).toEqual(['Carol Chen']);
  });

  it('excludes by contact ids and by any or all labels', async () => {
    expect(await names(q({ exclude_contact_ids: `${c.alice},${c.bob}` }))).toEqual(['eve Evans', 'Dave Dole', 'Carol Chen']);
    expect(await names(q({ exclude_any_contact_label_ids: `${l.gold},${l.dnc}` }))).toEqual(['eve Evans', 'bob Brown']);
    expect(await names(q({ exclude_all_contact_label_ids: `${l.vip},${l.gold}` }))).toEqual(['eve Evans', 'Dave Dole', 'Carol Chen', 'bob Brown']);
  });

  it('adds contacts by id to the filtered ones; exclusions still win', async () => {
    expect(await names(q({ any_contact_label_ids: l.spam, addition_contact_ids: `${c.eve},${c.bob}` }))).toEqual(['eve Evans', 'Carol Chen', 'bob Brown']);
    expect(await names(q({ any_contact_label_ids: l.spam, addition_contact_ids: c.eve, exclude_contact_ids: c.eve }))).toEqual(['Carol Chen']);
  });

  it('excludes labels by name (case-insensitive) and by id', async () => {
    expect(await names(q({ exclude_labels: 'dnc,SPAM' }))).toEqual(['eve Evans', 'bob Brown', 'Alice Anders']);
    expect(await names(q({ exclude_labels: 'DNC,invalid number,unreachable' }))).toEqual(['eve Evans', 'Carol Chen', 'bob Brown', 'Alice Anders']);
    expect(await names(q({ exclude_labels: l.vip }))).toEqual(['eve Evans', 'Dave Dole', 'Carol Chen']);
    expect(await names(q({ exclude_labels: `${l.vip.toUpperCase()},DNC` }))).toEqual(['eve Evans', 'Carol Chen']);
  });

  it('never selects through another workspace’s ids', async () => {
    expect(await names(q({ any_contact_label_ids: otherLabel }))).toEqual([]);
    expect(await names(q({ all_contact_label_ids: otherLabel }))).toEqual([]);
    expect(await names(q({ any_contact_label_ids: l.spam, addition_contact_ids: otherContact }))).toEqual(['Carol Chen']);
    expect(await names(q({ exclude_any_contact_label_ids: otherLabel }))).toHaveLength(5);
    // A UUID that is not a label of this workspace is read as a name, so it excludes nothing.
    expect(await names(q({ exclude_labels: otherLabel }))).toHaveLength(5);
    const theirs = await h.http.get(`${base(ws)}/${otherContact}`).set(ws.seax);
    expectSeaxError(theirs, 404);
  });

  it('sorts by order_by: several keys, names case-insensitively, empty values last', async () => {
    expect(await names(q({ order_by: 'name:asc' }))).toEqual(['Alice Anders', 'bob Brown', 'Carol Chen', 'Dave Dole', 'eve Evans']);
    expect(await names(q({ order_by: 'name:DESC' }))).toEqual(['eve Evans', 'Dave Dole', 'Carol Chen', 'bob Brown', 'Alice Anders']);
    expect(await names(q({ order_by: 'phone:asc' }))).toEqual(['Alice Anders', 'bob Brown', 'Carol Chen', 'Dave Dole', 'eve Evans']);
    expect(await names(q({ order_by: 'phone:desc' }))).toEqual(['Dave Dole', 'Carol Chen', 'bob Brown', 'Alice Anders', 'eve Evans']);
    expect(await names(q({ order_by: 'created_time:asc' }))).toEqual(['Alice Anders', 'bob Brown', 'Carol Chen', 'Dave Dole', 'eve Evans']);
    expect(await names(q({ order_by: 'whatsapp_phone:asc,name:desc' }))).toEqual(['Alice Anders', 'eve Evans', 'Carol Chen', 'Dave Dole', 'bob Brown']);
    expect(await names(q({ order_by: ' whatsapp_phone : desc , created_time:asc ' }))).toEqual(['Carol Chen', 'eve Evans', 'Alice Anders', 'bob Brown', 'Dave Dole']);
    expect(await names(q({ order_by: 'name' }))).toEqual(['Alice Anders', 'bob Brown', 'Carol Chen', 'Dave Dole', 'eve Evans']);
  });

  it('sorts by updated_time after an update', async () => {
    await h.http.patch(`${base(ws)}/${c.bob}`).set(ws.seax).send({ note: 'touched' }).expect(200);
    expect((await names(q({ order_by: 'updated_time:desc' })))[0]).toBe('bob Brown');
    expect((await names(q({ order_by: 'updated_time:asc' })))[4]).toBe('bob Brown');
  });

  it.each([
    ['foo:asc', /unknown sort field "foo"/],
    ['name:up', /direction must be asc or desc/],
    ['name:asc:extra', /direction must be asc or desc/],
    ['email:desc', /unknown sort field "email"/],
    ['created_time:desc,nope', /unknown sort field "nope"/],
  ])('rejects order_by=%s with 422 naming order_by', async (orderBy, message) => {
    const messages = expectSeaxFieldError(await list(q({ order_by: orderBy })), 'order_by');
    expect(messages.join(' ')).toMatch(message);
  });

  it('pages with offset and limit; limit 0 returns all; total counts the whole selection', async () => {
    const page = await list('?offset=1&limit=2');
    expect(page.body.data.map((x: Contact) => x.name)).toEqual(['Dave Dole', 'Carol Chen']);
    expect(page.body.total).toBe(5);
    const rest = await list('?offset=3&limit=0');
    expect(rest.body.data.map((x: Contact) => x.name)).toEqual(['bob Brown', 'Alice Anders']);
    expect(rest.body.total).toBe(5);
    const filtered = await list(`?limit=1&any_contact_label_ids=${l.gold}`);
    expect(filtered.body.data).toHaveLength(1);
    expect(filtered.body.total).toBe(2);
    expect((await list('?offset=50')).body).toEqual({ data: [], total: 5 });
  });

  it('defaults limit to 10 and breaks ties by id so pages never overlap', async () => {
    const tie = await h.workspace('Ties');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await create(tie, { name: 'Same', phone: `+120255504${String(i).padStart(2, '0')}` })).body.id);
    await h.db('contacts').where({ workspace_id: tie.id }).update({ created_at: new Date('2025-01-01T00:00:00Z') });
    const first = await h.http.get(base(tie)).set(tie.seax);
    expect(first.body.data).toHaveLength(10);
    expect(first.body.total).toBe(12);
    const seen: string[] = [];
    for (let offset = 0; offset < 12; offset += 5) {
      const res = await h.http.get(`${base(tie)}?order_by=name:asc,created_time:desc&limit=5&offset=${offset}`).set(tie.seax);
      seen.push(...res.body.data.map((x: Contact) => x.id));
    }
    expect(seen).toEqual([...ids].sort());
  });

  it('reads the labels of a whole page in a constant number of queries', async () => {
    const count = async (query: string) => {
      let n = 0;
      const onQuery = () => void n++;
      h.db.on('query', onQuery);
      try {
        expect((await list(query)).status).toBe(200);
      } finally {
        h.db.off('query', onQuery);
      }
      return n;
    };
    const one = await count('?limit=1');
    expect(one).toBeGreaterThan(2);
    expect(await count('?limit=0')).toBe(one);
  });

  it.each([
    ['limit', '?limit=-1'],
    ['offset', '?offset=x'],
    ['any_contact_label_ids', '?any_contact_label_ids=vip'],
    ['all_contact_label_ids', '?all_contact_label_ids=11111111-2222-4444-3333-555555555555,nope'],
    ['exclude_contact_ids', '?exclude_contact_ids=1'],
    ['exclude_any_contact_label_ids', '?exclude_any_contact_label_ids=x'],
    ['exclude_all_contact_label_ids', '?exclude_all_contact_label_ids=x'],
    ['addition_contact_ids', '?addition_contact_ids=x'],
    ['whatsapp_phone_only', '?whatsapp_phone_only=sometimes'],
    ['keyword', `?keyword=${'k'.repeat(256)}`],
  ])('rejects a bad %s with 422 naming it', async (field, query) => {
    expectSeaxFieldError(await list(query), field);
  });
});

describe('workspace isolation and abilities', () => {
  it('answers 403 on every contact route when the key belongs to another workspace', async () => {
    const victim = (await create(b, { phone: '+12025550301', name: 'B contact' })).body;
    const specs = specsOf(h, seaxContactRoutes);
    expect(specs.length).toBe(6);
    for (const spec of specs) {
      const url = fill(spec.path, { workspace_id: b.id, contact_id: victim.id });
      const res = await h.http[spec.method](url).set(a.seax).send(spec.method === 'post' ? { phone: '+12025550302' } : { name: 'hacked' });
      expectSeaxError(res, 403);
    }
    expect((await h.http.get(`${base(b)}/${victim.id}`).set(b.seax)).body.name).toBe('B contact');
    expect(await h.db('contacts').where({ phone: '+12025550302' }).first()).toBeUndefined();
  });

  it('answers 404 when another workspace’s contact id is used on the own path', async () => {
    const victim = (await create(b, { phone: '+12025550311' })).body;
    for (const method of ['get', 'patch', 'put', 'delete'] as const) {
      expectSeaxError(await h.http[method](`${base(a)}/${victim.id}`).set(a.seax).send({ note: 'x' }), 404);
    }
    expect((await h.http.get(`${base(b)}/${victim.id}`).set(b.seax)).body.note).toBeNull();
  });

  it('needs contacts.read to list and contacts.write to change', async () => {
    const reader = await pairWith(h, a, ['contacts.read']);
    expect((await h.http.get(base(a)).set(reader)).status).toBe(200);
    const res = await h.http.post(base(a)).set(reader).send({ phone: '+12025550321' });
    expectSeaxError(res, 403);
    expect(res.body.details).toEqual({ required_ability: 'contacts.write' });
    const writer = await pairWith(h, a, ['contacts.write']);
    expect((await h.http.post(base(a)).set(writer).send({ phone: '+12025550321' })).status).toBe(200);
  });
});
