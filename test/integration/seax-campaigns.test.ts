import { phonesRepo } from '../../db/repositories/phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectSeaxError, expectSeaxFieldError, pairWith } from '../helpers/seax';
import { roomyLimits } from '../helpers/zagely';

/*
 * SeaX campaigns end to end: real PostgreSQL, Temporal and worker; senders are simulator phones (fast receipts).
 * Every scenario has its own labels and contacts, so audiences never overlap.
 */
let h: Harness;
let a: TestWorkspace;
let b: TestWorkspace;
let simA: { id: string; phone: string };
let simB: { id: string; phone: string };

const CREATE_FIELDS = ['id', 'name', 'type', 'message', 'status', 'created_time', 'updated_time', 'start_time', 'end_time', 'phones', 'target_contact_count', 'job_id'];
const TERMINAL = ['delivered', 'read', 'failed', 'undelivered', 'expired', 'canceled'];

let seq = 0;
/** A fresh, ordinary US number per contact (never one of the simulator's magic numbers). */
const nextPhone = () => `+1202555${String(1000 + ++seq).padStart(4, '0')}`;

const base = (ws: TestWorkspace = a) => `/api/v1/workspace/${ws.id}/campaigns`;
const createCampaign = (body: Record<string, unknown>, ws: TestWorkspace = a) => h.http.post(base(ws)).set(ws.seax).send(body);
const getCampaign = (id: string, ws: TestWorkspace = a) => h.http.get(`${base(ws)}/${id}`).set(ws.seax);
const logsOf = (id: string, query: Record<string, string | number> = {}, ws: TestWorkspace = a) => h.http.get(`${base(ws)}/${id}/logs`).query(query).set(ws.seax);

async function sender(ws: TestWorkspace, phone: string, name: string) {
  const p = await phonesRepo(h.db).create({ workspace_id: ws.id, name, phone, source: 'SIMULATOR' });
  // Fast pacing: a long code defaults to 1 message per second.
  await h.db('phones').where({ id: p.id }).update({ messages_per_second: 50 });
  return { id: p.id, phone: p.phone };
}

async function label(name: string, ws: TestWorkspace = a): Promise<string> {
  const res = await h.http.post(`/api/v1/workspace/${ws.id}/labels`).set(ws.seax).send({ name });
  expect(res.status).toBe(200);
  return res.body.id as string;
}

type Contact = { id: string; name: string; phone: string | null };
async function contact(name: string, labels: string[], patch: Record<string, unknown> = {}, ws: TestWorkspace = a): Promise<Contact> {
  const [c] = await h.db('contacts').insert({ workspace_id: ws.id, name, phone: nextPhone(), ...patch }).returning('*');
  if (labels.length) await h.db('contact_labels').insert(labels.map((label_id) => ({ workspace_id: ws.id, contact_id: c.id, label_id })));
  return c;
}

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Wait until the campaign is finished and every one of its messages has its final status (receipts included). */
async function finished(id: string, ws: TestWorkspace = a) {
  await waitFor(`campaign ${id} finished`, async () => (await getCampaign(id, ws)).body, (b) => b.status === 'finished');
  await waitFor(`messages of ${id} settled`, () => h.db('messages').where({ campaign_id: id }).whereNotIn('status', TERMINAL).count<{ n: string }[]>({ n: '*' }), ([r]) => Number(r.n) === 0);
  return (await getCampaign(id, ws)).body;
}

const messagesOf = (id: string) => h.db('messages').where({ campaign_id: id }).orderBy('to_address');

beforeAll(async () => {
  // Recurring campaigns fire every 2 s here, below the default minimum of 60 s.
  h = await createHarness({ worker: true, env: { SIMULATOR_SENT_DELAY_MS: '50', SIMULATOR_DELIVERED_DELAY_MS: '100', CAMPAIGN_BATCH_SIZE: '5', CAMPAIGN_PARALLEL_BATCHES: '2', CAMPAIGN_MIN_RECURRENCE_SECONDS: '1' } });
  [a, b] = await Promise.all([h.workspace('A'), h.workspace('B')]);
  for (const ws of [a, b]) {
    await roomyLimits(h.db, ws.id);
    // Always inside the sending window.
    await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
  }
  simA = await sender(a, '+14155550100', 'Marketing Line');
  simB = await sender(a, '+14155550200', 'Second Line');
});
afterAll(() => h.close());

describe('POST /campaigns: validation', () => {
  let phoneOfB: string;
  let valid: Record<string, unknown>;
  beforeAll(async () => {
    phoneOfB = (await sender(b, '+14155550900', 'B line')).id;
    valid = { name: 'Invalid', type: 'SMS', message: 'Hello', phone_ids: [simA.id], any_contact_label_ids: [await label('validation-only')] };
  });
  const future = (s: number) => new Date(Date.now() + s * 1000).toISOString();

  const invalid: [string, Record<string, unknown>][] = [
    ['name', { name: undefined }],
    ['name', { name: '  ' }],
    ['type', { type: undefined }],
    ['type', { type: 'FAX' }],
    ['message', { message: undefined }],
    ['message', { message: 'x'.repeat(1601) }], // SMS/MMS at most 1600 characters
    ['phone_ids', { phone_ids: undefined }],
    ['phone_ids', { phone_ids: [] }],
    ['phone_ids.0', { phone_ids: ['not-a-uuid'] }],
    ['media_urls', { type: 'MMS' }],
    ['media_urls.0', { type: 'MMS', media_urls: ['ftp://example.com/a.jpg'] }],
    ['media_urls', { type: 'WHATSAPP_BUSINESS_PLATFORM_MESSAGE', media_urls: ['https://example.com/a.jpg', 'https://example.com/b.jpg'] }],
    ['start_time', { is_schedule: true }],
    ['start_time', { is_schedule: true, start_time: new Date(Date.now() - 60_000).toISOString() }],
    ['start_time', { is_schedule: true, start_time: '2030-07-18T10:00:00' }],
    ['end_time', { is_schedule: true, start_time: future(3600), end_time: future(1800) }],
    ['end_time', { end_time: new Date(Date.now() - 60_000).toISOString() }],
    ['is_schedule', { is_schedule: 'yes' }],
    ['any_contact_label_ids.0', { any_contact_label_ids: ['no such label'] }],
    ['exclude_any_contact_label_ids.1', { exclude_any_contact_label_ids: ['validation-only', '11111111-2222-4444-3333-555555555555'] }],
    ['attach_contact_label_ids.0', { attach_contact_label_ids: ['DNC'] }],
    ['recurrence', { recurrence: { cron: '0 9 * * *', interval_seconds: 60 } }],
    ['recurrence.cron', { recurrence: { cron: 'every day' } }],
  ];
  it.each(invalid.map(([field, patch]) => [field, JSON.stringify(patch).slice(0, 100), patch] as const))('422 naming %s for %s', async (field, _title, patch) => {
    const before = await h.db('campaigns').where({ workspace_id: a.id }).count<{ n: string }[]>({ n: '*' });
    expectSeaxFieldError(await createCampaign({ ...valid, ...patch }), field);
    const after = await h.db('campaigns').where({ workspace_id: a.id }).count<{ n: string }[]>({ n: '*' });
    expect(after[0].n).toBe(before[0].n);
  });

  it('refuses AI_AGENT: voice campaigns use the auto-dialer API', async () => {
    const [msg] = expectSeaxFieldError(await createCampaign({ ...valid, type: 'AI_AGENT' }), 'type');
    expect(msg).toMatch(/auto-dialer/);
  });

  it('refuses a phone of another workspace, and a disabled one', async () => {
    const [msg] = expectSeaxFieldError(await createCampaign({ ...valid, phone_ids: [simA.id, phoneOfB] }), 'phone_ids');
    expect(msg).toContain(phoneOfB);
    const off = await sender(a, '+14155550300', 'Off');
    await h.db('phones').where({ id: off.id }).update({ enabled: false });
    expectSeaxFieldError(await createCampaign({ ...valid, phone_ids: [off.id] }), 'phone_ids');
  });

  it('needs campaigns.write: a read-only key gets 403', async () => {
    const readOnly = await pairWith(h, a, ['campaigns.read']);
    const res = await h.http.post(base(a)).set(readOnly).send(valid);
    // Zagely key pairs are accepted on SeaX paths too; the ability guard answers first.
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_ability');
    expect((await h.http.get(base(a)).set(readOnly)).status).toBe(200);
  });
});

describe('targeting, personalisation, statistics, logs and labels', () => {
  let campaignId: string;
  const people: Record<string, Contact> = {};
  let attach: string;

  beforeAll(async () => {
    const [vip, gold, customer, unsub] = await Promise.all(['t-vip', 't-gold', 'Customer', 't-unsub'].map((n) => label(n)));
    attach = await label('spring_campaign_2025');
    const dnc = (await h.db('labels').where({ workspace_id: a.id, name: 'DNC', is_system: true }).first()).id;
    Object.assign(people, {
      alice: await contact('Alice Smith', [vip, customer]),
      bob: await contact('Bob Jones', [gold, customer]),
      carol: await contact('Carol', [vip]), // not a customer: all_ fails
      dave: await contact('Dave', [customer]), // neither vip nor gold: any_ fails
      eve: await contact('Eve', [vip, customer, unsub]), // excluded label
      frank: await contact('Frank', [vip, customer]), // excluded by id
      grace: await contact('Grace', [vip, customer], { opted_out_at: new Date() }),
      heidi: await contact('Heidi', [vip, customer], { blocked: true }),
      ivan: await contact('Ivan', [vip, customer, dnc]),
      judy: await contact('Judy', [vip, customer], { phone: '+15005550009' }), // the simulator refuses it: not a mobile
      ken: await contact('Ken', [gold, customer]),
    });
    const res = await createCampaign({
      name: 'Spring Sale 2025',
      type: 'SMS',
      message: 'Hi {first_name}! {{ name }}, 25% off with code SPRING25.',
      phone_ids: [simA.id],
      any_contact_label_ids: [vip, gold],
      all_contact_label_ids: ['customer'], // by name, any case, as the documented examples do
      exclude_contact_ids: [people.frank.id],
      exclude_any_contact_label_ids: [unsub],
      attach_contact_label_ids: ['spring_campaign_2025'],
      is_schedule: false,
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([...CREATE_FIELDS].sort());
    expect(res.body).toMatchObject({
      name: 'Spring Sale 2025',
      type: 'SMS',
      message: 'Hi {first_name}! {{ name }}, 25% off with code SPRING25.',
      status: 'sending',
      phones: [{ id: simA.id, phone: simA.phone, name: 'Marketing Line' }],
      target_contact_count: 4,
      end_time: null,
      job_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(res.body.start_time).toBe(res.body.created_time);
    campaignId = res.body.id;
  });

  it('sends to exactly the targeted, reachable contacts, personalised, and finishes', async () => {
    const detail = await finished(campaignId);
    const msgs = await messagesOf(campaignId);
    const byContact = new Map(msgs.map((m) => [m.contact_id, m]));
    expect([...byContact.keys()].sort()).toEqual([people.alice.id, people.bob.id, people.judy.id, people.ken.id].sort());
    expect(byContact.get(people.alice.id)).toMatchObject({ content: 'Hi Alice! Alice Smith, 25% off with code SPRING25.', from_address: simA.phone, status: 'delivered', is_marketing: true });
    expect(byContact.get(people.bob.id)!.content).toBe('Hi Bob! Bob Jones, 25% off with code SPRING25.');
    expect(byContact.get(people.judy.id)).toMatchObject({ status: 'failed', error_code: '21614', sent_at: null });
    expect(detail).toMatchObject({ status: 'finished', target_contact_count: 4, end_time: expect.any(String) });
    expect(detail.statistics).toEqual({
      total_contacts: 4,
      sent: 3,
      failed: 1,
      delivered: 3,
      bounced: 0,
      opened: 0,
      clicked: 0,
      read: 0,
      replied: 0,
      pending: 0,
      expired: 0,
      canceled: 0,
      // Grace (opted out), Heidi (blocked), Ivan (DNC) matched the filters but were left out.
      excluded: 3,
    });
  });

  it('statistics equal the logs, status by status', async () => {
    const { body: detail } = await getCampaign(campaignId);
    const logs = await logsOf(campaignId, { limit: 0 });
    expect(logs.status).toBe(200);
    expect(logs.body).toMatchObject({ total: 4, offset: 0, limit: 0 });
    const count = (f: (l: Record<string, unknown>) => boolean) => logs.body.data.filter(f).length;
    const s = detail.statistics;
    expect(logs.body.data).toHaveLength(s.total_contacts);
    expect(count((l) => l.sent_time !== null)).toBe(s.sent);
    expect(count((l) => l.message_status === 'failed')).toBe(s.failed);
    expect(count((l) => ['delivered', 'read'].includes(l.message_status as string))).toBe(s.delivered);
    expect(count((l) => l.message_status === 'pending' || l.message_status === 'queued')).toBe(s.pending);
    expect(s.sent + s.failed + s.pending + s.expired + s.canceled).toBe(s.total_contacts);
  });

  it('lists logs in the documented shape, filtered by status and paged', async () => {
    const page = await logsOf(campaignId);
    expect(page.body).toMatchObject({ total: 4, offset: 0, limit: 10 });
    const alice = page.body.data.find((l: { contact_id: string }) => l.contact_id === people.alice.id);
    expect(Object.keys(alice).sort()).toEqual(['contact_id', 'contact_name', 'contact_phone', 'delivered_time', 'error_message', 'id', 'message_id', 'message_status', 'read_time', 'sent_time'].sort());
    expect(alice).toMatchObject({ contact_name: 'Alice Smith', contact_phone: people.alice.phone, message_status: 'delivered', error_message: null, read_time: null, sent_time: expect.any(String), delivered_time: expect.any(String) });
    const msg = await h.db('messages').where({ id: alice.message_id }).first();
    expect(msg.contact_id).toBe(people.alice.id);

    const failed = await logsOf(campaignId, { message_statuses: 'failed' });
    expect(failed.body.total).toBe(1);
    expect(failed.body.data[0]).toMatchObject({ contact_id: people.judy.id, message_status: 'failed', sent_time: null, delivered_time: null, error_message: expect.stringMatching(/mobile/) });
    const two = await logsOf(campaignId, { message_statuses: 'sent,delivered,failed', offset: 1, limit: 2 });
    expect(two.body).toMatchObject({ total: 4, offset: 1, limit: 2 });
    expect(two.body.data).toHaveLength(2);
    expect(two.body.data.map((l: { id: string }) => l.id)).toEqual(page.body.data.slice(1, 3).map((l: { id: string }) => l.id));
    expectSeaxFieldError(await logsOf(campaignId, { message_statuses: 'delivered,opened' }), 'message_statuses');
  });

  it('attaches attach_contact_label_ids to the contacts it sent to, and only those', async () => {
    const labelled = await h.db('contact_labels').where({ workspace_id: a.id, label_id: attach }).pluck('contact_id');
    expect(labelled.sort()).toEqual([people.alice.id, people.bob.id, people.ken.id].sort());
  });
});

describe('duplicates, multi-number spreading and sticky senders', () => {
  it('sends once per phone number (two contacts sharing a WhatsApp number get one message)', async () => {
    const dup = await label('dup');
    const shared = nextPhone();
    const first = await contact('Whats One', [dup], { phone: shared });
    await contact('Whats Two', [dup], { whatsapp_phone: shared });
    const res = await createCampaign({ name: 'Dup', type: 'WHATSAPP_BUSINESS_PLATFORM_MESSAGE', message: 'Hello {first_name}', phone_ids: [simA.id], any_contact_label_ids: [dup] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'WHATSAPP_BUSINESS_PLATFORM_MESSAGE', target_contact_count: 1 });
    const detail = await finished(res.body.id);
    const msgs = await messagesOf(res.body.id);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ to_address: shared, channel: 'whatsapp', contact_id: first.id, content: 'Hello Whats' });
    expect(detail.statistics).toMatchObject({ total_contacts: 1, excluded: 1 });
  });

  it('spreads recipients across the phones, and a contact gets it from the phone that last wrote to it', async () => {
    const spread = await label('spread');
    const t0 = Date.now() - 60_000;
    const contacts: Contact[] = [];
    for (let i = 0; i < 7; i++) contacts.push(await contact(`Spread ${i}`, [spread], { created_at: new Date(t0 + i * 1000) }));
    const sticky = contacts[6];
    // The last contact in audience order would get phone A (recipients alternate A, B, A, …); it last heard from B.
    const earlier = await h.http.post(`/api/v1/workspace/${a.id}/send_message`).set(a.seax).send({ phone_number: simB.phone, to_phone_number: sticky.phone, content: 'Earlier, from B' });
    expect(earlier.status).toBe(200);
    await waitFor('the earlier message', () => h.db('messages').where({ id: earlier.body.id }).first(), (m) => TERMINAL.includes(m.status));
    expect((await h.db('messages').where({ id: earlier.body.id }).first()).contact_id).toBe(sticky.id);

    const res = await createCampaign({ name: 'Two lines', type: 'SMS', message: 'Hi {first_name}', phone_ids: [simA.id, simB.id], any_contact_label_ids: [spread] });
    expect(res.status).toBe(200);
    expect(res.body.phones).toEqual([
      { id: simA.id, phone: simA.phone, name: 'Marketing Line' },
      { id: simB.id, phone: simB.phone, name: 'Second Line' },
    ]);
    await finished(res.body.id);
    const msgs = await messagesOf(res.body.id);
    expect(msgs).toHaveLength(7);
    const fromA = msgs.filter((m) => m.phone_id === simA.id);
    const fromB = msgs.filter((m) => m.phone_id === simB.id);
    expect(fromA.map((m) => m.from_address)).toEqual(fromA.map(() => simA.phone));
    expect(fromA).toHaveLength(3);
    expect(fromB).toHaveLength(4);
    expect(msgs.find((m) => m.contact_id === sticky.id)).toMatchObject({ phone_id: simB.id, from_address: simB.phone });
  });
});

describe('link shortening', () => {
  it('replaces links with short links that redirect, and counts one click per recipient', async () => {
    const linky = await label('linky');
    const [one, two] = [await contact('Link One', [linky]), await contact('Link Two', [linky])];
    const res = await createCampaign({
      name: 'Links',
      type: 'SMS',
      message: 'Shop now: https://example.com/sale. Or https://example.com/sale again!',
      phone_ids: [simA.id],
      any_contact_label_ids: [linky],
      enable_link_shortening: true,
      // is_schedule false sends now: a start_time alongside it is ignored.
      is_schedule: false,
      start_time: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('sending');
    expect(res.body.start_time).toBe(res.body.created_time);
    await finished(res.body.id);
    const msgs = await messagesOf(res.body.id);
    expect(msgs).toHaveLength(2);
    const pattern = new RegExp(`^Shop now: ${h.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/l/([A-Za-z0-9_-]+)\\. Or \\S+/l/([A-Za-z0-9_-]+) again!$`);
    const codes = msgs.map((m) => pattern.exec(m.content));
    expect(codes.every(Boolean)).toBe(true);
    // The same URL twice in one message is one link; each recipient has their own.
    expect(codes[0]![1]).toBe(codes[0]![2]);
    expect(codes[0]![1]).not.toBe(codes[1]![1]);
    const code = codes[msgs.findIndex((m) => m.contact_id === one.id)]![1];

    for (let i = 0; i < 2; i++) {
      const click = await h.http.get(`/l/${code}`).redirects(0);
      expect(click.status).toBe(302);
      expect(click.headers.location).toBe('https://example.com/sale');
    }
    expect((await h.http.get('/l/nope-not-a-code').redirects(0)).status).toBe(404);
    const link = await h.db('campaign_links').where({ code }).first();
    expect(link).toMatchObject({ clicks: 2, contact_id: one.id });
    const detail = await getCampaign(res.body.id);
    expect(detail.body.statistics).toMatchObject({ total_contacts: 2, sent: 2, clicked: 1 });
    expect(two.id).not.toBe(one.id);
  });
});

describe('scheduling and the lifecycle extensions', () => {
  it('stays scheduled until start_time, then sends', async () => {
    const later = await label('later');
    await contact('Later One', [later]);
    await contact('Later Two', [later]);
    const start = new Date(Date.now() + 4000);
    const res = await createCampaign({
      name: 'Later',
      type: 'MMS',
      message: 'Look!',
      media_urls: ['https://example.com/product-image.jpg'],
      phone_ids: [simA.id],
      any_contact_label_ids: [later],
      start_time: start.toISOString().replace('Z', '+00:00'),
      end_time: new Date(Date.now() + 3_600_000).toISOString(),
      is_schedule: true,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'scheduled', start_time: start.toISOString(), type: 'MMS', target_contact_count: 2 });
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = await getCampaign(res.body.id);
    expect(waiting.body).toMatchObject({ status: 'scheduled', statistics: { total_contacts: 0, sent: 0 } });
    expect(await messagesOf(res.body.id)).toHaveLength(0);

    const detail = await finished(res.body.id);
    expect(detail.statistics).toMatchObject({ total_contacts: 2, sent: 2, delivered: 2 });
    const msgs = await messagesOf(res.body.id);
    for (const m of msgs) {
      expect(new Date(m.sent_at).getTime()).toBeGreaterThanOrEqual(start.getTime());
      expect(m).toMatchObject({ channel: 'mms', media_urls: ['https://example.com/product-image.jpg'] });
    }
  });

  it('cancels a scheduled campaign; illegal transitions are 409 with the SeaX status', async () => {
    const never = await label('never');
    await contact('Never', [never]);
    const res = await createCampaign({ name: 'Never', type: 'SMS', message: 'No', phone_ids: [simA.id], any_contact_label_ids: [never], is_schedule: true, start_time: new Date(Date.now() + 3_600_000).toISOString() });
    expect(res.body.status).toBe('scheduled');
    const pause = await h.http.post(`${base()}/${res.body.id}/pause`).set(a.seax);
    expectSeaxError(pause, 409);
    expect(pause.body.details).toEqual({ status: 'scheduled' });
    const cancel = await h.http.post(`${base()}/${res.body.id}/cancel`).set(a.seax);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ id: res.body.id, status: 'canceled', statistics: { total_contacts: 0 } });
    const again = await h.http.post(`${base()}/${res.body.id}/cancel`).set(a.seax);
    expectSeaxError(again, 409);
    expect(again.body.details).toEqual({ status: 'canceled' });
    await waitFor('the run to end', () => h.temporal.workflow.getHandle(`campaign-${res.body.id}`).describe(), (d) => d.status.name !== 'RUNNING');
    expect(await messagesOf(res.body.id)).toHaveLength(0);

    const done = (await h.http.get(base()).query({ status: 'finished', limit: 1 }).set(a.seax)).body.data[0];
    const resume = await h.http.post(`${base()}/${done.id}/resume`).set(a.seax);
    expectSeaxError(resume, 409);
    expect(resume.body.details).toEqual({ status: 'finished' });
    expect(resume.body.message).toMatch(/finished/);
  });

  it('pauses and resumes a sending campaign', async () => {
    // 2 messages per second: two batches of 5 in flight hold at most 5 s of sends, the rest waits for them.
    const slow = await sender(a, '+14155550400', 'Slow');
    await h.db('phones').where({ id: slow.id }).update({ messages_per_second: 2 });
    const paced = await label('paced');
    for (let i = 0; i < 14; i++) await contact(`Paced ${i}`, [paced]);
    const res = await createCampaign({ name: 'Paced', type: 'SMS', message: 'Slowly', phone_ids: [slow.id], any_contact_label_ids: [paced] });
    const sentCount = async () => Number((await h.db('messages').where({ campaign_id: res.body.id }).whereNotNull('sent_at').count<{ n: string }[]>({ n: '*' }))[0].n);
    await waitFor('a first send', sentCount, (n) => n > 0);
    const pause = await h.http.post(`${base()}/${res.body.id}/pause`).set(a.seax);
    expect(pause.status).toBe(200);
    expect(pause.body.status).toBe('paused');
    // In-flight batches finish their claimed recipients, then nothing more goes out.
    let frozen = -1;
    await waitFor(
      'sends to stop',
      async () => {
        const before = await sentCount();
        await new Promise((r) => setTimeout(r, 1500));
        return { before, after: (frozen = await sentCount()) };
      },
      (v) => v.before === v.after,
      15_000,
    );
    expect(frozen).toBeLessThan(14);
    const paused = await getCampaign(res.body.id);
    expect(paused.body.status).toBe('paused');
    expect(paused.body.statistics.pending).toBe(14 - frozen);
    const resume = await h.http.post(`${base()}/${res.body.id}/resume`).set(a.seax);
    expect(resume.status).toBe(200);
    expect(resume.body.status).toBe('sending');
    const detail = await finished(res.body.id);
    expect(detail.statistics).toMatchObject({ total_contacts: 14, sent: 14, pending: 0 });
  });

  it('runs a recurring campaign (extension): each firing is a run with its own statistics', async () => {
    const weekly = await label('recurring');
    await contact('Every Time', [weekly]);
    const res = await createCampaign({ name: 'Recurring', type: 'SMS', message: 'Again', phone_ids: [simA.id], any_contact_label_ids: [weekly], recurrence: { interval_seconds: 2 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'sending', recurrence: { interval_seconds: 2 }, start_time: null });
    const runs = await waitFor(
      'a finished run',
      async () => (await h.http.get(`${base()}/${res.body.id}/runs`).set(a.seax)).body,
      (r) => r.data?.some((x: { status: string }) => x.status === 'finished'),
    );
    expect(runs.upcoming.length).toBeGreaterThan(0);
    const run = runs.data.find((x: { status: string }) => x.status === 'finished');
    expect(run).toMatchObject({ parent_id: res.body.id, run_number: expect.any(Number), statistics: { total_contacts: 1, sent: 1 } });
    // Runs are not listed among the campaigns.
    const list = await h.http.get(base()).query({ name: 'Recurring', limit: 0 }).set(a.seax);
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
    const cancel = await h.http.post(`${base()}/${res.body.id}/cancel`).set(a.seax);
    expect(cancel.body.status).toBe('canceled');
    expect((await h.http.get(`${base()}/${res.body.id}/runs`).set(a.seax)).body.upcoming).toEqual([]);
  });
});

describe('GET /campaigns', () => {
  it('lists newest first with filters and SeaX paging', async () => {
    const all = await h.http.get(base()).query({ limit: 0 }).set(a.seax);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(all.body.data.length);
    expect(all.body.total).toBeGreaterThanOrEqual(5);
    const times = all.body.data.map((c: { created_time: string }) => c.created_time);
    expect([...times].sort().reverse()).toEqual(times);
    expect(Object.keys(all.body.data[0])).toEqual(expect.arrayContaining(CREATE_FIELDS));

    const page = await h.http.get(base()).query({ offset: 1, limit: 2 }).set(a.seax);
    expect(page.body.total).toBe(all.body.total);
    expect(page.body.data.map((c: { id: string }) => c.id)).toEqual(all.body.data.slice(1, 3).map((c: { id: string }) => c.id));
    const byDefault = await h.http.get(base()).set(a.seax);
    expect(byDefault.body.data).toHaveLength(Math.min(10, all.body.total));

    const finishedOnly = await h.http.get(base()).query({ status: 'finished', limit: 0 }).set(a.seax);
    expect(finishedOnly.body.data.length).toBeGreaterThan(0);
    expect(finishedOnly.body.data.every((c: { status: string }) => c.status === 'finished')).toBe(true);
    const mixed = await h.http.get(base()).query({ status: 'canceled,finished', type: 'MMS,WHATSAPP_BUSINESS_PLATFORM_MESSAGE', limit: 1 }).set(a.seax);
    expect(mixed.body.total).toBe(2);
    expect(mixed.body.data).toHaveLength(1);
    const named = await h.http.get(base()).query({ name: 'spring sale' }).set(a.seax);
    expect(named.body.data.map((c: { name: string }) => c.name)).toEqual(['Spring Sale 2025']);
    expectSeaxFieldError(await h.http.get(base()).query({ status: 'done' }).set(a.seax), 'status');
    expectSeaxFieldError(await h.http.get(base()).query({ type: 'AI_AGENT' }).set(a.seax), 'type');
  });

  it('keeps workspaces apart: B’s key is refused on A’s path, and A’s campaign does not exist in B', async () => {
    const one = (await h.http.get(base()).query({ limit: 1 }).set(a.seax)).body.data[0];
    for (const path of [`${base()}/${one.id}`, `${base()}/${one.id}/logs`, `${base()}/${one.id}/runs`, base()]) {
      const res = await h.http.get(path).set(b.seax);
      expect(res.status).toBe(403);
    }
    expect((await h.http.post(`${base()}/${one.id}/cancel`).set(b.seax)).status).toBe(403);
    expectSeaxError(await h.http.get(`${base(b)}/${one.id}`).set(b.seax), 404);
    expectSeaxError(await h.http.get(`${base(b)}/${one.id}/logs`).set(b.seax), 404);
    expectSeaxError(await h.http.post(`${base(b)}/${one.id}/pause`).set(b.seax), 404);
    expect((await h.http.get(base(b)).set(b.seax)).body).toEqual({ data: [], total: 0 });
    expectSeaxFieldError(await h.http.get(`${base()}/campaign_123`).set(a.seax), 'campaign_id');
  });
});
