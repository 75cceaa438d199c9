import type { Response } from 'supertest';
import { SIMULATOR_NUMBERS } from '../../carriers/simulator/adapter';
import { insertCarrierPhone } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectError, expectFieldError, roomyLimits } from '../helpers/zagely';

/*
 * Zagely campaigns end to end: real PostgreSQL, Temporal (workflows, a Schedule for recurring campaigns), the worker
 * and the simulator carrier, whose receipts come back through the signed callback route. Batches are small (4
 * recipients, 2 in flight) so a paced campaign can be paused and resumed while it is observed.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness({
    worker: true,
    // Recurring campaigns fire every 2 s here, below the default minimum of 60 s.
    env: { SIMULATOR_SENT_DELAY_MS: '50', SIMULATOR_DELIVERED_DELAY_MS: '100', CAMPAIGN_BATCH_SIZE: '4', CAMPAIGN_PARALLEL_BATCHES: '2', CAMPAIGN_MIN_RECURRENCE_SECONDS: '1' },
  });
});
afterAll(() => h.close());

interface World {
  ws: TestWorkspace;
  sessionId: string;
  contactIds: string[];
}

let worlds = 0;
/** A workspace of its own: quiet hours off, roomy limits, one simulator session and these contacts (inserted directly). */
async function world(phones: string[], opts: { messagesPerSecond?: number } = {}): Promise<World> {
  const n = ++worlds;
  const ws = await h.workspace(`Campaigns ${n}`);
  await roomyLimits(h.db, ws.id);
  await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
  const sim = await insertCarrierPhone(h.db, { workspaceId: ws.id, phone: `+1415555${String(9000 + n).padStart(4, '0')}`, source: 'SIMULATOR', patch: { messages_per_second: opts.messagesPerSecond ?? 50 } });
  const contactIds: string[] = [];
  for (const [i, phone] of phones.entries()) {
    const [c] = await h.db('contacts').insert({ workspace_id: ws.id, name: `Customer ${i + 1}`, phone }).returning('id');
    contactIds.push(c.id);
  }
  return { ws, sessionId: sim.id, contactIds };
}

const numbers = (count: number, from = 100) => Array.from({ length: count }, (_, i) => `+1415556${String(from + i).padStart(4, '0')}`);

interface Campaign {
  id: string;
  name: string;
  status: string;
  scheduled_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  total_recipients: number | null;
  parent_id: string | null;
  run_number: number | null;
  [key: string]: unknown;
}

async function create(w: World, body: Record<string, unknown>): Promise<Campaign> {
  const res = await h.http.post('/api/v1/campaigns').set(w.ws.zagely).send({ name: 'Campaign', session_id: w.sessionId, message_content: 'Hi {{ name }}!', ...body });
  if (res.status !== 201) throw new Error(`create campaign: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

const act = (w: World, id: string, action: string) => h.http.post(`/api/campaigns/${id}/${action}`).set(w.ws.zagely);
const show = async (w: World, id: string): Promise<Campaign> => (await h.http.get(`/api/v1/campaigns/${id}`).set(w.ws.zagely)).body.data;
const stats = async (w: World, id: string) => (await h.http.get(`/api/campaigns/${id}/stats`).set(w.ws.zagely)).body;

async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000, everyMs = 150): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const hit = await probe();
    if (hit !== undefined && hit !== false) return hit;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const waitForStatus = (w: World, id: string, status: string, timeoutMs = 20_000) =>
  waitFor(async () => {
    const c = await show(w, id);
    return c.status === status ? c : undefined;
  }, `campaign ${id} to be ${status}`, timeoutMs);

/** Messages of a campaign the carrier accepted (sent_at set), straight from the table. */
const sentCount = async (campaignId: string) => Number((await h.db('messages').where({ campaign_id: campaignId }).whereNotNull('sent_at').count({ n: '*' }))[0].n);
const inFlight = async (campaignId: string) => Number((await h.db('messages').where({ campaign_id: campaignId }).whereIn('status', ['queued', 'sending']).count({ n: '*' }))[0].n);

/** A 409 invalid_state whose body names the current status. */
function expectInvalidState(res: Response, status: string): void {
  expectError(res, 409, 'invalid_state');
  expect(res.body.error.details).toEqual({ status });
  expect(res.body.error.message).toContain(status);
}

/** A 422 with some field at or under `prefix` (zod names array items, e.g. buttons.0.type). */
function expectFieldUnder(res: Response, prefix: string): void {
  if (res.status !== 422) throw new Error(`expected 422 naming ${prefix}, got ${res.status}: ${JSON.stringify(res.body)}`);
  expect(Object.keys(res.body.error.details.errors).some((k) => k === prefix || k.startsWith(`${prefix}.`))).toBe(true);
}

describe('creating campaigns', () => {
  let w: World;
  let other: World;
  beforeAll(async () => {
    w = await world(numbers(2, 10));
    other = await world([]);
  });

  it('creates a draft with the documented fields and defaults (201), shown, listed and under both prefixes', async () => {
    const group = await h.http.post('/api/v1/contact-groups').set(w.ws.zagely).send({ name: 'Buyers' });
    const res = await h.http
      .post('/api/v1/campaigns')
      .set(w.ws.zagely)
      .send({
        name: 'April Flash Sale',
        session_id: w.sessionId,
        message_content: 'Hi {{ name }}! Flash sale — 30% off today only. Shop now 👉 https://example.com/sale',
        target_type: 'group',
        target_filters: { group_id: group.body.data.id },
        media_url: 'https://example.com/sale.jpg',
        buttons: [{ type: 'quick_reply', text: 'Stop' }],
      });
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'April Flash Sale',
      channel: 'whatsapp',
      session_id: w.sessionId,
      session_ids: [w.sessionId],
      message_content: 'Hi {{ name }}! Flash sale — 30% off today only. Shop now 👉 https://example.com/sale',
      target_type: 'group',
      target_filters: { group_id: group.body.data.id },
      media_url: 'https://example.com/sale.jpg',
      buttons: [{ type: 'quick_reply', text: 'Stop' }],
      status: 'draft',
      scheduled_at: null,
      end_at: null,
      enable_link_shortening: false,
      started_at: null,
      paused_at: null,
      completed_at: null,
      canceled_at: null,
      total_recipients: null,
      recurrence: null,
      parent_id: null,
      run_number: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const id = res.body.data.id;
    for (const path of [`/api/v1/campaigns/${id}`, `/api/campaigns/${id}`]) {
      const shown = await h.http.get(path).set(w.ws.zagely);
      expect(shown.status).toBe(200);
      expect(shown.body.data).toEqual(res.body.data);
    }
    const listed = await h.http.get('/api/campaigns?status=draft&per_page=10').set(w.ws.zagely);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ current_page: 1, per_page: 10, total: 1, last_page: 1 });
    expect(listed.body.data.map((c: Campaign) => c.id)).toEqual([id]);
    expect((await h.http.get('/api/v1/campaigns?status=running,completed').set(w.ws.zagely)).body.total).toBe(0);
    // Another workspace sees nothing of it.
    expect((await h.http.get(`/api/v1/campaigns/${id}`).set(other.ws.zagely)).status).toBe(404);
    expect((await h.http.get('/api/v1/campaigns').set(other.ws.zagely)).body.total).toBe(0);

    // Our extensions: several senders, sms, end_at, link shortening; session_id defaults to a key's bound session.
    const second = await insertCarrierPhone(h.db, { workspaceId: w.ws.id, phone: '+14155558888', source: 'SIMULATOR' });
    const end = new Date(Date.now() + 86_400_000).toISOString();
    const ext = await create(w, { channel: 'sms', session_ids: [w.sessionId, second.id], end_at: end, enable_link_shortening: true, session_id: undefined });
    expect(ext).toMatchObject({ channel: 'sms', session_id: w.sessionId, session_ids: [w.sessionId, second.id], end_at: end, enable_link_shortening: true, target_type: 'all', target_filters: null });
    const key = await h.http.post('/api/v1/api-keys').set(w.ws.zagely).send({ name: 'Bound', abilities: ['campaigns.write'], session_id: second.id });
    const bound = await h.http
      .post('/api/v1/campaigns')
      .set({ 'X-Public-Key': key.body.data.public_key, 'X-Secret-Key': key.body.data.secret_key })
      .send({ name: 'Bound', message_content: 'x' });
    expect(bound.status).toBe(201);
    expect(bound.body.data.session_ids).toEqual([second.id]);
  });

  it('names the field of every invalid input (422)', async () => {
    const post = (body: Record<string, unknown>) =>
      h.http.post('/api/v1/campaigns').set(w.ws.zagely).send({ name: 'Valid', session_id: w.sessionId, message_content: 'Hello', ...body });
    expectFieldError(await post({ name: undefined }), 'name');
    expectFieldError(await post({ name: 'x'.repeat(256) }), 'name');
    for (const channel of ['telegram', 'messenger', 'viber', 'webpush', 'email', 'discord']) {
      const [message] = expectFieldError(await post({ channel }), 'channel');
      expect(message).toMatch(new RegExp(`${channel} is not supported by this server`));
    }
    expectFieldError(await post({ channel: 'pigeon' }), 'channel');
    expectFieldError(await post({ session_id: undefined }), 'session_id');
    expectFieldError(await post({ session_id: 'not-a-uuid' }), 'session_id');
    expectFieldError(await post({ session_id: other.sessionId }), 'session_id');
    expectFieldError(await post({ session_ids: [w.sessionId, other.sessionId] }), 'session_ids.1');
    expectFieldError(await post({ message_content: undefined }), 'message_content');
    expectFieldError(await post({ message_content: '   ' }), 'message_content');
    expectFieldError(await post({ target_type: 'everyone' }), 'target_type');
    expectFieldError(await post({ target_type: 'group' }), 'target_filters');
    expectFieldError(await post({ target_type: 'group', target_filters: { tags: ['vip'] } }), 'target_filters.group_id');
    expectFieldError(await post({ target_type: 'group', target_filters: { group_id: '00000000-0000-4000-8000-000000000000' } }), 'target_filters.group_id');
    expectFieldError(await post({ target_type: 'filter', target_filters: {} }), 'target_filters');
    expectFieldError(await post({ target_type: 'filter', target_filters: { tagz: ['vip'] } }), 'target_filters');
    expectFieldError(await post({ target_type: 'filter', target_filters: { created_from: 'yesterday' } }), 'target_filters.created_from');
    expectFieldError(await post({ target_type: 'all', target_filters: { tags: ['vip'] } }), 'target_filters');
    expectFieldError(await post({ scheduled_at: new Date(Date.now() - 60_000).toISOString() }), 'scheduled_at');
    expectFieldError(await post({ scheduled_at: 'tomorrow at nine' }), 'scheduled_at');
    expectFieldError(await post({ scheduled_at: new Date(Date.now() + 120_000).toISOString(), end_at: new Date(Date.now() + 60_000).toISOString() }), 'end_at');
    expectFieldError(await post({ media_url: 'ftp://example.com/a.jpg' }), 'media_url');
    expectFieldError(await post({ media_url: 'http://127.0.0.1/a.jpg' }), 'media_url');
    expectFieldError(await post({ channel: 'mms' }), 'media_url');
    expectFieldUnder(await post({ buttons: [{ type: 'quick_reply' }] }), 'buttons');
    expectFieldError(await post({ enable_link_shortening: 'yes' }), 'enable_link_shortening');
    expectFieldError(await post({ recurrence: {} }), 'recurrence');
    expectFieldError(await post({ recurrence: { cron: '0 9 * * 1', interval_seconds: 60 } }), 'recurrence');
    expectFieldError(await post({ recurrence: { interval_seconds: 0 } }), 'recurrence.interval_seconds');
    expectFieldError(await post({ recurrence: { cron: 'every monday' } }), 'recurrence.cron');
    expectFieldError(await post({ recurrence: { cron: '0 9 * * 1', timezone: 'Mars/Olympus' } }), 'recurrence.timezone');
    expectFieldError(await post({ recurrence: { interval_seconds: 60 }, end_at: new Date(Date.now() + 60_000).toISOString() }), 'end_at');
    expectFieldUnder(await h.http.get('/api/v1/campaigns?status=sending').set(w.ws.zagely), 'status');
    expect((await h.http.get('/api/v1/campaigns/not-a-uuid').set(w.ws.zagely)).status).toBe(422);
    // Nothing was created by any of these.
    expect(await h.db('campaigns').where({ workspace_id: w.ws.id, name: 'Valid' })).toHaveLength(0);
  });

  it('needs campaigns.read to read and campaigns.write to change (403 insufficient_ability)', async () => {
    const key = await h.http.post('/api/v1/api-keys').set(w.ws.zagely).send({ name: 'Reader', abilities: ['campaigns.read'] });
    const reader = { 'X-Public-Key': key.body.data.public_key, 'X-Secret-Key': key.body.data.secret_key };
    const draft = await create(w, { name: 'Guarded' });
    expect((await h.http.get('/api/v1/campaigns').set(reader)).status).toBe(200);
    expect((await h.http.get(`/api/campaigns/${draft.id}/stats`).set(reader)).status).toBe(200);
    const refused = await h.http.post('/api/v1/campaigns').set(reader).send({ name: 'No', session_id: w.sessionId, message_content: 'x' });
    expectError(refused, 403, 'insufficient_ability');
    expect(refused.body.error.details).toEqual({ required_ability: 'campaigns.write' });
    expectError(await h.http.post(`/api/v1/campaigns/${draft.id}/start`).set(reader), 403, 'insufficient_ability');
    expectError(await h.http.delete(`/api/v1/campaigns/${draft.id}`).set(reader), 403, 'insufficient_ability');
  });
});

describe('lifecycle', () => {
  it('draft → (update) → start → running → completed, with every recipient sent to once', async () => {
    const w = await world(numbers(3, 200));
    const draft = await create(w, { name: 'Launch' });
    const upd = await h.http.put(`/api/v1/campaigns/${draft.id}`).set(w.ws.zagely).send({ name: 'Launch day', message_content: 'Hello {{ name }}' });
    expect(upd.status).toBe(200);
    expect(upd.body.data).toMatchObject({ name: 'Launch day', message_content: 'Hello {{ name }}', status: 'draft', session_id: w.sessionId });

    const started = await act(w, draft.id, 'start');
    expect(started.status).toBe(200);
    expect(started.body.data.status).toBe('running');
    const done = await waitForStatus(w, draft.id, 'completed');
    expect(done).toMatchObject({ total_recipients: 3, started_at: expect.any(String), completed_at: expect.any(String) });
    const msgs = await h.db('messages').where({ campaign_id: draft.id }).orderBy('to_address');
    expect(msgs.map((m) => m.to_address)).toEqual(numbers(3, 200));
    expect(msgs.map((m) => m.content)).toEqual(['Hello Customer 1', 'Hello Customer 2', 'Hello Customer 3']);
    expect(new Set(msgs.map((m) => m.channel))).toEqual(new Set(['whatsapp']));

    const recipients = await h.http.get(`/api/v1/campaigns/${draft.id}/recipients?per_page=2`).set(w.ws.zagely);
    expect(recipients.status).toBe(200);
    expect(recipients.body).toMatchObject({ total: 3, per_page: 2, last_page: 2 });
    expect(recipients.body.data[0]).toEqual({
      contact_id: w.contactIds[0],
      contact_name: 'Customer 1',
      phone_number: numbers(1, 200)[0],
      session_id: w.sessionId,
      status: expect.stringMatching(/^(sent|delivered)$/),
      message_id: expect.any(String),
      content: 'Hello Customer 1',
      error_code: null,
      error_message: null,
      sent_at: expect.any(String),
      delivered_at: recipients.body.data[0].delivered_at, // the receipt may still be on its way
      read_at: null,
      failed_at: null,
    });

    // A completed campaign allows nothing but reading.
    expectInvalidState(await act(w, draft.id, 'start'), 'completed');
    expectInvalidState(await act(w, draft.id, 'pause'), 'completed');
    expectInvalidState(await act(w, draft.id, 'resume'), 'completed');
    expectInvalidState(await act(w, draft.id, 'cancel'), 'completed');
    expectInvalidState(await h.http.patch(`/api/v1/campaigns/${draft.id}`).set(w.ws.zagely).send({ name: 'Too late' }), 'completed');
    expectInvalidState(await h.http.delete(`/api/v1/campaigns/${draft.id}`).set(w.ws.zagely), 'completed');
    // A draft can be neither paused, resumed nor canceled; it can be deleted.
    const other = await create(w, { name: 'Never sent' });
    expectInvalidState(await act(w, other.id, 'pause'), 'draft');
    expectInvalidState(await act(w, other.id, 'resume'), 'draft');
    expectInvalidState(await act(w, other.id, 'cancel'), 'draft');
    const deleted = await h.http.delete(`/api/campaigns/${other.id}`).set(w.ws.zagely);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ message: 'Campaign deleted.' });
    expect((await h.http.get(`/api/v1/campaigns/${other.id}`).set(w.ws.zagely)).status).toBe(404);
  });

  it('pauses (sending stops), resumes (sending goes on) and cancels (the rest are never sent) a paced campaign', async () => {
    const w = await world(numbers(20, 300), { messagesPerSecond: 2 });
    const c = await create(w, { name: 'Paced' });
    expect((await act(w, c.id, 'start')).body.data.status).toBe('running');
    await waitFor(async () => (await sentCount(c.id)) >= 2, 'the first sends');

    // Illegal while running.
    expectInvalidState(await act(w, c.id, 'resume'), 'running');
    expectInvalidState(await act(w, c.id, 'start'), 'running');
    expectInvalidState(await h.http.put(`/api/v1/campaigns/${c.id}`).set(w.ws.zagely).send({ name: 'Changed' }), 'running');
    expectInvalidState(await h.http.delete(`/api/v1/campaigns/${c.id}`).set(w.ws.zagely), 'running');

    const paused = await act(w, c.id, 'pause');
    expect(paused.status).toBe(200);
    expect(paused.body.data).toMatchObject({ status: 'paused', paused_at: expect.any(String) });
    expectInvalidState(await act(w, c.id, 'pause'), 'paused');
    expectInvalidState(await h.http.patch(`/api/v1/campaigns/${c.id}`).set(w.ws.zagely).send({ name: 'Changed' }), 'paused');
    // Sends already claimed finish (at most one batch); then nothing more goes out.
    await waitFor(async () => (await inFlight(c.id)) === 0, 'the in-flight batch to finish');
    const atPause = await sentCount(c.id);
    await sleep(1500);
    expect(await sentCount(c.id)).toBe(atPause);
    expect(atPause).toBeLessThan(20);
    expect((await stats(w, c.id)).pending_count).toBe(20 - atPause);

    const resumed = await act(w, c.id, 'resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body.data).toMatchObject({ status: 'running', paused_at: null });
    await waitFor(async () => (await sentCount(c.id)) > atPause, 'sending to go on after resume');

    const canceled = await act(w, c.id, 'cancel');
    expect(canceled.status).toBe(200);
    expect(canceled.body.data).toMatchObject({ status: 'canceled', canceled_at: expect.any(String) });
    await h.temporal.workflow.getHandle(`campaign-${c.id}`).result();
    const atCancel = await sentCount(c.id);
    await sleep(1500);
    expect(await sentCount(c.id)).toBe(atCancel);
    const s = await stats(w, c.id);
    expect(s).toMatchObject({ total_recipients: 20, sent_count: atCancel, pending_count: 0 });
    expect(s.canceled_count).toBeGreaterThan(0);
    expect(s.sent_count + s.canceled_count).toBe(20);
    const never = await h.http.get(`/api/v1/campaigns/${c.id}/recipients?status=canceled&per_page=50`).set(w.ws.zagely);
    expect(never.body.total).toBe(s.canceled_count);
    for (const r of never.body.data) expect(r).toMatchObject({ status: 'canceled', sent_at: null });
    expect((await show(w, c.id)).status).toBe('canceled');

    // Webhook-visible events: started and paused once each; a canceled run does not complete.
    const campaignEvents = await h.db('events').where({ subject_id: c.id }).orderBy('seq').pluck('type');
    expect(campaignEvents).toEqual(['campaign.started', 'campaign.paused']);
    expectInvalidState(await act(w, c.id, 'cancel'), 'canceled');
    expectInvalidState(await act(w, c.id, 'resume'), 'canceled');
    expect((await h.http.delete(`/api/v1/campaigns/${c.id}`).set(w.ws.zagely)).status).toBe(200);
  });
});

describe('statistics', () => {
  it('counts sent, delivered, read and failed recipients and computes the rates as documented', async () => {
    // Two plain numbers (delivered), one read, one that never gets a receipt (sent only), one refused at send time.
    const w = await world([...numbers(2, 400), SIMULATOR_NUMBERS.read, SIMULATOR_NUMBERS.noReceipt, SIMULATOR_NUMBERS.invalidTo]);
    const c = await create(w, { name: 'Measured' });
    const empty = await stats(w, c.id);
    expect(empty).toMatchObject({ total_recipients: 0, sent_count: 0, delivery_rate: 0, read_rate: 0 });
    await act(w, c.id, 'start');
    await waitForStatus(w, c.id, 'completed');
    const s = await waitFor(async () => {
      const body = await stats(w, c.id);
      return body.delivered_count === 3 && body.read_count === 1 ? body : undefined;
    }, 'the delivery and read receipts');
    expect(s).toEqual({
      total_recipients: 5,
      sent_count: 4,
      delivered_count: 3,
      read_count: 1,
      failed_count: 1,
      pending_count: 0,
      delivery_rate: 75, // 3 of 4 sent
      read_rate: 33.33, // 1 of 3 delivered
      clicked_count: 0,
      replied_count: 0,
      undelivered_count: 0,
      expired_count: 0,
      canceled_count: 0,
      excluded_count: 0,
    });
    // The same under /api/v1.
    expect((await h.http.get(`/api/v1/campaigns/${c.id}/stats`).set(w.ws.zagely)).body).toEqual(s);
    const failed = await h.http.get(`/api/v1/campaigns/${c.id}/recipients?status=failed`).set(w.ws.zagely);
    expect(failed.body.total).toBe(1);
    expect(failed.body.data[0]).toMatchObject({ phone_number: SIMULATOR_NUMBERS.invalidTo, status: 'failed', error_code: '21211', sent_at: null });
    const read = await h.http.get(`/api/v1/campaigns/${c.id}/recipients?status[]=read&status[]=delivered`).set(w.ws.zagely);
    expect(read.body.total).toBe(3);
  });
});

describe('scheduling', () => {
  it('launches a campaign by itself at scheduled_at; it can be updated while scheduled', async () => {
    const w = await world(numbers(2, 500));
    const at = new Date(Date.now() + 3000);
    const c = await create(w, { name: 'Later', scheduled_at: at.toISOString() });
    expect(c).toMatchObject({ status: 'scheduled', scheduled_at: at.toISOString(), started_at: null });
    const upd = await h.http.patch(`/api/campaigns/${c.id}`).set(w.ws.zagely).send({ message_content: 'Changed {{ name }}' });
    expect(upd.status).toBe(200);
    expect(upd.body.data).toMatchObject({ status: 'scheduled', message_content: 'Changed {{ name }}' });
    expectInvalidState(await act(w, c.id, 'pause'), 'scheduled');
    expect(await sentCount(c.id)).toBe(0);
    const done = await waitForStatus(w, c.id, 'completed');
    expect(new Date(done.started_at!).getTime()).toBeGreaterThanOrEqual(at.getTime());
    const msgs = await h.db('messages').where({ campaign_id: c.id });
    expect(msgs.map((m) => m.content).sort()).toEqual(['Changed Customer 1', 'Changed Customer 2']);
  });

  it('schedules a draft given a future scheduled_at; canceling it before then sends nothing; then it can be deleted', async () => {
    const w = await world(numbers(1, 550));
    const c = await create(w, { name: 'Draft then scheduled' });
    const at = new Date(Date.now() + 60_000).toISOString();
    const upd = await h.http.patch(`/api/v1/campaigns/${c.id}`).set(w.ws.zagely).send({ scheduled_at: at });
    expect(upd.status).toBe(200);
    expect(upd.body.data).toMatchObject({ status: 'scheduled', scheduled_at: at });
    expectFieldError(await h.http.patch(`/api/v1/campaigns/${c.id}`).set(w.ws.zagely).send({ scheduled_at: new Date(Date.now() - 1000).toISOString() }), 'scheduled_at');
    const canceled = await act(w, c.id, 'cancel');
    expect(canceled.body.data.status).toBe('canceled');
    await h.temporal.workflow.getHandle(`campaign-${c.id}`).result();
    expect(await h.db('messages').where({ campaign_id: c.id })).toHaveLength(0);
    expect(await show(w, c.id)).toMatchObject({ status: 'canceled', started_at: null });
    expect((await h.http.delete(`/api/v1/campaigns/${c.id}`).set(w.ws.zagely)).status).toBe(200);
  });
});

describe('recurring campaigns', () => {
  it('fires every interval, each run a campaign with its own stats; pausing stops new runs, resuming restarts them', async () => {
    const w = await world(numbers(2, 600));
    const c = await create(w, { name: 'Every 2 s', recurrence: { interval_seconds: 2 } });
    expect(c).toMatchObject({ status: 'draft', recurrence: { interval_seconds: 2, timezone: 'UTC', end_at: null } });
    expect((await act(w, c.id, 'start')).body.data.status).toBe('running');

    const runs = async () => (await h.http.get(`/api/v1/campaigns/${c.id}/runs`).set(w.ws.zagely)).body;
    const twice = await waitFor(async () => {
      const body = await runs();
      return body.total >= 2 && body.data.slice(-2).every((r: Campaign) => r.status === 'completed') ? body : undefined;
    }, 'two completed runs', 25_000);
    const [first, second] = [...twice.data].reverse(); // newest first
    expect(first).toMatchObject({ parent_id: c.id, run_number: 1, name: 'Every 2 s', status: 'completed', recurrence: null });
    expect(second).toMatchObject({ parent_id: c.id, run_number: 2 });
    expect(first.id).not.toBe(second.id);
    for (const run of [first, second]) {
      expect(run.stats).toMatchObject({ total_recipients: 2, sent_count: 2, failed_count: 0 });
      expect(await h.db('messages').where({ campaign_id: run.id })).toHaveLength(2);
    }
    expect(twice.upcoming.length).toBeGreaterThan(0);
    for (const t of twice.upcoming) expect(new Date(t).getTime()).toBeGreaterThan(Date.now() - 2000);
    // A run is shown like any campaign; the recurring campaign itself is the only one listed.
    expect((await show(w, first.id)).parent_id).toBe(c.id);
    expect((await h.http.get('/api/v1/campaigns').set(w.ws.zagely)).body.data.map((x: Campaign) => x.id)).toEqual([c.id]);
    // The recurring campaign's stats are its runs' together.
    const all = await stats(w, c.id);
    expect(all.total_recipients).toBeGreaterThanOrEqual(4);
    expect(all.total_recipients % 2).toBe(0);

    expect((await act(w, c.id, 'pause')).body.data.status).toBe('paused');
    await sleep(1000); // a firing already under way may still create its run
    const atPause = (await runs()).total;
    await sleep(3000);
    const whilePaused = await runs();
    expect(whilePaused.total).toBe(atPause);
    expect(whilePaused.upcoming).toEqual([]);

    expect((await act(w, c.id, 'resume')).body.data.status).toBe('running');
    await waitFor(async () => (await runs()).total > atPause, 'a run after resume', 10_000);

    expect((await act(w, c.id, 'cancel')).body.data.status).toBe('canceled');
    await sleep(1000);
    const atCancel = (await runs()).total;
    await sleep(2500);
    const afterCancel = await runs();
    expect(afterCancel.total).toBe(atCancel);
    expect(afterCancel.upcoming).toEqual([]);
  });
});

describe('targeting', () => {
  it('sends to the members of a static group only', async () => {
    const w = await world(numbers(5, 700));
    const group = await h.http.post('/api/v1/contact-groups').set(w.ws.zagely).send({ name: 'Chosen', type: 'static' });
    const chosen = [w.contactIds[1], w.contactIds[3]];
    expect((await h.http.post(`/api/v1/contact-groups/${group.body.data.id}/contacts`).set(w.ws.zagely).send({ contact_ids: chosen })).status).toBe(200);
    const c = await create(w, { name: 'Group only', target_type: 'group', target_filters: { group_id: group.body.data.id } });
    await act(w, c.id, 'start');
    const done = await waitForStatus(w, c.id, 'completed');
    expect(done.total_recipients).toBe(2);
    const msgs = await h.db('messages').where({ campaign_id: c.id });
    expect(msgs.map((m) => m.contact_id).sort()).toEqual([...chosen].sort());
  });

  it('sends to the contacts matching filters (tags, created dates, search)', async () => {
    const w = await world([]);
    const made = async (phone: string, name: string, tags: string[]) => {
      const res = await h.http.post('/api/v1/contacts').set(w.ws.zagely).send({ phone_number: phone, name, tags });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      return res.body.data.id as string;
    };
    const vip = await made('+14155557001', 'Vera VIP', ['vip']);
    const vipOptOut = await made('+14155557002', 'Otto VIP', ['vip', 'paused']);
    await made('+14155557003', 'Norm', []);
    const c = await create(w, {
      name: 'VIPs',
      target_type: 'filter',
      target_filters: { tags: ['VIP'], exclude_tags: ['paused'], created_from: '2020-01-01', created_to: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(c.target_filters).toEqual({ tags: ['VIP'], exclude_tags: ['paused'], created_from: '2020-01-01', created_to: expect.any(String) });
    await act(w, c.id, 'start');
    expect((await waitForStatus(w, c.id, 'completed')).total_recipients).toBe(1);
    expect((await h.db('messages').where({ campaign_id: c.id })).map((m) => m.contact_id)).toEqual([vip]);
    expect(vipOptOut).toBeDefined();

    // Changing the audience of a draft: search by name.
    const d = await create(w, { name: 'Norms' });
    const upd = await h.http.patch(`/api/v1/campaigns/${d.id}`).set(w.ws.zagely).send({ target_type: 'filter', target_filters: { search: 'norm' } });
    expect(upd.body.data).toMatchObject({ target_type: 'filter', target_filters: { search: 'norm' } });
    await act(w, d.id, 'start');
    expect((await waitForStatus(w, d.id, 'completed')).total_recipients).toBe(1);
  });
});
