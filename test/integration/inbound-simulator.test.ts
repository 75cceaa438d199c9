import { encodeSimulatorEvents } from '../../carriers/simulator/callbacks';
import { simulatorCallbackSecret } from '../../lib/simulator-secret';
import { eventsOf, insertCarrierPhone } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { postCallback } from '../fakes/http-base';

let h: Harness;
let a: TestWorkspace;
let b: TestWorkspace;
let simA: { id: string; phone: string };
const CUSTOMER = '+14155550170';

beforeAll(async () => {
  h = await createHarness();
  a = await h.workspace('A');
  b = await h.workspace('B');
  simA = await insertCarrierPhone(h.db, { workspaceId: a.id, phone: '+15005550100', source: 'SIMULATOR' });
  await insertCarrierPhone(h.db, { workspaceId: b.id, phone: '+15005550101', source: 'SIMULATOR' });
  await insertCarrierPhone(h.db, { workspaceId: b.id, phone: '+15005550102', source: 'TWILIO' });
});
afterAll(() => h.close());

describe('POST /simulator/inbound: who may call it', () => {
  const inboundRows = () => h.db('messages').where({ direction: 'inbound', phone_id: simA.id });

  it('refuses a caller without credentials or with a wrong simulator secret (401), writing nothing', async () => {
    const before = (await inboundRows()).length;
    const none = await h.http.post('/simulator/inbound').send({ from: CUSTOMER, to: simA.phone, body: 'anonymous' });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('credentials_missing');
    const wrong = await h.http.post('/simulator/inbound').set('X-Simulator-Secret', 'guessed-guessed-guessed').send({ from: CUSTOMER, to: simA.phone, body: 'guess' });
    expect(wrong.status).toBe(401);
    const badKey = await h.http.post('/simulator/inbound').set('X-API-Key', 'not-a-key').send({ from: CUSTOMER, to: simA.phone, body: 'guess' });
    expect(badKey.status).toBe(401);
    expect(await inboundRows()).toHaveLength(before);
  });

  it("accepts a key of the phone's workspace, in either dialect", async () => {
    for (const headers of [a.seax, a.zagely]) {
      const res = await h.http.post('/simulator/inbound').set(headers).send({ from: '+14155550171', to: simA.phone, body: 'with a key' });
      expect(res.status).toBe(200);
      expect(await h.db('messages').where({ id: res.body.data.message_id }).first()).toMatchObject({ workspace_id: a.id });
    }
  });

  it("gives another workspace's key nothing: the phone is looked up in the key's workspace only", async () => {
    const before = (await inboundRows()).length;
    expect((await h.http.post('/simulator/inbound').set(b.seax).send({ from: CUSTOMER, to: simA.phone, body: 'from B' })).status).toBe(404);
    const named = await h.http.post('/simulator/inbound').set(b.zagely).send({ from: CUSTOMER, to: simA.phone, body: 'from B', workspace_id: a.id });
    expect(named.status).toBe(403);
    expect(await inboundRows()).toHaveLength(before);
  });

  it('is not mounted, and simulator phones cannot be created, when the simulator is disabled', async () => {
    const off = await createHarness({ env: { SIMULATOR_ENABLED: 'false' } });
    try {
      const w = await off.workspace();
      const res = await off.http.post('/simulator/inbound').set(w.seax).send({ from: CUSTOMER, to: simA.phone, body: 'x' });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toMatch(/No route/);
      const phone = await off.http.post(`/api/v1/workspace/${w.id}/phones`).set(w.seax).send({ phone: '+14155550190', source: 'SIMULATOR' });
      expect(phone.status).toBe(422);
      expect(phone.body.details.errors.source[0]).toMatch(/SIMULATOR_ENABLED/);
      expect((await off.http.get('/openapi.json')).body.paths['/simulator/inbound']).toBeUndefined();
    } finally {
      await off.close();
    }
  });
});

describe('POST /simulator/inbound', () => {
  it('delivers an SMS through the ingest path: contact, conversation, message and events', async () => {
    const res = await h.http.post('/simulator/inbound').set(h.simulator).send({ from: CUSTOMER, to: simA.phone, body: 'Hello sim' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ contact_created: true, conversation_created: true, duplicate: false, compliance: null });
    const msg = await h.db('messages').where({ id: res.body.data.message_id }).first();
    expect(msg).toMatchObject({ workspace_id: a.id, provider: 'SIMULATOR', channel: 'sms', direction: 'inbound', status: 'received', content: 'Hello sim', phone_id: simA.id });
    expect(await eventsOf(h.db, a.id, 'message.received', msg.id)).toHaveLength(1);

    const again = await h.http.post('/simulator/inbound').set(h.simulator).send({ from: CUSTOMER, to: simA.phone, body: 'Second' });
    expect(again.body.data).toMatchObject({ contact_created: false, conversation_created: false, contact_id: res.body.data.contact_id, conversation_id: res.body.data.conversation_id });
  });

  it('delivers a WhatsApp message into its own conversation', async () => {
    const res = await h.http.post('/simulator/inbound').set(h.simulator).send({ from: CUSTOMER, to: simA.phone, channel: 'whatsapp', text: 'Hola' });
    expect(res.status).toBe(200);
    expect(await h.db('messages').where({ id: res.body.data.message_id }).first()).toMatchObject({ channel: 'whatsapp', content: 'Hola' });
    expect(await h.db('conversations').where({ id: res.body.data.conversation_id }).first()).toMatchObject({ channel: 'whatsapp' });
    expect(await h.db('conversations').where({ workspace_id: a.id, contact_id: res.body.data.contact_id })).toHaveLength(2);
  });

  it('refuses phones of other providers (422) and unknown numbers (404)', async () => {
    const twilio = await h.http.post('/simulator/inbound').set(h.simulator).send({ from: CUSTOMER, to: '+15005550102', body: 'x' });
    expect(twilio.status).toBe(422);
    expect(JSON.stringify(twilio.body)).toMatch(/SIMULATOR/);
    expect((await h.http.post('/simulator/inbound').set(h.simulator).send({ from: CUSTOMER, to: '+15005550199', body: 'x' })).status).toBe(404);
    expect((await h.http.post('/simulator/inbound').set(h.simulator).send({ from: CUSTOMER, to: simA.phone })).status).toBe(422);
  });

  it("never touches another workspace's contact with the same phone", async () => {
    const [bContact] = await h.db('contacts').insert({ workspace_id: b.id, name: 'B customer', phone: CUSTOMER }).returning('*');
    const res = await h.http.post('/simulator/inbound').set(h.simulator).send({ from: CUSTOMER, to: simA.phone, body: 'STOP' });
    expect(res.body.data.compliance).toMatchObject({ class: 'opt_out', applied: true });
    expect(res.body.data.contact_id).not.toBe(bContact.id);
    expect(await h.db('contacts').where({ id: bContact.id }).first()).toMatchObject({ opted_out_at: null, name: 'B customer' });
    expect(await h.db('messages').where({ contact_id: bContact.id })).toHaveLength(0);
    expect(await h.db('contact_labels').where({ contact_id: bContact.id })).toHaveLength(0);
    expect(await h.db('consent_events').where({ workspace_id: b.id })).toHaveLength(0);
    expect(await eventsOf(h.db, b.id)).toHaveLength(0);
    expect((await h.db('contacts').where({ id: res.body.data.contact_id }).first()).opted_out_at).toBeInstanceOf(Date);
  });
});

describe('POST /callbacks/simulator', () => {
  it('applies signed simulator receipts and refuses unsigned ones', async () => {
    const [m] = await h.db('messages')
      .insert({ workspace_id: a.id, channel: 'sms', direction: 'outbound', phone_id: simA.id, from_address: simA.phone, to_address: CUSTOMER, content: 'x', status: 'sending', provider: 'SIMULATOR', provider_message_id: 'SMsim0001' })
      .returning('*');
    const events = [{ type: 'status' as const, channel: 'sms' as const, providerMessageId: 'SMsim0001', status: 'delivered' as const, occurredAt: new Date() }];
    const forged = encodeSimulatorEvents(events, 'not-the-secret-0000000');
    expect((await postCallback(`${h.url}/callbacks/simulator`, forged.body, forged.headers)).status).toBe(403);
    expect((await h.db('messages').where({ id: m.id }).first()).status).toBe('sending');
    const { body, headers } = encodeSimulatorEvents(events, simulatorCallbackSecret(h.config));
    expect((await postCallback(`${h.url}/callbacks/simulator`, body, headers)).status).toBe(200);
    expect((await h.db('messages').where({ id: m.id }).first()).status).toBe('delivered');
    expect(await eventsOf(h.db, a.id, 'message.delivered', m.id)).toHaveLength(1);
  });
});
