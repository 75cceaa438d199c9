import { expectSeaxError, expectSeaxFieldError } from '../helpers/seax';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

/* The auto-dialer's API: the documented shapes, validation naming each field, and tenancy of every new route. */
let h: Harness;
let ws: TestWorkspace;
let other: TestWorkspace;
let phoneId: string;
let agent: { id: string; conversation_config_id: string };

beforeAll(async () => {
  h = await createHarness({ worker: false });
  ws = await h.workspace('Dialer A');
  other = await h.workspace('Dialer B');
  phoneId = (await h.http.post(`/api/v1/workspace/${ws.id}/phones`).set(ws.seax).send({ phone: '+15005550006' })).body.id;
  agent = (
    await h.http
      .post(`/api/v1/workspace/${ws.id}/ai_agents`)
      .set(ws.seax)
      .send({ name: '', integrations: [{ type: 'SEAX_CALL', inbound_pick_up_message: 'Hello, how can I help you?', outbound_starting_message: 'Hello, how can I help you?', outbound_voice: 'en-US-SteffanNeural', outbound_language: 'string', inbound_voice: 'en-US-SteffanNeural', inbound_language: 'string' }] })
  ).body;
  await h.http.post(`/api/v1/workspace/${ws.id}/contacts`).set(ws.seax).send({ name: 'Test User 1', phone: '+14155550111' });
});
afterAll(() => h.close());

const BASE = (id: string) => `/api/v1/workspace/${id}/auto_dialer_campaigns`;
const valid = () => ({
  name: 'Test', phone_ids: [phoneId], attach_contact_label_ids: [], start_time: new Date(Date.now() - 1000).toISOString(), is_schedule: false, is_timezone_aware: false,
  mode: 'WEB', stage: 'INSTANCE', message: '您好,請問您現在方便講話嗎?', tts_language: '', audio_url: '', type: 'AI_AGENT', capture_keypress: true,
  end_time: new Date(Date.now() + 3_600_000).toISOString(), ai_agent_conversation_config_id: agent.conversation_config_id,
  overwrite_phone_recipient: { type: 'AI_AGENT', receiver: agent.conversation_config_id }, exclude_contact_ids: [], any_contact_label_ids: [], tts_voice: 'default', capture_stt: false,
});

it('lists AI agents exactly as documented', async () => {
  const res = await h.http.get(`/api/v1/workspace/${ws.id}/ai_agents?limit=10&offset=0&order_by=created_time%3Adesc`).set(ws.seax);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ total: 1, data: [{ id: agent.id, name: '', conversation_config_id: agent.conversation_config_id, integrations: [{ type: 'SEAX_CALL', outbound_voice: 'en-US-SteffanNeural' }] }] });
  expect((await h.http.get(`/api/v1/workspace/${ws.id}/ai_agents?types=SEAX_SMS`).set(ws.seax)).body.total).toBe(0);
  expectSeaxFieldError(await h.http.get(`/api/v1/workspace/${ws.id}/ai_agents?types=SEAX_FAX`).set(ws.seax), 'types');
});

it('creates the documented example and reads it back with the documented fields', async () => {
  const res = await h.http.post(BASE(ws.id)).set(ws.seax).send(valid());
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    name: 'Test', type: 'AI_AGENT', status: 'RUNNING', mode: 'WEB', stage: 'INSTANCE', max_attempts: 1, max_dialers: 20, tts_language: 'en-US', tts_voice: 'en-US-default',
    ai_agent_id: agent.id, ai_agent_conversation_config_id: agent.conversation_config_id, capture_keypress: true, capture_stt: false, contact_file_url: null, timezone: null, draft_name: null,
    campaign_metadata: { all_contact_labels: [], any_contact_labels: [], exclude_contacts: [], addition_contacts: [], exclude_any_contact_labels: [], exclude_all_contact_labels: [], whatsapp_phone_only: false },
    statistics: { human: 0, machine: 0, unknown: 0, no_answer: 0 }, contact_fields: [], relative_time_config: null, audio: null,
  });
  expect(res.body.phones[0]).toMatchObject({ id: phoneId, phone: '+15005550006', call_recipient: null });
  const list = await h.http.get(`${BASE(ws.id)}?stage=INSTANCE&limit=10&offset=0&order_by=created_time%3Adesc`).set(ws.seax);
  expect(list.body).toMatchObject({ total: 1, data: [{ id: res.body.id }] });
  for (const q of ['types=VOICE_DROP', 'phone_numbers=%2B15555550100', 'statuses=FINISHED', `ai_agent_conversation_config_id=${phoneId}`]) {
    expect((await h.http.get(`${BASE(ws.id)}?${q}`).set(ws.seax)).body.total).toBe(0);
  }
  for (const q of ['types=ai_agent', 'phone_numbers=%2B15005550006', 'statuses=running', `ai_agent_conversation_config_id=${agent.conversation_config_id}`]) {
    expect((await h.http.get(`${BASE(ws.id)}?${q}`).set(ws.seax)).body.total).toBe(1);
  }
  await h.http.post(`${BASE(ws.id)}/${res.body.id}/cancel`).set(ws.seax);
});

it('names the field of every invalid input and writes nothing', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ type: 'FAX' }, 'type'],
    [{ name: undefined }, 'name'],
    [{ mode: undefined }, 'mode'],
    [{ phone_ids: ['nope'] }, 'phone_ids.0'],
    [{ phone_ids: ['11111111-2222-4444-8333-555555555555'] }, 'phone_ids'],
    [{ end_time: new Date(Date.now() - 5000).toISOString() }, 'end_time'],
    [{ start_time: 'tomorrow' }, 'start_time'],
    [{ is_schedule: true, start_time: new Date(Date.now() - 5000).toISOString() }, 'start_time'],
    [{ ai_agent_conversation_config_id: undefined }, 'ai_agent_conversation_config_id'],
    [{ ai_agent_conversation_config_id: '11111111-2222-4444-8333-555555555555' }, 'ai_agent_conversation_config_id'],
    [{ overwrite_phone_recipient: undefined }, 'overwrite_phone_recipient'],
    [{ max_dialers: 0 }, 'max_dialers'],
    [{ max_attempts: 11 }, 'max_attempts'],
    [{ any_contact_label_ids: ['no such label'] }, 'any_contact_label_ids.0'],
    [{ opt_out_digit: '12' }, 'opt_out_digit'],
    [{ calling_window: { start: '8am', end: '21:00' } }, 'calling_window.start'],
    [{ timezone: 'Mars/Olympus' }, 'timezone'],
    [{ type: 'VOICE_DROP', message: '' }, 'message'],
  ];
  const before = await h.db('dialer_campaigns').count({ n: '*' }).first();
  for (const [patch, field] of cases) expectSeaxFieldError(await h.http.post(BASE(ws.id)).set(ws.seax).send({ ...valid(), ...patch }), field);
  expect(await h.db('dialer_campaigns').count({ n: '*' }).first()).toEqual(before);
});

it('accepts the refactored wiki shape (script, inline contacts, schedule_time, retry_attempts, max_call_duration)', async () => {
  const schedule = new Date(Date.now() + 3_600_000).toISOString();
  const res = await h.http
    .post(BASE(ws.id))
    .set(ws.seax)
    .send({ name: 'Appointment Reminder Campaign', script: 'Hello {first_name}, this is a reminder about your appointment on {appointment_date}. Press 1 to confirm or 2 to reschedule.', contacts: [{ phone: '+12345678900', first_name: 'John', appointment_date: 'March 15th' }], schedule_time: schedule, max_call_duration: 60, retry_attempts: 3 });
  expect(res.body).toMatchObject({ type: 'VOICE_DROP', status: 'SCHEDULED', is_schedule: true, max_attempts: 4, time_limit_seconds: 60, capture_keypress: true, start_time: schedule });
  expect(res.body.campaign_metadata.addition_contacts).toMatchObject([{ name: 'John', phone: '+12345678900' }]);
  await h.http.post(`${BASE(ws.id)}/${res.body.id}/cancel`).set(ws.seax);
});

it('keeps every new route to its workspace', async () => {
  const mine = await h.http.post(BASE(ws.id)).set(ws.seax).send(valid());
  const id = mine.body.id as string;
  for (const [method, path] of [
    ['get', BASE(ws.id)], ['post', BASE(ws.id)], ['get', `${BASE(ws.id)}/${id}`], ['get', `${BASE(ws.id)}/${id}/logs`], ['post', `${BASE(ws.id)}/${id}/pause`],
    ['get', `/api/v1/workspace/${ws.id}/ai_agents`], ['get', `/api/v1/workspace/${ws.id}/ai_agents/${agent.id}`], ['delete', `/api/v1/workspace/${ws.id}/ai_agents/${agent.id}`],
  ] as const) {
    expectSeaxError(await h.http[method](path).set(other.seax).send({}), 403);
  }
  for (const path of [`${BASE(other.id)}/${id}`, `${BASE(other.id)}/${id}/logs`, `/api/v1/workspace/${other.id}/ai_agents/${agent.id}`]) expectSeaxError(await h.http.get(path).set(other.seax), 404);
  expectSeaxError(await h.http.post(`${BASE(other.id)}/${id}/cancel`).set(other.seax), 404);
  expect((await h.http.get(BASE(other.id)).set(other.seax)).body.total).toBe(0);
  // Another workspace's agent cannot be named.
  expectSeaxFieldError(await h.http.post(BASE(other.id)).set(other.seax).send({ ...valid(), phone_ids: [(await h.http.post(`/api/v1/workspace/${other.id}/phones`).set(other.seax).send({ phone: '+15005550006' })).body.id] }), 'ai_agent_conversation_config_id');
  await h.http.post(`${BASE(ws.id)}/${id}/cancel`).set(ws.seax);
});
