import type { Principal } from '../../api/context';
import { apiKeyService } from '../../services/api-keys';
import { phonesRepo } from '../../db/repositories/phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectError, expectFieldError, roomyLimits } from '../helpers/zagely';

let h: Harness;
let ws: TestWorkspace;
beforeAll(async () => {
  h = await createHarness();
  ws = await h.workspace('Keys A');
  await roomyLimits(h.db, ws.id);
});
afterAll(() => h.close());

const pairHeaders = (data: { public_key: string; secret_key: string }) => ({ 'X-Public-Key': data.public_key, 'X-Secret-Key': data.secret_key });

async function createKey(headers: Record<string, string>, body: Record<string, unknown>) {
  const res = await h.http.post('/api/v1/api-keys').set(headers).send(body);
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as Record<string, unknown> & { id: string; public_key: string; secret_key: string };
}

describe('creating keys', () => {
  it('returns the pair once, and the new key authenticates with exactly its abilities', async () => {
    const res = await h.http.post('/api/v1/api-keys').set(ws.zagely).send({ name: 'Reader', abilities: ['contacts.read', 'contacts.read'] });
    expect(res.status).toBe(201);
    const key = res.body.data;
    expect(key).toMatchObject({ name: 'Reader', type: 'key_pair', abilities: ['contacts.read'], session_id: null, disabled: false, expires_at: null });
    expect(key.public_key).toMatch(/^pk_[A-Za-z0-9]{32}$/);
    expect(key.secret_key).toMatch(/^sk_[A-Za-z0-9]{48}$/);
    expect(key.limits).toEqual({ per_minute: 100_000, daily: 10000, monthly: 250000 }); // the workspace defaults

    const me = await h.http.get('/api/v1/me').set(pairHeaders(key));
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ id: key.id, abilities: ['contacts.read'], tenant_id: ws.id });

    const shown = await h.http.get(`/api/v1/api-keys/${key.id}`).set(ws.zagely);
    expect(shown.status).toBe(200);
    expect(shown.body.data.public_key).toBe(key.public_key);
    expect(shown.body.data).not.toHaveProperty('secret_key');
  });

  it('applies per-key limits, an expiry and a session binding', async () => {
    const phone = await phonesRepo(h.db).create({ workspace_id: ws.id, name: 'Support', phone: '+15550001111' });
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const key = await createKey(ws.zagely, {
      name: 'Bound',
      abilities: ['messages.send'],
      session_id: phone.id,
      rate_limit_per_minute: 7,
      daily_quota: 70,
      monthly_quota: 700,
      expires_at: expires,
    });
    expect(key).toMatchObject({
      session_id: phone.id,
      limits: { per_minute: 7, daily: 70, monthly: 700 },
      rate_limit_per_minute: 7,
      expires_at: expires,
    });
    const me = await h.http.get('/api/v1/me').set(pairHeaders(key));
    expect(me.body.data).toMatchObject({ session_id: phone.id, limits: { per_minute: 7, daily: 70, monthly: 700 } });
    expect(me.headers['x-ratelimit-limit']).toBe('7');
  });

  it('collapses * with other abilities to *', async () => {
    const key = await createKey(ws.zagely, { name: 'All', abilities: ['contacts.read', '*'] });
    expect(key.abilities).toEqual(['*']);
  });

  it.each([
    ['name', {}],
    ['name', { name: '' }],
    ['name', { name: 'x'.repeat(256) }],
    ['name', { name: 42 }],
    ['abilities', { name: 'k' }],
    ['abilities', { name: 'k', abilities: [] }],
    ['abilities', { name: 'k', abilities: 'contacts.read' }],
    ['abilities', { name: 'k', abilities: ['contacts.read', 'contacts.delete'] }],
    ['session_id', { name: 'k', abilities: ['*'], session_id: 'not-a-uuid' }],
    ['session_id', { name: 'k', abilities: ['*'], session_id: '00000000-0000-4000-8000-000000000000' }],
    ['rate_limit_per_minute', { name: 'k', abilities: ['*'], rate_limit_per_minute: 0 }],
    ['rate_limit_per_minute', { name: 'k', abilities: ['*'], rate_limit_per_minute: 'ten' }],
    ['daily_quota', { name: 'k', abilities: ['*'], daily_quota: -1 }],
    ['monthly_quota', { name: 'k', abilities: ['*'], monthly_quota: 1.5 }],
    ['expires_at', { name: 'k', abilities: ['*'], expires_at: '2020-01-01T00:00:00Z' }],
    ['expires_at', { name: 'k', abilities: ['*'], expires_at: 'tomorrow' }],
  ] as [string, Record<string, unknown>][])('refuses a bad %s with 422 naming it (%j)', async (field, body) => {
    const res = await h.http.post('/api/v1/api-keys').set(ws.zagely).send(body);
    const messages = expectFieldError(res, field);
    if (field === 'abilities' && Array.isArray(body.abilities) && body.abilities.length === 2) {
      expect(messages.join(' ')).toMatch(/contacts\.delete/);
      expect(Object.keys(res.body.error.details.errors)).toEqual(['abilities']);
    }
  });

  it('refuses a session of another workspace', async () => {
    const other = await h.workspace('Keys other session');
    const phone = await phonesRepo(h.db).create({ workspace_id: other.id, name: 'Theirs', phone: '+15550002222' });
    expectFieldError(await h.http.post('/api/v1/api-keys').set(ws.zagely).send({ name: 'k', abilities: ['*'], session_id: phone.id }), 'session_id');
  });
});

describe('listing keys', () => {
  it('lists the live keys of the workspace without any secret', async () => {
    const own = await h.workspace('Keys list');
    const created = await createKey(own.zagely, { name: 'Listed', abilities: ['webhooks.read'] });
    const res = await h.http.get('/api/v1/api-keys').set(own.zagely);
    expect(res.status).toBe(200);
    const names = res.body.data.map((k: { name: string }) => k.name).sort();
    expect(names).toEqual(['Default API key', 'Default key pair', 'Listed']);
    expect(res.body.total).toBe(3);
    const text = JSON.stringify(res.body);
    for (const secret of [own.secret_key, own.api_key, created.secret_key]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/secret/);
    const seax = res.body.data.find((k: { type: string }) => k.type === 'api_key');
    expect(seax).toMatchObject({ public_key: null, abilities: ['*'] });
    const listed = res.body.data.find((k: { id: string }) => k.id === created.id);
    expect(listed).toMatchObject({ public_key: created.public_key, abilities: ['webhooks.read'], disabled: false, last_used_at: null });
  });

  it('is usable with the SeaX key as well (it carries *)', async () => {
    const res = await h.http.get('/api/v1/api-keys').set(ws.seax);
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThanOrEqual(2);
  });
});

describe('revoking, disabling and enabling', () => {
  it('revokes a key for good: it is answered invalid_credentials and leaves the list', async () => {
    const key = await createKey(ws.zagely, { name: 'Doomed', abilities: ['*'] });
    expect((await h.http.get('/api/v1/me').set(pairHeaders(key))).status).toBe(200);

    const res = await h.http.delete(`/api/v1/api-keys/${key.id}`).set(ws.zagely);
    expect(res.status).toBe(200);
    expect(res.body.message).toMatch(/revoked/i);

    expectError(await h.http.get('/api/v1/me').set(pairHeaders(key)), 401, 'invalid_credentials');
    const list = await h.http.get('/api/v1/api-keys').set(ws.zagely);
    expect(list.body.data.map((k: { id: string }) => k.id)).not.toContain(key.id);
    expectError(await h.http.delete(`/api/v1/api-keys/${key.id}`).set(ws.zagely), 404, 'not_found');
    expectError(await h.http.get(`/api/v1/api-keys/${key.id}`).set(ws.zagely), 404, 'not_found');
    expectError(await h.http.post(`/api/v1/api-keys/${key.id}/enable`).set(ws.zagely), 404, 'not_found');
  });

  it('lets a key revoke itself (rotation)', async () => {
    const key = await createKey(ws.zagely, { name: 'Self', abilities: ['*'] });
    expect((await h.http.delete(`/api/v1/api-keys/${key.id}`).set(pairHeaders(key))).status).toBe(200);
    expectError(await h.http.get('/api/v1/me').set(pairHeaders(key)), 401, 'invalid_credentials');
  });

  it('disables a key (key_inactive) until it is enabled again', async () => {
    const key = await createKey(ws.zagely, { name: 'Toggled', abilities: ['*'] });
    const off = await h.http.post(`/api/v1/api-keys/${key.id}/disable`).set(ws.zagely);
    expect(off.status).toBe(200);
    expect(off.body.data).toMatchObject({ id: key.id, disabled: true });
    expect(Date.parse(off.body.data.disabled_at)).not.toBeNaN();
    expectError(await h.http.get('/api/v1/me').set(pairHeaders(key)), 401, 'key_inactive');

    const on = await h.http.post(`/api/v1/api-keys/${key.id}/enable`).set(ws.zagely);
    expect(on.status).toBe(200);
    expect(on.body.data).toMatchObject({ disabled: false, disabled_at: null });
    expect((await h.http.get('/api/v1/me').set(pairHeaders(key))).status).toBe(200);
  });

  it('refuses to let a key disable itself', async () => {
    const key = await createKey(ws.zagely, { name: 'Careful', abilities: ['*'] });
    expectError(await h.http.post(`/api/v1/api-keys/${key.id}/disable`).set(pairHeaders(key)), 409, 'conflict');
    expect((await h.http.get('/api/v1/me').set(pairHeaders(key))).status).toBe(200);
  });

  it('answers 422 for an id that is not a UUID', async () => {
    expectFieldError(await h.http.delete('/api/v1/api-keys/nope').set(ws.zagely), 'id');
  });
});

describe('who may manage keys', () => {
  it('requires the * ability for every key route', async () => {
    const narrow = await createKey(ws.zagely, { name: 'Narrow', abilities: ['contacts.read', 'contacts.write', 'sessions.read'] });
    const victim = await createKey(ws.zagely, { name: 'Victim', abilities: ['contacts.read'] });
    const headers = pairHeaders(narrow);
    const attempts = [
      h.http.get('/api/v1/api-keys').set(headers),
      h.http.get(`/api/v1/api-keys/${victim.id}`).set(headers),
      h.http.post('/api/v1/api-keys').set(headers).send({ name: 'Escalate', abilities: ['*'] }),
      h.http.delete(`/api/v1/api-keys/${victim.id}`).set(headers),
      h.http.post(`/api/v1/api-keys/${victim.id}/disable`).set(headers),
      h.http.post(`/api/v1/api-keys/${victim.id}/enable`).set(headers),
    ];
    for (const res of await Promise.all(attempts)) {
      expectError(res, 403, 'insufficient_ability');
      expect(res.body.error.details).toEqual({ required_ability: '*' });
    }
    expect((await h.http.get('/api/v1/me').set(pairHeaders(victim))).status).toBe(200);
  });

  it('never lets a key grant abilities or sessions beyond its own (service rule)', async () => {
    const service = apiKeyService(h.db);
    const phone = await phonesRepo(h.db).create({ workspace_id: ws.id, name: 'Bound sender', phone: '+15550003333' });
    const caller = (abilities: string[], sessionId: string | null = null): Principal => ({
      keyId: '00000000-0000-4000-8000-000000000000',
      keyName: 'caller',
      kind: 'pair',
      workspaceId: ws.id,
      defaultCountry: 'US',
      abilities,
      sessionId,
      expiresAt: null,
      lastUsedAt: null,
      limits: { per_minute: 1, daily: 1, monthly: 1 },
    });
    await expect(service.create(caller(['contacts.read']), { name: 'x', abilities: ['contacts.write'] })).rejects.toMatchObject({
      kind: 'forbidden',
      code: 'forbidden',
      details: { abilities: ['contacts.write'] },
    });
    await expect(service.create(caller(['contacts.read']), { name: 'x', abilities: ['*'] })).rejects.toMatchObject({ kind: 'forbidden' });
    const ok = await service.create(caller(['contacts.read', 'contacts.write']), { name: 'x', abilities: ['contacts.read'] });
    expect(ok.row.abilities).toEqual(['contacts.read']);

    const bound = caller(['*'], phone.id);
    const inherited = await service.create(bound, { name: 'inherits', abilities: ['*'] });
    expect(inherited.row.session_id).toBe(phone.id);
    const other = await phonesRepo(h.db).create({ workspace_id: ws.id, name: 'Other sender', phone: '+15550004444' });
    await expect(service.create(bound, { name: 'escape', abilities: ['*'], session_id: other.id })).rejects.toMatchObject({ kind: 'forbidden' });
  });
});

describe('workspace isolation', () => {
  it('never shows, revokes or toggles another workspace’s keys', async () => {
    const b = await h.workspace('Keys B');
    const bKey = await createKey(b.zagely, { name: 'B only', abilities: ['*'] });

    const list = await h.http.get('/api/v1/api-keys').set(ws.zagely);
    const ids = list.body.data.map((k: { id: string }) => k.id);
    expect(ids).not.toContain(bKey.id);
    expect(JSON.stringify(list.body)).not.toContain('B only');

    for (const res of [
      await h.http.get(`/api/v1/api-keys/${bKey.id}`).set(ws.zagely),
      await h.http.delete(`/api/v1/api-keys/${bKey.id}`).set(ws.zagely),
      await h.http.post(`/api/v1/api-keys/${bKey.id}/disable`).set(ws.zagely),
      await h.http.post(`/api/v1/api-keys/${bKey.id}/enable`).set(ws.zagely),
    ]) {
      expectError(res, 404, 'not_found');
    }
    const me = await h.http.get('/api/v1/me').set(pairHeaders(bKey));
    expect(me.status).toBe(200);
  });
});

describe('sessions', () => {
  it('lists the workspace’s sessions paginated and shows one', async () => {
    const own = await h.workspace('Sessions');
    const repo = phonesRepo(h.db);
    const first = await repo.create({ workspace_id: own.id, name: 'Customer Support', phone: '+15551230001', daily_limit: 500, warmup_enabled: true });
    const second = await repo.create({ workspace_id: own.id, name: 'Sales', phone: '+15551230002', status: 'disconnected' });
    const theirs = await h.workspace('Sessions other');
    const foreign = await repo.create({ workspace_id: theirs.id, name: 'Foreign', phone: '+15551230003' });

    const res = await h.http.get('/api/v1/sessions').set(own.zagely);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ current_page: 1, total: 2, per_page: 50, last_page: 1 });
    expect(res.body.data).toEqual([
      {
        id: first.id,
        name: 'Customer Support',
        phone_number: '+15551230001',
        status: 'connected',
        daily_limit: 500,
        warmup_enabled: true,
        created_at: first.created_at.toISOString(),
      },
      expect.objectContaining({ id: second.id, status: 'disconnected', daily_limit: null, warmup_enabled: false }),
    ]);

    const paged = await h.http.get('/api/v1/sessions?per_page=1&page=2').set(own.zagely);
    expect(paged.body).toMatchObject({ current_page: 2, per_page: 1, total: 2, last_page: 2 });
    expect(paged.body.data.map((s: { id: string }) => s.id)).toEqual([second.id]);
    expectFieldError(await h.http.get('/api/v1/sessions?per_page=0').set(own.zagely), 'per_page');

    const one = await h.http.get(`/api/v1/sessions/${second.id}`).set(own.zagely);
    expect(one.status).toBe(200);
    expect(one.body.data).toMatchObject({ id: second.id, name: 'Sales', phone_number: '+15551230002' });

    expectError(await h.http.get(`/api/v1/sessions/${foreign.id}`).set(own.zagely), 404, 'not_found');
    expectFieldError(await h.http.get('/api/v1/sessions/abc').set(own.zagely), 'session');
  });

  it('requires sessions.read', async () => {
    const key = await createKey(ws.zagely, { name: 'No sessions', abilities: ['contacts.read'] });
    const res = await h.http.get('/api/v1/sessions').set(pairHeaders(key));
    expectError(res, 403, 'insufficient_ability');
    expect(res.body.error.details.required_ability).toBe('sessions.read');
    const allowed = await createKey(ws.zagely, { name: 'Sessions only', abilities: ['sessions.read'] });
    expect((await h.http.get('/api/v1/sessions').set(pairHeaders(allowed))).status).toBe(200);
  });
});
