import { createHmac, timingSafeEqual } from 'node:crypto';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { receiverPool, WEBHOOK_TEST_ENV } from '../helpers/webhooks';
import { expectError, expectFieldError, roomyLimits } from '../helpers/zagely';
import type { RecordedRequest } from '../fakes/http-base';

// Outcome deadlines are generous: a busy machine is slow, never wrong.
jest.setTimeout(240_000);

/*
 * Zagely webhooks end to end: real PostgreSQL, Temporal, worker (with the dispatcher) and a local receiver.
 * The retry schedule is scaled down to 150 ms steps; loopback is allowed through OUTBOUND_ALLOWED_HOSTS.
 */
let h: Harness;
let a: TestWorkspace;
let b: TestWorkspace;

beforeAll(async () => {
  h = await createHarness({
    worker: true,
    env: {
      ...WEBHOOK_TEST_ENV,
    },
  });
  a = await h.workspace('A');
  b = await h.workspace('B');
  await roomyLimits(h.db, a.id);
});
afterAll(() => h.close());

const receivers = receiverPool();
const receiver = receivers.start;
afterEach(receivers.closeAll);

async function subscribe(url: string, events: string[], ws = a): Promise<{ id: string; secret: string }> {
  const res = await h.http.post('/api/v1/webhooks').set(ws.zagely).send({ url, events });
  expect(res.status).toBe(201);
  return res.body.data;
}

/** Verification as a receiver would do it (README snippet). */
function zagelyVerifies(secret: string, req: { headers: Record<string, unknown>; body: string }): boolean {
  const expected = 'sha256=' + createHmac('sha256', secret).update(`${req.headers['x-zagely-timestamp']}.${req.body}`).digest('hex');
  const got = Buffer.from(String(req.headers['x-zagely-signature']));
  return got.length === expected.length && timingSafeEqual(got, Buffer.from(expected));
}

function standardVerifies(secret: string, req: RecordedRequest): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${req.headers['webhook-id']}.${req.headers['webhook-timestamp']}.${req.body}`;
  const expected = `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
  return String(req.headers['webhook-signature']).split(' ').includes(expected);
}

async function deliveries(webhookId: string, ws = a) {
  const res = await h.http.get(`/api/v1/webhooks/${webhookId}/deliveries`).set(ws.zagely);
  expect(res.status).toBe(200);
  return res.body.data as { id: string; status: string; attempts: number; event: string; signature: string; duration_ms: number; attempt_log: { attempt: number; status_code: number | null; error: string | null; response_body: string | null; duration_ms: number }[] }[];
}

async function waitForDelivery(webhookId: string, done: (d: Awaited<ReturnType<typeof deliveries>>[number]) => boolean, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const list = await deliveries(webhookId);
    const hit = list.find(done);
    if (hit) return hit;
    if (Date.now() > until) throw new Error(`delivery not done in time: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('delivery', () => {
  it('delivers contact.created with the documented payload and verifiable signatures', async () => {
    const rx = await receiver();
    const hook = await subscribe(rx.urlFor('/hook'), ['contact.created']);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const contact = await h.http.post('/api/v1/contacts').set(a.zagely).send({ phone_number: '+14155550123', name: 'Jane Doe' });
    expect(contact.status).toBe(201);

    const [req] = await rx.waitForRequests(1, () => true, 15_000);
    const body = JSON.parse(req.body);
    expect(body).toEqual({ event: 'contact.created', tenant_id: a.id, delivery_id: expect.any(String), occurred_at: expect.any(String), data: expect.any(Object) });
    expect(body.data.contact).toMatchObject({ id: contact.body.data.id, name: 'Jane Doe' });
    expect(req.headers['x-zagely-event']).toBe('contact.created');
    expect(req.headers['x-zagely-delivery']).toBe(body.delivery_id);
    expect(req.headers['webhook-id']).toBe(body.delivery_id);
    expect(Math.abs(Number(req.headers['x-zagely-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(req.headers['content-type']).toBe('application/json');
    expect(zagelyVerifies(hook.secret, req)).toBe(true);
    expect(standardVerifies(hook.secret, req)).toBe(true);
    // A tampered body (or a wrong secret) does not verify.
    expect(zagelyVerifies(hook.secret, { ...req, body: req.body.replace('Jane Doe', 'Jane Dough') })).toBe(false);
    expect(standardVerifies(hook.secret, { ...req, body: req.body.replace('Jane Doe', 'Jane Dough') })).toBe(false);
    expect(zagelyVerifies('whsec_other', req)).toBe(false);

    const d = await waitForDelivery(hook.id, (x) => x.status === 'succeeded');
    expect(d).toMatchObject({ id: body.delivery_id, event: 'contact.created', attempts: 1, signature: req.headers['x-zagely-signature'] });
    expect(d.attempt_log).toEqual([expect.objectContaining({ attempt: 1, status_code: 200, error: null, response_body: 'ok' })]);
    // The secret is shown only on create.
    const shown = await h.http.get(`/api/v1/webhooks/${hook.id}`).set(a.zagely);
    expect(shown.body.data.secret).toBeUndefined();
    expect((await h.http.get('/api/v1/webhooks').set(a.zagely)).body.data.every((w: Record<string, unknown>) => w.secret === undefined)).toBe(true);
  });

  it('retries on the schedule, logs every attempt and keeps one delivery id', async () => {
    const rx = await receiver();
    rx.respondNext({ status: 500, body: 'down' }, { status: 503, body: 'x'.repeat(5000) });
    const hook = await subscribe(rx.urlFor('/flaky'), ['contact.created'], a);
    await h.http.post('/api/v1/contacts').set(a.zagely).send({ phone_number: '+14155550124', name: 'Retry Me' });

    const d = await waitForDelivery(hook.id, (x) => x.status === 'succeeded');
    expect(rx.requests).toHaveLength(3);
    expect(new Set(rx.requests.map((r) => r.headers['x-zagely-delivery']))).toEqual(new Set([d.id]));
    expect(new Set(rx.requests.map((r) => JSON.parse(r.body).delivery_id))).toEqual(new Set([d.id]));
    expect(d.attempts).toBe(3);
    expect(d.attempt_log.map((x) => [x.attempt, x.status_code, x.error])).toEqual([
      [1, 500, 'HTTP 500'],
      [2, 503, 'HTTP 503'],
      [3, 200, null],
    ]);
    expect(d.attempt_log[1].response_body).toHaveLength(2048);
    // The schedule's waits separate the attempts.
    const gaps = rx.requests.slice(1).map((r, i) => r.receivedAt.getTime() - rx.requests[i].receivedAt.getTime());
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(140);
  });

  it('marks a delivery failed after 5 failed attempts; replay sends it again under the same id', async () => {
    const rx = await receiver();
    rx.respondWith(500, 'nope');
    const hook = await subscribe(rx.urlFor('/dead'), ['contact.updated', 'contact.created']);
    await h.http.post('/api/v1/contacts').set(a.zagely).send({ phone_number: '+14155550125', name: 'Dead End' });
    const failed = await waitForDelivery(hook.id, (x) => x.status === 'failed');
    expect(failed.attempts).toBe(5);
    expect(rx.requests).toHaveLength(5);

    const pendingReplay = await h.http.post(`/api/v1/webhooks/${hook.id}/deliveries/${failed.id}/replay`).set(b.zagely);
    expectError(pendingReplay, 404, 'not_found');
    rx.respondWith(200, 'back');
    const replay = await h.http.post(`/api/v1/webhooks/${hook.id}/deliveries/${failed.id}/replay`).set(a.zagely);
    expect(replay.status).toBe(202);
    expect(replay.body.data).toMatchObject({ id: failed.id, status: 'pending' });
    const done = await waitForDelivery(hook.id, (x) => x.id === failed.id && x.status === 'succeeded');
    expect(done.attempts).toBe(6);
    expect(rx.requests).toHaveLength(6);
    expect(rx.requests[5].headers['x-zagely-delivery']).toBe(failed.id);
    // Only failed deliveries replay.
    expectError(await h.http.post(`/api/v1/webhooks/${hook.id}/deliveries/${failed.id}/replay`).set(a.zagely), 409, 'conflict');
  });

  it('a dead subscriber does not delay another subscription', async () => {
    const slow = await receiver();
    slow.responseDelayMs = 12_000; // beyond WEBHOOK_TIMEOUT_MS: every attempt times out
    const fast = await receiver();
    const dead = await subscribe(slow.urlFor('/slow'), ['contact.created']);
    await subscribe('http://127.0.0.1:1/closed', ['contact.created']);
    const ok = await subscribe(fast.urlFor('/fast'), ['contact.created']);
    // Several events, so the dead subscriptions have plenty of pending work: served one after another, the slow
    // one's timeouts and back-off (5 events x 5 attempts x 4 s) would hold the healthy deliveries far past this wait.
    for (let i = 0; i < 5; i++) await h.http.post('/api/v1/contacts').set(a.zagely).send({ phone_number: `+1415555013${i}`, name: `Busy ${i}` });
    await fast.waitForRequests(5, () => true, 60_000);
    // The healthy subscription is done while the dead one is still working through its first attempts. A first
    // attempt is recorded when its sweep commits, which a sweep that also holds a hanging delivery does after that
    // one's timeout (4 s here, well inside the dead one's 5 attempts): hence a wait, not an immediate read.
    let list = await deliveries(ok.id);
    for (const until = Date.now() + 30_000; list.filter((x) => x.status === 'succeeded').length < 5 && Date.now() < until; list = await deliveries(ok.id)) await new Promise((r) => setTimeout(r, 100));
    expect((await deliveries(dead.id)).every((x) => x.status === 'pending')).toBe(true);
    expect(list.filter((x) => x.status === 'succeeded').length).toBeGreaterThanOrEqual(4);
    const slowList = await waitForDelivery(dead.id, (x) => x.attempt_log.some((l) => l.error?.startsWith('timeout')), 60_000);
    expect(slowList.status).toBe('pending');
  });

  it('makes first attempts in the dispatcher; only a delivery that needs a retry, or whose subscription is backing off, gets a workflow', async () => {
    /** How the delivery's workflow ended, once it has (its row is done a moment before), or 'none'. */
    const workflowOf = async (id: string) => {
      const handle = h.temporal.workflow.getHandle(`webhook-delivery-${id}`);
      if (!(await handle.describe().then(() => true, () => false))) return 'none';
      await handle.result();
      return (await handle.describe()).status.name;
    };
    const rx = await receiver();
    rx.respondNext({ status: 500, body: 'once' });
    const hook = await subscribe(rx.urlFor('/wf'), ['contact.created']);
    await h.http.post('/api/v1/contacts').set(a.zagely).send({ phone_number: '+14155550150', name: 'Retried' });
    const retried = await waitForDelivery(hook.id, (x) => x.status === 'succeeded');
    expect(retried.attempts).toBe(2);
    expect(await workflowOf(retried.id)).toBe('COMPLETED');
    await h.http.post('/api/v1/contacts').set(a.zagely).send({ phone_number: '+14155550151', name: 'First time' });
    const first = await waitForDelivery(hook.id, (x) => x.id !== retried.id && x.status === 'succeeded');
    expect(first.attempts).toBe(1);
    expect(await workflowOf(first.id)).toBe('none');

    // A delivery of this subscription waits for its retry (written directly): the next one goes to its own workflow.
    const [waiting] = await h.db('webhook_deliveries')
      .insert({ workspace_id: a.id, subscription_id: hook.id, event_id: crypto.randomUUID(), event_type: 'contact.created', payload: '{}', attempts: 1, dispatched_at: new Date(), next_attempt_at: new Date(Date.now() + 3_600_000) })
      .returning('id');
    await h.http.post('/api/v1/contacts').set(a.zagely).send({ phone_number: '+14155550152', name: 'Handed over' });
    const handed = await waitForDelivery(hook.id, (x) => ![retried.id, first.id, waiting.id].includes(x.id) && x.status === 'succeeded');
    expect(handed.attempts).toBe(1);
    expect(await workflowOf(handed.id)).toBe('COMPLETED');
    await h.db('webhook_deliveries').where({ id: waiting.id }).update({ status: 'failed' });
    expect(rx.requests).toHaveLength(4);
  });

  it('POST /test sends a synthetic webhook.test event', async () => {
    const rx = await receiver();
    const hook = await subscribe(rx.urlFor('/t'), ['message.received']);
    const res = await h.http.post(`/api/v1/webhooks/${hook.id}/test`).set(a.zagely);
    expect(res.status).toBe(202);
    const [req] = await rx.waitForRequests(1, () => true, 10_000);
    expect(req.headers['x-zagely-event']).toBe('webhook.test');
    expect(JSON.parse(req.body)).toMatchObject({ event: 'webhook.test', tenant_id: a.id, delivery_id: res.body.data.id });
    expect(zagelyVerifies(hook.secret, req)).toBe(true);
    await waitForDelivery(hook.id, (x) => x.id === res.body.data.id && x.status === 'succeeded');
  });
});

describe('API', () => {
  it('refuses private, loopback and non-http URLs at registration (422 naming url)', async () => {
    for (const url of ['http://10.0.0.5/hook', 'http://169.254.169.254/latest', 'http://127.0.0.2:8080/x', 'http://[::1]/x', 'ftp://example.com/x', 'not a url']) {
      expectFieldError(await h.http.post('/api/v1/webhooks').set(a.zagely).send({ url, events: ['contact.created'] }), 'url');
    }
    const hook = await subscribe('https://example.com/ok', ['contact.created']);
    expectFieldError(await h.http.patch(`/api/v1/webhooks/${hook.id}`).set(a.zagely).send({ url: 'http://192.168.1.1/' }), 'url');
  });

  it('validates events and secrets; keeps a given secret', async () => {
    expectFieldError(await h.http.post('/api/v1/webhooks').set(a.zagely).send({ url: 'https://example.com/h', events: ['message.exploded'] }), 'events.0');
    expectFieldError(await h.http.post('/api/v1/webhooks').set(a.zagely).send({ url: 'https://example.com/h', events: [] }), 'events');
    expectFieldError(await h.http.post('/api/v1/webhooks').set(a.zagely).send({ url: 'https://example.com/h', events: ['contact.created'], secret: 'short' }), 'secret');
    const res = await h.http.post('/api/v1/webhooks').set(a.zagely).send({ url: 'https://example.com/h', events: ['contact.created', 'contact.created'], secret: 'my-own-secret-123456' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ secret: 'my-own-secret-123456', events: ['contact.created'], active: true });
  });

  it('updates, deactivates (no deliveries while inactive) and deletes', async () => {
    const rx = await receiver();
    const hook = await subscribe(rx.urlFor('/u'), ['contact.created']);
    const upd = await h.http.put(`/api/v1/webhooks/${hook.id}`).set(a.zagely).send({ events: ['contact.updated'], active: false });
    expect(upd.status).toBe(200);
    expect(upd.body.data).toMatchObject({ events: ['contact.updated'], active: false });
    await h.http.post('/api/v1/contacts').set(a.zagely).send({ phone_number: '+14155550140', name: 'Quiet' });
    expect(Number((await h.db('webhook_deliveries').where({ subscription_id: hook.id }).count('* as n'))[0].n)).toBe(0);
    expect((await h.http.delete(`/api/v1/webhooks/${hook.id}`).set(a.zagely)).status).toBe(200);
    expectError(await h.http.get(`/api/v1/webhooks/${hook.id}`).set(a.zagely), 404, 'not_found');
  });

  it('hides one workspace’s webhooks and deliveries from another (404)', async () => {
    const hook = await subscribe('https://example.com/a-only', ['contact.created']);
    for (const [method, path] of [
      ['get', `/api/v1/webhooks/${hook.id}`],
      ['patch', `/api/v1/webhooks/${hook.id}`],
      ['delete', `/api/v1/webhooks/${hook.id}`],
      ['get', `/api/v1/webhooks/${hook.id}/deliveries`],
      ['post', `/api/v1/webhooks/${hook.id}/test`],
    ] as const) {
      expectError(await h.http[method](path).set(b.zagely).send({}), 404, 'not_found');
    }
    const list = await h.http.get('/api/v1/webhooks').set(b.zagely);
    expect(JSON.stringify(list.body)).not.toContain(hook.id);
  });

  it('needs webhooks.read / webhooks.write', async () => {
    const key = await h.http.post('/api/v1/api-keys').set(a.zagely).send({ name: 'contacts only', abilities: ['contacts.read'] });
    expect(key.status).toBe(201);
    const headers = { 'X-Public-Key': key.body.data.public_key, 'X-Secret-Key': key.body.data.secret_key };
    expectError(await h.http.get('/api/v1/webhooks').set(headers), 403, 'insufficient_ability');
    expectError(await h.http.post('/api/v1/webhooks').set(headers).send({ url: 'https://example.com/x', events: ['contact.created'] }), 403, 'insufficient_ability');
  });
});

describe('bulk replay', () => {
  const failedOf = async (hookId: string, n: number) => {
    const until = Date.now() + 90_000;
    for (;;) {
      const rows = await h.db('webhook_deliveries').where({ subscription_id: hookId, status: 'failed' }).orderBy('created_at');
      if (rows.length >= n) return rows as { id: string; created_at: Date; attempts: number }[];
      if (Date.now() > until) throw new Error(`only ${rows.length} of ${n} deliveries failed in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('sends every failed delivery of a time range again, once each, under its delivery id; others stay failed', async () => {
    const rx = await receiver();
    rx.respondWith(500, 'down');
    const hook = await subscribe(rx.urlFor('/bulk'), ['contact.created']);
    // Failed deliveries an hour before and after the range (written directly: waiting an hour is not a test).
    const outside = await h.db('webhook_deliveries')
      .insert([-1, 1].map((hours) => ({ workspace_id: a.id, subscription_id: hook.id, event_id: crypto.randomUUID(), event_type: 'contact.created', payload: '{}', status: 'failed', attempts: 5, dispatched_at: new Date(), created_at: new Date(Date.now() + hours * 3_600_000) })))
      .returning('id');
    for (let i = 0; i < 4; i++) await h.http.post('/api/v1/contacts').set(a.zagely).send({ phone_number: `+1415555021${i}`, name: `In range ${i}` });
    const inRange = (await failedOf(hook.id, 6)).filter((d) => !outside.some((o) => o.id === d.id));
    expect(inRange).toHaveLength(4);
    expect(rx.requests).toHaveLength(4 * 5);

    rx.respondWith(200, 'back');
    // created_at has microseconds, a Date milliseconds: round the end up so the last delivery is inside.
    const range = { from: inRange[0].created_at.toISOString(), to: new Date(inRange[3].created_at.getTime() + 1).toISOString() };
    expectError(await h.http.post(`/api/v1/webhooks/${hook.id}/deliveries/replay`).set(b.zagely).send(range), 404, 'not_found');
    expectFieldError(await h.http.post(`/api/v1/webhooks/${hook.id}/deliveries/replay`).set(a.zagely).send({ from: range.to, to: range.from }), 'to');
    expectFieldError(await h.http.post(`/api/v1/webhooks/${hook.id}/deliveries/replay`).set(a.zagely).send({ from: '2026-11-01', to: range.to }), 'from');
    const res = await h.http.post(`/api/v1/webhooks/${hook.id}/deliveries/replay`).set(a.zagely).send(range);
    expect(res.status).toBe(202);
    expect(res.body.data).toEqual({ count: 4 });

    await rx.waitForRequests(4 * 5 + 4, () => true, 15_000);
    for (const id of inRange.map((d) => d.id)) await waitForDelivery(hook.id, (x) => x.id === id && x.status === 'succeeded');
    // A second replay of the same range finds nothing failed; nothing arrives twice.
    expect((await h.http.post(`/api/v1/webhooks/${hook.id}/deliveries/replay`).set(a.zagely).send(range)).body.data).toEqual({ count: 0 });
    await new Promise((r) => setTimeout(r, 500));
    const after = rx.requests.slice(4 * 5);
    expect(after).toHaveLength(4);
    expect(after.map((r) => r.headers['x-zagely-delivery']).sort()).toEqual(inRange.map((d) => d.id).sort());
    expect(after.map((r) => JSON.parse(r.body).delivery_id).sort()).toEqual(inRange.map((d) => d.id).sort());
    const rows = await h.db('webhook_deliveries').where({ subscription_id: hook.id }).orderBy('created_at');
    expect(rows.filter((d) => outside.some((o) => o.id === d.id)).map((d) => [d.status, d.attempts, d.dispatched_at !== null])).toEqual([['failed', 5, true], ['failed', 5, true]]);
    expect(rows.filter((d) => inRange.some((x) => x.id === d.id)).map((d) => [d.status, d.attempts])).toEqual(Array(4).fill(['succeeded', 6]));

    // status: succeeded sends acknowledged deliveries again (a receiver that lost them), still under their ids.
    const again = await h.http.post(`/api/v1/webhooks/${hook.id}/deliveries/replay`).set(a.zagely).send({ ...range, status: 'succeeded' });
    expect(again.body.data).toEqual({ count: 4 });
    const resent = (await rx.waitForRequests(4 * 5 + 8, () => true, 15_000)).slice(4 * 5 + 4);
    expect(resent.map((r) => r.headers['x-zagely-delivery']).sort()).toEqual(inRange.map((d) => d.id).sort());
  });
});
