import { seaxPhoneRoutes } from '../../api/routes/seax/phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectSeaxError, expectSeaxFieldError, fill, pairWith, specsOf } from '../helpers/seax';

let h: Harness;
let a: TestWorkspace;
let b: TestWorkspace;
const base = (ws: TestWorkspace) => `/api/v1/workspace/${ws.id}/phones`;

/** Every field SeaX documents for a phone (doc 001), in its order. */
const PHONE_FIELDS = [
  'name', 'enabled', 'phone', 'country', 'whatsapp_device_id', 'whatsapp_status', 'generic_reply_message', 'dnc_reply_message',
  'enabled_generic_reply', 'enabled_dnc_reply', 'type', 'source', 'phone_capability', 'is_default', 'enabled_recipient',
  'whatsapp_business_account_phone_id', 'dialpad_available', 'created_time', 'updated_time', 'id', 'call_recipient',
  'sms_recipient', 'wabp_recipient', 'verified_caller', 'byoc_trunk', 'users', 'keywords', 'unread_count',
  'has_credentials', // extension: carrier credentials are write-only
];

beforeAll(async () => {
  h = await createHarness();
  [a, b] = await Promise.all([h.workspace('A'), h.workspace('B')]);
});
afterAll(() => h.close());

const create = (ws: TestWorkspace, body: Record<string, unknown>) => h.http.post(base(ws)).set(ws.seax).send(body);

describe('POST /phones', () => {
  it('creates a phone with documented defaults and every documented field', async () => {
    const res = await create(a, { phone: '(202) 555-0101' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(PHONE_FIELDS);
    expect(res.body).toMatchObject({
      name: '+12025550101',
      phone: '+12025550101',
      country: 'US',
      type: 'LOCAL',
      source: 'SIMULATOR',
      enabled: true,
      is_default: false,
      phone_capability: { sms: true, mms: true, voice: true, fax: false, whatsapp: false, whatsapp_business_platform: false },
      whatsapp_device_id: null,
      whatsapp_status: null,
      generic_reply_message: null,
      enabled_generic_reply: false,
      enabled_dnc_reply: false,
      enabled_recipient: false,
      dialpad_available: false,
      call_recipient: null,
      verified_caller: null,
      byoc_trunk: null,
      users: [],
      keywords: [],
      unread_count: 0,
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(res.body.created_time).toISOString()).toBe(res.body.created_time);
    expect(new Date(res.body.updated_time).toISOString()).toBe(res.body.updated_time);
  });

  it('stores every field it is given and reads local numbers in the given country', async () => {
    const res = await create(a, {
      name: 'London',
      phone: '020 7946 0958',
      country: 'gb',
      type: 'toll_free',
      source: 'twilio',
      phone_capability: { fax: true, voice: false },
      enabled: true,
      generic_reply_message: 'Welcome!',
      dnc_reply_message: 'Ok, no more messages.',
      enabled_generic_reply: true,
      enabled_dnc_reply: true,
      enabled_recipient: true,
      call_recipient: { type: 'ai_agent', receiver: '221316ae-8a9f-4f39-b7f8-f2e756b80a63' },
      sms_recipient: { type: 'PHONE_NUMBER', receiver: '+12025550199' },
      whatsapp_business_account_phone_id: '555555555555',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'London',
      phone: '+442079460958',
      country: 'GB',
      type: 'TOLL_FREE',
      source: 'TWILIO',
      phone_capability: { sms: true, mms: true, voice: false, fax: true, whatsapp: false, whatsapp_business_platform: false },
      generic_reply_message: 'Welcome!',
      dnc_reply_message: 'Ok, no more messages.',
      enabled_generic_reply: true,
      enabled_dnc_reply: true,
      enabled_recipient: true,
      call_recipient: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'AI_AGENT', receiver: '221316ae-8a9f-4f39-b7f8-f2e756b80a63' },
      sms_recipient: { type: 'PHONE_NUMBER', receiver: '+12025550199' },
      wabp_recipient: null,
      whatsapp_business_account_phone_id: '555555555555',
    });
    const again = await h.http.get(`${base(a)}/${res.body.id}`).set(a.seax);
    expect(again.body).toEqual(res.body);
  });

  it('ignores fields that are not part of the API', async () => {
    const res = await create(a, { phone: '+12025550131', workspace_id: b.id, credentials_encrypted: 'x', status: 'banned', id: '00000000-0000-4000-8000-000000000000' });
    expect(res.status).toBe(200);
    const row = await h.db('phones').where({ id: res.body.id }).first();
    expect(row).toMatchObject({ workspace_id: a.id, credentials_encrypted: null, status: 'connected' });
    expect(res.body.id).not.toBe('00000000-0000-4000-8000-000000000000');
  });

  it('derives the country from an international number', async () => {
    const res = await create(a, { phone: '+61 2 9374 4000', name: 'Sydney' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ phone: '+61293744000', country: 'AU' });
  });

  it('keeps a single default phone per workspace', async () => {
    const first = await create(a, { phone: '+12025550111', is_default: true });
    const second = await create(a, { phone: '+12025550112', is_default: true });
    expect(first.body.is_default).toBe(true);
    expect(second.body.is_default).toBe(true);
    expect((await h.http.get(`${base(a)}/${first.body.id}`).set(a.seax)).body.is_default).toBe(false);
    const back = await h.http.patch(`${base(a)}/${first.body.id}`).set(a.seax).send({ is_default: true });
    expect(back.body.is_default).toBe(true);
    expect((await h.http.get(`${base(a)}/${second.body.id}`).set(a.seax)).body.is_default).toBe(false);
  });

  it.each([
    ['phone', {}],
    ['phone', { phone: 'not a number' }],
    ['phone', { phone: '12' }],
    ['phone', { phone: 15550100 }],
    ['name', { phone: '+12025550150', name: '' }],
    ['name', { phone: '+12025550150', name: 'x'.repeat(256) }],
    ['country', { phone: '+12025550150', country: 'USA' }],
    ['country', { phone: '+12025550150', country: 'ZZ' }],
    ['type', { phone: '+12025550150', type: 'MOBILE' }],
    ['source', { phone: '+12025550150', source: 'CARRIER_PIGEON' }],
    ['phone_capability', { phone: '+12025550150', phone_capability: 'all' }],
    ['phone_capability.sms', { phone: '+12025550150', phone_capability: { sms: 'yes' } }],
    ['is_default', { phone: '+12025550150', is_default: 'true' }],
    ['enabled', { phone: '+12025550150', enabled: 1 }],
    ['enabled_generic_reply', { phone: '+12025550150', enabled_generic_reply: null }],
    ['generic_reply_message', { phone: '+12025550150', generic_reply_message: 42 }],
    ['call_recipient', { phone: '+12025550150', call_recipient: 'me' }],
    ['call_recipient.receiver', { phone: '+12025550150', call_recipient: { type: 'PHONE_NUMBER' } }],
    ['sms_recipient.type', { phone: '+12025550150', sms_recipient: { type: 'no spaces allowed', receiver: 'x' } }],
  ])('rejects a bad %s with 422 naming it', async (field, body) => {
    expectSeaxFieldError(await create(a, body), field);
  });

  it('rejects a number the workspace already has, however it is written', async () => {
    expect((await create(a, { phone: '+12025550160' })).status).toBe(200);
    const messages = expectSeaxFieldError(await create(a, { phone: '202.555.0160' }), 'phone');
    expect(messages[0]).toMatch(/\+12025550160 is already registered/);
    // Another workspace may have the same number.
    expect((await create(b, { phone: '+12025550160' })).status).toBe(200);
  });
});

describe('GET /phones', () => {
  let ws: TestWorkspace;
  const ids: Record<string, string> = {};
  const list = (query = '') => h.http.get(`${base(ws)}${query}`).set(ws.seax);
  const names = (res: { body: { data: { name: string }[] } }) => res.body.data.map((p) => p.name);

  beforeAll(async () => {
    ws = await h.workspace('Phone list');
    const rows: [string, Record<string, unknown>][] = [
      ['p1', { phone: '+12025550201' }],
      ['p2', { phone: '+12025550202', phone_capability: { voice: false } }],
      ['p3', { phone: '+12025550203', enabled: false }],
      ['p4', { phone: '+12025550204', is_owned: false }],
      ['p5', { phone: '+12025550205', enabled: false, is_owned: false, phone_capability: { voice: false } }],
    ];
    for (const [name, body] of rows) {
      const res = await create(ws, { name, ...body });
      expect(res.status).toBe(200);
      ids[name] = res.body.id;
    }
    // Distinct creation times make the order (oldest first) certain.
    for (const [i, name] of Object.keys(ids).entries()) {
      await h.db('phones').where({ id: ids[name] }).update({ created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)) });
    }
    // A column the API must never show.
    await h.db('phones').where({ id: ids.p1 }).update({ credentials_encrypted: 'secret-blob' });
  });

  it('lists enabled phones by default, oldest first, with the total and every field', async () => {
    const res = await list();
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(['p1', 'p2', 'p4']);
    expect(res.body.total).toBe(3);
    expect(Object.keys(res.body.data[0])).toEqual(PHONE_FIELDS);
    expect(JSON.stringify(res.body)).not.toContain('secret-blob');
  });

  it('filters by enabled, is_owned and voice_available', async () => {
    expect(names(await list('?enabled=false'))).toEqual(['p3', 'p5']);
    expect(names(await list('?enabled=true'))).toEqual(['p1', 'p2', 'p4']);
    expect(names(await list('?is_owned=true'))).toEqual(['p1', 'p2']);
    expect(names(await list('?is_owned=false'))).toEqual(['p1', 'p2', 'p4']);
    expect(names(await list('?is_owned=true&enabled=false'))).toEqual(['p3']);
    expect(names(await list('?voice_available=true'))).toEqual(['p1', 'p4']);
    expect(names(await list('?voice_available=false&enabled=false'))).toEqual(['p5']);
    expect(names(await list('?enabled=False&is_owned=0'))).toEqual(['p3', 'p5']);
  });

  it('pages with offset and limit; limit 0 returns all; total counts the whole filter', async () => {
    const page = await list('?offset=1&limit=1');
    expect(names(page)).toEqual(['p2']);
    expect(page.body.total).toBe(3);
    expect(names(await list('?limit=0&enabled=false'))).toEqual(['p3', 'p5']);
    const all = await list('?limit=0&offset=1');
    expect(names(all)).toEqual(['p2', 'p4']);
    expect(all.body.total).toBe(3);
    expect((await list('?offset=10')).body).toEqual({ data: [], total: 3 });
  });

  it('defaults limit to 10', async () => {
    const many = await h.workspace('Many phones');
    for (let i = 0; i < 12; i++) expect((await create(many, { phone: `+120255503${String(i).padStart(2, '0')}` })).status).toBe(200);
    const res = await h.http.get(base(many)).set(many.seax);
    expect(res.body.data).toHaveLength(10);
    expect(res.body.total).toBe(12);
  });

  it.each([
    ['limit', '?limit=-1'],
    ['limit', '?limit=ten'],
    ['limit', '?limit=1.5'],
    ['offset', '?offset=-3'],
    ['enabled', '?enabled=maybe'],
    ['is_owned', '?is_owned=2'],
    ['voice_available', '?voice_available='],
  ])('rejects a bad %s with 422 naming it', async (field, query) => {
    expectSeaxFieldError(await list(query), field);
  });
});

describe('GET, PATCH, PUT and DELETE /phones/:phone_id', () => {
  it('changes only the fields sent, merging capabilities and normalising a new number', async () => {
    const created = (await create(a, { phone: '+12025550401', name: 'Before', generic_reply_message: 'Hi', phone_capability: { fax: true } })).body;
    const res = await h.http
      .patch(`${base(a)}/${created.id}`)
      .set(a.seax)
      .send({ name: 'After', phone: '202-555-0402', phone_capability: { whatsapp: true }, generic_reply_message: null, enabled: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: created.id,
      name: 'After',
      phone: '+12025550402',
      country: 'US',
      enabled: false,
      generic_reply_message: null,
      phone_capability: { sms: true, mms: true, voice: true, fax: true, whatsapp: true, whatsapp_business_platform: false },
      created_time: created.created_time,
    });
    expect(Date.parse(res.body.updated_time)).toBeGreaterThanOrEqual(Date.parse(created.updated_time));

    const put = await h.http.put(`${base(a)}/${created.id}`).set(a.seax).send({ dnc_reply_message: 'Bye', wabp_recipient: { type: 'USER', receiver: 'u1' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'After', phone: '+12025550402', dnc_reply_message: 'Bye', wabp_recipient: { type: 'USER', receiver: 'u1' } });

    const moved = await h.http.patch(`${base(a)}/${created.id}`).set(a.seax).send({ phone: '+61 2 9374 4001' });
    expect(moved.body).toMatchObject({ phone: '+61293744001', country: 'AU' });
    const local = await h.http.patch(`${base(a)}/${created.id}`).set(a.seax).send({ phone: '02 9374 4002' });
    expect(local.body).toMatchObject({ phone: '+61293744002', country: 'AU' });
    await h.http.patch(`${base(a)}/${created.id}`).set(a.seax).send({ phone: '+12025550402' }).expect(200);

    const empty = await h.http.patch(`${base(a)}/${created.id}`).set(a.seax).send({});
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ name: 'After', dnc_reply_message: 'Bye' });
  });

  it('validates updates and refuses a number another phone has', async () => {
    const one = (await create(a, { phone: '+12025550411' })).body;
    await create(a, { phone: '+12025550412' });
    const url = `${base(a)}/${one.id}`;
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ phone: '+1 202 555 0412' }), 'phone');
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ phone: 'nope' }), 'phone');
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ type: 'BIG' }), 'type');
    expectSeaxFieldError(await h.http.put(url).set(a.seax).send({ name: '   ' }), 'name');
    expectSeaxFieldError(await h.http.patch(url).set(a.seax).send({ is_default: 'yes' }), 'is_default');
    expect((await h.http.get(url).set(a.seax)).body.phone).toBe('+12025550411');
  });

  it('deletes with 204, after which the phone is gone', async () => {
    const one = (await create(a, { phone: '+12025550421' })).body;
    const del = await h.http.delete(`${base(a)}/${one.id}`).set(a.seax);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expectSeaxError(await h.http.get(`${base(a)}/${one.id}`).set(a.seax), 404);
    expectSeaxError(await h.http.delete(`${base(a)}/${one.id}`).set(a.seax), 404);
    // The number is free again.
    expect((await create(a, { phone: '+12025550421' })).status).toBe(200);
  });

  it('answers 404 for unknown ids and 422 for malformed ones', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const method of ['get', 'patch', 'put', 'delete'] as const) {
      expectSeaxError(await h.http[method](`${base(a)}/${unknown}`).set(a.seax).send({}), 404);
      expectSeaxFieldError(await h.http[method](`${base(a)}/not-a-uuid`).set(a.seax).send({}), 'phone_id');
    }
  });
});

describe('workspace isolation and abilities', () => {
  it('answers 403 on every phone route when the key belongs to another workspace', async () => {
    const victim = (await create(b, { phone: '+12025550501', name: 'B phone' })).body;
    const specs = specsOf(h, seaxPhoneRoutes);
    expect(specs.length).toBe(6);
    for (const spec of specs) {
      const url = fill(spec.path, { workspace_id: b.id, phone_id: victim.id });
      const res = await h.http[spec.method](url).set(a.seax).send(spec.method === 'post' ? { phone: '+12025550502' } : { name: 'hacked' });
      expectSeaxError(res, 403);
    }
    const after = await h.http.get(`${base(b)}/${victim.id}`).set(b.seax);
    expect(after.body.name).toBe('B phone');
    expect((await h.http.get(`${base(b)}?limit=0`).set(b.seax)).body.data.map((p: { phone: string }) => p.phone)).not.toContain('+12025550502');
  });

  it('answers 404 when another workspace’s phone id is used on the own path', async () => {
    const victim = (await create(b, { phone: '+12025550511' })).body;
    for (const method of ['get', 'patch', 'put', 'delete'] as const) {
      expectSeaxError(await h.http[method](`${base(a)}/${victim.id}`).set(a.seax).send({ name: 'x' }), 404);
    }
    expect((await h.http.get(`${base(b)}/${victim.id}`).set(b.seax)).status).toBe(200);
  });

  it('lets a sessions.read key list phones but not change them', async () => {
    const reader = await pairWith(h, a, ['sessions.read']);
    expect((await h.http.get(base(a)).set(reader)).status).toBe(200);
    const res = await h.http.post(base(a)).set(reader).send({ phone: '+12025550521' });
    expectSeaxError(res, 403);
    expect(res.body.details).toEqual({ required_ability: '*' });
    expectSeaxError(await h.http.get(base(a)).set(await pairWith(h, a, ['contacts.read'])), 403);
  });
});
