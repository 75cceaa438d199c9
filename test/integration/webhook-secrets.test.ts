import { createHmac, randomBytes } from 'node:crypto';
import { migrateLatest, type Knex } from '../../db/connection';
import { webhooksRepo } from '../../db/repositories/webhooks';
import { openWebhookSecret, sealWebhookSecret } from '../../lib/sealed-secrets';
import { TEST_CREDENTIALS_KEY } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { databaseBefore } from '../helpers/migrations';
import { receiverPool, WEBHOOK_TEST_ENV } from '../helpers/webhooks';
import { expectError } from '../helpers/zagely';

/*
 * Webhook (Zagely) and subscription (SeaX) signing secrets are sealed at rest with CREDENTIALS_ENCRYPTION_KEY, as
 * carrier credentials are; the API is unchanged (the secret in the create response only, deliveries signed with it).
 */

const NEW_KEY = randomBytes(32).toString('hex');
let h: Harness;
let ws: TestWorkspace;
const receivers = receiverPool();
afterEach(receivers.closeAll);

beforeAll(async () => {
  // Mid-rotation: the new key seals, the old one (the harness default) still opens.
  h = await createHarness({ worker: true, env: { ...WEBHOOK_TEST_ENV, CREDENTIALS_ENCRYPTION_KEY: `${NEW_KEY},${TEST_CREDENTIALS_KEY}` } });
  ws = await h.workspace();
});
afterAll(() => h.close());

/** Every stored column of a subscription, as text. */
const storedRow = async (id: string): Promise<string> =>
  (await h.db.raw('SELECT row_to_json(s)::text AS t FROM webhook_subscriptions s WHERE id = ?', [id])).rows[0].t as string;

const zagelySignature = (secret: string, req: { headers: Record<string, unknown>; body: string }) =>
  'sha256=' + createHmac('sha256', secret).update(`${req.headers['x-zagely-timestamp']}.${req.body}`).digest('hex');

describe('signing secrets at rest', () => {
  it('stores a Zagely webhook secret sealed with the first key, never in clear', async () => {
    const res = await h.http.post('/api/v1/webhooks').set(ws.zagely).send({ url: 'https://example.com/a', events: ['message.received'], secret: 'whsec_my-own-secret-value' });
    expect(res.status).toBe(201);
    expect(res.body.data.secret).toBe('whsec_my-own-secret-value');
    const stored = await storedRow(res.body.data.id);
    expect(stored).not.toContain('my-own-secret-value');
    const { secret_encrypted } = await h.db('webhook_subscriptions').where({ id: res.body.data.id }).first();
    expect(openWebhookSecret(res.body.data.id, secret_encrypted, [NEW_KEY])).toBe('whsec_my-own-secret-value');
    expect(() => openWebhookSecret(res.body.data.id, secret_encrypted, [TEST_CREDENTIALS_KEY])).toThrow();
    // Bound to its row: another subscription's id does not open it.
    expect(() => openWebhookSecret('11111111-2222-4444-3333-555555555555', secret_encrypted, [NEW_KEY])).toThrow();
  });

  it('stores a SeaX subscription secret sealed too', async () => {
    const res = await h.http
      .post(`/notify-api/v1/workspaces/${ws.id}/subscription`)
      .set(ws.seax)
      .send({ webhook_url: 'https://example.com/b', event_types: ['message.new'], created_by: 'test' });
    expect(res.status).toBeLessThan(300);
    expect(res.body.secret).toMatch(/^whsec_/);
    expect(await storedRow(res.body.id)).not.toContain(res.body.secret.slice('whsec_'.length));
  });

  it('signs deliveries with a secret sealed under the previous key (rotation)', async () => {
    const receiver = await receivers.start();
    const secret = 'whsec_sealed-before-the-rotation';
    const id = '0f0e0d0c-0b0a-4909-8807-060504030201';
    await webhooksRepo(h.db).insertSubscription({
      id,
      workspace_id: ws.id,
      dialect: 'zagely',
      url: receiver.urlFor('/hook'),
      events: ['message.received'],
      secret_encrypted: sealWebhookSecret(id, secret, [TEST_CREDENTIALS_KEY]),
      active: true,
    });
    expect((await h.http.post(`/api/v1/webhooks/${id}/test`).set(ws.zagely)).status).toBeLessThan(300);
    const [req] = await receiver.waitForRequests(1, () => true, 15_000);
    expect(req.headers['x-zagely-signature']).toBe(zagelySignature(secret, req));
  });

  it('refuses to create a webhook without a key instead of storing the secret in clear', async () => {
    const bare = await createHarness({ env: { CREDENTIALS_ENCRYPTION_KEY: '', OUTBOUND_ALLOWED_HOSTS: 'example.com' } });
    try {
      const w = await bare.workspace();
      const res = await bare.http.post('/api/v1/webhooks').set(w.zagely).send({ url: 'https://example.com/c', events: ['message.received'] });
      expectError(res, 503, 'encryption_key_missing');
      const seax = await bare.http.post(`/notify-api/v1/workspaces/${w.id}/subscription`).set(w.seax).send({ webhook_url: 'https://example.com/d', event_types: ['message.new'], created_by: 't' });
      expect(seax.status).toBe(503);
      expect(await bare.db('webhook_subscriptions').count<{ n: number }[]>({ n: '*' })).toEqual([{ n: 0 }]);
    } finally {
      await bare.close();
    }
  });
});

describe('the migration that seals existing secrets', () => {
  let db: Knex;
  let drop: () => Promise<void>;

  /** A database migrated up to just before the sealing migration, with one subscription in clear. */
  async function before(): Promise<{ id: string }> {
    ({ db, drop } = await databaseBefore('20261202300000_seal_webhook_secrets.ts'));
    const [w] = await db('workspaces').insert({ name: 'Old' }).returning('id');
    const [row] = await db('webhook_subscriptions')
      .insert({ workspace_id: w.id, dialect: 'zagely', url: 'https://example.com/old', events: ['message.received'], secret: 'whsec_stored-in-clear' })
      .returning('id');
    return row;
  }
  afterEach(() => drop());

  it('seals every secret and drops the clear column', async () => {
    const { id } = await before();
    await migrateLatest(db, { credentialsKeys: [TEST_CREDENTIALS_KEY] });
    const row = await db('webhook_subscriptions').where({ id }).first();
    expect(row.secret).toBeUndefined();
    expect(JSON.stringify(row)).not.toContain('stored-in-clear');
    expect(openWebhookSecret(id, row.secret_encrypted, [TEST_CREDENTIALS_KEY])).toBe('whsec_stored-in-clear');
  });

  it('refuses, naming the variable, when there are secrets to seal and no key', async () => {
    await before();
    await expect(migrateLatest(db)).rejects.toThrow(/CREDENTIALS_ENCRYPTION_KEY/);
    expect((await db('webhook_subscriptions').first()).secret).toBe('whsec_stored-in-clear');
  });
});
