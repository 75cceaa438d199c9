import type { ChildProcess } from 'node:child_process';
import { createLogger } from '../../lib/logger';
import { workerConfigSchema } from '../../worker/config';
import { startWorker, type RunningWorker } from '../../worker/main';
import { TwilioFake } from '../fakes/twilio-fake';
import { insertCarrierPhone, TEST_CREDENTIALS_KEY } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { spawnWorker, workerEnvOf } from '../helpers/worker-child';

/*
 * A worker that keeps crashing never turns a campaign's unsent recipients into failures: the batch activity is
 * SIGKILLed thirteen times in a row (more than any fixed attempt budget would allow, 12 before), each time while it
 * is sending. A worker that stays up then finishes the run: every recipient sent, exactly once, none failed.
 */
const RECIPIENTS = 40;
const KILLS = 13;
jest.setTimeout(900_000);

let h: Harness;
let twilio: TwilioFake;
let ws: TestWorkspace;
let tw: { id: string; phone: string };
let child: ChildProcess | undefined;
let survivor: RunningWorker | undefined;

const workerEnv = () => workerEnvOf(h, { TWILIO_BASE_URL: twilio.url, CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY });

beforeAll(async () => {
  twilio = await new TwilioFake().start();
  // One batch holds every recipient, paced at 2/s: it is still sending whenever a worker is killed.
  h = await createHarness({ worker: false, env: { TWILIO_BASE_URL: twilio.url, CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY, CAMPAIGN_BATCH_SIZE: '1000', CAMPAIGN_PARALLEL_BATCHES: '1', CAMPAIGN_CONCURRENCY: '2' } });
  ws = await h.workspace();
  await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
  tw = await insertCarrierPhone(h.db, {
    workspaceId: ws.id,
    phone: '+14155550300',
    source: 'TWILIO',
    credentials: { accountSid: twilio.accountSid, authToken: twilio.authToken },
    patch: { messages_per_second: 2 },
  });
  await h.db('contacts').insert(
    Array.from({ length: RECIPIENTS }, (_, i) => ({ workspace_id: ws.id, name: `Loop ${i}`, phone: `+1415559${String(i).padStart(4, '0')}` })),
  );
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await survivor?.close();
  await h.close();
  await twilio.close();
});

it(`a worker killed ${KILLS} times mid-batch fails no recipient and sends each exactly once`, async () => {
  const res = await h.http
    .post(`/api/v1/workspace/${ws.id}/campaigns`)
    .set(ws.seax)
    .send({ name: 'Crash loop', type: 'SMS', message: 'Hello {first_name}', phone_ids: [tw.id], is_schedule: false });
  expect(res.status).toBeLessThan(300);
  const id = res.body.id as string;

  for (let kill = 1; kill <= KILLS; kill++) {
    child = await spawnWorker(workerEnv());
    // Killed once this worker's batch attempt has made a carrier request: it dies mid-batch, every time.
    const before = twilio.requests.filter((r) => r.method === 'POST').length;
    await twilio.waitFor(() => twilio.requests.filter((r) => r.method === 'POST').length > before, 120_000);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    expect(Number((await h.db('messages').where({ campaign_id: id, status: 'failed' }).count({ n: '*' }).first())?.n)).toBe(0);
  }
  expect(twilio.messageList.length).toBeLessThan(RECIPIENTS);

  survivor = await startWorker(workerConfigSchema.parse(workerEnv()), { logger: createLogger('test', 'warn'), workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE });
  await h.temporal.workflow.getHandle(`campaign-${id}`).result();

  const to = twilio.messageList.map((m) => m.to);
  expect(to).toHaveLength(RECIPIENTS);
  expect(new Set(to).size).toBe(RECIPIENTS);
  const statuses = await h.db('messages').where({ campaign_id: id }).select('status');
  expect(statuses).toHaveLength(RECIPIENTS);
  expect(statuses.every((r) => r.status === 'sent')).toBe(true);
});
