import { createHarness, type Harness } from '../helpers/harness';

let h: Harness;
let admin: Record<string, string>;
beforeAll(async () => {
  h = await createHarness();
  admin = { Authorization: `Bearer ${h.config.ADMIN_TOKEN}` };
});
afterAll(() => h.close());

const MISSING_ID = '00000000-0000-4000-8000-000000000000';

/** A 422 in the Zagely envelope naming `field`. */
function expectFieldError(res: { status: number; body: { error: { code: string; message: string; details?: { errors?: Record<string, string[]> } } } }, field: string) {
  expect(res.status).toBe(422);
  expect(res.body.error.code).toBe('validation_failed');
  expect(Object.keys(res.body.error.details?.errors ?? {})).toContain(field);
  expect(res.body.error.message).toContain(field.split('.')[0]);
}

describe('admin authentication', () => {
  // Every row has three cells: jest hands a `done` callback to a test whose function takes more arguments than its row.
  const routes: [string, string, object | undefined][] = [
    ['get', '/admin/v1/workspaces', undefined],
    ['post', '/admin/v1/workspaces', { name: 'X' }],
    ['get', `/admin/v1/workspaces/${MISSING_ID}`, undefined],
    ['patch', `/admin/v1/workspaces/${MISSING_ID}`, { daily_quota: 5 }],
    ['post', `/admin/v1/workspaces/${MISSING_ID}/disable`, undefined],
    ['post', `/admin/v1/workspaces/${MISSING_ID}/enable`, undefined],
    ['post', `/admin/v1/workspaces/${MISSING_ID}/keys`, { name: 'k' }],
  ];
  const send = (http: Harness['http'], method: string, url: string, body?: object) => {
    const req = (http as unknown as Record<string, (u: string) => ReturnType<Harness['http']['get']>>)[method](url);
    return body ? req.send(body) : req;
  };

  it.each(routes)('%s %s without a token is 401 credentials_missing', async (method, url, body) => {
    const res = await send(h.http, method, url, body);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('credentials_missing');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it.each(routes)('%s %s with a wrong token is 401 invalid_credentials', async (method, url, body) => {
    const res = await send(h.http, method, url, body).set('Authorization', `Bearer ${h.config.ADMIN_TOKEN}x`);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'invalid_credentials', message: 'Invalid admin token.' });
  });

  it('rejects other schemes, a bare token and a workspace API key', async () => {
    const ws = await h.workspace();
    for (const headers of [
      { Authorization: `Basic ${Buffer.from(`admin:${h.config.ADMIN_TOKEN}`).toString('base64')}` },
      { Authorization: h.config.ADMIN_TOKEN as string },
      { 'X-Admin-Token': h.config.ADMIN_TOKEN as string },
      ws.seax,
      ws.zagely,
      { Authorization: `Bearer ${ws.api_key}` },
    ]) {
      const res = await h.http.get('/admin/v1/workspaces').set(headers);
      expect({ headers, status: res.status }).toEqual({ headers, status: 401 });
    }
  });

  it('checks the token before validating the body', async () => {
    const res = await h.http.post('/admin/v1/workspaces').send({});
    expect(res.status).toBe(401);
    const bad = await h.http.post('/admin/v1/workspaces/not-a-uuid/keys').set('Authorization', 'Bearer wrong').send({});
    expect(bad.status).toBe(401);
  });

  it('accepts the scheme in any case', async () => {
    const res = await h.http.get('/admin/v1/workspaces').set('Authorization', `bearer ${h.config.ADMIN_TOKEN}`);
    expect(res.status).toBe(200);
  });

  it('answers unknown admin paths like any unknown path', async () => {
    const res = await h.http.get('/admin/v1/nothing').set(admin);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  describe('when ADMIN_TOKEN is unset', () => {
    let off: Harness;
    beforeAll(async () => {
      off = await createHarness({ env: { ADMIN_TOKEN: '' } });
    });
    afterAll(() => off.close());

    it('has no admin token in its config', () => {
      expect(off.config.ADMIN_TOKEN).toBeUndefined();
    });

    it.each(routes)('%s %s answers 404 as if the admin API did not exist', async (method, url, body) => {
      for (const headers of [{}, { Authorization: `Bearer ${h.config.ADMIN_TOKEN}` }, { Authorization: 'Bearer ' }]) {
        const res = await send(off.http, method, url, body).set(headers);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
        expect(res.body.error.message).toBe(`No route for ${method.toUpperCase()} ${url}.`);
      }
    });

    it('still serves the rest of the API', async () => {
      expect((await off.http.get('/api/v1/health')).status).toBe(200);
    });
  });
});

describe('workspaces', () => {
  it('creates a workspace whose keys work at once, and shows the secrets only then', async () => {
    const res = await h.http.post('/admin/v1/workspaces').set(admin).send({ name: '  Acme  ', default_country: 'gb' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['api_key', 'id', 'name', 'public_key', 'secret_key']);
    expect(res.body).toMatchObject({ name: 'Acme', api_key: expect.stringMatching(/^[0-9a-f]{64}$/), public_key: expect.stringMatching(/^pk_/), secret_key: expect.stringMatching(/^sk_/) });

    const seax = await h.http.get('/api/v1/me').set('X-API-Key', res.body.api_key);
    expect(seax.status).toBe(200);
    expect(seax.body.data.workspace_id).toBe(res.body.id);
    const pair = await h.http.get('/api/v1/me').set({ 'X-Public-Key': res.body.public_key, 'X-Secret-Key': res.body.secret_key });
    expect(pair.status).toBe(200);
    expect(pair.body.data).toMatchObject({ workspace_id: res.body.id, abilities: ['*'] });

    const one = await h.http.get(`/admin/v1/workspaces/${res.body.id}`).set(admin);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: res.body.id, name: 'Acme', status: 'active', default_country: 'GB', limits: { rate_limit_per_minute: 120, daily_quota: 10000, monthly_quota: 250000 } });
    expect(one.body.keys.map((k: { kind: string }) => k.kind).sort()).toEqual(['pair', 'seax']);
    const text = JSON.stringify(one.body);
    for (const secret of [res.body.api_key, res.body.secret_key]) expect(text).not.toContain(secret);
    expect(text).not.toContain('secret_hash');
  });

  it('lists workspaces without secrets', async () => {
    const created = await h.http.post('/admin/v1/workspaces').set(admin).send({ name: 'Listed' });
    const res = await h.http.get('/admin/v1/workspaces').set(admin);
    expect(res.status).toBe(200);
    const row = res.body.data.find((w: { id: string }) => w.id === created.body.id);
    expect(row).toEqual({
      id: created.body.id,
      name: 'Listed',
      status: 'active',
      default_country: 'US',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      limits: { rate_limit_per_minute: 120, daily_quota: 10000, monthly_quota: 250000 },
    });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(created.body.api_key);
    expect(text).not.toContain(created.body.secret_key);
  });

  it('disables and enables a workspace: its keys answer 401 key_inactive meanwhile', async () => {
    const ws = await h.workspace();
    expect((await h.http.get('/api/v1/me').set(ws.zagely)).status).toBe(200);

    const off = await h.http.post(`/admin/v1/workspaces/${ws.id}/disable`).set(admin);
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: ws.id, status: 'disabled' });
    for (const headers of [ws.zagely, ws.seax]) {
      const res = await h.http.get('/api/v1/me').set(headers);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('key_inactive');
    }

    const on = await h.http.post(`/admin/v1/workspaces/${ws.id}/enable`).set(admin);
    expect(on.status).toBe(200);
    expect(on.body.status).toBe('active');
    expect((await h.http.get('/api/v1/me').set(ws.seax)).status).toBe(200);
  });

  it('sets the default limits that keys without their own inherit', async () => {
    const ws = await h.workspace();
    const res = await h.http.patch(`/admin/v1/workspaces/${ws.id}`).set(admin).send({ rate_limit_per_minute: 7, daily_quota: 70 });
    expect(res.status).toBe(200);
    expect(res.body.limits).toEqual({ rate_limit_per_minute: 7, daily_quota: 70, monthly_quota: 250000 });
    const me = await h.http.get('/api/v1/me').set(ws.zagely);
    expect(me.body.data.limits).toEqual({ per_minute: 7, daily: 70, monthly: 250000 });
    expect(me.headers['x-ratelimit-limit']).toBe('7');
  });

  it('answers 404 for a workspace that does not exist', async () => {
    for (const [method, url, body] of [
      ['get', `/admin/v1/workspaces/${MISSING_ID}`],
      ['patch', `/admin/v1/workspaces/${MISSING_ID}`, { daily_quota: 1 }],
      ['post', `/admin/v1/workspaces/${MISSING_ID}/disable`],
      ['post', `/admin/v1/workspaces/${MISSING_ID}/enable`],
      ['post', `/admin/v1/workspaces/${MISSING_ID}/keys`, { name: 'k' }],
    ] as const) {
      const req = h.http[method](url).set(admin);
      const res = await (body ? req.send(body) : req);
      expect({ url, method, status: res.status }).toEqual({ url, method, status: 404 });
      expect(res.body.error).toMatchObject({ code: 'not_found', message: 'Workspace not found.' });
    }
  });
});

describe('keys', () => {
  it('issues a key pair with abilities and limits; the secret is shown once and works', async () => {
    const ws = await h.workspace();
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const res = await h.http
      .post(`/admin/v1/workspaces/${ws.id}/keys`)
      .set(admin)
      .send({ name: 'Reader', abilities: ['contacts.read', 'messages.read'], rate_limit_per_minute: 5, daily_quota: 50, monthly_quota: 500, expires_at: expires });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      workspace_id: ws.id,
      kind: 'pair',
      name: 'Reader',
      abilities: ['contacts.read', 'messages.read'],
      public_key: expect.stringMatching(/^pk_/),
      secret_key: expect.stringMatching(/^sk_/),
      limits: { rate_limit_per_minute: 5, daily_quota: 50, monthly_quota: 500 },
      expires_at: expires,
    });
    expect(res.body.api_key).toBeUndefined();

    const me = await h.http.get('/api/v1/me').set({ 'X-Public-Key': res.body.public_key, 'X-Secret-Key': res.body.secret_key });
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ id: res.body.id, name: 'Reader', abilities: ['contacts.read', 'messages.read'], limits: { per_minute: 5, daily: 50, monthly: 500 }, expires_at: expires });

    const listed = await h.http.get(`/admin/v1/workspaces/${ws.id}`).set(admin);
    const key = listed.body.keys.find((k: { id: string }) => k.id === res.body.id);
    expect(key).toMatchObject({ public_key: res.body.public_key, abilities: ['contacts.read', 'messages.read'] });
    expect(key.secret_key).toBeUndefined();
  });

  it('defaults to a full-ability pair', async () => {
    const ws = await h.workspace();
    const res = await h.http.post(`/admin/v1/workspaces/${ws.id}/keys`).set(admin).send({ name: 'Default' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'pair', abilities: ['*'], limits: { rate_limit_per_minute: null, daily_quota: null, monthly_quota: null }, expires_at: null });
  });

  it('issues a SeaX key that replaces the previous one', async () => {
    const ws = await h.workspace();
    const res = await h.http.post(`/admin/v1/workspaces/${ws.id}/keys`).set(admin).send({ name: 'SeaX', kind: 'seax', daily_quota: 9 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'seax', abilities: ['*'], public_key: null, api_key: expect.stringMatching(/^[0-9a-f]{64}$/), limits: { daily_quota: 9 } });
    expect(res.body.secret_key).toBeUndefined();

    const me = await h.http.get('/api/v1/me').set('X-API-Key', res.body.api_key);
    expect(me.status).toBe(200);
    expect(me.body.data.limits.daily).toBe(9);
    const old = await h.http.get('/api/v1/me').set(ws.seax);
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('invalid_credentials');
  });
});

describe('validation', () => {
  let wsId: string;
  beforeAll(async () => {
    wsId = (await h.workspace()).id;
  });

  it.each([
    ['a missing name', {}, 'name'],
    ['a blank name', { name: '   ' }, 'name'],
    ['a name that is not a string', { name: 42 }, 'name'],
    ['an overlong name', { name: 'x'.repeat(201) }, 'name'],
    ['an unknown country', { name: 'A', default_country: 'XX' }, 'default_country'],
    ['a country that is not a code', { name: 'A', default_country: 'France' }, 'default_country'],
  ])('POST /admin/v1/workspaces rejects %s', async (_what, body, field) => {
    const res = await h.http.post('/admin/v1/workspaces').set(admin).send(body);
    expectFieldError(res, field);
  });

  it('names a missing name plainly', async () => {
    const res = await h.http.post('/admin/v1/workspaces').set(admin).send({});
    expect(res.body.error.message).toBe('The name field: is required');
  });

  it('rejects a body that is not JSON', async () => {
    const res = await h.http.post('/admin/v1/workspaces').set(admin).set('Content-Type', 'application/json').send('{"name":');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it.each([
    ['GET', ''],
    ['PATCH', ''],
    ['POST', '/disable'],
    ['POST', '/enable'],
    ['POST', '/keys'],
  ])('%s /admin/v1/workspaces/:id%s rejects an id that is not a UUID', async (method, suffix) => {
    const res = await h.http[method.toLowerCase() as 'get'](`/admin/v1/workspaces/not-a-uuid${suffix}`).set(admin).send({ name: 'k', daily_quota: 1 });
    expectFieldError(res, 'id');
  });

  it.each([
    ['a missing name', {}, 'name'],
    ['an unknown ability', { name: 'k', abilities: ['contacts.read', 'contacts.delete'] }, 'abilities'],
    ['an ability that is not a string', { name: 'k', abilities: [7] }, 'abilities.0'],
    ['abilities that are not a list', { name: 'k', abilities: 'contacts.read' }, 'abilities'],
    ['an empty ability list', { name: 'k', abilities: [] }, 'abilities'],
    ['an unknown kind', { name: 'k', kind: 'oauth' }, 'kind'],
    ['limited abilities on a SeaX key', { name: 'k', kind: 'seax', abilities: ['contacts.read'] }, 'abilities'],
    ['a zero rate limit', { name: 'k', rate_limit_per_minute: 0 }, 'rate_limit_per_minute'],
    ['a fractional daily quota', { name: 'k', daily_quota: 1.5 }, 'daily_quota'],
    ['a monthly quota given as text', { name: 'k', monthly_quota: '100' }, 'monthly_quota'],
    ['a huge quota', { name: 'k', monthly_quota: 1e12 }, 'monthly_quota'],
    ['an expiry that is not a date-time', { name: 'k', expires_at: 'tomorrow' }, 'expires_at'],
    ['an expiry in the past', { name: 'k', expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
  ])('POST /admin/v1/workspaces/:id/keys rejects %s', async (_what, body, field) => {
    const res = await h.http.post(`/admin/v1/workspaces/${wsId}/keys`).set(admin).send(body);
    expectFieldError(res, field);
  });

  it('names the unknown abilities and lists the valid ones', async () => {
    const res = await h.http.post(`/admin/v1/workspaces/${wsId}/keys`).set(admin).send({ name: 'k', abilities: ['nope', 'contacts.read', 'never'] });
    expect(res.body.error.details.errors.abilities).toEqual([expect.stringContaining('unknown ability: nope, never (valid: *, sessions.read,')]);
  });

  it.each([
    ['an empty body', {}, 'body'],
    ['only unknown fields', { name: 'renamed' }, 'body'],
    ['a negative rate limit', { rate_limit_per_minute: -1 }, 'rate_limit_per_minute'],
    ['a daily quota given as text', { daily_quota: 'lots' }, 'daily_quota'],
    ['a fractional monthly quota', { monthly_quota: 2.5 }, 'monthly_quota'],
  ])('PATCH /admin/v1/workspaces/:id rejects %s', async (_what, body, field) => {
    const res = await h.http.patch(`/admin/v1/workspaces/${wsId}`).set(admin).send(body);
    expectFieldError(res, field);
  });

  it('leaves nothing behind after a rejected request', async () => {
    const before = await h.http.get(`/admin/v1/workspaces/${wsId}`).set(admin);
    await h.http.post(`/admin/v1/workspaces/${wsId}/keys`).set(admin).send({ name: 'k', abilities: ['bogus'] });
    await h.http.patch(`/admin/v1/workspaces/${wsId}`).set(admin).send({ daily_quota: 0 });
    const after = await h.http.get(`/admin/v1/workspaces/${wsId}`).set(admin);
    expect(after.body).toEqual(before.body);
  });
});
