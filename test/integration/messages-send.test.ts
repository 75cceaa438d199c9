import crypto from 'node:crypto';
import { encryptPhoneCredentials } from '../../carriers/credentials';
import { phonesRepo } from '../../db/repositories/phones';
import { TwilioFake } from '../fakes/twilio-fake';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { waitForStatus, type MessageRowLike } from '../helpers/messages';
import type { PhoneRow } from '../../db/rows';

const KEY = crypto.randomBytes(32).toString('hex');
let h: Harness;
let twilio: TwilioFake;
let ws: TestWorkspace;
let sim: PhoneRow;
let tw: PhoneRow;



const seaxSend = (body: Record<string, unknown>, w: TestWorkspace = ws) => h.http.post(`/api/v1/workspace/${w.id}/send_message`).set(w.seax).send(body);

beforeAll(async () => {
  twilio = await new TwilioFake().start();
  h = await createHarness({
    worker: true,
    env: { TWILIO_BASE_URL: twilio.url, CREDENTIALS_ENCRYPTION_KEY: KEY, SIMULATOR_SENT_DELAY_MS: '50', SIMULATOR_DELIVERED_DELAY_MS: '100' },
  });
  ws = await h.workspace();
  // Always inside the sending window unless a test narrows it.
  await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
  const phones = phonesRepo(h.db);
  sim = await phones.create({ workspace_id: ws.id, name: 'Sim', phone: '+14155550100', source: 'SIMULATOR' });
  tw = await phones.create({ workspace_id: ws.id, name: 'Twilio', phone: '+14155550200', source: 'TWILIO' });
  await h.db('phones').where({ id: tw.id }).update({
    credentials_encrypted: encryptPhoneCredentials(tw.id, { accountSid: twilio.accountSid, authToken: twilio.authToken }, KEY),
  });
});
afterAll(async () => {
  await h.close();
  await twilio.close();
});

describe('single sends through the API, the message workflow and a carrier', () => {
  it('sends through the simulator: queued → sent with the provider id, segments and a message.sent event', async () => {
    const res = await seaxSend({ phone_number: sim.phone, to_phone_number: '(415) 555-0111', content: 'Hello from the simulator' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'queued', from_phone: sim.phone, to_phone: '+14155550111', content: 'Hello from the simulator', sent_time: null });
    expect(res.body.created_time).toEqual(expect.any(String));
    const row = await waitForStatus(h.db, res.body.id, ['sent', 'delivered']);
    expect(row).toMatchObject({ provider: 'SIMULATOR', provider_message_id: expect.stringMatching(/^SM/), encoding: 'GSM-7', segments: 1, channel: 'sms', is_marketing: true });
    expect(row.sent_at).toBeTruthy();
    const events = await h.db('events').where({ subject_id: res.body.id, type: 'message.sent' });
    expect(events).toHaveLength(1);
    // The workflow ran under the business id with the operator's search attributes.
    const d = await h.temporal.workflow.getHandle(`message-${res.body.id}`).describe();
    expect(d.searchAttributes.SwitchboardKind).toEqual(['message']);
    expect(d.searchAttributes.WorkspaceId).toEqual([ws.id]);
    // The contact was created for the unknown recipient.
    expect(await h.db('contacts').where({ workspace_id: ws.id, phone: '+14155550111' }).first()).toBeTruthy();
  });

  it('reports delivery: the simulator’s receipts come back through the signed callback route', async () => {
    const res = await seaxSend({ phone_number: sim.phone, to_phone_number: '+14155550112', content: 'Track me' });
    const row = await waitForStatus(h.db, res.body.id, ['delivered']);
    expect(row.delivered_at).toBeTruthy();
    expect(new Date(row.delivered_at as string).getTime()).toBeGreaterThanOrEqual(new Date(row.sent_at as string).getTime());
    const types = (await h.db('events').where({ subject_id: res.body.id }).orderBy('seq')).map((e) => e.type);
    expect(types).toEqual(['message.new', 'message.sent', 'message.delivered']);
  });

  it('sends through Twilio: exactly one form-encoded request with basic auth and the status callback', async () => {
    const before = twilio.requests.length;
    const res = await seaxSend({ phone_number: tw.phone, to_phone_number: '+14155550112', content: 'Your order shipped ✓', media_urls: ['https://example.com/r.jpg'] });
    expect(res.status).toBe(200);
    const row = await waitForStatus(h.db, res.body.id, ['sent']);
    const posts = twilio.requests.slice(before).filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0].path).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`);
    expect(posts[0].headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(posts[0].headers.authorization).toBe(`Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`);
    const form = new URLSearchParams(posts[0].body);
    expect([...form.keys()].sort()).toEqual(['Body', 'From', 'MediaUrl', 'StatusCallback', 'To']);
    expect(form.get('To')).toBe('+14155550112');
    expect(form.get('From')).toBe(tw.phone);
    expect(form.get('Body')).toBe('Your order shipped ✓');
    expect(form.get('MediaUrl')).toBe('https://example.com/r.jpg');
    expect(form.get('StatusCallback')).toBe(`${h.url}/callbacks/twilio/status`);
    const [sent] = twilio.messageList.filter((m) => m.to === '+14155550112');
    expect(row).toMatchObject({ provider: 'TWILIO', provider_message_id: sent.sid, channel: 'mms', encoding: 'UCS-2' });
  });

  it('records a permanent carrier error as failed with the provider code, without retrying', async () => {
    const before = twilio.requests.length;
    const res = await seaxSend({ phone_number: tw.phone, to_phone_number: '+15005550009', content: 'not a mobile' });
    const row = await waitForStatus(h.db, res.body.id, ['failed']);
    expect(row).toMatchObject({ error_code: '21614', provider: 'TWILIO', provider_message_id: null });
    expect(row.error_message).toMatch(/mobile/);
    expect(twilio.requests.slice(before).filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(await h.db('events').where({ subject_id: res.body.id, type: 'message.failed' })).toHaveLength(1);
    const result = await h.temporal.workflow.getHandle(`message-${res.body.id}`).result();
    expect(result).toEqual({ status: 'failed', errorCode: '21614' });
  });

  it('retries a transient error and sends once', async () => {
    const before = twilio.requests.length;
    twilio.failNext(1, { status: 503, body: { code: 20503, message: 'Service Unavailable', status: 503 } });
    // A 5xx is ambiguous: the retry reconciles (lists Messages.json), finds nothing and sends.
    const res = await seaxSend({ phone_number: tw.phone, to_phone_number: '+14155550113', content: 'retry me' });
    const row = await waitForStatus(h.db, res.body.id, ['sent']);
    const mine = twilio.requests.slice(before);
    expect(mine.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(mine.some((r) => r.method === 'GET' && r.path.includes('Messages.json?'))).toBe(true);
    const created = twilio.messageList.filter((m) => m.to === '+14155550113');
    expect(created).toHaveLength(1);
    expect(row.provider_message_id).toBe(created[0].sid);

    // The simulator's "5xx once" number (not ambiguous there): released, retried, accepted once.
    const res2 = await seaxSend({ phone_number: sim.phone, to_phone_number: '+15005550014', content: 'retry sim' });
    const row2 = await waitForStatus(h.db, res2.body.id, ['sent', 'delivered']);
    expect(row2.provider_message_id).toMatch(/^SM/);
  });

  it.each([
    ['opted out', { opted_out_at: new Date() }, 'recipient_opted_out', '+14155550121'],
    ['blocked', { blocked: true }, 'recipient_blocked', '+14155550122'],
    ['DNC-labelled', {}, 'recipient_dnc', '+14155550123'],
  ])('refuses a %s contact: failed with the reason, nothing at the provider', async (_name, patch, code, phone) => {
    const [contact] = await h.db('contacts').insert({ workspace_id: ws.id, name: 'Careful', phone, ...patch }).returning('*');
    if (code === 'recipient_dnc') {
      const dnc = await h.db('labels').where({ workspace_id: ws.id, name: 'DNC', is_system: true }).first();
      await h.db('contact_labels').insert({ workspace_id: ws.id, contact_id: contact.id, label_id: dnc.id });
    }
    const before = twilio.requests.length;
    const res = await seaxSend({ phone_number: tw.phone, to_phone_number: phone, content: 'Big sale!' });
    expect(res.status).toBe(200);
    const row = await waitForStatus(h.db, res.body.id, ['failed']);
    expect(row).toMatchObject({ error_code: code, provider_message_id: null, contact_id: contact.id });
    expect(twilio.requests.length).toBe(before);
    // Transactional does not bypass it either.
    const res2 = await seaxSend({ phone_number: tw.phone, to_phone_number: phone, content: 'Receipt', transactional: true });
    expect((await waitForStatus(h.db, res2.body.id, ['failed'])).error_code).toBe(code);
    expect(twilio.requests.length).toBe(before);
  });

  it('defers marketing outside the sending window (stays queued with the next allowed time), sends transactional', async () => {
    const quiet = await h.workspace('Quiet');
    const hour = new Date().getUTCHours();
    const start = `${String((hour + 2) % 24).padStart(2, '0')}:00`;
    const end = `${String((hour + 3) % 24).padStart(2, '0')}:00`;
    await h.db('workspaces').where({ id: quiet.id }).update({ timezone: 'UTC', quiet_hours_start: start, quiet_hours_end: end });
    const phone = await phonesRepo(h.db).create({ workspace_id: quiet.id, name: 'Sim', phone: '+14155550300', source: 'SIMULATOR' });
    const res = await seaxSend({ phone_number: phone.phone, to_phone_number: '+14155550131', content: 'Flash sale' }, quiet);
    expect(res.status).toBe(200);
    const handle = h.temporal.workflow.getHandle(`message-${res.body.id}`);
    let state: { deferredUntil: string | null } = { deferredUntil: null };
    for (let i = 0; i < 100 && !state.deferredUntil; i++) {
      state = await handle.query<{ deferredUntil: string | null }>('state');
      if (!state.deferredUntil) await new Promise((r) => setTimeout(r, 100));
    }
    const row = (await h.db('messages').where({ id: res.body.id }).first()) as MessageRowLike;
    expect(row.status).toBe('queued');
    expect(row.provider_message_id).toBeNull();
    expect(state.deferredUntil).toBe((row.send_at as Date).toISOString());
    expect(new Date(state.deferredUntil!).getUTCHours()).toBe((hour + 2) % 24);
    expect(new Date(state.deferredUntil!).getUTCMinutes()).toBe(0);

    const tx = await seaxSend({ phone_number: phone.phone, to_phone_number: '+14155550131', content: 'Your code is 1234', transactional: true }, quiet);
    await waitForStatus(h.db, tx.body.id, ['sent', 'delivered']);

    // A deferred message can still be canceled.
    const cancel = await h.http.post(`/api/v1/messages/${res.body.id}/cancel`).set(quiet.zagely);
    expect(cancel.status).toBe(200);
    expect(cancel.body.data.status).toBe('canceled');
    expect(await handle.result()).toEqual({ status: 'canceled' });
  });
});

describe('Zagely messages', () => {
  it('sends WhatsApp and SMS, lists 50 per page with contact and session, shows one', async () => {
    const res = await h.http.post('/api/v1/messages/send').set(ws.zagely).send({ channel: 'whatsapp', session_id: sim.id, to: '+1 415 555 0141', message: 'Hello 👋' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ status: 'queued', message_id: expect.any(String) });
    await waitForStatus(h.db, res.body.message_id, ['sent', 'delivered']);
    const img = await h.http.post('/api/v1/messages/send').set(ws.zagely).send({ channel: 'sms', session_id: sim.id, to: '+14155550141', type: 'image', media_url: 'https://example.com/p.jpg' });
    expect(img.status).toBe(201);
    await waitForStatus(h.db, img.body.message_id, ['sent', 'delivered']);

    const list = await h.http.get('/api/v1/messages').query({ channel: 'whatsapp', session_id: sim.id }).set(ws.zagely);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ current_page: 1, per_page: 50, total: 1 });
    expect(list.body.data[0]).toMatchObject({
      id: res.body.message_id,
      channel: 'whatsapp',
      direction: 'outbound',
      type: 'text',
      content: 'Hello 👋',
      contact: { id: expect.any(String), name: '+14155550141', phone_number: '+14155550141' },
      session: { id: sim.id, name: 'Sim' },
    });
    const byContact = await h.http.get('/api/v1/messages').query({ contact_id: list.body.data[0].contact.id }).set(ws.zagely);
    expect(byContact.body.total).toBe(2);
    const one = await h.http.get(`/api/v1/messages/${img.body.message_id}`).set(ws.zagely);
    expect(one.body.data).toMatchObject({ id: img.body.message_id, channel: 'mms', type: 'image', media_url: 'https://example.com/p.jpg' });
  });

  it('names each bad field with 422', async () => {
    const z = (body: Record<string, unknown>) => h.http.post('/api/v1/messages/send').set(ws.zagely).send(body);
    const field = async (p: Promise<{ status: number; body: { error: { details: { errors: Record<string, unknown> } } } }>) => {
      const r = await p;
      expect(r.status).toBe(422);
      return Object.keys(r.body.error.details.errors);
    };
    expect(await field(z({ channel: 'whatsapp', session_id: sim.id, to: 'nope', message: 'x' }))).toEqual(['to']);
    expect(await field(z({ channel: 'whatsapp', to: '+14155550141', message: 'x' }))).toEqual(['session_id']);
    expect(await field(z({ channel: 'whatsapp', session_id: crypto.randomUUID(), to: '+14155550141', message: 'x' }))).toEqual(['session_id']);
    expect(await field(z({ channel: 'whatsapp', session_id: sim.id, to: '+14155550141', type: 'image' }))).toEqual(['media_url']);
    expect(await field(z({ channel: 'whatsapp', session_id: sim.id, to: '+14155550141' }))).toEqual(['message']);
    expect(await field(z({ channel: 'fax', session_id: sim.id, to: '+14155550141', message: 'x' }))).toEqual(['channel']);

    const s = async (body: Record<string, unknown>) => {
      const r = await seaxSend(body);
      expect(r.status).toBe(422);
      return Object.keys(r.body.details.errors);
    };
    const ok = { phone_number: sim.phone, to_phone_number: '+14155550151', content: 'x' };
    expect(await s({ ...ok, phone_number: '+14155559999' })).toEqual(['phone_number']);
    expect(await s({ ...ok, to_phone_number: '12' })).toEqual(['to_phone_number']);
    expect(await s({ ...ok, content: '' })).toEqual(['content']);
    expect(await s({ ...ok, media_urls: ['ftp://x'] })).toEqual(['media_urls.0']);
    expect(await s({ ...ok, send_at: new Date(Date.now() + 8 * 86400_000).toISOString() })).toEqual(['send_at']);
    expect(await s({ ...ok, send_at: new Date(Date.now() - 60_000).toISOString() })).toEqual(['send_at']);
    expect(await s({ ...ok, send_at: 'tomorrow' })).toEqual(['send_at']);
  });

  it('keeps messages private to their workspace', async () => {
    const res = await seaxSend({ phone_number: sim.phone, to_phone_number: '+14155550161', content: 'private', send_at: new Date(Date.now() + 3600_000).toISOString() });
    expect(res.body.status).toBe('scheduled');
    const other = await h.workspace('Snoop');
    expect((await h.http.get(`/api/v1/messages/${res.body.id}`).set(other.zagely)).status).toBe(404);
    expect((await h.http.post(`/api/v1/messages/${res.body.id}/cancel`).set(other.zagely)).status).toBe(404);
    expect((await h.http.patch(`/api/v1/messages/${res.body.id}`).set(other.zagely).send({ send_at: new Date(Date.now() + 7200_000).toISOString() })).status).toBe(404);
    expect((await h.http.get('/api/v1/messages').set(other.zagely)).body.total).toBe(0);
    expect((await h.http.post(`/api/v1/workspace/${ws.id}/send_message`).set(other.seax).send({ phone_number: sim.phone, to_phone_number: '+14155550161', content: 'x' })).status).toBe(403);
    expect((await h.db('messages').where({ id: res.body.id }).first()).status).toBe('scheduled');
    expect((await h.http.delete(`/api/v1/messages/${res.body.id}`).set(ws.zagely)).body.data.status).toBe('canceled');
  });
});
