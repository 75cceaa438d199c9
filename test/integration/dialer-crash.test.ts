import type { ChildProcess } from 'node:child_process';
import { workerConfigSchema } from '../../worker/config';
import { startWorker, type RunningWorker } from '../../worker/main';
import { createLogger } from '../../lib/logger';
import { TwilioFake } from '../fakes/twilio-fake';
import { insertCarrierPhone, TEST_CREDENTIALS_KEY } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { spawnWorker, workerEnvOf } from '../helpers/worker-child';

/*
 * Exactly one call per attempt: a real worker process is SIGKILLed while calls are being placed (Twilio has created
 * some of them but not answered our POST, so we never recorded their CallSid) and others are up; a new worker
 * finishes the campaign. Every contact must have been called exactly once, each attempt recorded with its call.
 */
const CONTACTS = 12;
let h: Harness;
let fake: TwilioFake;
let ws: TestWorkspace;
let child: ChildProcess | undefined;
let replacement: RunningWorker | undefined;

const workerEnv = () => workerEnvOf(h, { TWILIO_BASE_URL: fake.url, CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY });

beforeAll(async () => {
  fake = await new TwilioFake({ runCalls: true }).start();
  fake.defaultCallScript = { talkMs: 300 };
  h = await createHarness({ worker: false, env: { TWILIO_BASE_URL: fake.url, CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY } });
  ws = await h.workspace();
  const phone = await insertCarrierPhone(h.db, { workspaceId: ws.id, phone: '+14155550400', source: 'TWILIO', credentials: { accountSid: fake.accountSid, authToken: fake.authToken }, patch: { calls_per_second: 20 } });
  await h.db('contacts').insert(Array.from({ length: CONTACTS }, (_, i) => ({ workspace_id: ws.id, name: `Contact ${i}`, phone: `+1415558${String(i).padStart(4, '0')}` })));
  (globalThis as { phoneId?: string }).phoneId = phone.id;
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await replacement?.close();
  await h.close();
  await fake.close();
});

it('a worker killed mid-dial: exactly one call per contact, every attempt recorded with its call', async () => {
  child = await spawnWorker(workerEnv());
  // The first calls go out normally; then Twilio creates calls but holds its answers, and the worker dies.
  fake.delayNext(1, 0);
  const res = await h.http
    .post(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns`)
    .set(ws.seax)
    .send({
      name: 'Crash', type: 'VOICE_DROP', mode: 'WEB', stage: 'INSTANCE', message: 'Hello', phone_ids: [(globalThis as { phoneId?: string }).phoneId],
      start_time: new Date(Date.now() - 1000).toISOString(), end_time: new Date(Date.now() + 3_600_000).toISOString(), max_dialers: 4, calling_window: { start: '00:00', end: '00:00' }, opt_out_digit: null,
    });
  expect(res.status).toBe(200);
  const id = res.body.id as string;
  await fake.waitFor(() => fake.callList.length >= 4, 30_000);
  fake.delayNext(3, 20_000);
  await fake.waitFor(() => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Calls.json')).length >= 6, 30_000);
  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));
  // The crash window: Twilio created calls whose answers the dead worker never read (the callbacks may record their
  // CallSid; the retried batch must not call those contacts again either way).

  replacement = await startWorker(workerConfigSchema.parse(workerEnv()), { logger: createLogger('test', 'warn'), workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE });
  await h.temporal.workflow.getHandle(`dialer-campaign-${id}`).result();

  const to = fake.callList.map((c) => c.to);
  expect(to).toHaveLength(CONTACTS);
  expect(new Set(to).size).toBe(CONTACTS);
  const attempts = await h.db('call_attempts').where({ campaign_id: id });
  expect(attempts).toHaveLength(CONTACTS);
  const sids = new Set(fake.callList.map((c) => c.sid));
  expect(attempts.every((a) => sids.has(a.provider_call_id))).toBe(true);
  const c = await h.http.get(`/api/v1/workspace/${ws.id}/auto_dialer_campaigns/${id}`).set(ws.seax);
  expect(c.body).toMatchObject({ status: 'FINISHED', statistics: { total: CONTACTS, human: CONTACTS, calls: CONTACTS } });
}, 150_000);
