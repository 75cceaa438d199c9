import { createHmac, timingSafeEqual } from 'node:crypto';
import { SEAX_EVENT_TYPES, SEAX_SAMPLE_PAYLOADS } from '../../domain/seax-events';
import type { RecordedRequest } from '../fakes/http-base';
import { WebhookReceiver } from '../fakes/webhook-receiver';
import { insertCarrierPhone } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { receiverPool, WEBHOOK_TEST_ENV } from '../helpers/webhooks';
import { expectSeaxError, expectSeaxFieldError } from '../helpers/seax';
import { roomyLimits } from '../helpers/zagely';

/*
 * SeaX notify-api end to end: real PostgreSQL, Temporal, worker (with the webhook dispatcher) and local receivers.
 * Retries are scaled down to 150 ms; loopback is allowed through OUTBOUND_ALLOWED_HOSTS.
 */
let h: Harness;
let a: TestWorkspace;
let b: TestWorkspace;
let simA: { id: string; phone: string };

beforeAll(async () => {
  h = await createHarness({
    worker: true,
    env: {
      ...WEBHOOK_TEST_ENV,
      SIMULATOR_SENT_DELAY_MS: '50',
      SIMULATOR_DELIVERED_DELAY_MS: '100',
    },
  });
  a = await h.workspace('A');
  b = await h.workspace('B');
  await roomyLimits(h.db, a.id);
  await h.db('workspaces').where({ id: a.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
  simA = await insertCarrierPhone(h.db, { workspaceId: a.id, phone: '+15005550170', source: 'SIMULATOR' });
});
afterAll(() => h.close());

const receivers = receiverPool();
const receiver = receivers.start;
afterAll(receivers.closeAll);

const base = (ws: TestWorkspace) => `/notify-api/v1/workspaces/${ws.id}`;

interface Subscription {
  id: string;
  webhook_url: string;
  event_types: string[];
  created_by: string | null;
  updated_by: string | null;
  is_enabled: boolean;
  type: string;
  created_at: string;
  updated_at: string;
  secret?: string;
}

async function subscribe(body: Record<string, unknown>, ws = a): Promise<Subscription> {
  const res = await h.http.post(`${base(ws)}/subscription`).set(ws.seax).send({ created_by: 'kelly@seasalt.ai', ...body });
  if (res.status !== 200) throw new Error(`subscribe: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

function standardVerifies(secret: string, req: RecordedRequest): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = `v1,${createHmac('sha256', key).update(`${req.headers['webhook-id']}.${req.headers['webhook-timestamp']}.${req.body}`).digest('base64')}`;
  return String(req.headers['webhook-signature']).split(' ').includes(expected);
}

function zagelyVerifies(secret: string, req: RecordedRequest): boolean {
  const expected = 'sha256=' + createHmac('sha256', secret).update(`${req.headers['x-zagely-timestamp']}.${req.body}`).digest('hex');
  const got = Buffer.from(String(req.headers['x-zagely-signature']));
  return got.length === expected.length && timingSafeEqual(got, Buffer.from(expected));
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const hit = await probe();
    if (hit !== undefined) return hit;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ENVELOPE_KEYS = ['id', 'event_type', 'affect', 'version', 'timestamp', 'workspace', 'source', 'data', 'subscription_created_by', 'subscription_updated_by'];

describe('subscriptions', () => {
  it('creates a subscription as documented, with the secret shown only on create', async () => {
    const res = await h.http
      .post(`${base(a)}/subscription`)
      .set(a.seax)
      .send({ webhook_url: 'https://example.com/webhook', event_types: ['conversation.new', 'message.new', 'message.new'], created_by: 'user_12345', is_enabled: true, type: 'SEASALT' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      webhook_url: 'https://example.com/webhook',
      event_types: ['conversation.new', 'message.new'],
      created_by: 'user_12345',
      is_enabled: true,
      type: 'SEASALT',
      id: expect.any(String),
      created_at: expect.any(String),
      updated_at: expect.any(String),
      updated_by: 'user_12345',
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
    });
    const shown = await h.http.get(`${base(a)}/subscription/${res.body.id}`).set(a.seax);
    expect(shown.status).toBe(200);
    const { secret: _secret, ...withoutSecret } = res.body;
    expect(shown.body).toEqual(withoutSecret);
    // Defaults: enabled, SEASALT.
    const defaults = await subscribe({ webhook_url: 'https://example.com/defaults', event_types: ['call.new'] });
    expect(defaults).toMatchObject({ is_enabled: true, type: 'SEASALT' });
  });

  it('names the field of every invalid input (422)', async () => {
    const ok = { webhook_url: 'https://example.com/x', event_types: ['message.new'], created_by: 'u' };
    const post = (body: Record<string, unknown>) => h.http.post(`${base(a)}/subscription`).set(a.seax).send(body);
    expectSeaxFieldError(await post({ ...ok, webhook_url: undefined }), 'webhook_url');
    expectSeaxFieldError(await post({ ...ok, webhook_url: 'http://10.0.0.5/hook' }), 'webhook_url');
    expectSeaxFieldError(await post({ ...ok, webhook_url: 'ftp://example.com/x' }), 'webhook_url');
    expect(expectSeaxFieldError(await post({ ...ok, event_types: ['message.new', 'message.exploded'] }), 'event_types.1').join(' ')).toMatch(/message\.exploded/);
    expectSeaxFieldError(await post({ ...ok, event_types: [] }), 'event_types');
    expectSeaxFieldError(await post({ ...ok, event_types: undefined }), 'event_types');
    expectSeaxFieldError(await post({ ...ok, created_by: undefined }), 'created_by');
    expectSeaxFieldError(await post({ ...ok, type: 'WEBHOOKS' }), 'type');
    expectSeaxFieldError(await post({ ...ok, is_enabled: 'maybe' }), 'is_enabled');
    expectSeaxFieldError(await h.http.get(`${base(a)}/subscription/not-a-uuid`).set(a.seax), 'subscription_id');
  });

  it('updates only the fields sent and requires updated_by', async () => {
    const sub = await subscribe({ webhook_url: 'https://example.com/u', event_types: ['message.new'], created_by: 'creator' });
    const patch = (body: Record<string, unknown>) => h.http.patch(`${base(a)}/subscription/${sub.id}`).set(a.seax).send(body);
    expectSeaxFieldError(await patch({ is_enabled: false }), 'updated_by');
    expectSeaxFieldError(await patch({ updated_by: 'x', webhook_url: 'http://192.168.1.1/' }), 'webhook_url');
    expectSeaxFieldError(await patch({ updated_by: 'x', event_types: ['nope'] }), 'event_types.0');
    const res = await patch({ updated_by: 'editor', is_enabled: false, type: 'zapier' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: sub.id, webhook_url: 'https://example.com/u', event_types: ['message.new'], created_by: 'creator', updated_by: 'editor', is_enabled: false, type: 'ZAPIER' });
    expect(res.body.secret).toBeUndefined();
    expect(new Date(res.body.updated_at).getTime()).toBeGreaterThanOrEqual(new Date(sub.updated_at).getTime());
    const again = await patch({ updated_by: 'editor2', webhook_url: 'https://example.com/u2', event_types: ['conversation.ended'] });
    expect(again.body).toMatchObject({ webhook_url: 'https://example.com/u2', event_types: ['conversation.ended'], is_enabled: false, type: 'ZAPIER', updated_by: 'editor2' });
  });

  it('deletes with 204 and no body; then it is gone', async () => {
    const sub = await subscribe({ webhook_url: 'https://example.com/d', event_types: ['message.new'] });
    const res = await h.http.delete(`${base(a)}/subscription/${sub.id}`).set(a.seax);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectSeaxError(await h.http.get(`${base(a)}/subscription/${sub.id}`).set(a.seax), 404);
    expectSeaxError(await h.http.delete(`${base(a)}/subscription/${sub.id}`).set(a.seax), 404);
    expectSeaxError(await h.http.patch(`${base(a)}/subscription/${sub.id}`).set(a.seax).send({ updated_by: 'x' }), 404);
  });

  it('lists with order_by over every documented field and a type filter', async () => {
    const c = await h.workspace('Lists');
    const made: Subscription[] = [];
    for (const [created_by, type, is_enabled] of [
      ['carol', 'ZAPIER', true],
      ['alice', 'SEASALT', false],
      ['bob', 'ZAPIER', false],
      ['dave', 'SEASALT', true],
    ] as const) {
      made.push(await subscribe({ webhook_url: `https://example.com/${created_by}`, event_types: ['message.new'], created_by, type, is_enabled }, c));
      await new Promise((r) => setTimeout(r, 5));
    }
    // updated_by differs from created_by after an edit; the edit also moves updated_at.
    await h.http.patch(`${base(c)}/subscription/${made[0].id}`).set(c.seax).send({ updated_by: 'zed' });

    const list = async (query: Record<string, string>) => {
      const res = await h.http.get(`${base(c)}/subscription`).set(c.seax).query(query);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['subscriptions']);
      return res.body.subscriptions as Subscription[];
    };
    const by = (rows: Subscription[]) => rows.map((s) => s.created_by);

    expect(by(await list({}))).toEqual(['dave', 'bob', 'alice', 'carol']); // created_at:desc
    expect(by(await list({ order_by: 'created_at:asc' }))).toEqual(['carol', 'alice', 'bob', 'dave']);
    expect(by(await list({ order_by: 'created_by:asc' }))).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(by(await list({ order_by: 'created_by:desc' }))).toEqual(['dave', 'carol', 'bob', 'alice']);
    expect(by(await list({ order_by: 'updated_by:desc' }))).toEqual(['carol', 'dave', 'bob', 'alice']); // zed first
    expect(by(await list({ order_by: 'updated_at:desc' }))[0]).toBe('carol');
    expect((await list({ order_by: 'is_enabled:desc' })).map((s) => s.is_enabled)).toEqual([true, true, false, false]);
    expect((await list({ order_by: 'is_enabled:asc' })).map((s) => s.is_enabled)).toEqual([false, false, true, true]);
    expect((await list({ order_by: 'type:asc' })).map((s) => s.type)).toEqual(['SEASALT', 'SEASALT', 'ZAPIER', 'ZAPIER']);
    expect((await list({ order_by: 'type:desc' })).map((s) => s.type)).toEqual(['ZAPIER', 'ZAPIER', 'SEASALT', 'SEASALT']);
    const ids = made.map((s) => s.id).sort();
    expect((await list({ order_by: 'id:asc' })).map((s) => s.id)).toEqual(ids);
    expect((await list({ order_by: 'id:desc' })).map((s) => s.id)).toEqual([...ids].reverse());

    expect(by(await list({ type: 'ZAPIER', order_by: 'created_at:asc' }))).toEqual(['carol', 'bob']);
    expect(by(await list({ type: 'SEASALT', order_by: 'created_by:asc' }))).toEqual(['alice', 'dave']);

    expect(expectSeaxFieldError(await h.http.get(`${base(c)}/subscription`).set(c.seax).query({ order_by: 'webhook_url:asc' }), 'order_by').join(' ')).toMatch(/webhook_url/);
    expectSeaxFieldError(await h.http.get(`${base(c)}/subscription`).set(c.seax).query({ order_by: 'created_at:sideways' }), 'order_by');
    expectSeaxFieldError(await h.http.get(`${base(c)}/subscription`).set(c.seax).query({ type: 'OTHER' }), 'type');
  });

  it('keeps workspaces and dialects apart', async () => {
    const sub = await subscribe({ webhook_url: 'https://example.com/mine', event_types: ['message.new'] });
    // B's key on A's path: 403 before anything is read.
    expectSeaxError(await h.http.get(`${base(a)}/subscription/${sub.id}`).set(b.seax), 403);
    expectSeaxError(await h.http.get(`${base(a)}/subscription`).set(b.seax), 403);
    // A's subscription id in B's workspace: not there.
    expectSeaxError(await h.http.get(`${base(b)}/subscription/${sub.id}`).set(b.seax), 404);
    expectSeaxError(await h.http.delete(`${base(b)}/subscription/${sub.id}`).set(b.seax), 404);
    expect((await h.http.get(`${base(b)}/subscription`).set(b.seax)).body).toEqual({ subscriptions: [] });
    // A Zagely webhook is not a SeaX subscription, and the other way round.
    const zagely = await h.http.post('/api/v1/webhooks').set(a.zagely).send({ url: 'https://example.com/z', events: ['contact.created'] });
    expectSeaxError(await h.http.get(`${base(a)}/subscription/${zagely.body.data.id}`).set(a.seax), 404);
    expect((await h.http.get(`/api/v1/webhooks/${sub.id}`).set(a.zagely)).status).toBe(404);
    expect((await h.http.get(`${base(a)}/subscription`).set(a.seax)).body.subscriptions.map((s: Subscription) => s.id)).not.toContain(zagely.body.data.id);
  });
});

describe('GET /notify-api/v1/event_types', () => {
  it('lists the documented event types with their descriptions, for any key', async () => {
    const res = await h.http.get('/notify-api/v1/event_types').set(b.seax);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { event_type: 'conversation.new', description: 'Triggered when a new conversation is created' },
      { event_type: 'conversation.updated', description: 'Triggered when a conversation is updated' },
      { event_type: 'message.new', description: 'Triggered when a message is sent' },
      { event_type: 'conversation.ended', description: 'Triggered when a conversation is ended' },
      { event_type: 'conversation.label.added', description: 'Triggered when a label is added to a conversation' },
      { event_type: 'conversation.label.deleted', description: 'Triggered when a label is removed from a conversation' },
      { event_type: 'call.new', description: 'Triggered when a call starts' },
      { event_type: 'call.ended', description: 'Triggered when a call ends' },
      { event_type: 'call.updated', description: 'Triggered when a call summary is generated' },
    ]);
    expect((await h.http.get('/notify-api/v1/event_types')).status).toBe(401);
  });
});

describe('POST …/test', () => {
  it('sends the documented sample to the URL, signed with the secret of its subscription, and answers that payload', async () => {
    const rx = await receiver();
    const url = rx.urlFor('/seax-test');
    const sub = await subscribe({ webhook_url: url, event_types: ['conversation.new'], created_by: 'tester' });
    const res = await h.http.post(`${base(a)}/test`).set(a.seax).send({ event_type: 'conversation.new', webhook_url: url });
    expect(res.status).toBe(200);
    expect(res.headers['x-webhook-status-code']).toBe('200');
    const sample = SEAX_SAMPLE_PAYLOADS['conversation.new'];
    expect(res.body).toEqual({
      ...sample,
      id: expect.any(String),
      timestamp: expect.any(String),
      workspace: { id: a.id, name: 'A' },
      subscription_created_by: 'tester',
      subscription_updated_by: 'tester',
    });
    expect(res.body.id).not.toBe(sample.id);
    expect(Math.abs(new Date(res.body.timestamp).getTime() - Date.now())).toBeLessThan(60_000);
    expect(Object.keys(res.body)).toEqual(ENVELOPE_KEYS);

    expect(rx.requests).toHaveLength(1);
    const [req] = rx.requests;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual(res.body);
    expect(req.headers['webhook-id']).toBe(res.body.id);
    expect(standardVerifies(sub.secret!, req)).toBe(true);
    expect(zagelyVerifies(sub.secret!, req)).toBe(true);
    expect(standardVerifies(sub.secret!, { ...req, body: req.body.replace('Test User', 'Tost User') })).toBe(false);
  });

  it('has a sample for every event type; a URL without a subscription gets it unsigned', async () => {
    const rx = await receiver();
    for (const type of SEAX_EVENT_TYPES) {
      const res = await h.http.post(`${base(a)}/test`).set(a.seax).send({ event_type: type, webhook_url: rx.urlFor(`/${type}`) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ event_type: type, version: '0.0.1', workspace: { id: a.id, name: 'A' }, data: SEAX_SAMPLE_PAYLOADS[type].data });
      expect(res.body.affect).toBe(SEAX_SAMPLE_PAYLOADS[type].affect);
    }
    expect(rx.requests.map((r) => JSON.parse(r.body).event_type)).toEqual([...SEAX_EVENT_TYPES]);
    expect(rx.requests.every((r) => r.headers['webhook-signature'] === undefined)).toBe(true);
    expect(SEAX_SAMPLE_PAYLOADS['call.ended'].data).toMatchObject({ duration_seconds: 300, finish_reason: 'completed', recording_available: true });
    expect(SEAX_SAMPLE_PAYLOADS['message.new'].data).toMatchObject({ direction: 'INBOUND', sender: { type: 'CUSTOMER' }, content: { type: 'text', text: 'Hello, I need help!', data: null } });
  });

  it('answers 502 with the receiver’s answer and the payload when the receiver refuses it', async () => {
    const rx = await receiver();
    rx.respondWith(500, 'broken');
    const res = await h.http.post(`${base(a)}/test`).set(a.seax).send({ event_type: 'message.new', webhook_url: rx.urlFor('/down') });
    expectSeaxError(res, 502);
    expect(res.body.code).toBe('webhook_test_failed');
    expect(res.body.details).toMatchObject({ status_code: 500, response_body: 'broken', error: 'HTTP 500', payload: { event_type: 'message.new' } });
    const closed = await h.http.post(`${base(a)}/test`).set(a.seax).send({ event_type: 'message.new', webhook_url: 'http://127.0.0.1:1/closed' });
    expectSeaxError(closed, 502);
    expect(closed.body.details.status_code).toBeNull();
  });

  it('validates event_type and webhook_url (422 naming them)', async () => {
    const post = (body: Record<string, unknown>) => h.http.post(`${base(a)}/test`).set(a.seax).send(body);
    expect(expectSeaxFieldError(await post({ event_type: 'call.exploded', webhook_url: 'https://example.com/t' }), 'event_type').join(' ')).toMatch(/call\.exploded/);
    expectSeaxFieldError(await post({ webhook_url: 'https://example.com/t' }), 'event_type');
    expectSeaxFieldError(await post({ event_type: 'call.new' }), 'webhook_url');
    expectSeaxFieldError(await post({ event_type: 'call.new', webhook_url: 'http://169.254.169.254/latest' }), 'webhook_url');
    expectSeaxError(await h.http.post(`${base(a)}/test`).set(b.seax).send({ event_type: 'call.new', webhook_url: 'https://example.com/t' }), 403);
  });
});

describe('deliveries of real events', () => {
  it('an inbound simulator message arrives as message.new INBOUND (and conversation.new) in the documented envelope', async () => {
    const rx = await receiver();
    const msgSub = await subscribe({ webhook_url: rx.urlFor('/messages'), event_types: ['message.new'], created_by: 'ops@example.com' });
    const convSub = await subscribe({ webhook_url: rx.urlFor('/conversations'), event_types: ['conversation.new', 'conversation.updated', 'conversation.ended'], created_by: 'ops@example.com' });
    const off = await subscribe({ webhook_url: rx.urlFor('/off'), event_types: ['message.new'], is_enabled: false });
    const zrx = await receiver();
    const zagely = await h.http.post('/api/v1/webhooks').set(a.zagely).send({ url: zrx.urlFor('/z'), events: ['message.received'] });

    const inbound = await h.http.post('/simulator/inbound').set(h.simulator).send({ from: '+14155550181', to: simA.phone, body: 'Hello, I need help!' });
    expect(inbound.status).toBe(200);
    const { message_id, contact_id, conversation_id } = inbound.body.data;

    const [msgReq] = await rx.waitForRequests(1, (r) => r.path === '/messages', 15_000);
    const body = JSON.parse(msgReq.body);
    expect(Object.keys(body)).toEqual(ENVELOPE_KEYS);
    expect(body).toEqual({
      id: msgReq.headers['webhook-id'],
      event_type: 'message.new',
      affect: 'add',
      version: '0.0.1',
      timestamp: expect.any(String),
      workspace: { id: a.id, name: 'A' },
      source: { id: simA.id, type: 'SMS', identifier: simA.phone },
      data: {
        conversation_id,
        conversation_title: '+14155550181',
        message_id,
        direction: 'INBOUND',
        created_at: expect.any(String),
        sender: { type: 'CUSTOMER', id: contact_id, name: '+14155550181' },
        content: { type: 'text', text: 'Hello, I need help!', data: null },
      },
      subscription_created_by: 'ops@example.com',
      subscription_updated_by: 'ops@example.com',
    });
    expect(msgReq.headers['x-zagely-event']).toBe('message.new');
    expect(standardVerifies(msgSub.secret!, msgReq)).toBe(true);
    expect(zagelyVerifies(msgSub.secret!, msgReq)).toBe(true);

    const [convReq] = await rx.waitForRequests(1, (r) => r.path === '/conversations', 15_000);
    const conv = JSON.parse(convReq.body);
    expect(conv).toMatchObject({
      event_type: 'conversation.new',
      affect: 'add',
      source: { id: simA.id, type: 'SMS', identifier: simA.phone },
      data: {
        conversation_id,
        conversation_title: '+14155550181',
        channel: 'SMS',
        customer: { id: contact_id, name: '+14155550181', email: null, phone: '+14155550181', address: '+14155550181', channel: 'SMS' },
        latest_inbound_message: { id: message_id, direction: 'INBOUND', text: 'Hello, I need help!', type: 'text', created_at: expect.any(String) },
        latest_outbound_message: null,
      },
    });
    expect(standardVerifies(convSub.secret!, convReq)).toBe(true);

    // The same event reaches a Zagely webhook in Zagely's envelope, under its own name.
    const [zreq] = await zrx.waitForRequests(1, () => true, 15_000);
    expect(JSON.parse(zreq.body)).toMatchObject({ event: 'message.received', tenant_id: a.id, data: { message: { id: message_id } } });

    // A second message in the same conversation: conversation.updated, moved by the customer.
    await h.http.post('/simulator/inbound').set(h.simulator).send({ from: '+14155550181', to: simA.phone, body: 'Anyone?' });
    const [, updReq] = await rx.waitForRequests(2, (r) => r.path === '/conversations', 15_000);
    expect(JSON.parse(updReq.body)).toMatchObject({
      event_type: 'conversation.updated',
      affect: 'change',
      data: { conversation_id, updated_fields: ['last_message_at'], previous: expect.any(Object), current: { last_message_at: expect.any(String) }, updated_by: { id: contact_id, type: 'CUSTOMER' } },
    });
    // Ending it (Zagely's conversations API) is SeaX's conversation.ended, naming the key that ended it.
    expect((await h.http.post(`/api/v1/conversations/${conversation_id}/end`).set(a.zagely)).status).toBe(200);
    const [, , endReq] = await rx.waitForRequests(3, (r) => r.path === '/conversations', 15_000);
    expect(JSON.parse(endReq.body)).toMatchObject({
      event_type: 'conversation.ended',
      affect: 'delete',
      data: { conversation_id, updated_fields: ['status'], previous: { status: 'open' }, current: { status: 'ended' }, updated_by: { type: 'api_key', id: expect.any(String) }, updated_at: expect.any(String) },
    });
    // A disabled subscription gets nothing.
    expect(rx.requests.filter((r) => r.path === '/off')).toHaveLength(0);
    expect(await h.db('webhook_deliveries').where({ subscription_id: off.id })).toHaveLength(0);
    expect(zagely.status).toBe(201);
  });

  it('a SeaX send_message arrives as message.new OUTBOUND', async () => {
    const rx = await receiver();
    const sub = await subscribe({ webhook_url: rx.urlFor('/out'), event_types: ['message.new'], created_by: 'ops@example.com' });
    const sent = await h.http
      .post(`/api/v1/workspace/${a.id}/send_message`)
      .set(a.seax)
      .send({ phone_number: simA.phone, to_phone_number: '+14155550182', content: 'Your order shipped' });
    expect(sent.status).toBe(200);
    const [req] = await rx.waitForRequests(1, () => true, 15_000);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({
      event_type: 'message.new',
      affect: 'add',
      workspace: { id: a.id, name: 'A' },
      source: { id: simA.id, type: 'SMS', identifier: simA.phone },
      data: {
        message_id: sent.body.id,
        direction: 'OUTBOUND',
        conversation_title: '+14155550182',
        sender: { type: 'AGENT', id: simA.id, name: simA.phone },
        content: { type: 'text', text: 'Your order shipped', data: null },
      },
    });
    expect(standardVerifies(sub.secret!, req)).toBe(true);
    // Carrier status events (message.sent, …) are not SeaX events: one request only.
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.requests).toHaveLength(1);
  });
});

describe('delivery logs', () => {
  let c: TestWorkspace;
  let flaky: Subscription;
  let steady: Subscription;
  let rxFlaky: WebhookReceiver;
  let boundary: Date;
  interface Log {
    id: string;
    workspace_id: string;
    event_id: string;
    subscription_id: string;
    event_type: string;
    webhook_url: string;
    delivery_status: 'success' | 'failed';
    status_code: string | null;
    response_body: string | null;
    delivered_event_obj: { id: string; workspace_id: string; workspace_name: string; value: Record<string, unknown> & { payload: Record<string, unknown> } };
    created_at: string;
  }
  const logs = async (query: Record<string, string | number> = {}, path = '') => {
    const res = await h.http.get(`${base(c)}/logs${path}`).set(c.seax).query(query);
    if (res.status !== 200) throw new Error(`logs: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { total: number; data: Log[] };
  };
  const settled = async (n: number) =>
    waitFor(async () => {
      const pending = await h.db('webhook_deliveries').where({ workspace_id: c.id, status: 'pending' }).first();
      const all = await logs();
      return !pending && all.total >= n ? all : undefined;
    }, `${n} settled logs`);

  beforeAll(async () => {
    c = await h.workspace('Logs workspace');
    await roomyLimits(h.db, c.id);
    const sim = await insertCarrierPhone(h.db, { workspaceId: c.id, phone: '+15005550171', source: 'SIMULATOR' });
    rxFlaky = await receiver();
    rxFlaky.respondNext({ status: 500, body: 'down' });
    const rxSteady = (await receiver()).respondWith(201, 'created');
    flaky = await subscribe({ webhook_url: rxFlaky.urlFor('/flaky'), event_types: ['message.new', 'conversation.new'], created_by: 'kelly@seasalt.ai' }, c);
    steady = await subscribe({ webhook_url: rxSteady.urlFor('/steady'), event_types: ['message.new'], created_by: 'sam@seasalt.ai' }, c);
    // Batch 1: conversation.new + message.new to flaky (one retried after a 500), message.new to steady.
    await h.http.post('/simulator/inbound').set(h.simulator).send({ from: '+14155550190', to: sim.phone, body: 'first' });
    const first = await settled(4);
    boundary = new Date(Math.max(...first.data.map((l) => new Date(l.created_at).getTime())) + 1);
    await new Promise((r) => setTimeout(r, 20));
    // Batch 2: message.new to both.
    await h.http.post('/simulator/inbound').set(h.simulator).send({ from: '+14155550190', to: sim.phone, body: 'second' });
    await settled(6);
  });

  it('answers {total, data} with the documented fields, one log per attempt', async () => {
    const all = await logs();
    expect(all.total).toBe(6);
    expect(all.data).toHaveLength(6);
    const failed = all.data.filter((l) => l.delivery_status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ subscription_id: flaky.id, status_code: '500', response_body: 'down' });
    // The retry of the failed delivery succeeded: same delivery, a second log.
    const retried = all.data.filter((l) => l.delivered_event_obj.id === failed[0].delivered_event_obj.id);
    expect(retried.map((l) => l.delivery_status).sort()).toEqual(['failed', 'success']);

    const req = rxFlaky.requests.find((r) => JSON.parse(r.body).event_type === 'message.new' && JSON.parse(r.body).data.content.text === 'first')!;
    const sent = JSON.parse(req.body);
    const log = all.data.find((l) => l.delivered_event_obj.id === sent.id && l.delivery_status === 'success')!;
    const event = await h.db('events').where({ workspace_id: c.id, type: 'message.received', subject_id: sent.data.message_id }).first();
    expect(Object.keys(log)).toEqual([
      'id', 'workspace_id', 'event_id', 'subscription_id', 'event_type', 'webhook_url', 'delivery_status', 'status_code', 'response_body', 'delivered_event_obj', 'created_at',
    ]);
    expect(log).toEqual({
      id: expect.any(String),
      workspace_id: c.id,
      event_id: event.id,
      subscription_id: flaky.id,
      event_type: 'message.new',
      webhook_url: flaky.webhook_url,
      delivery_status: 'success',
      status_code: '200',
      response_body: 'ok',
      delivered_event_obj: {
        id: sent.id,
        workspace_id: c.id,
        workspace_name: 'Logs workspace',
        value: {
          event_type: 'message.new',
          event_source: 'seax',
          event_triggered_by: '+14155550190',
          payload: sent.data,
          occurred_at: sent.timestamp,
          sent_at: expect.any(String),
          subscription_created_by: 'kelly@seasalt.ai',
          subscription_updated_by: 'kelly@seasalt.ai',
        },
      },
      created_at: expect.any(String),
    });
    expect(new Date(log.delivered_event_obj.value.sent_at as string).getTime()).toBeLessThanOrEqual(new Date(log.created_at).getTime());
    expect(all.data.filter((l) => l.subscription_id === steady.id).every((l) => l.status_code === '201' && l.response_body === 'created')).toBe(true);
  });

  it('filters by event_type, delivery_status and dates with offsets', async () => {
    const all = (await logs()).data;
    const check = async (query: Record<string, string>, keep: (l: Log) => boolean) => {
      const res = await logs(query);
      const expected = all.filter(keep).map((l) => l.id);
      expect(res.data.map((l) => l.id)).toEqual(expected);
      expect(res.total).toBe(expected.length);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length);
    };
    await check({ event_type: 'conversation.new' }, (l) => l.event_type === 'conversation.new');
    await check({ event_type: 'message.new' }, (l) => l.event_type === 'message.new');
    await check({ delivery_status: 'failed' }, (l) => l.delivery_status === 'failed');
    await check({ delivery_status: 'success' }, (l) => l.delivery_status === 'success');
    await check({ event_type: 'message.new', delivery_status: 'success' }, (l) => l.event_type === 'message.new' && l.delivery_status === 'success');
    // The same instant written in Singapore and Los Angeles time.
    const after = (l: Log) => new Date(l.created_at) >= boundary;
    await check({ start_date: atOffset(boundary, 8 * 60) }, after);
    await check({ start_date: atOffset(boundary, -7 * 60) }, after);
    await check({ end_date: atOffset(boundary, -7 * 60) }, (l) => !after(l));
    await check({ start_date: atOffset(new Date(boundary.getTime() - 3_600_000), 8 * 60), end_date: atOffset(boundary, 5 * 60 + 30) }, (l) => !after(l));
    await check({ start_date: boundary.toISOString(), delivery_status: 'success', event_type: 'message.new' }, after);
    expect((await logs({ event_type: 'call.new' })).total).toBe(0);
    expect((await logs({ start_date: '2100-01-01T00:00:00+08:00' })).total).toBe(0);
  });

  it('orders by every documented field; limit 0 is all, offset skips', async () => {
    const codes = async (order_by: string) => (await logs({ order_by })).data.map((l) => l.status_code);
    expect(await codes('status_code:asc')).toEqual(['200', '200', '200', '201', '201', '500']);
    expect(await codes('status_code:desc')).toEqual(['500', '201', '201', '200', '200', '200']);
    expect((await logs({ order_by: 'delivery_status:asc' })).data.map((l) => l.delivery_status)).toEqual(['failed', 'success', 'success', 'success', 'success', 'success']);
    expect((await logs({ order_by: 'delivery_status:desc' })).data.at(-1)!.delivery_status).toBe('failed');
    const types = (await logs({ order_by: 'event_type:asc' })).data.map((l) => l.event_type);
    expect(types).toEqual([...types].sort());
    expect(types[0]).toBe('conversation.new');
    expect((await logs({ order_by: 'event_type:desc' })).data[0].event_type).toBe('message.new');
    const times = (await logs({ order_by: 'created_at:asc' })).data.map((l) => new Date(l.created_at).getTime());
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const byDefault = (await logs()).data;
    expect(byDefault.map((l) => l.id)).toEqual([...(await logs({ order_by: 'created_at:asc' })).data.map((l) => l.id)].reverse());

    expect((await logs({ limit: 0 })).data).toHaveLength(6);
    const page = await logs({ limit: 2, offset: 1 });
    expect(page.total).toBe(6);
    expect(page.data.map((l) => l.id)).toEqual(byDefault.slice(1, 3).map((l) => l.id));
    expect((await logs({ offset: 5 })).data.map((l) => l.id)).toEqual([byDefault[5].id]);
    expect((await logs({ offset: 6 })).data).toEqual([]);
  });

  it('has a per-subscription route with the same filters; 404 for a subscription of another workspace', async () => {
    const all = (await logs()).data;
    const mine = await logs({}, `/${flaky.id}`);
    expect(mine.data.map((l) => l.id)).toEqual(all.filter((l) => l.subscription_id === flaky.id).map((l) => l.id));
    expect(mine.total).toBe(4);
    const failed = await logs({ delivery_status: 'failed' }, `/${flaky.id}`);
    expect(failed.total).toBe(1);
    expect((await logs({ event_type: 'conversation.new', order_by: 'created_at:asc', limit: 1 }, `/${flaky.id}`)).data[0].event_type).toBe('conversation.new');
    expect((await logs({ start_date: atOffset(boundary, -7 * 60) }, `/${steady.id}`)).total).toBe(1);

    const ofA = await subscribe({ webhook_url: 'https://example.com/a-logs', event_types: ['message.new'] });
    expectSeaxError(await h.http.get(`${base(c)}/logs/${ofA.id}`).set(c.seax), 404);
    expectSeaxError(await h.http.get(`${base(c)}/logs/00000000-0000-4000-8000-000000000000`).set(c.seax), 404);
    // Workspace B's key reaches nothing of C's.
    expectSeaxError(await h.http.get(`${base(c)}/logs`).set(b.seax), 403);
    expectSeaxError(await h.http.get(`${base(c)}/logs/${flaky.id}`).set(b.seax), 403);
    expectSeaxError(await h.http.get(`${base(b)}/logs/${flaky.id}`).set(b.seax), 404);
    expect(await logs({}, '').then((r) => r.data.every((l) => l.workspace_id === c.id))).toBe(true);
    expect((await h.http.get(`${base(b)}/logs`).set(b.seax)).body).toEqual({ total: 0, data: [] });
  });

  it('names the bad query parameter (422)', async () => {
    const bad = (query: Record<string, string>) => h.http.get(`${base(c)}/logs`).set(c.seax).query(query);
    expectSeaxFieldError(await bad({ start_date: 'yesterday' }), 'start_date');
    expectSeaxFieldError(await bad({ end_date: '2024-13-45T00:00:00Z' }), 'end_date');
    expectSeaxFieldError(await bad({ start_date: '2024-06-02T00:00:00Z', end_date: '2024-06-01T00:00:00Z' }), 'end_date');
    expectSeaxFieldError(await bad({ delivery_status: 'pending' }), 'delivery_status');
    expectSeaxFieldError(await bad({ event_type: 'message.exploded' }), 'event_type');
    expect(expectSeaxFieldError(await bad({ order_by: 'webhook_url:asc' }), 'order_by').join(' ')).toMatch(/webhook_url/);
    expectSeaxFieldError(await bad({ order_by: 'created_at:up' }), 'order_by');
    expectSeaxFieldError(await bad({ limit: '-1' }), 'limit');
    expectSeaxFieldError(await bad({ offset: 'x' }), 'offset');
  });
});

/** `d` as local time at `minutes` east of UTC, e.g. 2024-06-01T23:59:59.000-07:00. */
function atOffset(d: Date, minutes: number): string {
  const local = new Date(d.getTime() + minutes * 60_000).toISOString().replace('Z', '');
  const abs = Math.abs(minutes);
  return `${local}${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
