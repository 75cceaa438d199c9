import { keyService } from '../../services/keys';
import { nextPeriodStart, periodStarts } from '../../db/repositories/usage';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

let h: Harness;
let ws: TestWorkspace;
beforeAll(async () => {
  // A fixed clock keeps every request of a test inside one minute window, so counts are exact.
  h = await createHarness({ clock: () => new Date('2026-06-15T12:00:30.000Z') });
  ws = await h.workspace();
});
afterAll(() => h.close());

async function pairWith(limits: { rate_limit_per_minute?: number; daily_quota?: number; monthly_quota?: number }) {
  const { publicKey, secretKey } = await keyService(h.db).createPair(ws.id, { name: 'limited', ...limits });
  return { 'X-Public-Key': publicKey, 'X-Secret-Key': secretKey };
}

describe('per-key rate limits and quotas', () => {
  it('reports the limits on every authenticated response and counts down the daily remainder', async () => {
    const key = await pairWith({ rate_limit_per_minute: 50, daily_quota: 40 });
    const first = await h.http.get('/api/v1/me').set(key);
    const second = await h.http.get('/api/v1/me').set(key);
    expect(first.headers['x-ratelimit-limit']).toBe('50');
    expect(first.headers['x-ratelimit-daily-limit']).toBe('40');
    expect(first.headers['x-ratelimit-daily-remaining']).toBe('39');
    expect(second.headers['x-ratelimit-daily-remaining']).toBe('38');
    expect(second.body.data.usage).toEqual({ today: 2, month: 2 });
    expect(second.body.data.remaining.daily).toBe(38);
  });

  it('answers 429 rate_limit_exceeded with Retry-After once the minute is spent', async () => {
    const key = await pairWith({ rate_limit_per_minute: 3 });
    for (let i = 0; i < 3; i++) expect((await h.http.get('/api/v1/me').set(key)).status).toBe(200);
    const res = await h.http.get('/api/v1/me').set(key);
    expect(res.status).toBe(429);
    expect(res.body.error).toMatchObject({ code: 'rate_limit_exceeded', details: { limit: 3 } });
    expect(res.headers['retry-after']).toBe('30');
    expect(res.headers['x-ratelimit-limit']).toBe('3');
  });

  it('answers 429 daily_quota_exceeded and monthly_quota_exceeded with their limits', async () => {
    const daily = await pairWith({ daily_quota: 2 });
    await h.http.get('/api/v1/me').set(daily);
    await h.http.get('/api/v1/me').set(daily);
    const d = await h.http.get('/api/v1/me').set(daily);
    expect(d.status).toBe(429);
    expect(d.body.error).toMatchObject({ code: 'daily_quota_exceeded', message: 'Daily request quota exceeded.', details: { limit: 2 } });
    expect(d.headers['x-ratelimit-daily-remaining']).toBe('0');
    expect(d.headers['retry-after']).toBe(String(12 * 3600 - 30));

    const monthly = await pairWith({ monthly_quota: 1 });
    await h.http.get('/api/v1/me').set(monthly);
    const m = await h.http.get('/api/v1/me').set(monthly);
    expect(m.status).toBe(429);
    expect(m.body.error).toMatchObject({ code: 'monthly_quota_exceeded', details: { limit: 1 } });
    expect(m.headers['retry-after']).toBe(String(15 * 86400 + 12 * 3600 - 30));
  });

  it('uses the workspace defaults when a key has no override', async () => {
    await h.db('workspaces').where({ id: ws.id }).update({ rate_limit_per_minute: 2 });
    const key = await pairWith({});
    await h.http.get('/api/v1/me').set(key);
    await h.http.get('/api/v1/me').set(key);
    const res = await h.http.get('/api/v1/me').set(key);
    expect(res.status).toBe(429);
    expect(res.headers['x-ratelimit-limit']).toBe('2');
    await h.db('workspaces').where({ id: ws.id }).update({ rate_limit_per_minute: 120 });
  });

  it('never lets concurrent requests past the limit', async () => {
    const key = await pairWith({ rate_limit_per_minute: 5 });
    const results = await Promise.all(Array.from({ length: 12 }, () => h.http.get('/api/v1/me').set(key)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it('renders the SeaX shape with retry_after on SeaX routes', async () => {
    const other = await h.workspace('SeaX limited');
    await h.db('workspaces').where({ id: other.id }).update({ rate_limit_per_minute: 1 });
    const path = `/api/v1/workspace/${other.id}/jobs/00000000-0000-4000-8000-000000000000`;
    await h.http.get(path).set(other.seax);
    const res = await h.http.get(path).set(other.seax);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ error: 'Rate Limit Exceeded', status_code: 429, code: 'rate_limit_exceeded' });
    expect(res.body.retry_after).toBe(Number(res.headers['retry-after']));
  });
});

describe('limit windows', () => {
  it('starts and ends minute, day and month windows in UTC', () => {
    const now = new Date('2026-12-31T23:59:30.500Z');
    const starts = periodStarts(now);
    expect(starts.minute.toISOString()).toBe('2026-12-31T23:59:00.000Z');
    expect(starts.day.toISOString()).toBe('2026-12-31T00:00:00.000Z');
    expect(starts.month.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(nextPeriodStart('minute', starts).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(nextPeriodStart('day', starts).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(nextPeriodStart('month', starts).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});
