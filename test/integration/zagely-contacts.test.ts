import { keyService } from '../../services/keys';
import { workspaceService } from '../../services/workspaces';
import { messagesRepo } from '../../db/repositories/messages';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectError, expectFieldError, roomyLimits } from '../helpers/zagely';

let h: Harness;
let ws: TestWorkspace;
beforeAll(async () => {
  h = await createHarness();
  ws = await h.workspace('Contacts A');
  await roomyLimits(h.db, ws.id);
});
afterAll(() => h.close());

interface Contact {
  id: string;
  name: string;
  phone_number: string;
  email: string | null;
  tags: string[];
  is_blocked: boolean;
  opted_out_at: string | null;
  custom_fields: Record<string, unknown>;
  groups: { id: string; name: string }[];
  notes: string | null;
  created_at: string;
  updated_at: string;
}

async function create(headers: Record<string, string>, body: Record<string, unknown>): Promise<Contact> {
  const res = await h.http.post('/api/v1/contacts').set(headers).send(body);
  if (res.status !== 201) throw new Error(`create contact: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

async function keyWith(workspaceId: string, abilities: string[]) {
  const { publicKey, secretKey } = await keyService(h.db).createPair(workspaceId, { name: abilities.join(','), abilities });
  return { 'X-Public-Key': publicKey, 'X-Secret-Key': secretKey };
}

const ids = (body: { data: { id: string }[] }) => body.data.map((c) => c.id);

describe('POST /api/v1/contacts', () => {
  it('creates a contact with a normalised phone, tags, notes and custom fields', async () => {
    const res = await h.http
      .post('/api/v1/contacts')
      .set(ws.zagely)
      .send({
        phone_number: '+1 (555) 123-4567',
        name: 'Jane Doe',
        email: 'jane@example.com',
        tags: ['vip', 'newsletter'],
        notes: 'Met at the fair',
        custom_fields: { city: 'New York', plan: 'gold' },
      });
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Jane Doe',
      phone_number: '+15551234567',
      email: 'jane@example.com',
      tags: ['newsletter', 'vip'],
      is_blocked: false,
      opted_out_at: null,
      custom_fields: { city: 'New York', plan: 'gold' },
      groups: [],
      notes: 'Met at the fair',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(Date.parse(res.body.data.created_at)).not.toBeNaN();
  });

  it('defaults the name to the phone and reads national numbers in the workspace country', async () => {
    const us = await create(ws.zagely, { phone_number: '(555) 010-2000' });
    expect(us).toMatchObject({ phone_number: '+15550102000', name: '+15550102000', email: null, tags: [], notes: null, custom_fields: {} });

    const eg = await workspaceService(h.db).provision({ name: 'Cairo', default_country: 'EG' });
    const headers = { 'X-Public-Key': eg.public_key, 'X-Secret-Key': eg.secret_key };
    expect((await create(headers, { phone_number: '0100 123 4567' })).phone_number).toBe('+201001234567');
  });

  it('reuses existing tags case-insensitively', async () => {
    await create(ws.zagely, { phone_number: '+15550102001', tags: ['Gold'] });
    const again = await create(ws.zagely, { phone_number: '+15550102002', tags: ['GOLD', 'gold'] });
    expect(again.tags).toEqual(['Gold']);
    const labels = await h.db('labels').where({ workspace_id: ws.id }).whereRaw('lower(name) = ?', ['gold']);
    expect(labels).toHaveLength(1);
  });

  it('refuses a phone already used in the workspace, however it is written', async () => {
    await create(ws.zagely, { phone_number: '+15550103000' });
    const messages = expectFieldError(await h.http.post('/api/v1/contacts').set(ws.zagely).send({ phone_number: '555-010-3000' }), 'phone_number');
    expect(messages[0]).toMatch(/already exists/);
    const other = await h.workspace('Contacts same phone');
    expect((await h.http.post('/api/v1/contacts').set(other.zagely).send({ phone_number: '+15550103000' })).status).toBe(201);
  });

  it.each([
    ['phone_number', {}],
    ['phone_number', { phone_number: '' }],
    ['phone_number', { phone_number: 'call me' }],
    ['phone_number', { phone_number: '12' }],
    ['phone_number', { phone_number: 15551234567 }],
    ['name', { phone_number: '+15550104000', name: 'x'.repeat(256) }],
    ['name', { phone_number: '+15550104000', name: 7 }],
    ['email', { phone_number: '+15550104000', email: 'not-an-email' }],
    ['tags', { phone_number: '+15550104000', tags: 'vip' }],
    ['tags.0', { phone_number: '+15550104000', tags: [''] }],
    ['tags.1', { phone_number: '+15550104000', tags: ['ok', 3] }],
    ['notes', { phone_number: '+15550104000', notes: 5 }],
    ['custom_fields', { phone_number: '+15550104000', custom_fields: 'city=NY' }],
    ['custom_fields', { phone_number: '+15550104000', custom_fields: ['NY'] }],
  ] as [string, Record<string, unknown>][])('refuses a bad %s with 422 naming it (%j)', async (field, body) => {
    expectFieldError(await h.http.post('/api/v1/contacts').set(ws.zagely).send(body), field);
    expect(await h.db('contacts').where({ workspace_id: ws.id, phone: '+15550104000' }).first()).toBeUndefined();
  });
});

describe('GET /api/v1/contacts/:contact', () => {
  it('shows the contact with all its groups and its last 10 messages, newest first', async () => {
    const contact = await create(ws.zagely, { phone_number: '+15550105000', name: 'Messaged', tags: ['shown'] });
    const staticGroup = (await h.http.post('/api/v1/contact-groups').set(ws.zagely).send({ name: 'Shown static', type: 'static' })).body.data;
    await h.http.post(`/api/v1/contact-groups/${staticGroup.id}/contacts`).set(ws.zagely).send({ contact_ids: [contact.id] });
    const dynamicGroup = (
      await h.http.post('/api/v1/contact-groups').set(ws.zagely).send({ name: 'Shown dynamic', type: 'dynamic', filters: { tags: ['shown'] } })
    ).body.data;

    const messages = messagesRepo(h.db);
    const base = Date.parse('2026-03-01T00:00:00Z');
    for (let i = 0; i < 12; i++) {
      const m = await messages.insert({
        workspace_id: ws.id,
        contact_id: contact.id,
        channel: 'whatsapp',
        direction: i % 2 ? 'inbound' : 'outbound',
        from_address: '+15550000000',
        to_address: contact.phone_number,
        status: 'sent',
        content: `message ${i}`,
      });
      await h.db('messages').where({ id: m.id }).update({ created_at: new Date(base + i * 60_000) });
    }

    const res = await h.http.get(`/api/v1/contacts/${contact.id}`).set(ws.zagely);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: contact.id, name: 'Messaged', tags: ['shown'] });
    expect(res.body.data.groups).toEqual([
      { id: dynamicGroup.id, name: 'Shown dynamic' },
      { id: staticGroup.id, name: 'Shown static' },
    ]);
    expect(res.body.data.messages).toHaveLength(10);
    expect(res.body.data.messages.map((m: { content: string }) => m.content)).toEqual(
      [11, 10, 9, 8, 7, 6, 5, 4, 3, 2].map((i) => `message ${i}`),
    );
    expect(res.body.data.messages[0]).toEqual({
      id: expect.any(String),
      channel: 'whatsapp',
      direction: 'inbound',
      type: 'text',
      content: 'message 11',
      status: 'sent',
      session_id: null,
      created_at: new Date(base + 11 * 60_000).toISOString(),
    });
  });

  it('answers 404 for an unknown contact and 422 for a malformed id', async () => {
    expectError(await h.http.get('/api/v1/contacts/00000000-0000-4000-8000-000000000000').set(ws.zagely), 404, 'not_found');
    expectFieldError(await h.http.get('/api/v1/contacts/12345').set(ws.zagely), 'contact');
  });
});

describe('PUT and PATCH /api/v1/contacts/:contact', () => {
  it('changes only the fields sent', async () => {
    const c = await create(ws.zagely, {
      phone_number: '+15550106000',
      name: 'Before',
      email: 'before@example.com',
      tags: ['a', 'b'],
      notes: 'keep me',
      custom_fields: { plan: 'gold' },
    });
    const patched = await h.http.patch(`/api/v1/contacts/${c.id}`).set(ws.zagely).send({ name: 'After' });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({
      name: 'After',
      phone_number: '+15550106000',
      email: 'before@example.com',
      tags: ['a', 'b'],
      notes: 'keep me',
      custom_fields: { plan: 'gold' },
    });
    expect(Date.parse(patched.body.data.updated_at)).toBeGreaterThan(Date.parse(c.updated_at));

    const put = await h.http
      .put(`/api/v1/contacts/${c.id}`)
      .set(ws.zagely)
      .send({ tags: ['c'], email: null, phone_number: '555 010 6001', custom_fields: { plan: 'silver' } });
    expect(put.status).toBe(200);
    expect(put.body.data).toMatchObject({
      name: 'After',
      phone_number: '+15550106001',
      email: null,
      tags: ['c'],
      notes: 'keep me',
      custom_fields: { plan: 'silver' },
    });

    const cleared = await h.http.patch(`/api/v1/contacts/${c.id}`).set(ws.zagely).send({ tags: [] });
    expect(cleared.body.data.tags).toEqual([]);
    const unchanged = await h.http.patch(`/api/v1/contacts/${c.id}`).set(ws.zagely).send({});
    expect(unchanged.status).toBe(200);
    expect(unchanged.body.data).toMatchObject({ name: 'After', phone_number: '+15550106001' });
  });

  it('refuses a phone of another contact and bad fields', async () => {
    const a = await create(ws.zagely, { phone_number: '+15550107000' });
    await create(ws.zagely, { phone_number: '+15550107001' });
    const url = `/api/v1/contacts/${a.id}`;
    expectFieldError(await h.http.patch(url).set(ws.zagely).send({ phone_number: '+15550107001' }), 'phone_number');
    expectFieldError(await h.http.put(url).set(ws.zagely).send({ phone_number: 'nope' }), 'phone_number');
    expectFieldError(await h.http.patch(url).set(ws.zagely).send({ phone_number: null }), 'phone_number');
    expectFieldError(await h.http.patch(url).set(ws.zagely).send({ name: '' }), 'name');
    expectFieldError(await h.http.patch(url).set(ws.zagely).send({ email: 'x@' }), 'email');
    expectFieldError(await h.http.patch(url).set(ws.zagely).send({ tags: [{}] }), 'tags.0');
    expectFieldError(await h.http.patch(url).set(ws.zagely).send({ custom_fields: 3 }), 'custom_fields');
    const after = await h.http.get(url).set(ws.zagely);
    expect(after.body.data.phone_number).toBe('+15550107000');
  });

  it('answers 404 for an unknown contact', async () => {
    expectError(await h.http.patch('/api/v1/contacts/00000000-0000-4000-8000-000000000000').set(ws.zagely).send({ name: 'x' }), 404, 'not_found');
  });
});

describe('DELETE /api/v1/contacts/:contact', () => {
  it('deletes the contact for good but keeps its consent audit', async () => {
    const c = await create(ws.zagely, { phone_number: '+15550108000', tags: ['gone'] });
    await h.http.post(`/api/contacts/${c.id}/block`).set(ws.zagely);
    const res = await h.http.delete(`/api/v1/contacts/${c.id}`).set(ws.zagely);
    expect(res.status).toBe(200);
    expect(res.body.message).toMatch(/deleted/i);
    expectError(await h.http.get(`/api/v1/contacts/${c.id}`).set(ws.zagely), 404, 'not_found');
    expect(await h.db('contacts').where({ id: c.id }).first()).toBeUndefined();
    expect(await h.db('contact_labels').where({ contact_id: c.id })).toHaveLength(0);
    const audit = await h.db('consent_events').where({ contact_id: c.id });
    expect(audit.map((e) => e.action)).toEqual(['block']);
    expectError(await h.http.delete(`/api/v1/contacts/${c.id}`).set(ws.zagely), 404, 'not_found');
  });
});

describe('block and unblock', () => {
  it('blocks and unblocks under /api and /api/v1, auditing each change once', async () => {
    const c = await create(ws.zagely, { phone_number: '+15550109000' });
    const blocked = await h.http.post(`/api/contacts/${c.id}/block`).set(ws.zagely);
    expect(blocked.status).toBe(200);
    expect(blocked.body.data).toMatchObject({ id: c.id, is_blocked: true });
    expect((await h.http.post(`/api/v1/contacts/${c.id}/block`).set(ws.zagely)).body.data.is_blocked).toBe(true);

    const listed = await h.http.get('/api/v1/contacts?is_blocked=true&search=5550109000').set(ws.zagely);
    expect(ids(listed.body)).toEqual([c.id]);

    const unblocked = await h.http.post(`/api/v1/contacts/${c.id}/unblock`).set(ws.zagely);
    expect(unblocked.body.data.is_blocked).toBe(false);
    expect((await h.http.post(`/api/contacts/${c.id}/unblock`).set(ws.zagely)).body.data.is_blocked).toBe(false);

    const events = await h.db('consent_events').where({ contact_id: c.id }).orderBy('created_at');
    const me = await h.http.get('/api/v1/me').set(ws.zagely);
    expect(events.map((e) => [e.action, e.source, e.actor, e.phone])).toEqual([
      ['block', 'api', me.body.data.id, '+15550109000'],
      ['unblock', 'api', me.body.data.id, '+15550109000'],
    ]);
  });

  it('answers 404 for an unknown contact', async () => {
    expectError(await h.http.post('/api/contacts/00000000-0000-4000-8000-000000000000/block').set(ws.zagely), 404, 'not_found');
  });
});

describe('GET /api/v1/contacts', () => {
  let book: TestWorkspace;
  const c: Record<string, Contact> = {};
  let staticGroupId: string;
  let dynamicGroupId: string;

  beforeAll(async () => {
    book = await h.workspace('Contact list');
    const specs: [string, Record<string, unknown>, string][] = [
      ['alice', { phone_number: '+15552000001', name: 'Alice Smith', email: 'alice@acme.test', tags: ['vip', 'active'] }, '2026-01-05T10:00:00Z'],
      ['bob', { phone_number: '+15552000002', name: 'bob jones', email: 'bob@other.test', tags: ['vip'] }, '2026-01-04T10:00:00Z'],
      ['carol', { phone_number: '+15552000003', name: 'Carol', tags: ['active'] }, '2026-01-03T10:00:00Z'],
      ['dave', { phone_number: '+15552000004', name: 'Dave', email: 'dave@acme.test' }, '2026-01-02T10:00:00Z'],
      ['erin', { phone_number: '+15552000005', name: 'Erin', email: 'ERIN@acme.test', tags: ['VIP', 'Active'] }, '2026-01-02T10:00:00Z'],
    ];
    for (const [key, body, createdAt] of specs) {
      c[key] = await create(book.zagely, body);
      await h.db('contacts').where({ id: c[key].id }).update({ created_at: createdAt, updated_at: createdAt });
    }
    await h.db('contacts').where({ id: c.carol.id }).update({ opted_out_at: new Date('2026-02-01T00:00:00Z') });
    await h.db('contacts').where({ id: c.dave.id }).update({ updated_at: '2026-03-01T00:00:00Z' });
    await h.http.post(`/api/contacts/${c.bob.id}/block`).set(book.zagely);
    await h.db('contacts').where({ id: c.bob.id }).update({ updated_at: '2026-01-04T10:00:00Z' });

    staticGroupId = (await h.http.post('/api/v1/contact-groups').set(book.zagely).send({ name: 'Hand picked' })).body.data.id;
    await h.http.post(`/api/v1/contact-groups/${staticGroupId}/contacts`).set(book.zagely).send({ contact_ids: [c.bob.id, c.dave.id] });
    dynamicGroupId = (
      await h.http
        .post('/api/v1/contact-groups')
        .set(book.zagely)
        .send({ name: 'Early VIPs', type: 'dynamic', filters: { tags: ['vip'], created_to: '2026-01-04' } })
    ).body.data.id;
  });

  const list = async (query: string) => {
    const res = await h.http.get(`/api/v1/contacts${query}`).set(book.zagely);
    if (res.status !== 200) throw new Error(`list ${query}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  // Erin and Dave share created_at: the tie is broken by id (ascending, whatever the sort direction).
  const tie = () => [c.dave.id, c.erin.id].sort();

  it('pages newest first by default, with Laravel-style pagination fields', async () => {
    const body = await list('');
    expect(body).toMatchObject({ current_page: 1, total: 5, per_page: 50, last_page: 1 });
    expect(ids(body)).toEqual([c.alice.id, c.bob.id, c.carol.id, ...tie()]);
    const alice = body.data[0];
    expect(alice).toEqual({
      ...c.alice,
      created_at: '2026-01-05T10:00:00.000Z',
      updated_at: '2026-01-05T10:00:00.000Z',
      tags: ['active', 'vip'],
    });
    const bob = body.data.find((x: Contact) => x.id === c.bob.id);
    expect(bob.groups).toEqual([
      { id: dynamicGroupId, name: 'Early VIPs' },
      { id: staticGroupId, name: 'Hand picked' },
    ]);
    expect(body.data.find((x: Contact) => x.id === c.carol.id).opted_out_at).toBe('2026-02-01T00:00:00.000Z');
  });

  it('pages without gaps or overlaps', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const body = await list(`?per_page=2&page=${page}`);
      expect(body).toMatchObject({ current_page: page, per_page: 2, total: 5, last_page: 3 });
      seen.push(...ids(body));
    }
    expect(seen).toEqual(ids(await list('')));
    expect((await list('?per_page=2&page=4')).data).toEqual([]);
  });

  it('searches name, phone and email partially and case-insensitively', async () => {
    expect(ids(await list('?search=SMITH'))).toEqual([c.alice.id]);
    expect(ids(await list('?search=2000002'))).toEqual([c.bob.id]);
    expect(ids(await list('?search=acme.TEST&sort_by=name&sort_order=asc'))).toEqual([c.alice.id, c.dave.id, c.erin.id]);
    expect((await list('?search=%25')).total).toBe(0);
    expect((await list('?search=nobody')).data).toEqual([]);
  });

  it('filters by tags (all of them), blocked, opted out and group', async () => {
    expect(ids(await list('?tags[]=vip&tags[]=active&sort_by=name&sort_order=asc'))).toEqual([c.alice.id, c.erin.id]);
    expect(ids(await list('?tags=vip&sort_by=name&sort_order=asc'))).toEqual([c.alice.id, c.bob.id, c.erin.id]);
    expect((await list('?tags[]=vip&tags[]=missing')).total).toBe(0);
    expect(ids(await list('?is_blocked=true'))).toEqual([c.bob.id]);
    expect((await list('?is_blocked=false')).total).toBe(4);
    expect(ids(await list('?opted_out=1'))).toEqual([c.carol.id]);
    expect((await list('?opted_out=false')).total).toBe(4);
    expect(ids(await list(`?group_id=${staticGroupId}`))).toEqual([c.bob.id, c.dave.id]);
    expect(ids(await list(`?group_id=${dynamicGroupId}`))).toEqual([c.bob.id, c.erin.id]);
    expect(ids(await list(`?group_id=${staticGroupId}&is_blocked=false`))).toEqual([c.dave.id]);
  });

  it('sorts by each documented column in both directions', async () => {
    expect(ids(await list('?sort_by=name&sort_order=asc'))).toEqual([c.alice.id, c.bob.id, c.carol.id, c.dave.id, c.erin.id]);
    expect(ids(await list('?sort_by=name'))).toEqual([c.erin.id, c.dave.id, c.carol.id, c.bob.id, c.alice.id]);
    expect(ids(await list('?sort_by=phone_number&sort_order=asc'))).toEqual([c.alice.id, c.bob.id, c.carol.id, c.dave.id, c.erin.id]);
    // Emails case-insensitively; contacts without one come last either way.
    expect(ids(await list('?sort_by=email&sort_order=asc'))).toEqual([c.alice.id, c.bob.id, c.dave.id, c.erin.id, c.carol.id]);
    expect(ids(await list('?sort_by=email&sort_order=desc'))).toEqual([c.erin.id, c.dave.id, c.bob.id, c.alice.id, c.carol.id]);
    expect(ids(await list('?sort_by=created_at&sort_order=asc'))).toEqual([...tie(), c.carol.id, c.bob.id, c.alice.id]);
    expect(ids(await list('?sort_by=updated_at')).slice(0, 2)).toEqual([c.dave.id, c.alice.id]);
  });

  it.each([
    ['per_page', '?per_page=0'],
    ['per_page', '?per_page=201'],
    ['per_page', '?per_page=ten'],
    ['per_page', '?per_page=1.5'],
    ['page', '?page=0'],
    ['page', '?page=x'],
    ['sort_by', '?sort_by=phone'],
    ['sort_order', '?sort_order=up'],
    ['is_blocked', '?is_blocked=maybe'],
    ['opted_out', '?opted_out=yes'],
    ['group_id', '?group_id=abc'],
    ['group_id', '?group_id=00000000-0000-4000-8000-000000000000'],
    ['search', `?search=${'x'.repeat(256)}`],
  ])('refuses a bad %s with 422 naming it (%s)', async (field, query) => {
    expectFieldError(await h.http.get(`/api/v1/contacts${query}`).set(book.zagely), field);
  });

  it('accepts per_page at both ends of its range', async () => {
    expect((await list('?per_page=1')).data).toHaveLength(1);
    expect((await list('?per_page=200')).per_page).toBe(200);
  });
});

describe('abilities', () => {
  it('needs contacts.read to read and contacts.write to write', async () => {
    const reader = await keyWith(ws.id, ['contacts.read']);
    const writer = await keyWith(ws.id, ['contacts.write']);
    const target = await create(ws.zagely, { phone_number: '+15550110000' });

    expect((await h.http.get('/api/v1/contacts').set(reader)).status).toBe(200);
    expect((await h.http.get(`/api/v1/contacts/${target.id}`).set(reader)).status).toBe(200);
    for (const res of [
      await h.http.post('/api/v1/contacts').set(reader).send({ phone_number: '+15550110001' }),
      await h.http.patch(`/api/v1/contacts/${target.id}`).set(reader).send({ name: 'x' }),
      await h.http.put(`/api/v1/contacts/${target.id}`).set(reader).send({ name: 'x' }),
      await h.http.delete(`/api/v1/contacts/${target.id}`).set(reader),
      await h.http.post(`/api/contacts/${target.id}/block`).set(reader),
      await h.http.post(`/api/v1/contacts/${target.id}/unblock`).set(reader),
    ]) {
      expectError(res, 403, 'insufficient_ability');
      expect(res.body.error.details).toEqual({ required_ability: 'contacts.write' });
    }
    for (const res of [await h.http.get('/api/v1/contacts').set(writer), await h.http.get(`/api/v1/contacts/${target.id}`).set(writer)]) {
      expectError(res, 403, 'insufficient_ability');
      expect(res.body.error.details.required_ability).toBe('contacts.read');
    }
    expect((await h.http.post('/api/v1/contacts').set(writer).send({ phone_number: '+15550110002' })).status).toBe(201);
    expect(await h.db('contacts').where({ workspace_id: ws.id, phone: '+15550110001' }).first()).toBeUndefined();
  });
});

describe('workspace isolation', () => {
  it('never shows or changes another workspace’s contacts', async () => {
    const b = await h.workspace('Contacts B');
    const theirs = await create(b.zagely, { phone_number: '+15550111000', name: 'Zebulon Only-In-B', tags: ['b-tag'] });
    const url = `/api/v1/contacts/${theirs.id}`;
    for (const res of [
      await h.http.get(url).set(ws.zagely),
      await h.http.put(url).set(ws.zagely).send({ name: 'hijacked' }),
      await h.http.patch(url).set(ws.zagely).send({ name: 'hijacked' }),
      await h.http.post(`/api/contacts/${theirs.id}/block`).set(ws.zagely),
      await h.http.post(`/api/v1/contacts/${theirs.id}/unblock`).set(ws.zagely),
      await h.http.delete(url).set(ws.zagely),
    ]) {
      expectError(res, 404, 'not_found');
    }
    const all = await h.http.get('/api/v1/contacts?per_page=200').set(ws.zagely);
    expect(ids(all.body)).not.toContain(theirs.id);
    expect((await h.http.get('/api/v1/contacts?search=Zebulon').set(ws.zagely)).body.total).toBe(0);
    expect((await h.http.get('/api/v1/contacts?tags[]=b-tag').set(ws.zagely)).body.total).toBe(0);

    const still = await h.http.get(url).set(b.zagely);
    expect(still.body.data).toMatchObject({ name: 'Zebulon Only-In-B', is_blocked: false });
  });
});
