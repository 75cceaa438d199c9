import { contactService, type FieldNames } from '../../services/contacts';
import { phoneService } from '../../services/phones';
import { eventsRepo } from '../../db/repositories/events';
import { phonesRepo } from '../../db/repositories/phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectFieldError, roomyLimits } from '../helpers/zagely';
import type { EventRow, PhoneRow } from '../../db/rows';

let h: Harness;
let ws: TestWorkspace;
let sim: PhoneRow;
const names: FieldNames = { phone: 'phone', label_ids: 'label_ids' };

beforeAll(async () => {
  h = await createHarness();
  ws = await h.workspace('Events');
  await roomyLimits(h.db, ws.id);
  sim = await phonesRepo(h.db).create({ workspace_id: ws.id, name: 'Sim', phone: '+14155550100', source: 'SIMULATOR' });
});
afterAll(() => h.close());

const events = (subjectId: string, type?: string): Promise<EventRow[]> => eventsRepo(h.db).list(ws.id, { subjectId, type });
const types = async (subjectId: string) => (await events(subjectId)).map((e) => e.type);

describe('contact events from the contact APIs', () => {
  it('create records contact.created once, with the contact payload, over HTTP (Zagely)', async () => {
    const res = await h.http.post('/api/v1/contacts').set(ws.zagely).send({ name: 'Ada', phone_number: '+14155550111', email: 'ada@example.com' });
    expect(res.status).toBe(201);
    const [e, ...more] = await events(res.body.data.id);
    expect(more).toEqual([]);
    expect(e).toMatchObject({ type: 'contact.created', subject_type: 'contact' });
    expect(e.data).toMatchObject({ contact: { id: res.body.data.id, name: 'Ada', phone: '+14155550111', email: 'ada@example.com', blocked: false, opted_out_at: null }, source: 'api' });
  });

  it('a failed create (duplicate phone) writes no event', async () => {
    const before = await h.db('events').where({ workspace_id: ws.id, type: 'contact.created' }).count<{ n: string }[]>({ n: '*' });
    const res = await h.http.post('/api/v1/contacts').set(ws.zagely).send({ name: 'Dup', phone_number: '+14155550111' });
    expect(res.status).toBe(422);
    const after = await h.db('events').where({ workspace_id: ws.id, type: 'contact.created' }).count<{ n: string }[]>({ n: '*' });
    expect(after[0].n).toBe(before[0].n);
  });

  it('update records contact.updated with updated_fields/previous/current; a no-op update records nothing', async () => {
    const svc = contactService(h.db);
    const c = await svc.create(ws.id, { name: 'Bob', phone: '+14155550112', custom_fields: { b: 1, a: 2 } }, names);
    await svc.update(ws.id, c.id, { name: 'Robert', email: 'bob@example.com' }, names);
    const updated = await events(c.id, 'contact.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0].data).toMatchObject({
      contact: { id: c.id, name: 'Robert', email: 'bob@example.com' },
      updated_fields: ['name', 'email'],
      previous: { name: 'Bob', email: null },
      current: { name: 'Robert', email: 'bob@example.com' },
    });
    await svc.update(ws.id, c.id, { name: 'Robert', custom_fields: { a: 2, b: 1 } }, names);
    await svc.update(ws.id, c.id, {}, names);
    await svc.update(ws.id, c.id, { label_ids: [] }, names);
    expect(await types(c.id)).toEqual(['contact.created', 'contact.updated']);
  });

  it('a failed update writes no event (same transaction)', async () => {
    const svc = contactService(h.db);
    const c = await svc.create(ws.id, { name: 'Cy', phone: '+14155550113' }, names);
    await expect(svc.update(ws.id, c.id, { name: 'Cyril', phone: '+14155550112' }, names)).rejects.toThrow(/already exists/);
    expect(await types(c.id)).toEqual(['contact.created']);
  });

  it('labels: changing them is contact.updated; attaching DNC is contact.opted_out, once', async () => {
    const svc = contactService(h.db);
    const dnc = await h.db('labels').where({ workspace_id: ws.id, is_system: true }).first();
    const c = await svc.create(ws.id, { name: 'Dee', phone: '+14155550114', tag_names: ['vip'] }, names);
    expect((await events(c.id, 'contact.created'))[0].data).toMatchObject({ label_ids: [expect.any(String)] });
    const vip = (await events(c.id, 'contact.created'))[0].data.label_ids as string[];
    await svc.update(ws.id, c.id, { label_ids: [...vip, dnc.id] }, names);
    await svc.update(ws.id, c.id, { label_ids: [...vip, dnc.id] }, names);
    const out = await events(c.id, 'contact.opted_out');
    expect(out).toHaveLength(1);
    expect(out[0].data).toMatchObject({ contact: { id: c.id }, source: 'api', labels: [dnc.name] });
    const upd = await events(c.id, 'contact.updated');
    expect(upd).toHaveLength(1);
    expect(upd[0].data).toMatchObject({ updated_fields: ['label_ids'], previous: { label_ids: vip } });
    const created = await svc.create(ws.id, { name: 'Eve', phone: '+14155550115', label_ids: [dnc.id] }, names);
    expect(await types(created.id)).toEqual(['contact.created', 'contact.opted_out']);
  });

  it('block/unblock records contact.updated once per actual change; delete records nothing', async () => {
    const svc = contactService(h.db);
    const c = await svc.create(ws.id, { name: 'Fay', phone: '+14155550116' }, names);
    await svc.setBlocked(ws.id, c.id, true, 'api');
    await svc.setBlocked(ws.id, c.id, true, 'api');
    await svc.setBlocked(ws.id, c.id, false, 'api');
    const upd = await events(c.id, 'contact.updated');
    expect(upd.map((e) => e.data.current)).toEqual([{ blocked: true }, { blocked: false }]);
    expect(upd[0].data).toMatchObject({ contact: { blocked: true }, updated_fields: ['blocked'], previous: { blocked: false } });
    await svc.delete(ws.id, c.id);
    expect(await types(c.id)).toEqual(['contact.created', 'contact.updated', 'contact.updated']);
  });
});

describe('session events', () => {
  it('connected on create (enabled) and enable; disconnected on disable and delete; nothing when enabled is unchanged', async () => {
    const svc = phoneService(h.db);
    const p = await svc.create(ws.id, { phone: '+14155550190', name: 'Support' }, 'US');
    await svc.update(ws.id, p.id, { name: 'Support line' }, 'US');
    await svc.update(ws.id, p.id, { enabled: false }, 'US');
    await svc.update(ws.id, p.id, { enabled: false }, 'US');
    await svc.update(ws.id, p.id, { enabled: true }, 'US');
    await svc.delete(ws.id, p.id);
    const list = await events(p.id);
    expect(list.map((e) => [e.type, e.data.reason])).toEqual([
      ['session.connected', 'created'],
      ['session.disconnected', 'disabled'],
      ['session.connected', 'enabled'],
      ['session.disconnected', 'deleted'],
    ]);
    expect(list[0]).toMatchObject({ subject_type: 'session' });
    expect(list[0].data.session).toMatchObject({ id: p.id, name: 'Support', phone_number: '+14155550190', status: 'connected', channels: expect.arrayContaining(['sms']) });
    expect(list[3].data.session).toMatchObject({ status: 'disconnected' });
  });

  it('a phone created disabled records nothing; a failed create records nothing', async () => {
    const svc = phoneService(h.db);
    const p = await svc.create(ws.id, { phone: '+14155550191', enabled: false }, 'US');
    expect(await types(p.id)).toEqual([]);
    const before = await h.db('events').where({ workspace_id: ws.id, type: 'session.connected' }).count<{ n: string }[]>({ n: '*' });
    await expect(svc.create(ws.id, { phone: '+14155550190' }, 'US')).resolves.toBeDefined(); // deleted above: number is free again
    await expect(svc.create(ws.id, { phone: '+14155550190' }, 'US')).rejects.toThrow(/already registered/);
    const after = await h.db('events').where({ workspace_id: ws.id, type: 'session.connected' }).count<{ n: string }[]>({ n: '*' });
    expect(Number(after[0].n)).toBe(Number(before[0].n) + 1);
  });
});

describe('message.new for outbound messages created by the API', () => {
  it('records message.new once per created message, with SeaX fields derivable (direction, sender, content)', async () => {
    const res = await h.http.post('/api/v1/messages/send').set(ws.zagely).send({ channel: 'sms', session_id: sim.id, to: '+14155550140', message: 'Hi there' });
    expect(res.status).toBe(201);
    const list = await events(res.body.message_id);
    expect(list.map((e) => e.type)).toEqual(['message.new']);
    expect(list[0].data).toMatchObject({
      message: { id: res.body.message_id, direction: 'outbound', sender_type: 'AGENT', content_type: 'text', content: 'Hi there', to: '+14155550140', status: 'queued' },
      contact: { phone: '+14155550140' },
    });
  });
});

describe('outbound URL guard on media URLs', () => {
  it('SeaX: a loopback media URL is 422 naming media_urls.<i>, and nothing is stored', async () => {
    const before = await h.db('messages').where({ workspace_id: ws.id }).count<{ n: string }[]>({ n: '*' });
    const res = await h.http
      .post(`/api/v1/workspace/${ws.id}/send_message`)
      .set(ws.seax)
      .send({ phone_number: sim.phone, to_phone_number: '+14155550141', content: 'pic', media_urls: ['https://example.com/ok.jpg', 'http://127.0.0.1/x.jpg'] });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('media_urls.1');
    expect(JSON.stringify(res.body)).not.toContain('media_urls.0');
    const after = await h.db('messages').where({ workspace_id: ws.id }).count<{ n: string }[]>({ n: '*' });
    expect(after[0].n).toBe(before[0].n);
  });

  it('Zagely: metadata and private addresses are 422 naming media_url', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/x.jpg', 'http://[::ffff:10.0.0.1]/x.jpg', 'http://unresolvable.invalid/x.jpg']) {
      const res = await h.http.post('/api/v1/messages/send').set(ws.zagely).send({ channel: 'sms', session_id: sim.id, to: '+14155550142', type: 'image', media_url: url });
      expectFieldError(res, 'media_url');
    }
  });
});

describe('outbound URL guard allow-list', () => {
  let allowed: Harness;
  afterAll(() => allowed?.close());
  it('OUTBOUND_ALLOWED_HOSTS lets a loopback fake through', async () => {
    allowed = await createHarness({ env: { OUTBOUND_ALLOWED_HOSTS: 'example.com,127.0.0.0/8' } });
    const w = await allowed.workspace('Allowed');
    const phone = await phonesRepo(allowed.db).create({ workspace_id: w.id, name: 'Sim', phone: '+14155550100', source: 'SIMULATOR' });
    const res = await allowed.http.post('/api/v1/messages/send').set(w.zagely).send({ channel: 'sms', session_id: phone.id, to: '+14155550143', type: 'image', media_url: 'http://127.0.0.1:9/x.jpg' });
    expect(res.status).toBe(201);
  });
});
