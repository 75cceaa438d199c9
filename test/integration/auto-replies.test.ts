import { randomUUID } from 'node:crypto';
import { encodeSimulatorEvents } from '../../carriers/simulator/callbacks';
import type { NormalizedEvent } from '../../carriers/types';
import { phonesRepo } from '../../db/repositories/phones';
import { simulatorCallbackSecret } from '../../lib/simulator-secret';
import { postCallback } from '../fakes/http-base';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectSeaxFieldError, pairWith } from '../helpers/seax';
import { expectFieldError } from '../helpers/zagely';
import type { PhoneRow } from '../../db/rows';

let h: Harness;
let a: TestWorkspace;
let b: TestWorkspace;
let phoneSeq = 0;
let customerSeq = 0;

type Row = Record<string, unknown> & { id: string; status: string; content: string | null; sender_type: string };

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { SIMULATOR_SENT_DELAY_MS: '50', SIMULATOR_DELIVERED_DELAY_MS: '100' } });
  a = await h.workspace('A');
  b = await h.workspace('B');
  // Always open (start = end) so away rules only fire where a test gives them hours.
  await h.db('workspaces').whereIn('id', [a.id, b.id]).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
});
afterAll(() => h.close());

/** A simulator phone of its own per scenario, so rules of one test never answer another's messages. */
async function newPhone(extra: Partial<PhoneRow> = {}, ws: TestWorkspace = a): Promise<PhoneRow> {
  phoneSeq += 1;
  const phone = await phonesRepo(h.db).create({ workspace_id: ws.id, name: `Sim ${phoneSeq}`, phone: `+1415555${String(7000 + phoneSeq)}`, source: 'SIMULATOR' });
  if (Object.keys(extra).length) await h.db('phones').where({ id: phone.id }).update(extra);
  return phone;
}
const newCustomer = () => `+1650555${String(1000 + ++customerSeq)}`;

async function inbound(phone: PhoneRow, from: string, body: string, channel: 'sms' | 'whatsapp' = 'sms') {
  const res = await h.http.post('/simulator/inbound').set(h.simulator).send(channel === 'sms' ? { from, to: phone.phone, body } : { from, to: phone.phone, channel, text: body });
  expect(res.status).toBe(200);
  return res.body.data as { message_id: string; contact_id: string; conversation_id: string; duplicate: boolean; compliance: unknown };
}

async function automation(body: Record<string, unknown>, headers = a.zagely) {
  const res = await h.http.post('/api/automations').set(headers).send(body);
  if (res.status !== 201) throw new Error(`automation not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { id: string } & Record<string, unknown>;
}

const outbound = async (contactId: string): Promise<Row[]> =>
  h.db('messages').where({ contact_id: contactId, direction: 'outbound' }).orderBy([{ column: 'created_at' }, { column: 'id' }]);

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The reply to one inbound message (via its trigger log), once it reached one of `statuses`. */
async function replyTo(inboundId: string, statuses = ['sent', 'delivered']): Promise<Row> {
  return waitFor(`reply to ${inboundId}`, async () => {
    const log = await h.db('auto_reply_logs').where({ inbound_message_id: inboundId }).first();
    if (!log?.reply_message_id) return undefined;
    const row = (await h.db('messages').where({ id: log.reply_message_id }).first()) as Row;
    return statuses.includes(row.status) ? row : undefined;
  });
}

async function namedContact(ws: TestWorkspace, name: string): Promise<string> {
  const phone = newCustomer();
  await h.db('contacts').insert({ workspace_id: ws.id, name, phone });
  return phone;
}

describe('keyword matching and priority', () => {
  it('sends the higher-priority rule’s reply, rendered with the contact’s variables, as a BOT reply that is sent', async () => {
    const p = await newPhone();
    await automation({ session_id: p.id, name: 'low', channel: 'sms', trigger_type: 'keyword', trigger_value: 'price', response_content: 'low {{ name }}', priority: 5 });
    await automation({ session_id: p.id, name: 'high', channel: 'sms', trigger_type: 'keyword', trigger_value: 'price', response_content: 'Hi {first_name}, plans start at $29', priority: 10 });
    const from = await namedContact(a, 'Jane Doe');
    const m = await inbound(p, from, "what's the PRICE?");
    const reply = await replyTo(m.message_id);
    expect(reply).toMatchObject({ sender_type: 'BOT', content: 'Hi Jane, plans start at $29', is_marketing: false, direction: 'outbound', conversation_id: m.conversation_id, phone_id: p.id, to_address: from });
    expect(await outbound(m.contact_id)).toHaveLength(1);
  });

  it('on equal priority exact beats contains beats fuzzy, and fuzzy tolerates typos', async () => {
    const p = await newPhone();
    await automation({ session_id: p.id, name: 'fuzzy', channel: 'all', trigger_type: 'keyword', trigger_value: 'shipping', match_mode: 'fuzzy', response_content: 'FUZZY' });
    await automation({ session_id: p.id, name: 'contains', channel: 'all', trigger_type: 'keyword', trigger_value: 'order', match_mode: 'contains', response_content: 'CONTAINS' });
    await automation({ session_id: p.id, name: 'exact', channel: 'all', trigger_type: 'keyword', trigger_value: 'order status', match_mode: 'exact', response_content: 'EXACT' });
    const from = newCustomer();
    expect((await replyTo((await inbound(p, from, 'Order status')).message_id)).content).toBe('EXACT');
    expect((await replyTo((await inbound(p, from, 'my order shiping')).message_id)).content).toBe('CONTAINS');
    expect((await replyTo((await inbound(p, from, 'shiping?')).message_id)).content).toBe('FUZZY');
    // No rule and no fallback: no reply at all.
    const none = await inbound(p, from, 'hello there');
    await new Promise((r) => setTimeout(r, 300));
    expect(await h.db('auto_reply_logs').where({ inbound_message_id: none.message_id })).toHaveLength(0);
    expect(await outbound(none.contact_id)).toHaveLength(3);
  });

  it('ignores inactive rules and rules of another channel', async () => {
    const p = await newPhone();
    const wa = await automation({ session_id: p.id, name: 'wa only', trigger_type: 'keyword', trigger_value: 'menu', response_content: 'WA' });
    expect(wa.channel).toBe('whatsapp');
    const off = await automation({ session_id: p.id, name: 'off', channel: 'sms', trigger_type: 'keyword', trigger_value: 'menu', response_content: 'OFF', priority: 50 });
    expect((await h.http.post(`/api/automations/${off.id}/toggle`).set(a.zagely)).body.data.is_active).toBe(false);
    await automation({ session_id: p.id, name: 'sms', channel: 'sms', trigger_type: 'keyword', trigger_value: 'menu', response_content: 'SMS' });
    const from = newCustomer();
    expect((await replyTo((await inbound(p, from, 'menu')).message_id)).content).toBe('SMS');
    const waReply = await replyTo((await inbound(p, from, 'menu', 'whatsapp')).message_id, ['sent', 'delivered', 'read', 'failed']);
    expect(waReply).toMatchObject({ content: 'WA', channel: 'whatsapp' });
  });
});

describe('welcome, fallback, away and the SeaX generic reply', () => {
  it('welcomes on the first message only, then falls back', async () => {
    const p = await newPhone();
    await automation({ session_id: p.id, name: 'welcome', channel: 'all', trigger_type: 'welcome', response_content: 'Welcome {{ name }}!' });
    await automation({ session_id: p.id, name: 'fallback', channel: 'all', trigger_type: 'fallback', response_content: 'Sorry, I did not get that.' });
    const from = await namedContact(a, 'Ann');
    const first = await inbound(p, from, 'hi');
    expect((await replyTo(first.message_id)).content).toBe('Welcome Ann!');
    const second = await inbound(p, from, 'hi again');
    expect((await replyTo(second.message_id)).content).toBe('Sorry, I did not get that.');
  });

  it('answers with the away rule outside its hours', async () => {
    const p = await newPhone();
    const hh = (d: number) => String((new Date().getUTCHours() + d) % 24).padStart(2, '0');
    await automation({ session_id: p.id, name: 'away', channel: 'all', trigger_type: 'away', response_content: 'We are closed', conditions: { hours: { start: `${hh(2)}:00`, end: `${hh(3)}:00`, timezone: 'UTC' } } });
    await automation({ session_id: p.id, name: 'in hours', channel: 'all', trigger_type: 'away', response_content: 'never', priority: 1, conditions: { hours: { start: '00:00', end: '00:00' } } });
    expect((await replyTo((await inbound(p, newCustomer(), 'anyone there?')).message_id)).content).toBe('We are closed');
  });

  it('sends the phone’s generic reply (SeaX) when no keyword matches, and the keyword reply with its labels when one does', async () => {
    const p = await newPhone({ enabled_generic_reply: true, generic_reply_message: 'Reply DAILY to subscribe.' });
    const label = await h.http.post(`/api/v1/workspace/${a.id}/labels`).set(a.seax).send({ name: `vip-${randomUUID().slice(0, 6)}` });
    expect(label.status).toBe(200);
    const kw = await h.http
      .post(`/api/v1/workspace/${a.id}/phones/${p.id}/keywords`)
      .set(a.seax)
      .send({ name: 'want', reply: 'OK, we got it.', enabled_contact_label: true, contact_label_ids: [label.body.id], priority: 10 });
    expect(kw.status).toBe(200);
    expect(kw.body).toMatchObject({ name: 'want', reply: 'OK, we got it.', enabled_auto_reply: true, enabled_contact_label: true, keep_dnc_label_only: false, phone_id: p.id, priority: 10 });
    expect(kw.body.contact_labels).toEqual([expect.objectContaining({ id: label.body.id, name: label.body.name })]);

    const from = newCustomer();
    const other = await inbound(p, from, 'random words');
    expect(await replyTo(other.message_id)).toMatchObject({ content: 'Reply DAILY to subscribe.', sender_type: 'BOT' });
    expect(await h.db('contact_labels').where({ contact_id: other.contact_id })).toHaveLength(0);
    const want = await inbound(p, from, 'I want one');
    expect((await replyTo(want.message_id)).content).toBe('OK, we got it.');
    expect((await h.db('contact_labels').where({ contact_id: want.contact_id })).map((r) => r.label_id)).toEqual([label.body.id]);

    // HELP is a compliance keyword: the help reply (SYSTEM), never a keyword rule.
    const help = await inbound(p, from, 'help');
    expect(help.compliance).toMatchObject({ class: 'help' });
    const helpReply = await waitFor('help reply', async () => {
      const rows = (await outbound(help.contact_id)).filter((r) => r.sender_type === 'SYSTEM');
      return rows.length && ['sent', 'delivered'].includes(rows[0].status) ? rows : undefined;
    });
    expect(helpReply).toHaveLength(1);
    expect(helpReply[0]).toMatchObject({ content: 'Reply DAILY to subscribe.', is_marketing: false });
    expect(await h.db('auto_reply_logs').where({ inbound_message_id: help.message_id })).toHaveLength(0);

    // GET /phones carries the phone's keywords; PATCH and DELETE work on them.
    const list = await h.http.get(`/api/v1/workspace/${a.id}/phones?limit=0`).set(a.seax);
    expect(list.body.data.find((x: { id: string }) => x.id === p.id).keywords).toEqual([expect.objectContaining({ id: kw.body.id, name: 'want' })]);
    const patched = await h.http.patch(`/api/v1/workspace/${a.id}/phones/${p.id}/keywords/${kw.body.id}`).set(a.seax).send({ enabled_auto_reply: false, priority: 3 });
    expect(patched.body).toMatchObject({ enabled_auto_reply: false, priority: 3, name: 'want' });
    expect((await h.http.get(`/api/v1/workspace/${a.id}/phones/${p.id}/keywords`).set(a.seax)).body.total).toBe(1);
    expect((await h.http.delete(`/api/v1/workspace/${a.id}/phones/${p.id}/keywords/${kw.body.id}`).set(a.seax)).status).toBe(204);
    expect((await h.http.get(`/api/v1/workspace/${a.id}/phones/${p.id}/keywords/${kw.body.id}`).set(a.seax)).status).toBe(404);
  });
});

describe('compliance replies and exactly-once', () => {
  it('STOP sends the DNC confirmation exactly once (SYSTEM, reaches the opted-out contact); later auto-replies are refused', async () => {
    const p = await newPhone({ enabled_dnc_reply: true, dnc_reply_message: 'You are unsubscribed. Reply START to resume.' });
    await automation({ session_id: p.id, name: 'fallback', channel: 'all', trigger_type: 'fallback', response_content: 'fallback reply' });
    const from = newCustomer();
    const event: NormalizedEvent = { type: 'inbound', channel: 'sms', from, to: p.phone, text: 'Stop', mediaUrls: [], contentType: 'text', providerMessageId: `SMin${randomUUID().slice(0, 8)}`, occurredAt: new Date() } as NormalizedEvent;
    const { body, headers } = encodeSimulatorEvents([event], simulatorCallbackSecret(h.config));
    expect((await postCallback(`${h.url}/callbacks/simulator`, body, headers)).status).toBe(200);
    expect((await postCallback(`${h.url}/callbacks/simulator`, body, headers)).status).toBe(200); // provider retry
    const stop = await h.db('messages').where({ direction: 'inbound', from_address: from }).first();
    const confirmation = await waitFor('DNC confirmation', async () => {
      const rows = await outbound(stop.contact_id);
      return rows.length && ['sent', 'delivered'].includes(rows[0].status) ? rows : undefined;
    });
    expect(confirmation).toHaveLength(1);
    expect(confirmation[0]).toMatchObject({ sender_type: 'SYSTEM', content: 'You are unsubscribed. Reply START to resume.', is_marketing: false });
    expect(await h.db('auto_reply_logs').where({ inbound_message_id: stop.id })).toHaveLength(0);

    const later = await inbound(p, from, 'are you there?');
    const refused = await replyTo(later.message_id, ['failed']);
    expect(refused).toMatchObject({ sender_type: 'BOT', content: 'fallback reply', error_code: 'recipient_opted_out' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await outbound(stop.contact_id)).toHaveLength(2);
  });

  it('a retried inbound webhook produces one reply and one trigger log, shown by the automation', async () => {
    const p = await newPhone();
    const auto = await automation({ session_id: p.id, name: 'hours', channel: 'sms', trigger_type: 'keyword', trigger_value: 'hours', response_content: 'We open at 9.' });
    const from = newCustomer();
    const event = { type: 'inbound', channel: 'sms', from, to: p.phone, text: 'opening hours?', mediaUrls: [], contentType: 'text', providerMessageId: `SMin${randomUUID().slice(0, 8)}`, occurredAt: new Date() } as NormalizedEvent;
    const { body, headers } = encodeSimulatorEvents([event], simulatorCallbackSecret(h.config));
    const sends = await Promise.all([1, 2, 3].map(() => postCallback(`${h.url}/callbacks/simulator`, body, headers)));
    expect(sends.map((s) => s.status)).toEqual([200, 200, 200]);
    const m = await h.db('messages').where({ direction: 'inbound', from_address: from }).first();
    const reply = await replyTo(m.id);
    expect(reply.content).toBe('We open at 9.');
    expect(await outbound(m.contact_id)).toHaveLength(1);

    const show = await h.http.get(`/api/automations/${auto.id}`).set(a.zagely);
    expect(show.status).toBe(200);
    expect(show.body.data.logs).toEqual([expect.objectContaining({ message_id: m.id, reply_message_id: reply.id, contact_id: m.contact_id, matched_text: 'hours' })]);
    expect((await h.http.get(`/api/v1/automations/${auto.id}`).set(a.zagely)).body.data.logs).toHaveLength(1);
  });
});

describe('SeaX keyword options', () => {
  it('keep_dnc_label_only: a DNC contact gets no keyword labels (and its BOT reply is refused); others get them', async () => {
    const p = await newPhone();
    const label = await h.http.post(`/api/v1/workspace/${a.id}/labels`).set(a.seax).send({ name: `promo-${randomUUID().slice(0, 6)}` });
    const kw = await h.http
      .post(`/api/v1/workspace/${a.id}/phones/${p.id}/keywords`)
      .set(a.seax)
      .send({ name: 'deal', reply: 'Deal!', enabled_contact_label: true, keep_dnc_label_only: true, contact_label_ids: [label.body.id] });
    expect(kw.body.keep_dnc_label_only).toBe(true);
    const dnc = newCustomer();
    await inbound(p, dnc, 'STOP');
    const m = await inbound(p, dnc, 'deal');
    expect(await replyTo(m.message_id, ['failed'])).toMatchObject({ content: 'Deal!', error_code: 'recipient_opted_out' });
    const labels = await h.db('contact_labels as cl').join('labels as l', 'l.id', 'cl.label_id').where('cl.contact_id', m.contact_id).pluck('l.name');
    expect(labels).toEqual(['DNC']);
    const ok = await inbound(p, newCustomer(), 'deal');
    expect((await replyTo(ok.message_id)).content).toBe('Deal!');
    expect(await h.db('contact_labels').where({ contact_id: ok.contact_id }).pluck('label_id')).toEqual([label.body.id]);
  });

  it('YES from a contact who never opted out is an ordinary message a keyword can answer', async () => {
    const p = await newPhone();
    await automation({ session_id: p.id, name: 'yes', channel: 'sms', trigger_type: 'keyword', trigger_value: 'yes', response_content: 'Great, booked.' });
    const m = await inbound(p, newCustomer(), 'Yes');
    expect(m.compliance).toBeNull();
    expect((await replyTo(m.message_id)).content).toBe('Great, booked.');
  });
});

describe('automations API', () => {
  it('documents the new routes in the OpenAPI document', async () => {
    const doc = await h.http.get('/openapi.json');
    expect(doc.status).toBe(200);
    for (const path of ['/api/automations', '/api/v1/automations/{automation}/toggle', '/api/v1/workspace/{workspace_id}/phones/{phone_id}/keywords/{keyword_id}']) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
  });

  it('lists with filters and pagination, updates and deletes', async () => {
    const p = await newPhone();
    const w = await automation({ session_id: p.id, name: 'w', trigger_type: 'welcome', response_content: 'x' });
    const k = await automation({ session_id: p.id, name: 'k', trigger_type: 'keyword', trigger_value: 'k', response_content: 'x', priority: 7 });
    expect(k).toMatchObject({ channel: 'whatsapp', match_mode: 'contains', priority: 7, is_active: true, session_id: p.id, response_buttons: [], conditions: {} });
    const all = await h.http.get(`/api/automations?session_id=${p.id}&per_page=1`).set(a.zagely);
    expect(all.body).toMatchObject({ total: 2, per_page: 1, last_page: 2, current_page: 1 });
    expect((await h.http.get(`/api/automations?session_id=${p.id}&trigger_type=welcome`).set(a.zagely)).body.data.map((x: { id: string }) => x.id)).toEqual([w.id]);
    await h.http.post(`/api/v1/automations/${w.id}/toggle`).set(a.zagely);
    expect((await h.http.get(`/api/automations?session_id=${p.id}&is_active=false`).set(a.zagely)).body.data.map((x: { id: string }) => x.id)).toEqual([w.id]);
    const up = await h.http.patch(`/api/automations/${k.id}`).set(a.zagely).send({ trigger_value: 'kk', priority: 100, response_buttons: ['Yes', 'No'] });
    expect(up.body.data).toMatchObject({ trigger_value: 'kk', priority: 100, response_buttons: ['Yes', 'No'], name: 'k' });
    expectFieldError(await h.http.put(`/api/automations/${k.id}`).set(a.zagely).send({ trigger_value: null }), 'trigger_value');
    expect((await h.http.delete(`/api/automations/${k.id}`).set(a.zagely)).status).toBe(200);
    expect((await h.http.get(`/api/automations/${k.id}`).set(a.zagely)).status).toBe(404);
  });

  it.each([
    ['name', { trigger_type: 'welcome', response_content: 'x' }],
    ['name', { name: 'x'.repeat(256), trigger_type: 'welcome', response_content: 'x' }],
    ['channel', { name: 'n', channel: 'fax', trigger_type: 'welcome', response_content: 'x' }],
    ['trigger_type', { name: 'n', trigger_type: 'always', response_content: 'x' }],
    ['trigger_value', { name: 'n', trigger_type: 'keyword', response_content: 'x' }],
    ['match_mode', { name: 'n', trigger_type: 'keyword', trigger_value: 'a', match_mode: 'regex', response_content: 'x' }],
    ['response_content', { name: 'n', trigger_type: 'welcome' }],
    ['response_media_url', { name: 'n', trigger_type: 'welcome', response_content: 'x', response_media_url: 'ftp://x' }],
    ['response_buttons', { name: 'n', trigger_type: 'welcome', response_content: 'x', response_buttons: 'Yes' }],
    ['conditions', { name: 'n', trigger_type: 'welcome', response_content: 'x', conditions: 'always' }],
    ['conditions.hours.start', { name: 'n', trigger_type: 'away', response_content: 'x', conditions: { hours: { start: '25:00', end: '10:00' } } }],
    ['priority', { name: 'n', trigger_type: 'welcome', response_content: 'x', priority: 101 }],
    ['priority', { name: 'n', trigger_type: 'welcome', response_content: 'x', priority: 1.5 }],
    ['session_id', { name: 'n', trigger_type: 'welcome', response_content: 'x', session_id: 'abc' }],
    ['session_id', { name: 'n', trigger_type: 'welcome', response_content: 'x', session_id: randomUUID() }],
  ] as [string, Record<string, unknown>][])('refuses a bad %s with 422 naming it (%j)', async (field, body) => {
    const before = await h.db('auto_replies').where({ workspace_id: a.id }).count({ n: '*' });
    expectFieldError(await h.http.post('/api/automations').set(a.zagely).send(body), field);
    expect(await h.db('auto_replies').where({ workspace_id: a.id }).count({ n: '*' })).toEqual(before);
  });

  it('refuses bad SeaX keyword fields with 422 naming them', async () => {
    const p = await newPhone();
    const url = `/api/v1/workspace/${a.id}/phones/${p.id}/keywords`;
    expectSeaxFieldError(await h.http.post(url).set(a.seax).send({ reply: 'x' }), 'name');
    expectSeaxFieldError(await h.http.post(url).set(a.seax).send({ name: 'a', priority: 101 }), 'priority');
    expectSeaxFieldError(await h.http.post(url).set(a.seax).send({ name: 'a', enabled_contact_label: 'yes' }), 'enabled_contact_label');
    expectSeaxFieldError(await h.http.post(url).set(a.seax).send({ name: 'a', contact_label_ids: [randomUUID()] }), 'contact_label_ids');
  });

  it("keeps workspaces apart (404 for another workspace's automation, 403 for another workspace's path) and checks abilities", async () => {
    const pa = await newPhone();
    const auto = await automation({ session_id: pa.id, name: 'mine', trigger_type: 'welcome', response_content: 'x' });
    for (const res of [
      await h.http.get(`/api/automations/${auto.id}`).set(b.zagely),
      await h.http.patch(`/api/automations/${auto.id}`).set(b.zagely).send({ name: 'theirs' }),
      await h.http.post(`/api/automations/${auto.id}/toggle`).set(b.zagely),
      await h.http.delete(`/api/automations/${auto.id}`).set(b.zagely),
    ]) expect(res.status).toBe(404);
    expect((await h.http.get('/api/automations').set(b.zagely)).body.data).toEqual([]);
    expectFieldError(await h.http.post('/api/automations').set(b.zagely).send({ session_id: pa.id, name: 'n', trigger_type: 'welcome', response_content: 'x' }), 'session_id');
    expect((await h.db('auto_replies').where({ id: auto.id }).first()).name).toBe('mine');

    expect((await h.http.get(`/api/v1/workspace/${a.id}/phones/${pa.id}/keywords`).set(b.seax)).status).toBe(403);
    expect((await h.http.post(`/api/v1/workspace/${a.id}/phones/${pa.id}/keywords`).set(b.seax).send({ name: 'x' })).status).toBe(403);
    expect((await h.http.get(`/api/v1/workspace/${b.id}/phones/${pa.id}/keywords`).set(b.seax)).status).toBe(404);

    const readOnly = await pairWith(h, a, ['campaigns.read']);
    expect((await h.http.get('/api/automations').set(readOnly)).status).toBe(200);
    expect((await h.http.post('/api/automations').set(readOnly).send({ name: 'n', trigger_type: 'welcome', response_content: 'x' })).status).toBe(403);
    expect((await h.http.get('/api/automations').set(await pairWith(h, a, ['contacts.read']))).status).toBe(403);
  });
});
