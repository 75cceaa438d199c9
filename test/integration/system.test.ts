import { createHarness, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe('health and me', () => {
  it('reports health without a key', async () => {
    const res = await h.http.get('/api/v1/health');
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('ok');
    expect(Date.parse(res.body.data.timestamp)).not.toBeNaN();
  });

  it('describes the calling key with its usage', async () => {
    const ws = await h.workspace();
    const res = await h.http.get('/api/v1/me').set(ws.zagely);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ tenant_id: ws.id, abilities: ['*'], usage: { today: 1, month: 1 } });
    expect(res.headers['x-ratelimit-limit']).toBe(String(res.body.data.limits.per_minute));
  });
});
