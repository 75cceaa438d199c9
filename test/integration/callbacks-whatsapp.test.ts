import { WhatsAppCloudCarrier } from '../../carriers/whatsapp-cloud/adapter';
import { eventsOf, insertCarrierPhone, TEST_CREDENTIALS_KEY } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { postCallback } from '../fakes/http-base';
import { MetaFake, signMeta } from '../fakes/meta-fake';

let h: Harness;
let ws: TestWorkspace;
let fake: MetaFake;
let phone: { id: string; phone: string };

beforeAll(async () => {
  h = await createHarness({ env: { CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY } });
  ws = await h.workspace();
  fake = await new MetaFake({ webhookUrl: `${h.url}/callbacks/whatsapp` }).start();
  phone = await insertCarrierPhone(h.db, {
    workspaceId: ws.id,
    phone: `+${fake.displayPhoneNumber}`,
    source: 'WHATSAPP_CLOUD',
    providerSenderId: fake.phoneNumberId,
    credentials: { accessToken: fake.accessToken, appSecret: fake.appSecret, verifyToken: fake.verifyToken },
  });
});
afterAll(async () => {
  await fake.close();
  await h.close();
});

async function sentMessage(to = '+14155550150') {
  const carrier = new WhatsAppCloudCarrier({ accessToken: fake.accessToken, appSecret: fake.appSecret, baseUrl: fake.url });
  const sent = await carrier.sendWhatsApp({ from: fake.phoneNumberId, to, kind: 'text', text: 'Hello', idempotencyKey: crypto.randomUUID() });
  const [row] = await h.db('messages')
    .insert({
      workspace_id: ws.id, channel: 'whatsapp', direction: 'outbound', phone_id: phone.id, from_address: phone.phone, to_address: to,
      content: 'Hello', status: 'sending', provider: 'WHATSAPP_CLOUD', provider_message_id: sent.providerMessageId,
    })
    .returning('*');
  return row as { id: string; provider_message_id: string };
}

describe('WhatsApp Cloud webhooks', () => {
  it('answers the subscription handshake with the configured verify token, and refuses a wrong one', async () => {
    const ok = await fake.verifySubscription(`${h.url}/callbacks/whatsapp`);
    expect(ok).toMatchObject({ status: 200, body: ok.challenge });
    const wrong = await fake.verifySubscription(`${h.url}/callbacks/whatsapp`, 'not-the-token');
    expect(wrong.status).toBe(403);
    expect(wrong.body).not.toBe(wrong.challenge);
  });

  it('applies signed status webhooks forward-only, with one event per status', async () => {
    const m = await sentMessage();
    for (const s of ['sent', 'read', 'delivered', 'read'] as const) expect((await fake.sendStatus(m.provider_message_id, s)).responseStatus).toBe(200);
    const row = await h.db('messages').where({ id: m.id }).first();
    expect(row.status).toBe('read');
    expect([row.sent_at, row.delivered_at, row.read_at].every((d) => d instanceof Date)).toBe(true);
    for (const type of ['message.sent', 'message.delivered', 'message.read']) expect(await eventsOf(h.db, ws.id, type, m.id)).toHaveLength(1);
  });

  it('records a failed status with its Graph error code', async () => {
    const m = await sentMessage('+14155550151');
    await fake.sendStatus(m.provider_message_id, 'failed', { error: { code: 131026, title: 'Message undeliverable' } });
    expect(await h.db('messages').where({ id: m.id }).first()).toMatchObject({ status: 'failed', error_code: '131026' });
    expect(await eventsOf(h.db, ws.id, 'message.failed', m.id)).toHaveLength(1);
  });

  it('records a signed inbound message by phone-number-id, once per wamid', async () => {
    const sent = await fake.sendInbound({ from: '14155550160', name: 'Wanda', text: 'Hi from WhatsApp' });
    expect(sent.responseStatus).toBe(200);
    expect((await postCallback(sent.url, sent.body, { 'content-type': 'application/json', 'x-hub-signature-256': sent.signature })).status).toBe(200);
    const msgs = await h.db('messages').where({ provider: 'WHATSAPP_CLOUD', provider_message_id: sent.id });
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ channel: 'whatsapp', direction: 'inbound', sender_type: 'CUSTOMER', content: 'Hi from WhatsApp', phone_id: phone.id, workspace_id: ws.id });
    const contact = await h.db('contacts').where({ id: msgs[0].contact_id }).first();
    expect(contact).toMatchObject({ phone: '+14155550160', whatsapp_phone: '+14155550160' });
    const conv = await h.db('conversations').where({ id: msgs[0].conversation_id }).first();
    expect(conv.channel).toBe('whatsapp');
    expect(await eventsOf(h.db, ws.id, 'message.received', msgs[0].id)).toHaveLength(1);
  });

  it('refuses a tampered or wrongly signed webhook with 403 and writes nothing', async () => {
    const m = await sentMessage('+14155550152');
    const body = fake.envelope({
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: fake.displayPhoneNumber, phone_number_id: fake.phoneNumberId },
      statuses: [{ id: m.provider_message_id, status: 'delivered', timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: '14155550152' }],
    });
    const good = signMeta(fake.appSecret, body);
    const tampered = body.replace('"delivered"', '"read"');
    expect((await postCallback(`${h.url}/callbacks/whatsapp`, tampered, { 'content-type': 'application/json', 'x-hub-signature-256': good })).status).toBe(403);
    expect((await postCallback(`${h.url}/callbacks/whatsapp`, body, { 'content-type': 'application/json', 'x-hub-signature-256': signMeta('wrong-secret', body) })).status).toBe(403);
    expect((await postCallback(`${h.url}/callbacks/whatsapp`, body, { 'content-type': 'application/json' })).status).toBe(403);
    expect((await h.db('messages').where({ id: m.id }).first()).status).toBe('sending');
    expect(await eventsOf(h.db, ws.id, undefined, m.id)).toHaveLength(0);
    // The genuine one still works.
    expect((await postCallback(`${h.url}/callbacks/whatsapp`, body, { 'content-type': 'application/json', 'x-hub-signature-256': good })).status).toBe(200);
    expect((await h.db('messages').where({ id: m.id }).first()).status).toBe('delivered');
  });
});
