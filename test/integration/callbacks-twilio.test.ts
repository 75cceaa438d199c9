import { TwilioCarrier } from '../../carriers/twilio/adapter';
import { eventsOf, insertCarrierPhone, TEST_CREDENTIALS_KEY } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { postCallback } from '../fakes/http-base';
import { TwilioFake, type SentCallback } from '../fakes/twilio-fake';

let h: Harness;
let ws: TestWorkspace;
let fake: TwilioFake;
let phone: { id: string; phone: string };
const OUR_NUMBER = '+15005550006';

beforeAll(async () => {
  h = await createHarness({ env: { CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY } });
  ws = await h.workspace();
  fake = await new TwilioFake().start();
  phone = await insertCarrierPhone(h.db, {
    workspaceId: ws.id,
    phone: OUR_NUMBER,
    source: 'TWILIO',
    credentials: { accountSid: fake.accountSid, authToken: fake.authToken },
    patch: { enabled_dnc_reply: true, dnc_reply_message: 'You are unsubscribed.', enabled_generic_reply: true, generic_reply_message: 'Help: call us.' },
  });
});
afterAll(async () => {
  await fake.close();
  await h.close();
});

const statusUrl = () => `${h.url}/callbacks/twilio/status`;
const inboundUrl = () => `${h.url}/callbacks/twilio/inbound`;
const replay = (cb: SentCallback, params = cb.params, signature = cb.signature) =>
  postCallback(cb.url, new URLSearchParams(params).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature });

/** An outbound message the fake accepted (so it can send signed callbacks for it) and its row, as the send path leaves it. */
async function sentMessage(to = '+14155550100') {
  const carrier = new TwilioCarrier({ accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: fake.url });
  const sent = await carrier.sendSms({ from: OUR_NUMBER, to, body: 'Hi there', idempotencyKey: crypto.randomUUID(), statusCallbackUrl: statusUrl() });
  const [row] = await h.db('messages')
    .insert({
      workspace_id: ws.id, channel: 'sms', direction: 'outbound', sender_type: 'AGENT', phone_id: phone.id, from_address: OUR_NUMBER, to_address: to,
      content: 'Hi there', status: 'sending', sending_at: new Date(), provider: 'TWILIO', provider_message_id: sent.providerMessageId,
    })
    .returning('*');
  return row as { id: string; provider_message_id: string };
}

describe('Twilio status callbacks', () => {
  it('moves a message to delivered with the timestamp and one event', async () => {
    const m = await sentMessage();
    expect((await fake.sendMessageStatus(m.provider_message_id, 'sent')).responseStatus).toBe(200);
    expect((await fake.sendMessageStatus(m.provider_message_id, 'delivered')).responseStatus).toBe(200);
    const row = await h.db('messages').where({ id: m.id }).first();
    expect(row).toMatchObject({ status: 'delivered' });
    expect(row.sent_at).toBeInstanceOf(Date);
    expect(row.delivered_at).toBeInstanceOf(Date);
    const delivered = await eventsOf(h.db, ws.id, 'message.delivered', m.id);
    expect(delivered).toHaveLength(1);
    expect(delivered[0].data.message).toMatchObject({ id: m.id, status: 'delivered', direction: 'outbound', provider_message_id: m.provider_message_id });
    expect(await eventsOf(h.db, ws.id, 'message.sent', m.id)).toHaveLength(1);
  });

  it('never moves backwards on out-of-order callbacks, fills the missing timestamp, and emits each event once', async () => {
    const m = await sentMessage();
    await fake.sendMessageStatus(m.provider_message_id, 'delivered');
    await fake.sendMessageStatus(m.provider_message_id, 'sent');
    const row = await h.db('messages').where({ id: m.id }).first();
    expect(row.status).toBe('delivered');
    expect(row.sent_at).toBeInstanceOf(Date);
    expect(await eventsOf(h.db, ws.id, 'message.delivered', m.id)).toHaveLength(1);
    expect(await eventsOf(h.db, ws.id, 'message.sent', m.id)).toHaveLength(1);
    // A contradicting late failure changes nothing and announces nothing.
    await fake.sendMessageStatus(m.provider_message_id, 'failed', { errorCode: '30008' });
    expect(await h.db('messages').where({ id: m.id }).first()).toMatchObject({ status: 'delivered', failed_at: null, error_code: null });
    expect(await eventsOf(h.db, ws.id, 'message.failed', m.id)).toHaveLength(0);
  });

  it('writes one event for a duplicated callback', async () => {
    const m = await sentMessage();
    const cb = await fake.sendMessageStatus(m.provider_message_id, 'delivered');
    expect((await replay(cb)).status).toBe(200);
    expect((await replay(cb)).status).toBe(200);
    expect(await eventsOf(h.db, ws.id, 'message.delivered', m.id)).toHaveLength(1);
  });

  it('records the provider error on failure with a message.failed event', async () => {
    const m = await sentMessage();
    await fake.sendMessageStatus(m.provider_message_id, 'undelivered', { errorCode: '30003', errorMessage: 'Unreachable destination handset' });
    expect(await h.db('messages').where({ id: m.id }).first()).toMatchObject({ status: 'undelivered', error_code: '30003', error_message: 'Unreachable destination handset' });
    const failed = await eventsOf(h.db, ws.id, 'message.failed', m.id);
    expect(failed).toHaveLength(1);
    expect(failed[0].data.message).toMatchObject({ error_code: '30003' });
  });

  it('refuses a tampered or unsigned callback with 403 and changes nothing', async () => {
    const m = await sentMessage();
    const cb = await fake.sendMessageStatus(m.provider_message_id, 'sent');
    const before = await h.db('events').where({ workspace_id: ws.id }).count<{ n: string }[]>({ n: '*' });
    expect((await replay(cb, { ...cb.params, MessageStatus: 'delivered', SmsStatus: 'delivered' })).status).toBe(403);
    expect((await replay(cb, { ...cb.params, MessageStatus: 'delivered' }, 'bm90IGEgc2lnbmF0dXJl')).status).toBe(403);
    const unsigned = await postCallback(statusUrl(), new URLSearchParams({ ...cb.params, MessageStatus: 'delivered' }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(unsigned.status).toBe(403);
    expect((await h.db('messages').where({ id: m.id }).first()).status).toBe('sent');
    expect(await h.db('events').where({ workspace_id: ws.id }).count<{ n: string }[]>({ n: '*' })).toEqual(before);
  });

  it('acknowledges a callback for an unknown MessageSid with 200', async () => {
    const params = { MessageSid: 'SM00000000000000000000000000000000', MessageStatus: 'delivered', AccountSid: fake.accountSid };
    const res = await postCallback(statusUrl(), new URLSearchParams(params).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': fake.sign(statusUrl(), params),
    });
    expect(res.status).toBe(200);
  });
});

describe('Twilio inbound messages', () => {
  const from = '+14155550123';
  const inbound = (body: string) => fake.sendInbound({ from, to: OUR_NUMBER, body, url: inboundUrl() });
  let contactId: string;

  it('auto-creates the contact, opens a conversation and records the message once even when Twilio retries', async () => {
    const cb = await inbound('Hello there');
    expect(cb.responseStatus).toBe(200);
    expect((await replay(cb)).status).toBe(200);
    const msgs = await h.db('messages').where({ workspace_id: ws.id, provider: 'TWILIO', provider_message_id: cb.sid });
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ direction: 'inbound', status: 'received', sender_type: 'CUSTOMER', content_type: 'text', content: 'Hello there', phone_id: phone.id, from_address: from });
    expect(msgs[0].received_at).toBeInstanceOf(Date);
    const contact = await h.db('contacts').where({ workspace_id: ws.id, phone: from }).first();
    expect(contact).toMatchObject({ name: from });
    contactId = contact.id;
    expect(msgs[0].contact_id).toBe(contact.id);
    const conv = await h.db('conversations').where({ id: msgs[0].conversation_id }).first();
    expect(conv).toMatchObject({ contact_id: contact.id, phone_id: phone.id, channel: 'sms', status: 'open' });
    expect(await eventsOf(h.db, ws.id, 'message.received', msgs[0].id)).toHaveLength(1);
    expect(await eventsOf(h.db, ws.id, 'contact.created', contact.id)).toHaveLength(1);
    expect(await eventsOf(h.db, ws.id, 'conversation.new', conv.id)).toHaveLength(1);
  });

  it('reuses the open conversation for the next message (conversation.updated) and keeps MMS media', async () => {
    const cb = await fake.sendInbound({ from, to: OUR_NUMBER, body: 'Photo', mediaUrls: ['https://example.com/a.jpg'], url: inboundUrl() });
    const msg = await h.db('messages').where({ provider_message_id: cb.sid }).first();
    expect(msg).toMatchObject({ channel: 'mms', content_type: 'image', media_urls: ['https://example.com/a.jpg'], contact_id: contactId });
    expect(await h.db('conversations').where({ workspace_id: ws.id, contact_id: contactId })).toHaveLength(1);
    expect(await eventsOf(h.db, ws.id, 'conversation.updated', msg.conversation_id)).toHaveLength(1);
    expect(await h.db('contacts').where({ workspace_id: ws.id, phone: from })).toHaveLength(1);
  });

  it('refuses an inbound webhook signed with another token, writing nothing', async () => {
    const params = { MessageSid: 'SM11111111111111111111111111111111', SmsStatus: 'received', From: '+14155550999', To: OUR_NUMBER, Body: 'STOP', AccountSid: fake.accountSid };
    const res = await postCallback(inboundUrl(), new URLSearchParams(params).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': new TwilioFake({ authToken: 'another-auth-token-000000' }).sign(inboundUrl(), params),
    });
    expect(res.status).toBe(403);
    expect(await h.db('messages').where({ provider_message_id: params.MessageSid })).toHaveLength(0);
    expect(await h.db('contacts').where({ workspace_id: ws.id, phone: '+14155550999' })).toHaveLength(0);
  });

  it('STOP opts the contact out: DNC label, opted_out_at, audit row and contact.opted_out, once', async () => {
    await inbound('  stop ');
    await inbound('STOP');
    const contact = await h.db('contacts').where({ id: contactId }).first();
    expect(contact.opted_out_at).toBeInstanceOf(Date);
    const labels = await h.db('contact_labels as cl').join('labels as l', 'l.id', 'cl.label_id').where({ 'cl.contact_id': contactId }).select('l.name', 'l.is_system');
    expect(labels).toEqual([{ name: 'DNC', is_system: true }]);
    const audit = await h.db('consent_events').where({ contact_id: contactId });
    expect(audit).toEqual([expect.objectContaining({ action: 'opt_out', source: 'keyword', phone: from, detail: expect.objectContaining({ keyword: 'STOP', phone_id: phone.id }) })]);
    expect(await eventsOf(h.db, ws.id, 'contact.opted_out', contactId)).toHaveLength(1);
    const received = await eventsOf(h.db, ws.id, 'message.received');
    expect(received.at(-1).data.compliance).toMatchObject({ class: 'opt_out', keyword: 'STOP', applied: false });
    expect(received.at(-2).data.compliance).toMatchObject({ class: 'opt_out', keyword: 'STOP', applied: true });
  });

  it('START opts the contact back in with an audit row', async () => {
    await inbound('Start');
    const contact = await h.db('contacts').where({ id: contactId }).first();
    expect(contact.opted_out_at).toBeNull();
    expect(await h.db('contact_labels').where({ contact_id: contactId })).toHaveLength(0);
    const audit = await h.db('consent_events').where({ contact_id: contactId }).orderBy('created_at');
    expect(audit.map((a) => `${a.action}/${a.source}`)).toEqual(['opt_out/keyword', 'opt_in/keyword']);
    expect(await eventsOf(h.db, ws.id, 'contact.updated', contactId)).toHaveLength(1);
  });

  it('YES from a contact who is not opted out is ordinary conversation; HELP is classified as help', async () => {
    await inbound('yes');
    await inbound('HELP');
    const received = await eventsOf(h.db, ws.id, 'message.received');
    expect(received.at(-2).data.compliance).toBeNull();
    expect(received.at(-1).data.compliance).toMatchObject({ class: 'help', keyword: 'HELP' });
    expect(await h.db('consent_events').where({ contact_id: contactId })).toHaveLength(2);
  });
});
