import { TwilioFake } from '../fakes/twilio-fake';
import { eventsOf, insertCarrierPhone, TEST_CREDENTIALS_KEY } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

/*
 * The auto-dialer end to end over HTTP against the Twilio Voice fake, which runs each call as Twilio would: rings,
 * answers as a person or a machine per its script, fetches and executes our TwiML, posts <Gather> results, sends
 * signed status and AMD callbacks, and counts the calls up at once.
 */
let h: Harness;
let fake: TwilioFake;
let ws: TestWorkspace;
let phone: { id: string; phone: string };
const ALWAYS = { start: '00:00', end: '00:00' };

beforeAll(async () => {
  fake = await new TwilioFake({ runCalls: true }).start();
  h = await createHarness({ worker: true, env: { TWILIO_BASE_URL: fake.url, CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY } });
  ws = await h.workspace();
  phone = await insertCarrierPhone(h.db, {
    workspaceId: ws.id,
    phone: '+14155550300',
    source: 'TWILIO',
    credentials: { accountSid: fake.accountSid, authToken: fake.authToken },
    patch: { name: 'Acme Clinic', calls_per_second: 50, call_recipient: JSON.stringify({ id: 'r1', type: 'PHONE_NUMBER', receiver: '+14155550999' }) },
  });
});
afterAll(async () => {
  await h.close();
  await fake.close();
});

let counter = 0;
/** A labelled batch of contacts with these numbers (the label scopes a campaign to them). */
async function audience(numbers: string[], extra: Record<string, unknown> = {}) {
  const label = await h.http.post(`/api/v1/workspace/${ws.id}/labels`).set(ws.seax).send({ name: `batch ${++counter}` });
  const ids: string[] = [];
  for (const [i, n] of numbers.entries()) {
    const c = await h.http.post(`/api/v1/workspace/${ws.id}/contacts`).set(ws.seax).send({ name: `Pat Number${i}`, phone: n, contact_label_ids: [label.body.id], ...extra });
    expect(c.status).toBe(200);
    ids.push(c.body.id);
  }
  return { labelId: label.body.id as string, contactIds: ids };
}

const create = (body: Record<string, unknown>) =>
  h.http
    .post(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns`)
    .set(ws.seax)
    .send({ mode: 'WEB', stage: 'INSTANCE', phone_ids: [phone.id], start_time: new Date(Date.now() - 60_000).toISOString(), end_time: new Date(Date.now() + 3_600_000).toISOString(), calling_window: ALWAYS, ...body });
const get = async (id: string) => (await h.http.get(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns/${id}`).set(ws.seax)).body;
const logsOf = async (id: string) =>
  Object.fromEntries(((await h.http.get(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns/${id}/logs?limit=0`).set(ws.seax)).body.data as { contact_phone: string }[]).map((l) => [l.contact_phone, l]));
const finished = (id: string) => h.temporal.workflow.getHandle(`dialer-campaign-${id}`).result();
const callsTo = (to: string) => fake.callList.filter((c) => c.to === to);
/** The most of these numbers' calls that were up at once at the carrier (from creation to end, as the fake saw them). */
function peakOf(numbers: string[]): number {
  const edges = fake.callList
    .filter((c) => numbers.includes(c.to))
    .flatMap((c) => [[c.createdAt.getTime(), 1] as const, [c.endedAt ?? Infinity, -1] as const])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let up = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (up += d));
  return peak;
}

describe('voice drop', () => {
  it('a person hears the message and presses a key; a machine gets the whole message after the beep; busy is retried and answered; no answer until max_attempts; 9 opts out; speech is recorded', async () => {
    const n = { person: '+14155551001', machine: '+14155551002', busy: '+14155551003', silent: '+14155551004', optOut: '+14155551005', speaks: '+14155551006' };
    fake.callScripts.set(n.person, { digits: '1' });
    fake.callScripts.set(n.machine, { answeredBy: 'machine_end_beep' });
    fake.callScripts.set(n.busy, { ring: 'busy' });
    fake.callScripts.set(n.silent, { ring: 'no-answer' });
    fake.callScripts.set(n.optOut, { digits: '9' });
    fake.callScripts.set(n.speaks, { speech: 'yes please' });
    const { labelId, contactIds } = await audience(Object.values(n));
    const res = await create({
      name: 'Appointment reminders', type: 'VOICE_DROP', any_contact_label_ids: [labelId], max_attempts: 2, capture_keypress: true, capture_stt: true,
      message: 'Hello {first_name}, your appointment is tomorrow. Press 1 to confirm.', tts_voice: 'Polly.Joanna', retry_delays: { busy: 1, no_answer: 1 },
    });
    expect(res.status).toBe(200);
    const id = res.body.id as string;
    // The busy number answers its second call.
    await fake.waitFor(() => callsTo(n.busy).some((c) => c.status === 'busy'), 20_000);
    fake.callScripts.set(n.busy, {});
    await finished(id);

    const c = await get(id);
    expect(c.status).toBe('FINISHED');
    expect(c.statistics).toMatchObject({ total: 6, human: 4, machine: 1, no_answer: 1, busy: 0, unknown: 0, calls: 8, opted_out: 1, keypresses: { '1': 1, '9': 1 } });
    const logs = await logsOf(id);
    expect(logs[n.person]).toMatchObject({ attempts: 1, outcome: 'human', answered_by: 'human', digits: '1', call_status: 'completed', finish_reason: 'completed' });
    expect(logs[n.machine]).toMatchObject({ outcome: 'machine', answered_by: 'machine_end_beep', finish_reason: 'voicemail' });
    expect(logs[n.busy]).toMatchObject({ attempts: 2, outcome: 'human' });
    expect(logs[n.silent]).toMatchObject({ attempts: 2, outcome: 'no_answer', call_status: 'no-answer', finish_reason: 'max_attempts' });
    expect(logs[n.speaks]).toMatchObject({ speech_result: 'yes please', speech_confidence: 0.91 });
    expect(logs[n.optOut]).toMatchObject({ outcome: 'opted_out', digits: '9', finish_reason: 'opted_out' });

    // What the calls did, as the fake executed our TwiML: voicemail after the beep (DetectMessageEnd), the message personalised.
    const person = callsTo(n.person)[0];
    expect(person.machineDetection).toBe('DetectMessageEnd');
    expect(person.verbs.map((v) => v.verb)).toEqual(expect.arrayContaining(['Gather', 'Say']));
    expect(person.verbs.find((v) => v.verb === 'Say')).toMatchObject({ attrs: { voice: 'Polly.Joanna', language: 'en-US' }, text: 'Hello Pat, your appointment is tomorrow. Press 1 to confirm.' });
    expect(callsTo(n.machine)[0].verbs.map((v) => v.verb)).toEqual(['Say', 'Say', 'Hangup']);
    expect(callsTo(n.optOut)[0].verbs.at(-2)).toMatchObject({ verb: 'Say', text: 'You will not be called again. Goodbye.' });

    // The opt-out: DNC with a consent record and its event; every call announced and ended once.
    const optedOut = await h.http.get(`/api/v1/workspace/${ws.id}/contacts/${contactIds[4]}`).set(ws.seax);
    expect(optedOut.body.contact_labels.map((l: { name: string }) => l.name)).toContain('DNC');
    expect(await h.db('consent_events').where({ contact_id: contactIds[4], source: 'keypress', action: 'opt_out' })).toHaveLength(1);
    const campaignCalls = h.db('call_attempts').where({ campaign_id: id }).select('id');
    expect(await h.db('events').where({ type: 'call.new' }).whereIn('subject_id', campaignCalls)).toHaveLength(8);
    expect(await h.db('events').where({ type: 'call.ended' }).whereIn('subject_id', campaignCalls)).toHaveLength(8);
    const updated = await eventsOf(h.db, ws.id, 'call.updated');
    expect(updated.some((e: { data: { call: { digits: string }; updated_fields: string[] } }) => e.data.call.digits === '1' && e.data.updated_fields.includes('digits'))).toBe(true);
    // Exactly one call per attempt at the carrier.
    expect(fake.callList.filter((x) => Object.values(n).includes(x.to))).toHaveLength(8);
  }, 90_000);
});

describe('pacing', () => {
  it('never has more than max_dialers calls up at once (measured at the carrier)', async () => {
    const numbers = Array.from({ length: 24 }, (_, i) => `+1415552${String(i).padStart(4, '0')}`);
    for (const x of numbers) fake.callScripts.set(x, { talkMs: 150 });
    const { labelId } = await audience(numbers);
    const res = await create({ name: 'Pacing', type: 'VOICE_DROP', message: 'Hi', any_contact_label_ids: [labelId], max_dialers: 3, opt_out_digit: null });
    await finished(res.body.id);
    expect(peakOf(numbers)).toBeLessThanOrEqual(3);
    expect(peakOf(numbers)).toBeGreaterThanOrEqual(2);
    expect((await get(res.body.id)).statistics).toMatchObject({ total: 24, human: 24, calls: 24 });
  }, 90_000);
});

describe('progressive dialer', () => {
  it('bridges answered calls to the recipient and holds abandonment at or below 3 % by slowing the dial rate', async () => {
    const numbers = Array.from({ length: 50 }, (_, i) => `+1415553${String(i).padStart(4, '0')}`);
    for (const x of numbers) fake.callScripts.set(x, { talkMs: 400 });
    const { labelId } = await audience(numbers);
    const res = await create({ name: 'Sales', type: 'PROGRESSIVE_DIALER', any_contact_label_ids: [labelId], max_dialers: 4, agent_lines: 1 });
    expect(res.status).toBe(200);
    await finished(res.body.id);
    const s = (await get(res.body.id)).statistics;
    expect(s.total).toBe(50);
    expect(s.abandonment_rate).toBeLessThanOrEqual(3);
    expect(s.abandoned).toBeLessThanOrEqual(Math.floor(0.03 * 50));
    // Only after 34 people answered was a second line dialled (the budget allows one abandoned call).
    expect(peakOf(numbers)).toBeLessThanOrEqual(2);
    const bridged = fake.callList.filter((c) => numbers.includes(c.to) && c.verbs.some((v) => v.verb === 'Dial'));
    expect(bridged.length).toBe(50 - s.abandoned);
    expect(bridged[0].verbs.find((v) => v.verb === 'Dial')).toMatchObject({ text: '+14155550999', attrs: { callerId: phone.phone } });
    expect(bridged[0].asyncAmdCallback).toContain('/callbacks/twilio/voice/amd');
    for (const c of fake.callList.filter((x) => numbers.includes(x.to) && !x.verbs.some((v) => v.verb === 'Dial'))) {
      expect(c.verbs.find((v) => v.verb === 'Say')?.text).toContain('This is Acme Clinic calling from +14155550300');
    }
  }, 120_000);

  it('refuses a phone with no number to bridge to unless overwrite_phone_recipient names one', async () => {
    const other = await insertCarrierPhone(h.db, { workspaceId: ws.id, phone: '+14155550301', source: 'TWILIO', credentials: { accountSid: fake.accountSid, authToken: fake.authToken } });
    const refused = await create({ name: 'x', type: 'PROGRESSIVE_DIALER', phone_ids: [other.id] });
    expect(refused.status).toBe(422);
    expect(Object.keys(refused.body.details.errors)).toEqual(['overwrite_phone_recipient']);
  });
});

describe('AI agent', () => {
  it('hands an answered call to the agent’s media stream with its opening line and voice', async () => {
    const agent = await h.http
      .post(`/api/v1/workspace/${ws.id}/ai_agents`)
      .set(ws.seax)
      .send({ name: 'Scheduler', integrations: [{ type: 'SEAX_CALL', outbound_starting_message: 'Hi, this is the clinic assistant.', outbound_voice: 'Polly.Matthew', outbound_language: 'en-US', stream_url: 'wss://agents.example.com/stream' }] });
    expect(agent.status).toBe(200);
    const { labelId } = await audience(['+14155554001']);
    const missing = await create({ name: 'Agent', type: 'AI_AGENT', any_contact_label_ids: [labelId], ai_agent_conversation_config_id: agent.body.conversation_config_id });
    expect(Object.keys(missing.body.details.errors)).toEqual(['overwrite_phone_recipient']);
    const res = await create({
      name: 'Agent', type: 'AI_AGENT', any_contact_label_ids: [labelId], message: '', ai_agent_conversation_config_id: agent.body.conversation_config_id,
      overwrite_phone_recipient: { type: 'AI_AGENT', receiver: agent.body.conversation_config_id },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ai_agent_id: agent.body.id, type: 'AI_AGENT' });
    await finished(res.body.id);
    const call = callsTo('+14155554001')[0];
    expect(call.machineDetection).toBe('Enable');
    expect(call.verbs.map((v) => [v.verb, v.text])).toEqual([
      ['Say', 'Hi, this is the clinic assistant.'],
      ['Connect', 'wss://agents.example.com/stream'],
    ]);
    expect(call.verbs[0].attrs).toMatchObject({ voice: 'Polly.Matthew' });
    expect((await get(res.body.id)).statistics).toMatchObject({ human: 1, total: 1 });
  }, 60_000);
});

describe('calling windows and lifecycle', () => {
  it('defers a contact outside its calling window (never dropped), then cancel expires nothing and cancels the rest', async () => {
    const hh = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const opens = new Date(Date.now() + 2 * 3_600_000);
    const closes = new Date(Date.now() + 3 * 3_600_000);
    const { labelId } = await audience(['+14155555001'], {});
    await h.db('contacts').where({ phone: '+14155555001' }).update({ timezone: 'UTC' });
    const res = await create({ name: 'Window', type: 'VOICE_DROP', message: 'Hi', any_contact_label_ids: [labelId], calling_window: { start: hh(opens), end: hh(closes) }, end_time: new Date(Date.now() + 6 * 3_600_000).toISOString() });
    const id = res.body.id as string;
    await new Promise((r) => setTimeout(r, 3000));
    expect(callsTo('+14155555001')).toHaveLength(0);
    const row = await h.db('dialer_contacts').where({ campaign_id: id }).first();
    expect(row.status).toBe('pending');
    expect(Math.abs(new Date(row.not_before).getTime() - Math.floor(opens.getTime() / 60_000) * 60_000)).toBeLessThan(60_000);
    const canceled = await h.http.post(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns/${id}/cancel`).set(ws.seax);
    expect(canceled.body.status).toBe('CANCELED');
    await finished(id);
    expect((await get(id)).statistics).toMatchObject({ total: 1, canceled: 1, calls: 0 });
    const again = await h.http.post(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns/${id}/resume`).set(ws.seax);
    expect(again.status).toBe(409);
    expect(again.body.details).toMatchObject({ status: 'CANCELED' });
  }, 60_000);

  it('pause stops new calls (live ones finish), resume continues', async () => {
    const numbers = Array.from({ length: 6 }, (_, i) => `+1415556${String(i).padStart(4, '0')}`);
    for (const x of numbers) fake.callScripts.set(x, { talkMs: 300 });
    const { labelId } = await audience(numbers);
    const res = await create({ name: 'Pausable', type: 'VOICE_DROP', message: 'Hi', any_contact_label_ids: [labelId], max_dialers: 1, opt_out_digit: null });
    const id = res.body.id as string;
    await fake.waitFor(() => numbers.some((x) => callsTo(x).length > 0), 20_000);
    const paused = await h.http.post(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns/${id}/pause`).set(ws.seax);
    expect(paused.body.status).toBe('PAUSED');
    await new Promise((r) => setTimeout(r, 1500));
    const atPause = numbers.filter((x) => callsTo(x).length).length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(numbers.filter((x) => callsTo(x).length).length).toBe(atPause);
    expect(atPause).toBeLessThan(numbers.length);
    const resumed = await h.http.post(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns/${id}/resume`).set(ws.seax);
    expect(resumed.body.status).toBe('RUNNING');
    await finished(id);
    expect((await get(id)).statistics).toMatchObject({ total: 6, human: 6 });
  }, 60_000);
});

describe('callbacks', () => {
  it('refuses voice callbacks with a wrong signature and writes nothing', async () => {
    fake.badSignatures = true;
    try {
      const { labelId } = await audience(['+14155557001']);
      const res = await create({ name: 'Bad signature', type: 'VOICE_DROP', message: 'Hi', any_contact_label_ids: [labelId], ring_timeout_seconds: 15, time_limit_seconds: 10 });
      await fake.waitFor(() => fake.voiceRequests.some((r) => r.kind === 'answer' && callsTo('+14155557001').some((c) => c.sid === r.sid)), 20_000);
      const mine = fake.voiceRequests.filter((r) => callsTo('+14155557001').some((c) => c.sid === r.sid));
      expect(mine.every((r) => r.responseStatus === 403)).toBe(true);
      const attempt = await h.db('call_attempts').where({ campaign_id: res.body.id }).first();
      expect(attempt).toMatchObject({ answered_at: null, ringing_at: null });
      await h.http.post(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns/${res.body.id}/cancel`).set(ws.seax);
    } finally {
      fake.badSignatures = false;
    }
  }, 60_000);
});
