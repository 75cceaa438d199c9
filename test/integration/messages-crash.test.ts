import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { encryptPhoneCredentials } from '../../carriers/credentials';
import { workerConfigSchema } from '../../worker/config';
import { startWorker, type RunningWorker } from '../../worker/main';
import { phonesRepo } from '../../db/repositories/phones';
import { createLogger } from '../../lib/logger';
import { TwilioFake } from '../fakes/twilio-fake';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { spawnWorker, workerEnvOf } from '../helpers/worker-child';
import type { PhoneRow } from '../../db/rows';

const KEY = crypto.randomBytes(32).toString('hex');
let h: Harness;
let twilio: TwilioFake;
let ws: TestWorkspace;
let tw: PhoneRow;
let child: ChildProcess | undefined;
let replacement: RunningWorker | undefined;

const workerEnv = () => workerEnvOf(h, { TWILIO_BASE_URL: twilio.url, CREDENTIALS_ENCRYPTION_KEY: KEY });

beforeAll(async () => {
  twilio = await new TwilioFake().start();
  h = await createHarness({ worker: false, env: { TWILIO_BASE_URL: twilio.url, CREDENTIALS_ENCRYPTION_KEY: KEY } });
  ws = await h.workspace();
  await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
  tw = await phonesRepo(h.db).create({ workspace_id: ws.id, name: 'Twilio', phone: '+14155550200', source: 'TWILIO' });
  await h.db('phones').where({ id: tw.id }).update({
    credentials_encrypted: encryptPhoneCredentials(tw.id, { accountSid: twilio.accountSid, authToken: twilio.authToken }, KEY),
  });
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await replacement?.close(); // the harness closes only the worker it started itself
  await h.close();
  await twilio.close();
});

describe('a worker killed during a send', () => {
  it('leads to exactly one message at the provider, recorded as sent with its id', async () => {
    child = await spawnWorker(workerEnv());
    // Twilio accepts the message at once but answers only after 10 s: the worker dies holding the request.
    twilio.delayNext(1, 10_000);
    const res = await h.http.post(`/api/v1/workspace/${ws.id}/send_message`).set(ws.seax).send({ phone_number: tw.phone, to_phone_number: '+14155550171', content: 'exactly once' });
    expect(res.status).toBe(200);
    await twilio.waitFor(() => twilio.messageList.length === 1, 20_000);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    expect((await h.db('messages').where({ id: res.body.id }).first()).status).toBe('sending');

    // A new worker picks the attempt up after the heartbeat timeout, reconciles with Twilio and does not resend.
    replacement = await startWorker(workerConfigSchema.parse(workerEnv()), { logger: createLogger('test', 'warn'), workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE });
    const result = await h.temporal.workflow.getHandle(`message-${res.body.id}`).result();
    expect(result).toEqual({ status: 'sent' });
    const row = await h.db('messages').where({ id: res.body.id }).first();
    expect(twilio.messageList).toHaveLength(1);
    expect(twilio.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(twilio.requests.some((r) => r.method === 'GET' && r.path.includes('/Messages.json?'))).toBe(true);
    expect(row).toMatchObject({ status: 'sent', provider: 'TWILIO', provider_message_id: twilio.messageList[0].sid });
    expect(await h.db('events').where({ subject_id: res.body.id, type: 'message.sent' })).toHaveLength(1);
  });
});
