import { keyService } from '../../services/keys';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectError, expectFieldError, roomyLimits } from '../helpers/zagely';

let h: Harness;
let ws: TestWorkspace;
beforeAll(async () => {
  h = await createHarness();
  ws = await h.workspace('Templates A');
  await roomyLimits(h.db, ws.id);
});
afterAll(() => h.close());

interface Template {
  id: string;
  name: string;
  channel: string;
  content: string;
  media_url: string | null;
  buttons: Record<string, string>[];
  variables: string[];
  created_at: string;
  updated_at: string;
}

async function template(headers: Record<string, string>, body: Record<string, unknown>): Promise<Template> {
  const res = await h.http.post('/api/templates').set(headers).send(body);
  if (res.status !== 201) throw new Error(`create template: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function contact(headers: Record<string, string>, body: Record<string, unknown>): Promise<{ id: string }> {
  const res = await h.http.post('/api/v1/contacts').set(headers).send(body);
  if (res.status !== 201) throw new Error(`create contact: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

describe('creating templates', () => {
  it('creates the documented example with variables extracted from {{ var }} placeholders', async () => {
    const res = await h.http
      .post('/api/templates')
      .set(ws.zagely)
      .send({ name: 'Order Confirmation', channel: 'whatsapp', content: 'Hi {{ name }}! Your order #{{ order_id }} is confirmed.\nWe ship by {{ ship_date }}. 🎉' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Order Confirmation',
      channel: 'whatsapp',
      content: 'Hi {{ name }}! Your order #{{ order_id }} is confirmed.\nWe ship by {{ ship_date }}. 🎉',
      media_url: null,
      buttons: [],
      variables: ['name', 'order_id', 'ship_date'],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  it('extracts SeaX {first_name} placeholders too, defaults channel to all, and keeps explicit variables', async () => {
    const seax = await template(ws.zagely, { name: 'SeaX style', content: 'Hello {first_name}, your code is {{code}}; {first_name} again. {not a var}' });
    expect(seax).toMatchObject({ channel: 'all', variables: ['first_name', 'code'] });

    const explicit = await template(ws.zagely, { name: 'Explicit', channel: 'sms', content: 'Hi {{ name }}', variables: ['name', 'extra', 'name'] });
    expect(explicit).toMatchObject({ channel: 'sms', variables: ['name', 'extra'] });
  });

  it('stores media_url and buttons', async () => {
    const buttons = [
      { type: 'url', text: 'Track', url: 'https://example.com/track' },
      { type: 'phone', text: 'Call us', phone: '+1 (555) 123-4567' },
      { type: 'quick_reply', text: 'Yes' },
    ];
    const t = await template(ws.zagely, { name: 'Rich', channel: 'whatsapp', content: 'Your parcel', media_url: 'https://example.com/a.png', buttons });
    expect(t.media_url).toBe('https://example.com/a.png');
    expect(t.buttons).toEqual([buttons[0], { type: 'phone', text: 'Call us', phone: '+15551234567' }, buttons[2]]);
    const shown = await h.http.get(`/api/templates/${t.id}`).set(ws.zagely);
    expect(shown.status).toBe(200);
    expect(shown.body.data).toEqual(t);
  });

  it('refuses a duplicate name, case-insensitively, with a 422 naming name', async () => {
    await template(ws.zagely, { name: 'Welcome', content: 'Hi' });
    const res = await h.http.post('/api/templates').set(ws.zagely).send({ name: '  wELCOME ', content: 'Hi again' });
    expect(expectFieldError(res, 'name')[0]).toMatch(/already exists/);
    // Another workspace may use the same name.
    const b = await h.workspace('Templates dup B');
    expect((await h.http.post('/api/templates').set(b.zagely).send({ name: 'Welcome', content: 'Hi' })).status).toBe(201);
  });

  it.each([
    ['name', { content: 'x' }],
    ['name', { name: '   ', content: 'x' }],
    ['name', { name: 'x'.repeat(256), content: 'x' }],
    ['content', { name: 'n' }],
    ['content', { name: 'n', content: '  ' }],
    ['content', { name: 'n', content: 5 }],
    ['channel', { name: 'n', content: 'x', channel: 'fax' }],
    ['media_url', { name: 'n', content: 'x', media_url: 'ftp://example.com/a.png' }],
    ['media_url', { name: 'n', content: 'x', media_url: 'not a url' }],
    ['buttons', { name: 'n', content: 'x', buttons: 'yes' }],
    ['buttons', { name: 'n', content: 'x', buttons: [1, 2, 3, 4].map((i) => ({ type: 'quick_reply', text: `Option ${i}` })) }],
    ['buttons.0.type', { name: 'n', content: 'x', buttons: [{ type: 'dance', text: 'x' }] }],
    ['buttons.0.type', { name: 'n', content: 'x', buttons: [{ text: 'no type' }] }],
    ['buttons.0', { name: 'n', content: 'x', buttons: ['Yes'] }],
    ['buttons.0.text', { name: 'n', content: 'x', buttons: [{ type: 'quick_reply' }] }],
    ['buttons.0.url', { name: 'n', content: 'x', buttons: [{ type: 'url', text: 'Go' }] }],
    ['buttons.0.url', { name: 'n', content: 'x', buttons: [{ type: 'url', text: 'Go', url: 'javascript:alert(1)' }] }],
    ['buttons.0.phone', { name: 'n', content: 'x', buttons: [{ type: 'phone', text: 'Call', phone: 'call me' }] }],
    ['buttons.0', { name: 'n', content: 'x', buttons: [{ type: 'quick_reply', text: 'x', url: 'https://example.com' }] }],
    ['variables', { name: 'n', content: 'x', variables: 'name' }],
    ['variables.0', { name: 'n', content: 'x', variables: ['{{name}}'] }],
    ['variables.0', { name: 'n', content: 'x', variables: [''] }],
  ])('422 naming %s for %j', async (field, body) => {
    expectFieldError(await h.http.post('/api/templates').set(ws.zagely).send(body), field);
  });
});

describe('listing', () => {
  it('paginates, filters by channel and searches by name', async () => {
    const own = await h.workspace('Templates list');
    await roomyLimits(h.db, own.id);
    for (const [name, channel] of [['Promo April', 'whatsapp'], ['Promo May', 'email'], ['Reminder', 'whatsapp'], ['100% off_sale', 'sms']]) {
      await template(own.zagely, { name, channel, content: 'x' });
    }
    const all = await h.http.get('/api/templates?per_page=2').set(own.zagely);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ current_page: 1, total: 4, per_page: 2, last_page: 2 });
    expect(all.body.data).toHaveLength(2);
    const second = await h.http.get('/api/templates?per_page=2&page=2').set(own.zagely);
    expect(second.body.data.map((t: Template) => t.name)).toEqual(['Promo May', 'Promo April']);

    const wa = await h.http.get('/api/templates?channel=whatsapp').set(own.zagely);
    expect(wa.body.data.map((t: Template) => t.name).sort()).toEqual(['Promo April', 'Reminder']);
    const promo = await h.http.get('/api/v1/templates?search=pROMO&channel=email').set(own.zagely);
    expect(promo.body.data.map((t: Template) => t.name)).toEqual(['Promo May']);
    // LIKE wildcards in the search are literal.
    const pct = await h.http.get(`/api/templates?search=${encodeURIComponent('0% off_')}`).set(own.zagely);
    expect(pct.body.data.map((t: Template) => t.name)).toEqual(['100% off_sale']);
    expect((await h.http.get('/api/templates?search=%25').set(own.zagely)).body.total).toBe(1);

    expectFieldError(await h.http.get('/api/templates?channel=fax').set(own.zagely), 'channel');
    expectFieldError(await h.http.get('/api/templates?per_page=500').set(own.zagely), 'per_page');
  });
});

describe('updating and deleting', () => {
  it('changes only sent fields and re-extracts variables when content changes', async () => {
    const t = await template(ws.zagely, { name: 'Updatable', channel: 'whatsapp', content: 'Hi {{ name }}', media_url: 'https://example.com/a.png', buttons: [{ type: 'quick_reply', text: 'OK' }] });

    const renamed = await h.http.patch(`/api/templates/${t.id}`).set(ws.zagely).send({ name: 'Updated' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toMatchObject({ name: 'Updated', channel: 'whatsapp', content: 'Hi {{ name }}', media_url: 'https://example.com/a.png', buttons: [{ type: 'quick_reply', text: 'OK' }], variables: ['name'] });

    const recontent = await h.http.put(`/api/v1/templates/${t.id}`).set(ws.zagely).send({ content: 'Dear {title} {{ last_name }}' });
    expect(recontent.body.data).toMatchObject({ name: 'Updated', content: 'Dear {title} {{ last_name }}', variables: ['title', 'last_name'] });

    const explicit = await h.http.patch(`/api/templates/${t.id}`).set(ws.zagely).send({ content: 'Yo {{a}}', variables: ['a', 'b'] });
    expect(explicit.body.data.variables).toEqual(['a', 'b']);
    const sameContent = await h.http.patch(`/api/templates/${t.id}`).set(ws.zagely).send({ channel: 'email' });
    expect(sameContent.body.data).toMatchObject({ channel: 'email', variables: ['a', 'b'] });

    const cleared = await h.http.patch(`/api/templates/${t.id}`).set(ws.zagely).send({ media_url: null, buttons: null });
    expect(cleared.body.data).toMatchObject({ media_url: null, buttons: [] });
    expect(new Date(cleared.body.data.updated_at).getTime()).toBeGreaterThanOrEqual(new Date(t.updated_at).getTime());

    const unchanged = await h.http.patch(`/api/templates/${t.id}`).set(ws.zagely).send({});
    expect(unchanged.body.data).toEqual(cleared.body.data);
  });

  it('refuses renaming onto another template’s name and bad fields', async () => {
    await template(ws.zagely, { name: 'Taken name', content: 'x' });
    const t = await template(ws.zagely, { name: 'Mine', content: 'x' });
    expectFieldError(await h.http.patch(`/api/templates/${t.id}`).set(ws.zagely).send({ name: 'TAKEN NAME' }), 'name');
    expectFieldError(await h.http.patch(`/api/templates/${t.id}`).set(ws.zagely).send({ content: '' }), 'content');
    expectFieldError(await h.http.patch(`/api/templates/${t.id}`).set(ws.zagely).send({ channel: 'pager' }), 'channel');
    // Renaming to itself in another case is fine.
    expect((await h.http.patch(`/api/templates/${t.id}`).set(ws.zagely).send({ name: 'MINE' })).body.data.name).toBe('MINE');
  });

  it('deletes, then answers 404', async () => {
    const t = await template(ws.zagely, { name: 'Doomed', content: 'x' });
    const res = await h.http.delete(`/api/templates/${t.id}`).set(ws.zagely);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Template deleted.' });
    expectError(await h.http.get(`/api/templates/${t.id}`).set(ws.zagely), 404, 'not_found');
    expectError(await h.http.delete(`/api/templates/${t.id}`).set(ws.zagely), 404, 'not_found');
    expectFieldError(await h.http.get('/api/templates/not-a-uuid').set(ws.zagely), 'template');
  });
});

describe('preview', () => {
  it('fills a contact’s fields and custom fields; explicit variables override them', async () => {
    const c = await contact(ws.zagely, { name: 'Jane Doe', phone_number: '+15556000001', email: 'jane@example.com', custom_fields: { order_id: 'ORD-9', City: 'Cairo' } });
    const t = await template(ws.zagely, {
      name: 'Preview contact',
      channel: 'whatsapp',
      content: 'Hi {first_name} ({{ name }}), order {{order_id}} to {{ city }}; call {{phone}} or {{email}}. Ship {{ ship_date }}.',
      media_url: 'https://example.com/p.png',
      buttons: [{ type: 'quick_reply', text: 'Thanks' }],
    });
    const res = await h.http.post(`/api/templates/${t.id}/preview`).set(ws.zagely).send({ contact_id: c.id });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        content: 'Hi Jane (Jane Doe), order ORD-9 to Cairo; call +15556000001 or jane@example.com. Ship .',
        missing_variables: ['ship_date'],
        variables_used: { first_name: 'Jane', name: 'Jane Doe', order_id: 'ORD-9', city: 'Cairo', phone: '+15556000001', email: 'jane@example.com' },
        media_url: 'https://example.com/p.png',
        buttons: [{ type: 'quick_reply', text: 'Thanks' }],
      },
    });

    const both = await h.http
      .post(`/api/v1/templates/${t.id}/preview`)
      .set(ws.zagely)
      .send({ contact_id: c.id, variables: { Name: 'Boss', ship_date: 'April 25', order_id: 42 } });
    expect(both.body.data.content).toBe('Hi Jane (Boss), order 42 to Cairo; call +15556000001 or jane@example.com. Ship April 25.');
    expect(both.body.data.missing_variables).toEqual([]);
    expect(both.body.data.variables_used).toMatchObject({ name: 'Boss', ship_date: 'April 25', order_id: '42' });
  });

  it('renders the documented example by variables and reports what is missing', async () => {
    const t = await template(ws.zagely, { name: 'Preview vars', content: 'Hi {{ name }}! Your order #{{ order_id }} is confirmed. We ship by {{ ship_date }}.' });
    const full = await h.http.post(`/api/templates/${t.id}/preview`).set(ws.zagely).send({ variables: { name: 'Jane', order_id: 'ORD-001', ship_date: 'April 25' } });
    expect(full.body.data).toMatchObject({
      content: 'Hi Jane! Your order #ORD-001 is confirmed. We ship by April 25.',
      missing_variables: [],
      variables_used: { name: 'Jane', order_id: 'ORD-001', ship_date: 'April 25' },
    });
    const partial = await h.http.post(`/api/templates/${t.id}/preview`).set(ws.zagely).send({ variables: { name: 'Jane', order_id: null } });
    expect(partial.body.data).toMatchObject({ content: 'Hi Jane! Your order # is confirmed. We ship by .', missing_variables: ['order_id', 'ship_date'], variables_used: { name: 'Jane' } });
    const nothing = await h.http.post(`/api/templates/${t.id}/preview`).set(ws.zagely).send({});
    expect(nothing.body.data.missing_variables).toEqual(['name', 'order_id', 'ship_date']);

    expectFieldError(await h.http.post(`/api/templates/${t.id}/preview`).set(ws.zagely).send({ contact_id: 'nope' }), 'contact_id');
    expectFieldError(await h.http.post(`/api/templates/${t.id}/preview`).set(ws.zagely).send({ variables: ['a'] }), 'variables');
    expectFieldError(await h.http.post(`/api/templates/${t.id}/preview`).set(ws.zagely).send({ variables: { a: { b: 1 } } }), 'variables.a');
    expectError(await h.http.post(`/api/templates/${t.id}/preview`).set(ws.zagely).send({ contact_id: '00000000-0000-4000-8000-000000000000' }), 404, 'not_found');
  });
});

describe('abilities', () => {
  it('reads and previews with campaigns.read; writing needs campaigns.write', async () => {
    const { publicKey, secretKey } = await keyService(h.db).createPair(ws.id, { name: 'tpl reader', abilities: ['campaigns.read'] });
    const reader = { 'X-Public-Key': publicKey, 'X-Secret-Key': secretKey };
    const t = await template(ws.zagely, { name: 'Readable', content: 'Hi {{name}}' });
    expect((await h.http.get('/api/templates').set(reader)).status).toBe(200);
    expect((await h.http.get(`/api/templates/${t.id}`).set(reader)).status).toBe(200);
    expect((await h.http.post(`/api/templates/${t.id}/preview`).set(reader).send({ variables: { name: 'A' } })).status).toBe(200);
    for (const res of [
      await h.http.post('/api/templates').set(reader).send({ name: 'Nope', content: 'x' }),
      await h.http.patch(`/api/templates/${t.id}`).set(reader).send({ name: 'Nope' }),
      await h.http.put(`/api/v1/templates/${t.id}`).set(reader).send({ name: 'Nope' }),
      await h.http.delete(`/api/templates/${t.id}`).set(reader),
    ]) {
      expectError(res, 403, 'insufficient_ability');
      expect(res.body.error.details).toEqual({ required_ability: 'campaigns.write' });
    }

    const contactsOnly = await keyService(h.db).createPair(ws.id, { name: 'contacts only', abilities: ['contacts.read'] });
    const res = await h.http.get('/api/templates').set({ 'X-Public-Key': contactsOnly.publicKey, 'X-Secret-Key': contactsOnly.secretKey });
    expectError(res, 403, 'insufficient_ability');
    expect(res.body.error.details).toEqual({ required_ability: 'campaigns.read' });
  });
});

describe('workspace isolation', () => {
  it('never shows, changes or previews another workspace’s templates, nor previews with its contacts', async () => {
    const b = await h.workspace('Templates B');
    const theirs = await template(b.zagely, { name: 'B only', content: 'Hi {{name}}' });
    const theirContact = await contact(b.zagely, { name: 'Secret Person', phone_number: '+15556100001' });
    const url = `/api/templates/${theirs.id}`;
    for (const res of [
      await h.http.get(url).set(ws.zagely),
      await h.http.patch(url).set(ws.zagely).send({ name: 'hijacked' }),
      await h.http.delete(url).set(ws.zagely),
      await h.http.post(`${url}/preview`).set(ws.zagely).send({ variables: { name: 'x' } }),
    ]) {
      expectError(res, 404, 'not_found');
    }
    const list = await h.http.get('/api/templates?search=B only').set(ws.zagely);
    expect(list.body.total).toBe(0);

    const mine = await template(ws.zagely, { name: 'Mine for isolation', content: 'Hi {{name}}' });
    const res = await h.http.post(`/api/templates/${mine.id}/preview`).set(ws.zagely).send({ contact_id: theirContact.id });
    expectError(res, 404, 'not_found');
    expect(JSON.stringify(res.body)).not.toContain('Secret');
    expect((await h.http.get(url).set(b.zagely)).body.data.name).toBe('B only');
  });
});

describe('OpenAPI', () => {
  it('documents the template routes under both prefixes', async () => {
    const res = await h.http.get('/openapi.json');
    expect(res.status).toBe(200);
    for (const base of ['/api/templates', '/api/v1/templates']) {
      expect(Object.keys(res.body.paths[base])).toEqual(expect.arrayContaining(['get', 'post']));
      expect(Object.keys(res.body.paths[`${base}/{template}`])).toEqual(expect.arrayContaining(['get', 'put', 'patch', 'delete']));
      expect(res.body.paths[`${base}/{template}/preview`].post).toBeDefined();
    }
  });
});
