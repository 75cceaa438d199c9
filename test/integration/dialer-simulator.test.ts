import { eventsOf } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

/*
 * The README's quick start: a voice drop on the built-in simulator, end to end over HTTP (the simulator's call events
 * reach the API through its signed callback, as real carriers' do).
 */
let h: Harness;
let ws: TestWorkspace;
let phoneId: string;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  ws = await h.workspace();
  const phone = await h.http.post(`/api/v1/workspace/${ws.id}/phones`).set(ws.seax).send({ phone: '+15005550006', name: 'Simulator line' });
  expect(phone.status).toBe(200);
  phoneId = phone.body.id;
});
afterAll(() => h.close());

const addContact = async (name: string, phone: string) => (await h.http.post(`/api/v1/workspace/${ws.id}/contacts`).set(ws.seax).send({ name, phone })).body.id as string;

it('runs a voice drop on the simulator: person, voicemail, busy retried, keypress opt-out', async () => {
  await addContact('Ada Person', '+14155550101');
  await addContact('Mach Ine', '+15005550022');
  await addContact('Bea Busy', '+15005550020');
  const opt = await addContact('Otto Out', '+15005550039');
  const start = new Date(Date.now() - 60_000).toISOString();
  const end = new Date(Date.now() + 3_600_000).toISOString();
  const res = await h.http
    .post(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns`)
    .set(ws.seax)
    .send({
      name: 'Reminder drop', type: 'VOICE_DROP', mode: 'WEB', stage: 'INSTANCE', phone_ids: [phoneId], start_time: start, end_time: end, is_schedule: false,
      message: 'Hello {first_name}, this is a reminder of your appointment tomorrow.', capture_keypress: true, max_attempts: 2,
      retry_delays: { busy: 1 }, calling_window: { start: '00:00', end: '00:00' },
    });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ type: 'VOICE_DROP', status: 'RUNNING', max_attempts: 2, max_dialers: 20, tts_language: 'en-US', tts_voice: 'en-US-default' });
  const id = res.body.id as string;
  await h.temporal.workflow.getHandle(`dialer-campaign-${id}`).result();

  const got = await h.http.get(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns/${id}`).set(ws.seax);
  expect(got.body.status).toBe('FINISHED');
  expect(got.body.statistics).toMatchObject({ total: 4, human: 2, machine: 1, busy: 1, no_answer: 0, unknown: 0, calls: 5, opted_out: 1, keypresses: { '9': 1 } });
  const logs = await h.http.get(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns/${id}/logs?limit=0`).set(ws.seax);
  const byPhone = Object.fromEntries(logs.body.data.map((l: { contact_phone: string }) => [l.contact_phone, l]));
  expect(byPhone['+15005550020']).toMatchObject({ attempts: 2, call_status: 'busy', outcome: 'busy', finish_reason: 'max_attempts' });
  expect(byPhone['+15005550022']).toMatchObject({ attempts: 1, outcome: 'machine', answered_by: 'machine_end_beep', finish_reason: 'voicemail' });
  expect(byPhone['+15005550039']).toMatchObject({ digits: '9', outcome: 'opted_out' });
  const contact = await h.http.get(`/api/v1/workspace/${ws.id}/contacts/${opt}`).set(ws.seax);
  expect(contact.body.contact_labels.map((l: { name: string }) => l.name)).toContain('DNC');
  expect((await eventsOf(h.db, ws.id, 'call.ended')).length).toBe(5);
}, 120_000);
