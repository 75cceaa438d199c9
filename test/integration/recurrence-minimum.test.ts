import { phonesRepo } from '../../db/repositories/phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectSeaxFieldError } from '../helpers/seax';
import { expectFieldError, roomyLimits } from '../helpers/zagely';

/*
 * Recurring campaigns may not fire more often than CAMPAIGN_MIN_RECURRENCE_SECONDS (default 60 s): a shorter
 * interval_seconds, or a cron whose firings come closer than that, is a 422 naming the field in both dialects, and
 * no campaign is written. The limit is configurable.
 */

let h: Harness;
let strict: Harness;
let ws: TestWorkspace;
let phoneId: string;

const campaigns = async (harness: Harness, workspaceId: string) =>
  Number((await harness.db('campaigns').where({ workspace_id: workspaceId }).count<{ n: string }[]>({ n: '*' }))[0].n);

beforeAll(async () => {
  [h, strict] = await Promise.all([createHarness(), createHarness({ env: { CAMPAIGN_MIN_RECURRENCE_SECONDS: '3600' } })]);
  ws = await h.workspace();
  await roomyLimits(h.db, ws.id);
  phoneId = (await phonesRepo(h.db).create({ workspace_id: ws.id, name: 'Sim', phone: '+14155550100', source: 'SIMULATOR' })).id;
});
afterAll(() => Promise.all([h.close(), strict.close()]));

const zagely = (harness: Harness, w: TestWorkspace, session: string, recurrence: Record<string, unknown>) =>
  harness.http.post('/api/v1/campaigns').set(w.zagely).send({ name: 'Recurring', session_id: session, message_content: 'Hi', recurrence });
const seax = (harness: Harness, w: TestWorkspace, phone: string, recurrence: Record<string, unknown>) =>
  harness.http
    .post(`/api/v1/workspace/${w.id}/campaigns`)
    .set(w.seax)
    .send({ name: 'Recurring', type: 'SMS', message: 'Hi', phone_ids: [phone], is_schedule: true, start_time: new Date(Date.now() + 86_400_000).toISOString(), recurrence });

describe('the default minimum, 60 s', () => {
  it.each([
    ['interval_seconds: 1', { interval_seconds: 1 }, 'recurrence.interval_seconds'],
    ['interval_seconds: 59', { interval_seconds: 59 }, 'recurrence.interval_seconds'],
    ['cron every second', { cron: '* * * * * *' }, 'recurrence.cron'],
    ['cron every 30 s', { cron: '*/30 * * * * *' }, 'recurrence.cron'],
  ])('Zagely refuses %s', async (_what, recurrence, field) => {
    const before = await campaigns(h, ws.id);
    const [message] = expectFieldError(await zagely(h, ws, phoneId, recurrence), field);
    expect(message).toMatch(/60 seconds/);
    expect(await campaigns(h, ws.id)).toBe(before);
  });

  it.each([
    ['interval_seconds: 1', { interval_seconds: 1 }, 'recurrence.interval_seconds'],
    ['cron every second', { cron: '* * * * * *' }, 'recurrence.cron'],
  ])('SeaX refuses %s', async (_what, recurrence, field) => {
    const before = await campaigns(h, ws.id);
    const [message] = expectSeaxFieldError(await seax(h, ws, phoneId, recurrence), field);
    expect(message).toMatch(/60 seconds/);
    expect(await campaigns(h, ws.id)).toBe(before);
  });

  it('accepts 60 s and a cron every minute in both dialects', async () => {
    expect((await zagely(h, ws, phoneId, { interval_seconds: 60 })).status).toBe(201);
    expect((await zagely(h, ws, phoneId, { cron: '* * * * *' })).status).toBe(201);
    const res = await seax(h, ws, phoneId, { cron: '*/2 * * * *' });
    expect(res.status).toBe(200);
    expect(res.body.recurrence).toMatchObject({ cron: '*/2 * * * *' });
  });
});

describe('a configured minimum (CAMPAIGN_MIN_RECURRENCE_SECONDS=3600)', () => {
  it('refuses a cron that fires every five minutes and accepts one every hour', async () => {
    const w = await strict.workspace();
    const phone = (await phonesRepo(strict.db).create({ workspace_id: w.id, name: 'Sim', phone: '+14155550101', source: 'SIMULATOR' })).id;
    expect(expectFieldError(await zagely(strict, w, phone, { cron: '*/5 * * * *' }), 'recurrence.cron')[0]).toMatch(/3600 seconds/);
    expectSeaxFieldError(await seax(strict, w, phone, { interval_seconds: 1800 }), 'recurrence.interval_seconds');
    expect((await zagely(strict, w, phone, { cron: '0 * * * *' })).status).toBe(201);
  });
});
