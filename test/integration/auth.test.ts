import { keyService } from '../../services/keys';
import { phonesRepo } from '../../db/repositories/phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { expectError, roomyLimits } from '../helpers/zagely';

let h: Harness;
let ws: TestWorkspace;
beforeAll(async () => {
  h = await createHarness();
  ws = await h.workspace('Auth A');
  await roomyLimits(h.db, ws.id);
});
afterAll(() => h.close());

const pair = (publicKey: string, secretKey: string) => ({ 'X-Public-Key': publicKey, 'X-Secret-Key': secretKey });

async function newPair(workspaceId: string, abilities: string[] = ['*']) {
  const { row, publicKey, secretKey } = await keyService(h.db).createPair(workspaceId, { name: `key ${abilities.join(',')}`, abilities });
  return { id: row.id, headers: pair(publicKey, secretKey) };
}

/** The documented 401 envelope: code and message only, nothing about the key. */
function expect401(res: import('supertest').Response, code: string) {
  expectError(res, 401, code);
  expect(Object.keys(res.body.error).sort()).toEqual(['code', 'message']);
}

describe('credentials_missing', () => {
  it('is returned without any credential header', async () => {
    expect401(await h.http.get('/api/v1/contacts'), 'credentials_missing');
    expect401(await h.http.post('/api/v1/contacts').send({ phone_number: '+15550000001' }), 'credentials_missing');
    expect401(await h.http.get('/api/v1/me'), 'credentials_missing');
  });

  it('is returned when only one half of the key pair is sent', async () => {
    expect401(await h.http.get('/api/v1/contacts').set('X-Public-Key', ws.public_key), 'credentials_missing');
    expect401(await h.http.get('/api/v1/contacts').set('X-Secret-Key', ws.secret_key), 'credentials_missing');
  });

  it('is returned for an empty header or a bare Bearer scheme', async () => {
    expect401(await h.http.get('/api/v1/contacts').set('X-API-Key', ''), 'credentials_missing');
    expect401(await h.http.get('/api/v1/contacts').set('Authorization', 'Bearer '), 'credentials_missing');
  });
});

describe('invalid_credentials', () => {
  it('is returned for a wrong secret or an unknown public key', async () => {
    expect401(await h.http.get('/api/v1/contacts').set(pair(ws.public_key, `${ws.secret_key}x`)), 'invalid_credentials');
    expect401(await h.http.get('/api/v1/contacts').set(pair(ws.public_key, ws.api_key)), 'invalid_credentials');
    expect401(await h.http.get('/api/v1/contacts').set(pair('pk_unknownunknownunknownunknown00', ws.secret_key)), 'invalid_credentials');
  });

  it('is returned for an unknown X-API-Key or Bearer token, and for a pair secret sent as X-API-Key', async () => {
    expect401(await h.http.get('/api/v1/contacts').set('X-API-Key', 'not-a-key'), 'invalid_credentials');
    expect401(await h.http.get('/api/v1/contacts').set('Authorization', 'Bearer not-a-key'), 'invalid_credentials');
    expect401(await h.http.get('/api/v1/contacts').set('X-API-Key', ws.secret_key), 'invalid_credentials');
  });

  it('is returned for a revoked key (and for the SeaX key after a reset)', async () => {
    const key = await newPair(ws.id);
    await h.db('api_keys').where({ id: key.id }).update({ revoked_at: h.db.fn.now() });
    expect401(await h.http.get('/api/v1/me').set(key.headers), 'invalid_credentials');

    const other = await h.workspace('Auth reset');
    await keyService(h.db).resetSeaxKey(other.id);
    expect401(await h.http.get('/api/v1/me').set(other.seax), 'invalid_credentials');
  });
});

describe('key_inactive', () => {
  it('is returned for a disabled key', async () => {
    const key = await newPair(ws.id);
    expect((await h.http.get('/api/v1/contacts').set(key.headers)).status).toBe(200);
    await h.db('api_keys').where({ id: key.id }).update({ disabled_at: h.db.fn.now() });
    expect401(await h.http.get('/api/v1/contacts').set(key.headers), 'key_inactive');
  });

  it('is returned for an expired key, and not before it expires', async () => {
    const key = await newPair(ws.id);
    await h.db('api_keys').where({ id: key.id }).update({ expires_at: new Date(Date.now() + 60_000) });
    expect((await h.http.get('/api/v1/contacts').set(key.headers)).status).toBe(200);
    await h.db('api_keys').where({ id: key.id }).update({ expires_at: new Date(Date.now() - 1000) });
    expect401(await h.http.get('/api/v1/contacts').set(key.headers), 'key_inactive');
  });

  it('is returned for every key of a disabled workspace', async () => {
    const off = await h.workspace('Auth disabled');
    expect((await h.http.get('/api/v1/contacts').set(off.zagely)).status).toBe(200);
    await h.db('workspaces').where({ id: off.id }).update({ status: 'disabled' });
    expect401(await h.http.get('/api/v1/contacts').set(off.zagely), 'key_inactive');
    expect401(await h.http.get('/api/v1/contacts').set(off.seax), 'key_inactive');
    expect401(await h.http.get('/api/v1/me').set('Authorization', `Bearer ${off.api_key}`), 'key_inactive');
    await h.db('workspaces').where({ id: off.id }).update({ status: 'active' });
    expect((await h.http.get('/api/v1/contacts').set(off.zagely)).status).toBe(200);
  });
});

describe('insufficient_ability', () => {
  it('names the missing ability in details.required_ability', async () => {
    const reader = await newPair(ws.id, ['contacts.read']);
    const res = await h.http.post('/api/v1/contacts').set(reader.headers).send({ phone_number: '+15550000002' });
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({
      code: 'insufficient_ability',
      message: 'The API key does not have the required ability.',
      details: { required_ability: 'contacts.write' },
    });
    expect(await h.db('contacts').where({ workspace_id: ws.id, phone: '+15550000002' }).first()).toBeUndefined();

    const sessions = await h.http.get('/api/v1/sessions').set(reader.headers);
    expectError(sessions, 403, 'insufficient_ability');
    expect(sessions.body.error.details).toEqual({ required_ability: 'sessions.read' });

    const keys = await h.http.get('/api/v1/api-keys').set(reader.headers);
    expectError(keys, 403, 'insufficient_ability');
    expect(keys.body.error.details).toEqual({ required_ability: '*' });

    expect((await h.http.get('/api/v1/contacts').set(reader.headers)).status).toBe(200);
  });

  it('is checked before the body is validated', async () => {
    const reader = await newPair(ws.id, ['contacts.read']);
    expectError(await h.http.post('/api/v1/contacts').set(reader.headers).send({}), 403, 'insufficient_ability');
  });
});

describe('accepted credentials', () => {
  it('accepts the key pair, and X-API-Key in any header case', async () => {
    expect((await h.http.get('/api/v1/contacts').set(ws.zagely)).status).toBe(200);
    for (const name of ['X-API-Key', 'x-api-key', 'X-API-KEY', 'X-Api-Key']) {
      const res = await h.http.get('/api/v1/contacts').set(name, ws.api_key);
      expect([name, res.status]).toEqual([name, 200]);
    }
    const lower = await h.http.get('/api/v1/contacts').set({ 'x-public-key': ws.public_key, 'x-secret-key': ws.secret_key });
    expect(lower.status).toBe(200);
  });

  it('accepts the SeaX key as Authorization: Bearer, whatever the scheme’s case', async () => {
    for (const [i, scheme] of ['Bearer', 'bearer', 'BEARER'].entries()) {
      const res = await h.http.post('/api/v1/contacts').set('Authorization', `${scheme} ${ws.api_key}`).send({ phone_number: `+1555000600${i}` });
      expect([scheme, res.status]).toEqual([scheme, 201]);
    }
  });
});

describe('workspace isolation across every Zagely route', () => {
  it('gives a key of workspace A nothing of workspace B', async () => {
    const b = await h.workspace('Auth B');
    const bContact = (await h.http.post('/api/v1/contacts').set(b.zagely).send({ phone_number: '+15557000001', name: 'Bea B', tags: ['b-only'] })).body.data;
    const bGroup = (await h.http.post('/api/v1/contact-groups').set(b.zagely).send({ name: 'B group' })).body.data;
    const bDynamic = (await h.http.post('/api/v1/contact-groups').set(b.zagely).send({ name: 'B dynamic', type: 'dynamic', filters: { tags: ['b-only'] } })).body.data;
    await h.http.post(`/api/v1/contact-groups/${bGroup.id}/contacts`).set(b.zagely).send({ contact_ids: [bContact.id] });
    const bKey = await newPair(b.id, ['contacts.read']);
    const bSession = await phonesRepo(h.db).create({ workspace_id: b.id, name: 'B session', phone: '+15557000099' });

    const a = ws.zagely;
    const notFound = [
      h.http.get(`/api/v1/contacts/${bContact.id}`).set(a),
      h.http.put(`/api/v1/contacts/${bContact.id}`).set(a).send({ name: 'x' }),
      h.http.patch(`/api/v1/contacts/${bContact.id}`).set(a).send({ name: 'x' }),
      h.http.post(`/api/contacts/${bContact.id}/block`).set(a),
      h.http.post(`/api/contacts/${bContact.id}/unblock`).set(a),
      h.http.post(`/api/v1/contacts/${bContact.id}/block`).set(a),
      h.http.post(`/api/v1/contacts/${bContact.id}/unblock`).set(a),
      h.http.get(`/api/v1/contact-groups/${bGroup.id}`).set(a),
      h.http.get(`/api/v1/contact-groups/${bDynamic.id}`).set(a),
      h.http.put(`/api/v1/contact-groups/${bGroup.id}`).set(a).send({ name: 'x' }),
      h.http.patch(`/api/v1/contact-groups/${bGroup.id}`).set(a).send({ name: 'x' }),
      h.http.post(`/api/v1/contact-groups/${bGroup.id}/contacts`).set(a).send({ contact_ids: [bContact.id] }),
      h.http.delete(`/api/v1/contact-groups/${bGroup.id}/contacts`).set(a).send({ contact_ids: [bContact.id] }),
      h.http.get(`/api/v1/api-keys/${bKey.id}`).set(a),
      h.http.post(`/api/v1/api-keys/${bKey.id}/disable`).set(a),
      h.http.post(`/api/v1/api-keys/${bKey.id}/enable`).set(a),
      h.http.get(`/api/v1/sessions/${bSession.id}`).set(a),
    ];
    for (const res of await Promise.all(notFound)) expectError(res, 404, 'not_found');
    // Deletes last, so a wrong answer above could not have been caused by them.
    expectError(await h.http.delete(`/api/v1/api-keys/${bKey.id}`).set(a), 404, 'not_found');
    expectError(await h.http.delete(`/api/v1/contact-groups/${bGroup.id}`).set(a), 404, 'not_found');
    expectError(await h.http.delete(`/api/v1/contacts/${bContact.id}`).set(a), 404, 'not_found');

    const lists = await Promise.all([
      h.http.get('/api/v1/contacts?per_page=200').set(a),
      h.http.get('/api/v1/contacts?search=Bea').set(a),
      h.http.get('/api/v1/contacts?tags[]=b-only').set(a),
      h.http.get('/api/v1/contact-groups?per_page=200').set(a),
      h.http.get('/api/v1/api-keys').set(a),
      h.http.get('/api/v1/sessions?per_page=200').set(a),
    ]);
    for (const res of lists) {
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.body);
      for (const id of [bContact.id, bGroup.id, bDynamic.id, bKey.id, bSession.id, b.id]) expect(text).not.toContain(id);
    }
    expect(lists[1].body.total).toBe(0);
    expect(lists[2].body.total).toBe(0);

    // B's data is untouched and B still sees it.
    const mine = await h.http.get(`/api/v1/contact-groups/${bGroup.id}`).set(b.zagely);
    expect(mine.body.data).toMatchObject({ name: 'B group', contacts_count: 1 });
    expect((await h.http.get(`/api/v1/contacts/${bContact.id}`).set(b.zagely)).body.data).toMatchObject({ name: 'Bea B', is_blocked: false });
    expect((await h.http.get('/api/v1/me').set(bKey.headers)).status).toBe(200);
    expect((await h.http.get(`/api/v1/contact-groups/${bDynamic.id}`).set(b.zagely)).body.data.contacts_count).toBe(1);
  });
});
