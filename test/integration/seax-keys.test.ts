import { seaxKeyRoutes } from '../../api/routes/seax/keys';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectSeaxError, expectSeaxFieldError, fill, pairWith, specsOf } from '../helpers/seax';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const reset = (ws: TestWorkspace) => `/api/v1/workspace/${ws.id}/api_keys/reset`;
const phones = (ws: TestWorkspace) => `/api/v1/workspace/${ws.id}/phones`;

describe('POST /api_keys/reset', () => {
  it('issues a new key once and invalidates the old one', async () => {
    const ws = await h.workspace();
    const res = await h.http.post(reset(ws)).set(ws.seax).send({ name: 'My Integration API Key' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['api_key', 'created_time', 'id', 'name', 'workspace_id']);
    expect(res.body).toMatchObject({ name: 'My Integration API Key', workspace_id: ws.id });
    expect(res.body.api_key).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.api_key).not.toBe(ws.api_key);
    expect(new Date(res.body.created_time).toISOString()).toBe(res.body.created_time);

    const old = await h.http.get(phones(ws)).set(ws.seax);
    expectSeaxError(old, 401);
    expect(old.body.message).toBe('Invalid API key.');
    expect((await h.http.get(phones(ws)).set('X-API-Key', res.body.api_key)).status).toBe(200);
    expect((await h.http.get(phones(ws)).set('Authorization', `Bearer ${res.body.api_key}`)).status).toBe(200);
    // Only the hash is stored.
    const row = await h.db('api_keys').where({ id: res.body.id }).first();
    expect(JSON.stringify(row)).not.toContain(res.body.api_key);
    // Zagely key pairs are not SeaX keys: they keep working.
    expect((await h.http.get(phones(ws)).set(ws.zagely)).status).toBe(200);
  });

  it('defaults the name, and the newest key can reset again', async () => {
    const ws = await h.workspace();
    const first = await h.http.post(reset(ws)).set(ws.seax);
    expect(first.status).toBe(200);
    expect(first.body.name).toBe('API Key');
    const second = await h.http.post(reset(ws)).set('X-API-Key', first.body.api_key).send({});
    expect(second.status).toBe(200);
    expectSeaxError(await h.http.get(phones(ws)).set('X-API-Key', first.body.api_key), 401);
    expect((await h.http.get(phones(ws)).set('X-API-Key', second.body.api_key)).status).toBe(200);
    const live = await h.db('api_keys').where({ workspace_id: ws.id, kind: 'seax' }).whereNull('revoked_at').select('id');
    expect(live).toEqual([{ id: second.body.id }]);
  });

  it.each([
    ['name', { name: 42 }],
    ['name', { name: '' }],
    ['name', { name: 'k'.repeat(256) }],
  ])('rejects a bad %s with 422 naming it, leaving the key working', async (field, body) => {
    const ws = await h.workspace();
    expectSeaxFieldError(await h.http.post(reset(ws)).set(ws.seax).send(body), field);
    expect((await h.http.get(phones(ws)).set(ws.seax)).status).toBe(200);
  });

  it('answers 403 to a key of another workspace and leaves that workspace’s key alone', async () => {
    const [a, b] = [await h.workspace('A'), await h.workspace('B')];
    const specs = specsOf(h, seaxKeyRoutes);
    expect(specs.length).toBe(1);
    for (const spec of specs) expectSeaxError(await h.http[spec.method](fill(spec.path, { workspace_id: b.id })).set(a.seax).send({}), 403);
    expect((await h.http.get(phones(b)).set(b.seax)).status).toBe(200);
    expect((await h.http.get(phones(a)).set(a.seax)).status).toBe(200);
  });

  it('needs a key with every ability', async () => {
    const ws = await h.workspace();
    const limited = await pairWith(h, ws, ['contacts.read', 'contacts.write', 'sessions.read']);
    const res = await h.http.post(reset(ws)).set(limited).send({});
    expectSeaxError(res, 403);
    expect(res.body.details).toEqual({ required_ability: '*' });
    expect((await h.http.get(phones(ws)).set(ws.seax)).status).toBe(200);
  });
});
