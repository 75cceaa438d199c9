import supertest from 'supertest';
import { createApp } from '../../api/app';
import { createDb } from '../../db/connection';
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

describe('cross-cutting error behaviour', () => {
  it('answers unknown routes with 404 in each dialect’s shape', async () => {
    const ws = await h.workspace();
    const zagely = await h.http.get('/api/v1/nope').set(ws.zagely);
    expect(zagely.status).toBe(404);
    expect(zagely.body.error).toMatchObject({ code: 'not_found' });
    const seax = await h.http.get(`/api/v1/workspace/${ws.id}/nope`).set(ws.seax);
    expect(seax.status).toBe(404);
    expect(seax.body).toMatchObject({ error: 'Not Found', status_code: 404, detail: expect.any(String) });
  });

  it('renders SeaX auth failures in the SeaX shape', async () => {
    const res = await h.http.get('/api/v1/workspace/00000000-0000-4000-8000-000000000000/jobs/00000000-0000-4000-8000-000000000000').set('X-API-Key', 'wrong');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'Unauthorized', message: 'Invalid API key.', detail: 'Invalid API key.', status_code: 401 });
  });

  it('turns malformed JSON into a 400 that says so', async () => {
    const ws = await h.workspace();
    const res = await h.http.post('/api/contacts/export').set(ws.zagely).set('Content-Type', 'application/json').send('{"search":');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('carries a request id on every response, and echoes a well-formed one the client sent', async () => {
    const mine = await h.http.get('/api/v1/health').set('X-Request-Id', 'client-req-42');
    expect(mine.headers['x-request-id']).toBe('client-req-42');
    const generated = await h.http.get('/api/v1/health').set('X-Request-Id', 'bad id with spaces');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('when the database is down', () => {
  it('reports 503 on health and a 503 with Retry-After, without internals, with the request id, elsewhere', async () => {
    const deadDb = createDb('postgres://nobody:x@127.0.0.1:1/none', { pool: { min: 0, max: 1 } });
    const logged: unknown[] = [];
    const logger = { error: (o: unknown) => logged.push(o), debug: () => undefined, warn: () => undefined, info: () => undefined };
    const app = createApp({ db: deadDb, temporal: h.temporal, config: h.config, logger: logger as never });
    const http = supertest(app.callback());

    const health = await http.get('/api/v1/health');
    expect(health.status).toBe(503);
    expect(health.body.data.status).toBe('unavailable');

    const res = await http.get('/api/v1/me').set('X-API-Key', 'anything');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.body.error.code).toBe('service_unavailable');
    expect(res.body.request_id).toBe(res.headers['x-request-id']);
    expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|at .*\.ts:\d+/);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ requestId: res.body.request_id });
    await deadDb.destroy();
  });
});
