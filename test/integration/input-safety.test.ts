import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectSeaxFieldError } from '../helpers/seax';
import { expectFieldError, roomyLimits } from '../helpers/zagely';

/*
 * Input PostgreSQL cannot store (NUL characters, lone UTF-16 surrogates) and JSON too deep to walk: every route
 * answers a 4xx naming the field, in its dialect's shape, and writes nothing.
 */

let h: Harness;
let ws: TestWorkspace;
const NUL = 'a\u0000b';

/** Rows of the workspace in the tables these requests would write. */
async function written(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['contacts', 'labels', 'message_templates', 'contact_groups', 'auto_replies', 'webhook_subscriptions', 'messages']) {
    const [{ n }] = await h.db(table).where({ workspace_id: ws.id }).count<{ n: string }[]>({ n: '*' });
    out[table] = Number(n);
  }
  return out;
}

beforeAll(async () => {
  h = await createHarness();
  ws = await h.workspace();
  await roomyLimits(h.db, ws.id);
});
afterAll(() => h.close());

describe('NUL characters', () => {
  const zagely: [string, string, Record<string, unknown>, string][] = [
    ['post', '/api/v1/contacts', { phone_number: '+14155550101', name: NUL }, 'name'],
    ['post', '/api/v1/contacts', { phone_number: '+14155550101', custom_fields: { city: NUL } }, 'custom_fields.city'],
    ['post', '/api/v1/contacts', { phone_number: '+14155550101', tags: ['ok', NUL] }, 'tags.1'],
    ['post', '/api/v1/contact-groups', { name: NUL }, 'name'],
    ['post', '/api/v1/templates', { name: 'greeting', channel: 'sms', content: `Hi ${NUL}` }, 'content'],
    ['post', '/api/v1/automations', { name: NUL, channel: 'sms', trigger_type: 'keyword', trigger_value: 'hi', response_content: 'hello' }, 'name'],
    ['post', '/api/v1/webhooks', { url: 'https://example.com/hook', events: ['message.received'], secret: `whsec_${NUL}` }, 'secret'],
    ['post', '/api/v1/messages/send', { channel: 'sms', session_id: '11111111-2222-4444-3333-555555555555', to: '+14155550101', message: NUL }, 'message'],
  ];
  it.each(zagely)('Zagely %s %s: 422 naming the field', async (method, path, body, field) => {
    const before = await written();
    const res = await (h.http as unknown as Record<string, (p: string) => import('supertest').Test>)[method](path).set(ws.zagely).send(body);
    const [message] = expectFieldError(res, field);
    expect(message).toMatch(/NUL/);
    expect(await written()).toEqual(before);
  });

  it('names a NUL inside an object key by the object', async () => {
    const res = await h.http.post('/api/v1/contacts').set(ws.zagely).send({ phone_number: '+14155550101', custom_fields: { [NUL]: 'x' } });
    expect(expectFieldError(res, 'custom_fields')[0]).toMatch(/keys must not contain NUL/);
  });

  it('refuses what the fuzzer found on main: a NUL in a jsonb key of an automation, in a template search', async () => {
    const before = await written();
    const automation = await h.http
      .post('/api/automations')
      .set(ws.seax)
      .send({ name: 'Fallback', channel: 'sms', trigger_type: 'fallback', response_content: 'Hi', conditions: { ['a\u0000b']: 1, hours: { start: '02:20', end: '09:47' } } });
    expect(expectFieldError(automation, 'conditions')[0]).toMatch(/keys must not contain NUL/);
    expectFieldError(await h.http.get('/api/v1/templates').query({ search: 'J\u0000vu', channel: 'discord' }).set(ws.seax), 'search');
    expect(await written()).toEqual(before);
  });

  it('refuses a NUL in a search query, naming the parameter', async () => {
    const res = await h.http.get('/api/v1/contacts').query({ search: NUL }).set(ws.zagely);
    expectFieldError(res, 'search');
    const tags = await h.http.get('/api/v1/contacts?tags[]=vip&tags[]=a%00b').set(ws.zagely);
    expectFieldError(tags, 'tags.1');
  });

  it('answers the SeaX routes in the SeaX shape', async () => {
    const before = await written();
    const base = `/api/v1/workspace/${ws.id}`;
    expectSeaxFieldError(await h.http.post(`${base}/contacts`).set(ws.seax).send({ name: NUL, phone: '+14155550101' }), 'name');
    expectSeaxFieldError(await h.http.post(`${base}/labels`).set(ws.seax).send({ name: NUL }), 'name');
    expectSeaxFieldError(await h.http.post(`${base}/send_message`).set(ws.seax).send({ from: '+15005550006', to: '+14155550101', message: NUL }), 'message');
    expectSeaxFieldError(await h.http.get(`${base}/contacts`).query({ search: NUL }).set(ws.seax), 'search');
    expectSeaxFieldError(
      await h.http.post(`/notify-api/v1/workspaces/${ws.id}/subscription`).set(ws.seax).send({ url: `https://example.com/${NUL}`, event_types: ['message.new'] }),
      'url',
    );
    expect(await written()).toEqual(before);
  });
});

describe('lone UTF-16 surrogates', () => {
  it('refuses one in Zagely custom_fields, naming the field', async () => {
    const before = await written();
    const res = await h.http.post('/api/v1/contacts').set(ws.zagely).send({ phone_number: '+14155550101', custom_fields: { city: 'Paris \ud800' } });
    expect(expectFieldError(res, 'custom_fields.city')[0]).toMatch(/surrogate/);
    // Written as raw JSON text with the escape, as a client in another language would send it.
    const raw = await h.http
      .post('/api/v1/contacts')
      .set(ws.zagely)
      .set('Content-Type', 'application/json')
      .send('{"phone_number":"+14155550101","custom_fields":{"nested":{"deep":["ok","\\udc00"]}}}');
    expectFieldError(raw, 'custom_fields.nested.deep.1');
    expect(await written()).toEqual(before);
  });

  it('refuses one in SeaX contact_field_data, naming the field', async () => {
    const before = await written();
    const res = await h.http
      .post(`/api/v1/workspace/${ws.id}/contacts`)
      .set(ws.seax)
      .send({ name: 'Ada', phone: '+14155550102', contact_field_data: { plan: '\udbff' } });
    expectSeaxFieldError(res, 'contact_field_data.plan');
    expect(await written()).toEqual(before);
  });

  it('keeps well-formed surrogate pairs (emoji) as they are', async () => {
    const res = await h.http.post('/api/v1/contacts').set(ws.zagely).send({ phone_number: '+14155550103', name: 'Ada 🎉', custom_fields: { mood: '😀' } });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ name: 'Ada 🎉', custom_fields: { mood: '😀' } });
  });
});

describe('deeply nested JSON', () => {
  it.each([
    ['5,000 levels of objects', `{"phone_number":"+14155550104","custom_fields":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`],
    ['100,000 levels of arrays', `{"phone_number":"+14155550104","tags":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
  ])('refuses %s with a 400 in the dialect’s shape', async (_what, body) => {
    const before = await written();
    const zagely = await h.http.post('/api/v1/contacts').set(ws.zagely).set('Content-Type', 'application/json').send(body);
    expect(zagely.status).toBe(400);
    expect(zagely.body.error).toMatchObject({ code: 'invalid_json', message: expect.stringMatching(/levels deep/) });
    const seax = await h.http.post(`/api/v1/workspace/${ws.id}/contacts`).set(ws.seax).set('Content-Type', 'application/json').send(body);
    expect(seax.status).toBe(400);
    expect(seax.body).toMatchObject({ status_code: 400, message: expect.stringMatching(/levels deep/) });
    expect(await written()).toEqual(before);
  });

  it('accepts nesting within the limit, and brackets inside strings do not count', async () => {
    const res = await h.http
      .post('/api/v1/contacts')
      .set(ws.zagely)
      .set('Content-Type', 'application/json')
      .send(`{"phone_number":"+14155550105","name":"${'['.repeat(200)}","custom_fields":{"a":{"b":{"c":[[["x"]]]}}}}`);
    expect(res.status).toBe(201);
    expect(res.body.data.custom_fields).toEqual({ a: { b: { c: [[['x']]] } } });
  });
});

describe('a "__proto__" key', () => {
  it('is refused with a message that names it, not as invalid JSON', async () => {
    const body = '{"phone_number":"+14155550106","custom_fields":{"__proto__":{"admin":true}}}';
    const res = await h.http.post('/api/v1/contacts').set(ws.zagely).set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/"__proto__" key/);
    expect(res.body.error.message).not.toMatch(/not valid JSON/);
    const seax = await h.http.post(`/api/v1/workspace/${ws.id}/contacts`).set(ws.seax).set('Content-Type', 'application/json').send(body);
    expect(seax.body).toMatchObject({ status_code: 400, message: expect.stringMatching(/"__proto__" key/) });
  });
});
