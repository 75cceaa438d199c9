import type { ChildProcess } from 'node:child_process';
import { workerConfigSchema } from '../../worker/config';
import { startWorker, type RunningWorker } from '../../worker/main';
import { createLogger } from '../../lib/logger';
import { TwilioFake } from '../fakes/twilio-fake';
import { insertCarrierPhone, TEST_CREDENTIALS_KEY } from '../helpers/carrier-phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { spawnWorker, workerEnvOf } from '../helpers/worker-child';

/*
 * Exactly-once for a whole campaign: a real worker process is SIGKILLed while batches are in flight (some carrier
 * requests accepted by Twilio but not yet answered); a new worker finishes the run. Every recipient must end with
 * exactly one message at the provider, recorded as sent with its provider id.
 */
const RECIPIENTS = 120;
let h: Harness;
let twilio: TwilioFake;
let ws: TestWorkspace;
let tw: { id: string; phone: string };
let child: ChildProcess | undefined;
let replacement: RunningWorker | undefined;

const workerEnv = () => workerEnvOf(h, { TWILIO_BASE_URL: twilio.url, CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY });

beforeAll(async () => {
  twilio = await new TwilioFake().start();
  // Small batches, several in flight, so the kill lands with batches claimed, half-sent and unclaimed.
  h = await createHarness({ worker: false, env: { TWILIO_BASE_URL: twilio.url, CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY, CAMPAIGN_BATCH_SIZE: '20', CAMPAIGN_PARALLEL_BATCHES: '3', CAMPAIGN_CONCURRENCY: '5' } });
  ws = await h.workspace();
  await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
  tw = await insertCarrierPhone(h.db, {
    workspaceId: ws.id,
    phone: '+14155550200',
    source: 'TWILIO',
    credentials: { accountSid: twilio.accountSid, authToken: twilio.authToken },
    patch: { messages_per_second: 60 },
  });
  await h.db('contacts').insert(
    Array.from({ length: RECIPIENTS }, (_, i) => ({ workspace_id: ws.id, name: `Contact ${i}`, phone: `+1415556${String(i).padStart(4, '0')}` })),
  );
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await replacement?.close();
  await h.close();
  await twilio.close();
});

it('a worker killed mid-campaign: every recipient gets exactly one message', async () => {
  child = await spawnWorker(workerEnv());
  const res = await h.http
    .post(`/api/v1/workspace/${ws.id}/campaigns`)
    .set(ws.seax)
    .send({ name: 'Crash', type: 'SMS', message: 'Hello {first_name}', phone_ids: [tw.id], is_schedule: false });
  expect(res.status).toBeLessThan(300);
  const id = res.body.id as string;

  // Let a third go out, then hold the next requests open at Twilio (accepted, unanswered) and kill the worker.
  await twilio.waitFor(() => twilio.messageList.length >= RECIPIENTS / 3, 30_000);
  twilio.delayNext(5, 15_000);
  await twilio.waitFor(() => twilio.requests.filter((r) => r.method === 'POST').length >= RECIPIENTS / 3 + 3, 10_000);
  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));
  const atKill = twilio.messageList.length;
  expect(atKill).toBeLessThan(RECIPIENTS);
  // The kill left messages in flight: accepted by Twilio or not, their outcome unknown to us.
  expect(Number((await h.db('messages').where({ campaign_id: id, status: 'sending' }).count({ n: '*' }).first())?.n)).toBeGreaterThan(0);

  replacement = await startWorker(workerConfigSchema.parse(workerEnv()), { logger: createLogger('test', 'warn'), workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE });
  await h.temporal.workflow.getHandle(`campaign-${id}`).result();

  const to = twilio.messageList.map((m) => m.to);
  expect(to).toHaveLength(RECIPIENTS);
  expect(new Set(to).size).toBe(RECIPIENTS);
  const rows = await h.db('messages').where({ campaign_id: id }).select('status', 'provider_message_id', 'to_address');
  expect(rows).toHaveLength(RECIPIENTS);
  expect(rows.every((r) => r.status === 'sent')).toBe(true);
  const sids = new Set(twilio.messageList.map((m) => m.sid));
  expect(rows.every((r) => sids.has(r.provider_message_id))).toBe(true);
  const events = await h.db('events').where({ type: 'message.sent' }).whereIn('subject_id', h.db('messages').where({ campaign_id: id }).select('id')).count({ n: '*' }).first();
  expect(Number(events?.n)).toBe(RECIPIENTS);
  const campaign = await h.http.get(`/api/v1/workspace/${ws.id}/campaigns/${id}`).set(ws.seax);
  expect(campaign.body).toMatchObject({ status: 'finished', statistics: { total_contacts: RECIPIENTS, sent: RECIPIENTS, failed: 0 } });
}, 120_000);
