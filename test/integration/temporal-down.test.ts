import { Connection } from '@temporalio/client';
import supertest from 'supertest';
import { createApp } from '../../api/app';
import { phonesRepo } from '../../db/repositories/phones';
import { createLogger } from '../../lib/logger';
import { temporalClient } from '../../temporal/client';
import { freePort } from '../helpers/global-setup';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

/*
 * Temporal unreachable: a send answers 503 promptly (a bounded deadline on the workflow start, not the SDK's ~20 s
 * of retries) and leaves a failed row, never a queued one that could be sent later without a workflow.
 */

let h: Harness;
let ws: TestWorkspace;
let down: supertest.Agent;
let connection: Connection;
let phone: { id: string; phone: string };

beforeAll(async () => {
  h = await createHarness();
  ws = await h.workspace();
  phone = await phonesRepo(h.db).create({ workspace_id: ws.id, name: 'Sim', phone: '+14155550100', source: 'SIMULATOR' });
  // The same app over the same database, with a client whose Temporal address nothing listens on.
  connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
  const temporal = temporalClient(connection, 'default', { startTimeoutMs: 2000 });
  down = supertest.agent(createApp({ db: h.db, temporal, config: h.config, logger: createLogger('test', 'silent') }).callback());
});
afterAll(async () => {
  await connection.close();
  await h.close();
});

/** Generous next to the 2 s deadline, well short of the SDK's own 18–20 s of retries. */
const PROMPT_MS = 10_000;

it('SeaX send_message answers 503 promptly and records the message as failed', async () => {
  const started = Date.now();
  const res = await down.post(`/api/v1/workspace/${ws.id}/send_message`).set(ws.seax).send({ phone_number: phone.phone, to_phone_number: '+14155550101', content: 'hello' });
  expect(res.status).toBe(503);
  expect(Date.now() - started).toBeLessThan(PROMPT_MS);
  expect(res.body).toMatchObject({ status_code: 503, message: expect.stringMatching(/unavailable/) });
  const rows = await h.db('messages').where({ workspace_id: ws.id, to_address: '+14155550101' });
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ status: 'failed', error_code: 'workflow_unavailable', workflow_id: null });
});

it('Zagely messages/send answers 503 promptly and records the message as failed', async () => {
  const started = Date.now();
  const res = await down.post('/api/v1/messages/send').set(ws.zagely).send({ channel: 'sms', session_id: phone.id, to: '+14155550102', message: 'hello' });
  expect(res.status).toBe(503);
  expect(Date.now() - started).toBeLessThan(PROMPT_MS);
  expect(res.body.error.code).toBe('service_unavailable');
  const rows = await h.db('messages').where({ workspace_id: ws.id, to_address: '+14155550102' });
  expect(rows.map((r: { status: string }) => r.status)).toEqual(['failed']);
});
