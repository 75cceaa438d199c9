import { phonesRepo } from '../../db/repositories/phones';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { asText, until, waitForSeaxJob } from '../helpers/imports';
import { expectSeaxFieldError, pairWith } from '../helpers/seax';
import { expectError, expectFieldError, roomyLimits } from '../helpers/zagely';

/*
 * Log exports over HTTP: a real campaign through the simulator carrier (one recipient delivered, one failed, one
 * undelivered), then its per-recipient log and the message history exported as CSV jobs, with the list routes' filters.
 */
let h: Harness;
let ws: TestWorkspace;
let campaignId: string;

const read = async (path: string, headers: Record<string, string>) => {
  const res = await h.http.get(path).set(headers).buffer(true).parse(asText);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/text\/csv/);
  return (res.body as string).trim().split('\n');
};

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { SIMULATOR_SENT_DELAY_MS: '300', SIMULATOR_DELIVERED_DELAY_MS: '300' } });
  ws = await h.workspace();
  await roomyLimits(h.db, ws.id);
  await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
  const phone = await phonesRepo(h.db).create({ workspace_id: ws.id, name: 'Sim', phone: '+14155550900', source: 'SIMULATOR' });
  await h.db('phones').where({ id: phone.id }).update({ messages_per_second: 50 });
  const label = (await h.http.post(`/api/v1/workspace/${ws.id}/labels`).set(ws.seax).send({ name: 'Audience' })).body.id;
  for (const [name, number] of [['Delivered', '+14155550901'], ['Failed', '+15005550011'], ['Bounced', '+15005550010']]) {
    const c = (await h.http.post(`/api/v1/workspace/${ws.id}/contacts`).set(ws.seax).send({ name, phone: number, contact_label_ids: [label] })).body;
    expect(c.id).toEqual(expect.any(String));
  }
  const res = await h.http
    .post(`/api/v1/workspace/${ws.id}/campaigns`)
    .set(ws.seax)
    .send({ name: 'Spring =SUM(1)', type: 'SMS', message: 'Hi {first_name}', phone_ids: [phone.id], any_contact_label_ids: [label], is_schedule: false });
  expect(res.status).toBe(200);
  campaignId = res.body.id;
  let statuses: string[] = [];
  await until(async () => {
    const logs = (await h.http.get(`/api/v1/workspace/${ws.id}/campaigns/${campaignId}/logs`).set(ws.seax).query({ limit: 0 })).body.data as { message_status: string }[];
    statuses = logs.map((l) => l.message_status).sort();
    return statuses.join() === 'delivered,failed,undelivered';
  }, 'the campaign’s final statuses', 40_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${statuses.join()}`);
  });
}, 90_000);
afterAll(() => h.close());

describe('campaign log export', () => {
  it('SeaX: every log as the list shows it, filtered by message_statuses, downloadable once finished', async () => {
    const all = await h.http.post(`/api/v1/workspace/${ws.id}/campaigns/${campaignId}/logs/export`).set(ws.seax).send({});
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ job_type: 'export_campaign_logs', download_url: null });
    const job = await waitForSeaxJob(h, ws, all.body.id);
    expect(job).toMatchObject({ status: 'finished', total_items: 3, result: { rows: 3 }, download_url: `/api/v1/workspace/${ws.id}/jobs/${all.body.id}/download` });
    const lines = await read(job.download_url as string, ws.seax);
    expect(lines[0]).toBe('seq,message_id,contact_id,contact_name,phone,phone_id,status,content,provider_message_id,sent_at,delivered_at,read_at,failed_at,error_code,error_message');
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).map((l) => l.split(',')[6]).sort()).toEqual(['delivered', 'failed', 'undelivered']);

    const failed = await h.http.post(`/api/v1/workspace/${ws.id}/campaigns/${campaignId}/logs/export?message_statuses=failed,undelivered`).set(ws.seax).send({});
    const filtered = await waitForSeaxJob(h, ws, failed.body.id);
    const rows = await read(filtered.download_url as string, ws.seax);
    expect(rows.slice(1).map((l) => l.split(',')[6]).sort()).toEqual(['failed', 'undelivered']);
    expect(rows.join('\n')).toContain('+15005550011');
    expect(rows.join('\n')).not.toContain('+14155550901');

    expectSeaxFieldError(await h.http.post(`/api/v1/workspace/${ws.id}/campaigns/${campaignId}/logs/export?message_statuses=lost`).set(ws.seax).send({}), 'message_statuses');
    const other = await h.workspace('other');
    expect((await h.http.post(`/api/v1/workspace/${other.id}/campaigns/${campaignId}/logs/export`).set(other.seax).send({})).status).toBe(404);
  });

  it('Zagely: the recipients with the same status filter, as a 202 job; a key without campaigns.read cannot download', async () => {
    const res = await h.http.post(`/api/v1/campaigns/${campaignId}/recipients/export`).set(ws.zagely).query({ 'status[]': 'delivered' }).send({});
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ job_id: expect.any(String), data: { type: 'export_campaign_logs' } });
    await waitForSeaxJob(h, ws, res.body.job_id);
    const job = (await h.http.get(`/api/v1/jobs/${res.body.job_id}`).set(ws.zagely)).body.data;
    expect(job).toMatchObject({ status: 'finished', total_items: 1, download_url: `/api/v1/jobs/${res.body.job_id}/download` });
    const lines = await read(job.download_url, ws.zagely);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('+14155550901');
    const contactsOnly = await pairWith(h, ws, ['contacts.read']);
    expectError(await h.http.get(job.download_url).set(contactsOnly), 403, 'insufficient_ability');
    expectFieldError(await h.http.post(`/api/campaigns/${campaignId}/recipients/export`).set(ws.zagely).send({ email: 'not an address' }), 'email');
  });
});

describe('message history export', () => {
  it('filters by date range, direction, channel and status, in both dialects', async () => {
    await h.http.post('/simulator/inbound').set(ws.zagely).send({ from: '+14155550901', to: '+14155550900', body: 'Thanks!' });
    await until(async () => Number((await h.db('messages').where({ workspace_id: ws.id, direction: 'inbound' }).count({ n: '*' }))[0].n) === 1, 'the inbound message');

    const everything = await h.http.post(`/api/v1/workspace/${ws.id}/messages/export`).set(ws.seax).send({});
    expect(everything.status).toBe(200);
    const all = await waitForSeaxJob(h, ws, everything.body.id);
    expect(all).toMatchObject({ status: 'finished', total_items: 4 });
    const header = (await read(all.download_url as string, ws.seax))[0];
    expect(header.split(',').slice(0, 7)).toEqual(['id', 'created_at', 'channel', 'direction', 'status', 'from_address', 'to_address']);

    const outbound = await h.http.post('/api/v1/messages/export').set(ws.zagely).send({ direction: 'outbound', status: 'failed,undelivered', channel: 'sms' });
    expect(outbound.status).toBe(202);
    expect((await waitForSeaxJob(h, ws, outbound.body.job_id)).total_items).toBe(2);

    const inbound = await h.http.post('/api/v1/messages/export').set(ws.zagely).send({ direction: 'inbound' });
    const lines = await read((await waitForSeaxJob(h, ws, inbound.body.job_id)).download_url as string, ws.seax);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('Thanks!');

    const future = new Date(Date.now() + 3600_000).toISOString();
    const none = await h.http.post(`/api/v1/workspace/${ws.id}/messages/export`).set(ws.seax).send({ start_date: future });
    expect((await waitForSeaxJob(h, ws, none.body.id)).total_items).toBe(0);

    expectSeaxFieldError(await h.http.post(`/api/v1/workspace/${ws.id}/messages/export`).set(ws.seax).send({ start_date: '2026-02-01T00:00:00Z', end_date: '2026-01-01T00:00:00Z' }), 'end_date');
    expectFieldError(await h.http.post('/api/v1/messages/export').set(ws.zagely).send({ status: 'lost' }), 'status.0');
    expect(expectFieldError(await h.http.post('/api/v1/messages/export').set(ws.zagely).send({ colour: 'red' }), 'body')[0]).toMatch(/colour/);
  });
});
