import type { ChildProcess } from 'node:child_process';
import { INTERRUPTED_ATTEMPT } from '../../db/repositories/webhooks';
import { createLogger } from '../../lib/logger';
import { workerConfigSchema } from '../../worker/config';
import { startWorker, type RunningWorker } from '../../worker/main';
import { WebhookReceiver } from '../fakes/webhook-receiver';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { WEBHOOK_TEST_ENV } from '../helpers/webhooks';
import { spawnWorker, workerEnvOf } from '../helpers/worker-child';

/*
 * At-least-once delivery and an honest log: a real worker process is SIGKILLed while its sweep has first attempts
 * in flight at the receiver (received, not answered). A new worker delivers everything; for every delivery the log
 * holds at least as many attempts as the receiver saw requests, the cut-off ones marked interrupted.
 */
const DELIVERIES = 30;
// Real worker processes on a machine that may be busy: generous, outcome-only deadlines.
jest.setTimeout(300_000);
// A deadline longer than the receiver's hold, so the held requests are still in flight when the worker dies.
const env = { ...WEBHOOK_TEST_ENV, WEBHOOK_TIMEOUT_MS: '20000' };
let h: Harness;
let ws: TestWorkspace;
let receiver: WebhookReceiver;
let child: ChildProcess | undefined;
let replacement: RunningWorker | undefined;

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  h = await createHarness({ worker: false, env });
  ws = await h.workspace();
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await replacement?.close();
  await h.close();
  await receiver.close();
});

it('a worker killed mid-sweep: every delivery arrives, and the log never counts fewer attempts than the receiver saw', async () => {
  const hook = await h.http.post('/api/v1/webhooks').set(ws.zagely).send({ url: receiver.urlFor('/hook'), events: ['contact.created'] });
  expect(hook.status).toBe(201);
  // The first requests are held open by the receiver for longer than the test waits before the kill.
  receiver.delayNext(12, 15_000);
  child = await spawnWorker(workerEnvOf(h, env));
  for (let i = 0; i < DELIVERIES; i++) {
    const res = await h.http.post('/api/v1/contacts').set(ws.zagely).send({ name: `Crash ${i}`, phone_number: `+1415557${String(i).padStart(4, '0')}` });
    expect(res.status).toBe(201);
  }
  await receiver.waitForRequests(12, () => true, 60_000);
  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));

  replacement = await startWorker(workerConfigSchema.parse(workerEnvOf(h, env)), { logger: createLogger('test', 'warn'), workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE });
  const succeeded = async () => Number((await h.db('webhook_deliveries').where({ workspace_id: ws.id, status: 'succeeded' }).count({ n: '*' }).first())?.n);
  for (const deadline = Date.now() + 120_000; (await succeeded()) < DELIVERIES; ) {
    if (Date.now() > deadline) throw new Error(`only ${await succeeded()} of ${DELIVERIES} deliveries succeeded`);
    await new Promise((r) => setTimeout(r, 200));
  }

  const deliveries: { id: string }[] = await h.db('webhook_deliveries').where({ workspace_id: ws.id }).select('id');
  expect(deliveries).toHaveLength(DELIVERIES);
  const seen = new Map<string, number>();
  for (const r of receiver.requests) {
    const id = String(r.headers['x-zagely-delivery']);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  const logged = new Map<string, number>();
  const attempts: { delivery_id: string; error: string | null; completed: boolean }[] = await h.db('webhook_attempts').whereIn('delivery_id', deliveries.map((d) => d.id)).select('delivery_id', 'error', 'completed');
  for (const a of attempts) logged.set(a.delivery_id, (logged.get(a.delivery_id) ?? 0) + 1);
  for (const d of deliveries) {
    expect(seen.get(d.id) ?? 0).toBeGreaterThan(0);
    expect(logged.get(d.id) ?? 0).toBeGreaterThanOrEqual(seen.get(d.id) ?? 0);
  }
  // The requests cut off by the kill are in the log as interrupted attempts, and the API shows them.
  const interrupted = attempts.filter((a) => !a.completed);
  expect(interrupted.length).toBeGreaterThan(0);
  expect(interrupted.every((a) => a.error === INTERRUPTED_ATTEMPT)).toBe(true);
  const listed = await h.http.get(`/api/v1/webhooks/${hook.body.data.id}/deliveries?per_page=100`).set(ws.zagely);
  expect(listed.status).toBe(200);
  const shown = listed.body.data.find((d: { id: string }) => d.id === interrupted[0].delivery_id);
  expect(shown.attempt_log.map((a: { error: string | null }) => a.error)).toContain(INTERRUPTED_ATTEMPT);
});

it('the dispatcher keeps its runs short, and after each of three worker restarts a new event is delivered', async () => {
  // The first test's receiver hold has expired by now; answer at once.
  receiver.respondWith(200, 'ok');
  const dispatcher = () => h.temporal.workflow.getHandle(`webhook-dispatcher-${h.taskQueue}`);
  const firstRun = (await dispatcher().describe()).runId;
  for (let restart = 1; restart <= 3; restart++) {
    await replacement?.close();
    replacement = await startWorker(workerConfigSchema.parse(workerEnvOf(h, env)), { logger: createLogger('test', 'warn'), workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE });
    const created = await h.http.post('/api/v1/contacts').set(ws.zagely).send({ name: `After restart ${restart}`, phone_number: `+1415558000${restart}` });
    expect(created.status).toBe(201);
    await receiver.waitForRequests(1, (r) => r.body.includes(`After restart ${restart}`), 60_000);
  }
  // The dispatcher continues as new every few seconds at this interval, each run with a bounded history (a
  // replay after a restart is quick). The run it was on when the test started has closed with a short history.
  for (const deadline = Date.now() + 60_000; (await dispatcher().describe()).runId === firstRun; ) {
    if (Date.now() > deadline) throw new Error('the dispatcher did not continue as new');
    await new Promise((r) => setTimeout(r, 250));
  }
  const closed = await h.temporal.workflow.getHandle(`webhook-dispatcher-${h.taskQueue}`, firstRun).fetchHistory();
  expect(closed.events?.length ?? 0).toBeGreaterThan(0);
  expect(closed.events!.length).toBeLessThan(1000);
});
