import { workerConfigSchema } from '../../worker/config';
import { startWorker, type RunningWorker } from '../../worker/main';
import { phonesRepo } from '../../db/repositories/phones';
import { createLogger } from '../../lib/logger';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import type { PhoneRow } from '../../db/rows';

let h: Harness;
let ws: TestWorkspace;
let sim: PhoneRow;
let replacement: RunningWorker | undefined;

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const schedule = (to: string, sendAt: string) =>
  h.http.post(`/api/v1/workspace/${ws.id}/send_message`).set(ws.seax).send({ phone_number: sim.phone, to_phone_number: to, content: 'later', send_at: sendAt });
const row = (id: string) => h.db('messages').where({ id }).first();

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { SIMULATOR_SENT_DELAY_MS: '50', SIMULATOR_DELIVERED_DELAY_MS: '100' } });
  ws = await h.workspace();
  await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
  sim = await phonesRepo(h.db).create({ workspace_id: ws.id, name: 'Sim', phone: '+14155550100', source: 'SIMULATOR' });
});
afterAll(async () => {
  await replacement?.close();
  await h.close();
});

describe('scheduled messages', () => {
  it('sends at send_at, not before; then cancel answers 409 naming the status', async () => {
    const sendAt = inSeconds(3);
    const res = await schedule('+14155550181', sendAt);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'scheduled', send_at: sendAt, sent_time: null });
    const listed = await h.http.get('/api/v1/scheduled-messages').set(ws.zagely);
    expect(listed.body.data.map((m: { id: string }) => m.id)).toContain(res.body.id);
    expect((await row(res.body.id)).status).toBe('scheduled');
    const result = await h.temporal.workflow.getHandle(`message-${res.body.id}`).result();
    expect(result.status).toBe('sent');
    const sent = await row(res.body.id);
    expect(sent.sent_at.getTime()).toBeGreaterThanOrEqual(Date.parse(sendAt));
    const late = await h.http.post(`/api/v1/messages/${res.body.id}/cancel`).set(ws.zagely);
    expect(late.status).toBe(409);
    expect(late.body.error.details.status).toMatch(/sent|delivered/);
    expect(late.body.error.message).toMatch(/can no longer be canceled/);
  });

  it('cancels before the time: canceled, never sent', async () => {
    const res = await schedule('+14155550182', inSeconds(3));
    const cancel = await h.http.delete(`/api/v1/messages/${res.body.id}`).set(ws.zagely);
    expect(cancel.status).toBe(200);
    expect(cancel.body.data.status).toBe('canceled');
    expect(await h.temporal.workflow.getHandle(`message-${res.body.id}`).result()).toEqual({ status: 'canceled' });
    await new Promise((r) => setTimeout(r, 3500));
    expect(await row(res.body.id)).toMatchObject({ status: 'canceled', provider_message_id: null, sent_at: null });
    expect(h.worker).toBeDefined();
  });

  it('reschedules: sent at the new time', async () => {
    const res = await schedule('+14155550183', inSeconds(3600));
    const newAt = inSeconds(3);
    const patch = await h.http.patch(`/api/v1/messages/${res.body.id}`).set(ws.zagely).send({ send_at: newAt });
    expect(patch.status).toBe(200);
    expect(patch.body.data).toMatchObject({ status: 'scheduled', send_at: newAt });
    const result = await h.temporal.workflow.getHandle(`message-${res.body.id}`).result();
    expect(result.status).toBe('sent');
    expect((await row(res.body.id)).sent_at.getTime()).toBeGreaterThanOrEqual(Date.parse(newAt));
    const bad = await h.http.patch(`/api/v1/messages/${res.body.id}`).set(ws.zagely).send({ send_at: inSeconds(8 * 86400) });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.error.details.errors)).toEqual(['send_at']);
  });

  it('survives a worker restart: the timer fires on the new worker', async () => {
    const sendAt = inSeconds(4);
    const res = await schedule('+14155550184', sendAt);
    await h.worker!.close();
    replacement = await startWorker(
      workerConfigSchema.parse({ DATABASE_URL: h.config.DATABASE_URL, TEMPORAL_ADDRESS: h.config.TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE: h.taskQueue, PUBLIC_URL: h.url, LOG_LEVEL: 'warn' }),
      { logger: createLogger('test', 'warn'), workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE },
    );
    const result = await h.temporal.workflow.getHandle(`message-${res.body.id}`).result();
    expect(result.status).toBe('sent');
    const sent = await row(res.body.id);
    expect(sent.provider_message_id).toMatch(/^SM/);
    expect(sent.sent_at.getTime()).toBeGreaterThanOrEqual(Date.parse(sendAt));
  });
});
