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

describe('POST /simulator/inbound', () => {
  it('delivers an SMS through the ingest path: contact, conversation, message and events', async () => {
    const res = await h.http.post('/simulator/inbound').send({ from: CUSTOMER, to: simA.phone, body: 'Hello sim' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ contact_created: true, conversation_created: true, duplicate: false, compliance: null });
    const msg = await h.db('messages').where({ id: res.body.data.message_id }).first();
    expect(msg).toMatchObject({ workspace_id: a.id, provider: 'SIMULATOR', channel: 'sms', direction: 'inbound', status: 'received', content: 'Hello sim', phone_id: simA.id });
    expect(await eventsOf(h.db, a.id, 'message.received', msg.id)).toHaveLength(1);

    const again = await h.http.post('/simulator/inbound').send({ from: CUSTOMER, to: simA.phone, body: 'Second' });
    expect(again.body.data).toMatchObject({ contact_created: false, conversation_created: false, contact_id: res.body.data.contact_id, conversation_id: res.body.data.conversation_id });
  });

  it('delivers a WhatsApp message into its own conversation', async () => {
    const res = await h.http.post('/simulator/inbound').send({ from: CUSTOMER, to: simA.phone, channel: 'whatsapp', text: 'Hola' });
    expect(res.status).toBe(200);
    expect(await h.db('messages').where({ id: res.body.data.message_id }).first()).toMatchObject({ channel: 'whatsapp', content: 'Hola' });
    expect(await h.db('conversations').where({ id: res.body.data.conversation_id }).first()).toMatchObject({ channel: 'whatsapp' });
    expect(await h.db('conversations').where({ workspace_id: a.id, contact_id: res.body.data.contact_id })).toHaveLength(2);
  });

  it('refuses phones of other providers (422) and unknown numbers (404)', async () => {
    const twilio = await h.http.post('/simulator/inbound').send({ from: CUSTOMER, to: '+15005550102', body: 'x' });
    expect(twilio.status).toBe(422);
    expect(JSON.stringify(twilio.body)).toMatch(/SIMULATOR/);
    expect((await h.http.post('/simulator/inbound').send({ from: CUSTOMER, to: '+15005550199', body: 'x' })).status).toBe(404);
    expect((await h.http.post('/simulator/inbound').send({ from: CUSTOMER, to: simA.phone })).status).toBe(422);
  });

  it("never touches another workspace's contact with the same phone", async () => {
    const [bContact] = await h.db('contacts').insert({ workspace_id: b.id, name: 'B customer', phone: CUSTOMER }).returning('*');
    const res = await h.http.post('/simulator/inbound').send({ from: CUSTOMER, to: simA.phone, body: 'STOP' });
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
