import crypto from 'node:crypto';
import { phonesRepo } from '../../db/repositories/phones';
import { TwilioFake } from '../fakes/twilio-fake';
import { insertCarrierPhone, TEST_CREDENTIALS_KEY } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

/*
 * Sender throughput limits and the sending window, measured where they matter: at the (fake) carrier. Real
 * PostgreSQL, Temporal and worker; SeaX campaign API over HTTP.
 */
let h: Harness;
let twilio: TwilioFake;
let ws: TestWorkspace;

beforeAll(async () => {
  twilio = await new TwilioFake().start();
  h = await createHarness({ worker: true, env: { TWILIO_BASE_URL: twilio.url, CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY } });
  ws = await h.workspace();
  await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
});
afterAll(async () => {
  await h.close();
  await twilio.close();
});

let nextNumber = 0;
const twilioPhone = (perSecond: number) =>
  insertCarrierPhone(h.db, {
    workspaceId: ws.id,
    phone: `+1415555${String(1000 + nextNumber++)}`,
    source: 'TWILIO',
    credentials: { accountSid: twilio.accountSid, authToken: twilio.authToken },
    patch: { messages_per_second: perSecond },
  });

/** `n` contacts carrying a fresh label; answers the label id. */
async function audience(n: number): Promise<string> {
  const [label] = await h.db('labels').insert({ workspace_id: ws.id, name: `aud-${crypto.randomUUID()}` }).returning('id');
  const contacts = await h
    .db('contacts')
    .insert(Array.from({ length: n }, (_, i) => ({ workspace_id: ws.id, name: `C ${i}`, phone: `+1628${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}` })))
    .returning('id');
  await h.db('contact_labels').insert(contacts.map((c: { id: string }) => ({ workspace_id: ws.id, contact_id: c.id, label_id: label.id })));
  return label.id;
}

async function createCampaign(body: Record<string, unknown>): Promise<string> {
  const res = await h.http.post(`/api/v1/workspace/${ws.id}/campaigns`).set(ws.seax).send({ type: 'SMS', is_schedule: false, ...body });
  expect(res.status).toBeLessThan(300);
  return res.body.id;
}

const finished = (id: string) => h.temporal.workflow.getHandle(`campaign-${id}`).result();

/** The most requests from `from` that fall in any window of `windowMs` (half-open), by the fake's arrival times. */
function peak(from: string, windowMs: number): { peak: number; count: number } {
  const times = twilio.requests
    .filter((r) => r.method === 'POST' && new URLSearchParams(r.body).get('From') === from)
    .map((r) => r.receivedAt.getTime())
    .sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return { peak: best, count: times.length };
}

it('two campaigns sharing a 4/s sender never send more than 4 in any second together', async () => {
  const phone = await twilioPhone(4);
  const [a, b] = await Promise.all([audience(8), audience(8)]);
  const ids = await Promise.all([
    createCampaign({ name: 'Shared A', message: 'A', phone_ids: [phone.id], any_contact_label_ids: [a] }),
    createCampaign({ name: 'Shared B', message: 'B', phone_ids: [phone.id], any_contact_label_ids: [b] }),
  ]);
  await Promise.all(ids.map(finished));
  const measured = peak(phone.phone, 1000);
  expect(measured.count).toBe(16);
  // Network jitter may bring two spaced requests closer at the receiver; the documented tolerance is one message.
  expect(measured.peak).toBeLessThanOrEqual(5);
  expect(peak(phone.phone, 2000).peak).toBeLessThanOrEqual(9);
});

it('stops at end_time: the rest are expired, not dropped, and statistics match the logs', async () => {
  const phone = await twilioPhone(2);
  const label = await audience(12);
  const id = await createCampaign({ name: 'Window', message: 'Hurry', phone_ids: [phone.id], any_contact_label_ids: [label], end_time: new Date(Date.now() + 2500).toISOString() });
  await finished(id);
  const { body } = await h.http.get(`/api/v1/workspace/${ws.id}/campaigns/${id}`).set(ws.seax);
  const s = body.statistics;
  expect(s.total_contacts).toBe(12);
  expect(s.sent).toBeGreaterThan(0);
  expect(s.expired).toBeGreaterThan(0);
  expect(s.sent + s.expired + s.failed).toBe(12);
  expect(peak(phone.phone, 1000).count).toBe(s.sent);
  const expired = await h.http.get(`/api/v1/workspace/${ws.id}/campaigns/${id}/logs?message_statuses=expired&limit=100`).set(ws.seax);
  expect(expired.body.total).toBe(s.expired);
  expect(expired.body.data.every((l: { message_status: string; sent_time: string | null }) => l.message_status === 'expired' && l.sent_time === null)).toBe(true);
  expect(await h.db('events').where({ subject_id: id }).orderBy('seq').pluck('type')).toEqual(['campaign.started', 'campaign.completed']);
  const sentEvents = await h.db('events').where({ type: 'message.sent' }).whereIn('subject_id', h.db('messages').where({ campaign_id: id }).select('id'));
  expect(sentEvents).toHaveLength(s.sent);
});

it('quiet hours: recipients outside their sending window wait (deferred), nothing is sent', async () => {
  const quiet = await h.workspace('Quiet');
  const hour = new Date().getUTCHours();
  // A one-hour window that is closed now, in UTC.
  const start = `${String((hour + 2) % 24).padStart(2, '0')}:00`;
  const end = `${String((hour + 3) % 24).padStart(2, '0')}:00`;
  await h.db('workspaces').where({ id: quiet.id }).update({ timezone: 'UTC', quiet_hours_start: start, quiet_hours_end: end });
  const phone = await phonesRepo(h.db).create({ workspace_id: quiet.id, name: 'Sim', phone: '+14155550901', source: 'SIMULATOR' });
  await h.db('contacts').insert([{ workspace_id: quiet.id, name: 'Night owl', phone: '+14155550902' }]);
  const res = await h.http.post(`/api/v1/workspace/${quiet.id}/campaigns`).set(quiet.seax).send({ name: 'Night', type: 'SMS', message: 'Sale', phone_ids: [phone.id], is_schedule: false });
  expect(res.status).toBeLessThan(300);
  const deadline = Date.now() + 15_000;
  let recipient: { not_before: Date | null } | undefined;
  while (Date.now() < deadline && !recipient?.not_before) {
    recipient = await h.db('campaign_recipients').where({ campaign_id: res.body.id }).first('not_before');
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(recipient?.not_before?.getUTCHours()).toBe((hour + 2) % 24);
  expect(await h.db('messages').where({ campaign_id: res.body.id })).toHaveLength(0);
  const cancel = await h.http.post(`/api/v1/workspace/${quiet.id}/campaigns/${res.body.id}/cancel`).set(quiet.seax);
  expect(cancel.status).toBe(200);
  await finished(res.body.id);
  expect(await h.db('campaign_recipients').where({ campaign_id: res.body.id }).first('status')).toEqual({ status: 'canceled' });
});
