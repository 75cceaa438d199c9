import { eventsOf, insertCarrierPhone } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

let h: Harness;
let a: TestWorkspace;
let b: TestWorkspace;
let simA: { id: string; phone: string };
let simA2: { id: string; phone: string };
const ALICE = '+14155550180';
const BOB = '+14155550181';

const inbound = async (from: string, to: string, body: string, channel?: 'whatsapp') => {
  const res = await h.http.post('/simulator/inbound').set(h.simulator).send({ from, to, ...(channel ? { channel, text: body } : { body }) });
  expect(res.status).toBe(200);
  return res.body.data as { contact_id: string; conversation_id: string; conversation_created: boolean; message_id: string };
};

let aliceSms: Awaited<ReturnType<typeof inbound>>;
let aliceWa: Awaited<ReturnType<typeof inbound>>;
let bobSms: Awaited<ReturnType<typeof inbound>>;

beforeAll(async () => {
  h = await createHarness();
  a = await h.workspace('A');
  b = await h.workspace('B');
  simA = await insertCarrierPhone(h.db, { workspaceId: a.id, phone: '+15005550180', source: 'SIMULATOR' });
  simA2 = await insertCarrierPhone(h.db, { workspaceId: a.id, phone: '+15005550181', source: 'SIMULATOR' });
  aliceSms = await inbound(ALICE, simA.phone, 'hello 1');
  await inbound(ALICE, simA.phone, 'hello 2');
  aliceWa = await inbound(ALICE, simA.phone, 'hola', 'whatsapp');
  bobSms = await inbound(BOB, simA2.phone, 'hi from bob');
});
afterAll(() => h.close());

describe('GET /api/v1/conversations', () => {
  it('lists newest activity first in the Zagely page shape', async () => {
    const res = await h.http.get('/api/v1/conversations').set(a.zagely);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ current_page: 1, total: 3, per_page: 50, last_page: 1 });
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual([bobSms.conversation_id, aliceWa.conversation_id, aliceSms.conversation_id]);
    expect(res.body.data[0]).toEqual({
      id: bobSms.conversation_id,
      status: 'open',
      channel: 'sms',
      contact: { id: bobSms.contact_id, name: expect.any(String), phone_number: BOB },
      session: { id: simA2.id, name: expect.any(String) },
      last_message_at: expect.any(String),
      created_at: expect.any(String),
      ended_at: null,
    });
  });

  it('filters by contact, session, channel and status', async () => {
    const ids = async (q: Record<string, string>) => {
      const res = await h.http.get('/api/v1/conversations').query(q).set(a.zagely);
      expect(res.status).toBe(200);
      return (res.body.data as { id: string }[]).map((c) => c.id).sort();
    };
    expect(await ids({ contact_id: aliceSms.contact_id })).toEqual([aliceSms.conversation_id, aliceWa.conversation_id].sort());
    expect(await ids({ session_id: simA2.id })).toEqual([bobSms.conversation_id]);
    expect(await ids({ channel: 'whatsapp' })).toEqual([aliceWa.conversation_id]);
    expect(await ids({ status: 'ended' })).toEqual([]);
    expect(await ids({ status: 'open', channel: 'sms' })).toHaveLength(2);
    const bad = await h.http.get('/api/v1/conversations').query({ status: 'closed' }).set(a.zagely);
    expect(bad.status).toBe(422);
  });

  it('paginates', async () => {
    const res = await h.http.get('/api/v1/conversations').query({ per_page: 2, page: 2 }).set(a.zagely);
    expect(res.body).toMatchObject({ current_page: 2, total: 3, per_page: 2, last_page: 2 });
    expect(res.body.data).toHaveLength(1);
  });
});

describe('GET /api/v1/conversations/:conversation', () => {
  it('shows the conversation with its messages, oldest first', async () => {
    const res = await h.http.get(`/api/v1/conversations/${aliceSms.conversation_id}`).set(a.zagely);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: aliceSms.conversation_id, status: 'open', channel: 'sms', contact: { id: aliceSms.contact_id, phone_number: ALICE } });
    expect(res.body.data.messages.map((m: { content: string }) => m.content)).toEqual(['hello 1', 'hello 2']);
    expect(res.body.data.messages[0]).toMatchObject({ id: aliceSms.message_id, direction: 'inbound', channel: 'sms' });
  });

  it('keeps only the latest 50 messages', async () => {
    const [conv] = await h.db('conversations').where({ id: bobSms.conversation_id });
    const base = Date.now() - 3_600_000;
    await h.db('messages').insert(
      Array.from({ length: 55 }, (_, i) => ({
        workspace_id: a.id, channel: 'sms', direction: 'outbound', phone_id: simA2.id, contact_id: conv.contact_id, conversation_id: conv.id,
        from_address: simA2.phone, to_address: BOB, content: `bulk ${i}`, status: 'sent', created_at: new Date(base + i * 1000),
      })),
    );
    const res = await h.http.get(`/api/v1/conversations/${bobSms.conversation_id}`).set(a.zagely);
    const contents = res.body.data.messages.map((m: { content: string }) => m.content);
    expect(contents).toHaveLength(50);
    expect(contents[0]).toBe('bulk 6');
    expect(contents[48]).toBe('bulk 54');
    expect(contents[49]).toBe('hi from bob'); // the inbound message is the newest
  });

  it('404s for unknown ids and 422 for malformed ones', async () => {
    expect((await h.http.get('/api/v1/conversations/00000000-0000-4000-8000-000000000000').set(a.zagely)).status).toBe(404);
    expect((await h.http.get('/api/v1/conversations/nope').set(a.zagely)).status).toBe(422);
  });
});

describe('POST /api/v1/conversations/:conversation/end', () => {
  it('ends an open conversation once, records conversation.ended once, and 409s the second time', async () => {
    const id = aliceSms.conversation_id;
    const res = await h.http.post(`/api/v1/conversations/${id}/end`).set(a.zagely);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id, status: 'ended', ended_at: expect.any(String) });
    const row = await h.db('conversations').where({ id }).first();
    expect(row).toMatchObject({ status: 'ended' });
    expect(row.ended_at).toBeInstanceOf(Date);

    const again = await h.http.post(`/api/v1/conversations/${id}/end`).set(a.zagely);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/ended/);
    expect(again.body.error.details).toMatchObject({ status: 'ended' });

    const events = await eventsOf(h.db, a.id, 'conversation.ended', id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ subject_type: 'conversation' });
    expect(events[0].data).toMatchObject({
      conversation: { id, status: 'ended' },
      contact: { id: aliceSms.contact_id },
      updated_fields: ['status'],
      previous: { status: 'open' },
      current: { status: 'ended', ended_at: row.ended_at.toISOString() },
    });

    const listed = await h.http.get('/api/v1/conversations').query({ status: 'ended' }).set(a.zagely);
    expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([id]);
  });

  it('ends concurrently exactly once', async () => {
    const id = aliceWa.conversation_id;
    const results = await Promise.all([0, 1, 2].map(() => h.http.post(`/api/v1/conversations/${id}/end`).set(a.zagely)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(await eventsOf(h.db, a.id, 'conversation.ended', id)).toHaveLength(1);
  });

  it('a new inbound message after the end opens a new conversation with conversation.new', async () => {
    const next = await inbound(ALICE, simA.phone, 'back again');
    expect(next.conversation_created).toBe(true);
    expect(next.conversation_id).not.toBe(aliceSms.conversation_id);
    expect(next.contact_id).toBe(aliceSms.contact_id);
    expect(await eventsOf(h.db, a.id, 'conversation.new', next.conversation_id)).toHaveLength(1);
    expect(await h.db('conversations').where({ id: aliceSms.conversation_id }).first()).toMatchObject({ status: 'ended' });
    const shown = await h.http.get(`/api/v1/conversations/${next.conversation_id}`).set(a.zagely);
    expect(shown.body.data).toMatchObject({ status: 'open', ended_at: null });
    expect(shown.body.data.messages.map((m: { content: string }) => m.content)).toEqual(['back again']);
    // The following message joins it rather than opening another.
    const after = await inbound(ALICE, simA.phone, 'still here');
    expect(after).toMatchObject({ conversation_created: false, conversation_id: next.conversation_id });
  });

  it('needs messages.send to end and messages.read to read', async () => {
    const c = await h.workspace('C reader');
    await h.db('api_keys').where({ workspace_id: c.id, public_key: c.zagely['X-Public-Key'] }).update({ abilities: ['messages.read'] });
    expect((await h.http.get('/api/v1/conversations').set(c.zagely)).status).toBe(200);
    const res = await h.http.post(`/api/v1/conversations/${bobSms.conversation_id}/end`).set(c.zagely);
    expect(res.status).toBe(403);
    expect(res.body.error.details).toMatchObject({ required_ability: 'messages.send' });
  });
});

describe('another workspace', () => {
  it('finds none of A', async () => {
    const list = await h.http.get('/api/v1/conversations').set(b.zagely);
    expect(list.body).toMatchObject({ total: 0, data: [] });
    expect((await h.http.get(`/api/v1/conversations/${bobSms.conversation_id}`).set(b.zagely)).status).toBe(404);
    const end = await h.http.post(`/api/v1/conversations/${bobSms.conversation_id}/end`).set(b.zagely);
    expect(end.status).toBe(404);
    expect(end.body.error.code).toBe('not_found');
    expect(await h.db('conversations').where({ id: bobSms.conversation_id }).first()).toMatchObject({ status: 'open' });
    expect(await eventsOf(h.db, b.id, 'conversation.ended')).toHaveLength(0);
  });
});
