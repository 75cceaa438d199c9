import { migrateLatest } from '../../db/connection';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { databaseBefore } from '../helpers/migrations';
import { roomyLimits } from '../helpers/zagely';

/*
 * Idempotency-Key replays without secrets in clear at rest: the stored response has every secret redacted, the
 * secrets are sealed beside it, and a replay to the same API key gets the original answer, secrets included.
 */

let h: Harness;
let ws: TestWorkspace;

beforeAll(async () => {
  h = await createHarness({ env: { OUTBOUND_ALLOWED_HOSTS: 'example.com' } });
  ws = await h.workspace();
  await roomyLimits(h.db, ws.id);
});
afterAll(() => h.close());

/** Every stored idempotency record of this workspace's keys, as text. */
async function stored(): Promise<string> {
  const rows = await h.db.raw(
    `SELECT coalesce(string_agg(row_to_json(i)::text, ' '), '') AS t FROM idempotency_keys i JOIN api_keys k ON k.id = i.api_key_id WHERE k.workspace_id = ?`,
    [ws.id],
  );
  return rows.rows[0].t as string;
}

type Body = { secret: string; data: { secret: string; secret_key: string } };
const cases: [string, () => [string, Record<string, string>, Record<string, unknown>], (body: Body) => string][] = [
  ['a Zagely webhook secret', () => ['/api/v1/webhooks', ws.zagely, { url: 'https://example.com/hook', events: ['message.received'] }], (b) => b.data.secret],
  ['a Zagely key pair’s secret_key', () => ['/api/v1/api-keys', ws.zagely, { name: 'CI key', abilities: ['contacts.read'] }], (b) => b.data.secret_key],
  [
    'a SeaX subscription secret',
    () => [`/notify-api/v1/workspaces/${ws.id}/subscription`, ws.seax, { webhook_url: 'https://example.com/seax', event_types: ['message.new'], created_by: 'ops' }],
    (b) => b.secret,
  ],
];

describe.each(cases)('%s', (_what, request, secretOf) => {
  it('is stored redacted and replayed whole to the same key', async () => {
    const [path, headers, body] = request();
    const key = `idem-${path.replace(/\W/g, '')}`;
    const first = await h.http.post(path).set(headers).set('Idempotency-Key', key).send(body);
    expect(first.status).toBeLessThan(300);
    const secret = secretOf(first.body);
    expect(secret.length).toBeGreaterThan(16);

    const text = await stored();
    expect(text).toContain(key);
    expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');

    const again = await h.http.post(path).set(headers).set('Idempotency-Key', key).send(body);
    expect(again.status).toBe(first.status);
    expect(again.headers['idempotent-replay']).toBe('true');
    expect(again.headers['idempotent-replay-redacted']).toBeUndefined();
    expect(again.body).toEqual(first.body);
  });
});

it('without CREDENTIALS_ENCRYPTION_KEY keeps only the redacted answer and says so on replay', async () => {
  const bare = await createHarness({ env: { CREDENTIALS_ENCRYPTION_KEY: '' } });
  try {
    const w = await bare.workspace();
    const send = () => bare.http.post('/api/v1/api-keys').set(w.zagely).set('Idempotency-Key', 'bare-1').send({ name: 'k', abilities: ['contacts.read'] });
    const first = await send();
    expect(first.status).toBe(201);
    const row = await bare.db('idempotency_keys').where({ key: 'bare-1' }).first();
    expect(row.response_body).not.toContain(first.body.data.secret_key);
    expect(row.response_secrets_encrypted).toBeNull();
    const again = await send();
    expect(again.body.data).toEqual({ ...first.body.data, secret_key: '[redacted]' });
    expect(again.headers['idempotent-replay-redacted']).toBe('data.secret_key');
  } finally {
    await bare.close();
  }
});

it('the migration redacts secrets already stored in clear', async () => {
  const { db, drop } = await databaseBefore('20261202310000_redact_idempotent_secrets.ts');
  try {
    const [w] = await db('workspaces').insert({ name: 'Old' }).returning('id');
    const [k] = await db('api_keys').insert({ workspace_id: w.id, name: 'k', kind: 'pair', public_key: 'pk_old', secret_hash: 'x' }).returning('id');
    const body = JSON.stringify({ data: { id: 'x', secret_key: 'sk_stored_in_clear', name: 'k' } });
    await db('idempotency_keys').insert({ api_key_id: k.id, path: '/api/v1/api-keys', key: 'old', method: 'POST', request_hash: 'h', state: 'completed', response_status: 201, response_body: body });
    await migrateLatest(db);
    const row = await db('idempotency_keys').where({ key: 'old' }).first();
    expect(JSON.parse(row.response_body)).toEqual({ data: { id: 'x', secret_key: '[redacted]', name: 'k' } });
  } finally {
    await drop();
  }
});
