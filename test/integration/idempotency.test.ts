import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

let h: Harness;
let ws: TestWorkspace;
beforeAll(async () => {
  h = await createHarness();
  ws = await h.workspace();
});
afterAll(() => h.close());

const jobCount = async (workspaceId: string) => Number((await h.db('jobs').where({ workspace_id: workspaceId }).count({ n: '*' }))[0].n);
const exportWith = (key: string, body: object, headers = ws.zagely) =>
  h.http.post('/api/contacts/export').set(headers).set('Idempotency-Key', key).send(body);

describe('Idempotency-Key', () => {
  it('replays the original status and body verbatim, and does the work once', async () => {
    const before = await jobCount(ws.id);
    const first = await exportWith('order-1', { search: 'ada' });
    const again = await exportWith('order-1', { search: 'ada' });
    expect(first.status).toBe(202);
    expect(first.headers['idempotent-replay']).toBeUndefined();
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replay']).toBe('true');
    expect(again.text).toBe(first.text);
    expect(await jobCount(ws.id)).toBe(before + 1);
  });

  it('rejects a malformed key with 400 invalid_idempotency_key', async () => {
    for (const bad of ['has space', 'semi;colon', 'x'.repeat(256), 'ünïcode']) {
      const res = await h.http.post('/api/contacts/export').set(ws.zagely).set('Idempotency-Key', bad).send({});
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_idempotency_key');
    }
  });

  it('refuses the same key with a different body', async () => {
    await exportWith('order-2', { search: 'a' });
    const res = await exportWith('order-2', { search: 'b' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('idempotency_key_reused');
  });

  it('is scoped per API key: another key with the same Idempotency-Key runs its own request', async () => {
    const other = await h.workspace('Other');
    const a = await exportWith('shared-key', {});
    const b = await exportWith('shared-key', {}, other.zagely);
    expect(b.headers['idempotent-replay']).toBeUndefined();
    expect(b.body.job_id).not.toBe(a.body.job_id);
  });

  it('runs concurrent duplicates once: every answer is the original or a 409 while it runs', async () => {
    const before = await jobCount(ws.id);
    const results = await Promise.all(Array.from({ length: 6 }, () => exportWith('burst-1', { tags: ['x'] })));
    expect(await jobCount(ws.id)).toBe(before + 1);
    const originals = results.filter((r) => r.status === 202);
    expect(new Set(originals.map((r) => r.body.job_id)).size).toBe(1);
    for (const r of results.filter((x) => x.status !== 202)) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('idempotency_request_in_progress');
    }
  });

  it('replays a client error too, so a retry gets the same answer', async () => {
    const first = await exportWith('bad-1', { group_id: 'not-a-uuid' });
    const again = await exportWith('bad-1', { group_id: 'not-a-uuid' });
    expect(first.status).toBe(422);
    expect(again.status).toBe(422);
    expect(again.headers['idempotent-replay']).toBe('true');
    expect(again.body.error).toEqual(first.body.error);
  });

  it('forgets a key after 24 hours', async () => {
    const first = await exportWith('old-1', {});
    await h.db('idempotency_keys').where({ key: 'old-1' }).update({ created_at: h.db.raw("now() - interval '25 hours'") });
    const later = await exportWith('old-1', {});
    expect(later.status).toBe(202);
    expect(later.headers['idempotent-replay']).toBeUndefined();
    expect(later.body.job_id).not.toBe(first.body.job_id);
  });

  it('ignores the header on reads', async () => {
    const res = await h.http.get('/api/v1/me').set(ws.zagely).set('Idempotency-Key', 'bad key with spaces');
    expect(res.status).toBe(200);
  });
});
