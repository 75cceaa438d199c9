import { MockActivityEnvironment } from '@temporalio/testing';
import fs from 'node:fs';
import path from 'node:path';
import { createWebhookExportActivities } from '../../activities/webhook-exports';
import { exportLinkSecret, signExportLink } from '../../lib/export-link';
import { mintSealedWebhookSecret } from '../../lib/sealed-secrets';
import { TEST_CREDENTIALS_KEY } from '../helpers/carrier-phones';
import { SmtpSink } from '../fakes/smtp-sink';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';

/*
 * SeaX log export end to end: the API starts a workflow, the worker writes the CSV and e-mails a signed link through
 * the SMTP adapter to a local sink, and the link downloads the file over HTTP. Links live 5 s here, so the test can
 * watch one expire.
 */
const TTL_S = 5;
let sink: SmtpSink;
let h: Harness;
let ws: TestWorkspace;
let other: TestWorkspace;
/** Attempt ids by label, in created_at order. */
const logs: Record<string, string> = {};

async function seaxSubscription(workspaceId: string, dialect: 'seax' | 'zagely' = 'seax') {
  const { secret: _secret, ...sealed } = mintSealedWebhookSecret([TEST_CREDENTIALS_KEY], () => 'secret-secret-secret');
  const [row] = await h.db('webhook_subscriptions')
    .insert({ ...sealed, workspace_id: workspaceId, dialect, url: `https://example.com/${dialect}`, events: ['message.new'], type: 'SEASALT', created_by: 'kelly@seasalt.ai' })
    .returning('id');
  return row.id as string;
}

/** One delivery with its attempts at the given instants (the last succeeds unless `failAll`). */
async function delivery(workspaceId: string, subscriptionId: string, at: string[], label: string, failAll = false) {
  const [d] = await h.db('webhook_deliveries')
    .insert({ workspace_id: workspaceId, subscription_id: subscriptionId, event_id: crypto.randomUUID(), event_type: 'message.new', payload: JSON.stringify({ text: label }), status: failAll ? 'failed' : 'succeeded', attempts: at.length, dispatched_at: new Date() })
    .returning('id');
  for (const [i, created] of at.entries()) {
    const ok = !failAll && i === at.length - 1;
    const [a] = await h.db('webhook_attempts')
      .insert({ delivery_id: d.id, attempt: i + 1, status_code: ok ? 200 : 500, response_body: ok ? '{"status":"received"}' : '=1+1 down', duration_ms: 12, error: ok ? null : 'HTTP 500', created_at: new Date(created) })
      .returning('id');
    logs[`${label}#${i + 1}`] = String(a.id);
  }
}

beforeAll(async () => {
  sink = await new SmtpSink().start();
  h = await createHarness({ worker: true, env: { SMTP_URL: sink.url, SMTP_FROM: 'Switchboard <exports@switchboard.test>', EXPORT_LINK_TTL_SECONDS: String(TTL_S) } });
  ws = await h.workspace('Logs');
  other = await h.workspace('Other');
  const sub = await seaxSubscription(ws.id);
  await delivery(ws.id, sub, ['2026-02-28T23:59:59Z'], 'before');
  await delivery(ws.id, sub, ['2026-03-01T00:00:00Z', '2026-03-15T10:00:00Z'], 'retried');
  await delivery(ws.id, sub, ['2026-03-20T08:00:00Z'], 'dead', true);
  await delivery(ws.id, sub, ['2026-03-31T23:59:59Z'], 'last');
  await delivery(ws.id, sub, ['2026-04-01T00:00:00Z'], 'after');
  // Same range, but another workspace's, and a Zagely subscription's: neither is a SeaX log of this workspace.
  await delivery(other.id, await seaxSubscription(other.id), ['2026-03-10T00:00:00Z'], 'other');
  await delivery(ws.id, await seaxSubscription(ws.id, 'zagely'), ['2026-03-10T00:00:00Z'], 'zagely');
});
afterAll(async () => {
  await h?.close();
  await sink?.close();
});

const exportUrl = (id = ws.id) => `/notify-api/v1/workspaces/${id}/logs/export`;

/** Start an export and wait for its e-mail; answers the job id, the message and the link's path. */
async function exportLogs(body: Record<string, unknown>) {
  const before = sink.messages.length;
  const res = await h.http.post(exportUrl()).set(ws.seax).send(body);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ job_id: expect.any(String), message: 'Log export job started. You will receive an email once the file is ready.' });
  await sink.waitFor(() => sink.messages.length > before, 30_000);
  const mail = sink.messages[before];
  const link = /https?:\/\/\S+\/notify-api\/v1\/exports\/[A-Za-z0-9_.-]+/.exec(mail.text ?? '')?.[0];
  expect(link).toBeDefined();
  return { jobId: res.body.job_id as string, mail, link: new URL(link!), path: new URL(link!).pathname };
}

const download = (p: string) =>
  h.http
    .get(p)
    .buffer(true)
    .parse((res, cb) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => cb(null, text));
    });

/** The attempt ids of a CSV, in file order. */
const idsOf = (csv: string) => csv.trim().split('\n').slice(1).map((line) => line.split(',')[0]);

describe('POST /notify-api/v1/workspaces/{id}/logs/export', () => {
  it('e-mails (zh-TW) a link to a CSV of exactly the logs in the range, oldest first; the link expires', async () => {
    const { jobId, mail, link, path: linkPath } = await exportLogs({
      email: 'ops@example.org',
      // 2026-03-01T00:00:00Z and 2026-03-31T23:59:59Z, written with offsets.
      start_date: '2026-03-01T08:00:00+08:00',
      end_date: '2026-03-31T16:59:59-07:00',
      lang: 'zh-TW',
    });
    expect(mail.to).toEqual(['ops@example.org']);
    expect(mail.from).toBe('exports@switchboard.test');
    expect(mail.subject).toBe('您的 Webhook 傳送紀錄匯出檔已準備就緒');
    expect(mail.text).toContain('共 4 筆');
    expect(mail.html).toContain(`href="${link.href}"`);
    expect(link.origin).toBe(h.url);

    const csv = await download(linkPath);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain(`webhook-logs-${jobId}.csv`);
    const text = csv.body as string;
    expect(text.split('\n')[0]).toBe('id,created_at,subscription_id,event_type,event_id,delivery_id,webhook_url,delivery_status,status_code,attempt,error,response_body,occurred_at,payload');
    // Both boundaries are inclusive; another workspace's and the Zagely subscription's logs are not SeaX logs here.
    expect(idsOf(text)).toEqual([logs['retried#1'], logs['retried#2'], logs['dead#1'], logs['last#1']]);
    expect(text).toContain(`${logs['retried#1']},2026-03-01T00:00:00.000Z,`);
    // A cell a spreadsheet would run as a formula is escaped.
    expect(text).toContain(",failed,500,1,HTTP 500,'=1+1 down,");
    expect(text).toContain(',success,200,2,,"{""status"":""received""}",');

    // The job is finished and records the e-mail; the workflow ran under its business id with search attributes.
    const handle = h.temporal.workflow.getHandle(`webhook-log-export-${jobId}`);
    expect(await handle.result()).toEqual({ rows: 4 });
    expect((await handle.describe()).searchAttributes).toMatchObject({ WorkspaceId: [ws.id], SwitchboardKind: ['webhook-log-export'] });
    const job = await h.db('jobs').where({ id: jobId }).first();
    expect(job).toMatchObject({ workspace_id: ws.id, type: 'export_webhook_logs', status: 'finished', total_items: 4, progress: 100 });
    expect(job.result.email).toMatchObject({ to: 'ops@example.org', message_id: mail.messageId });
    const seaxJob = await h.http.get(`/api/v1/workspace/${ws.id}/jobs/${jobId}`).set(ws.seax);
    expect(seaxJob.body).toMatchObject({ id: jobId, status: 'finished', job_type: 'export_webhook_logs' });

    // The link expires TTL_S seconds after it was signed.
    const expiresAt = new Date(job.result.email.link_expires_at).getTime();
    expect(expiresAt - new Date(job.result.email.sent_at).getTime()).toBeGreaterThanOrEqual((TTL_S - 1) * 1000);
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 1100));
    const expired = await h.http.get(linkPath);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ status_code: 410, code: 'link_expired' });
  });

  it('writes English for any other lang and exports everything without a range', async () => {
    const { mail, path: linkPath } = await exportLogs({ email: 'ops@example.org', lang: 'fr-FR' });
    expect(mail.subject).toBe('Your webhook delivery log export is ready');
    expect(mail.text).toContain('(the first log to now, 6 logs)');
    expect(idsOf((await download(linkPath)).body as string)).toEqual(['before#1', 'retried#1', 'retried#2', 'dead#1', 'last#1', 'after#1'].map((l) => logs[l]));
    // As GET …/logs reads them: no offset is UTC, a bare end date is that day's end.
    const { mail: noLang } = await exportLogs({ email: 'ops@example.org', start_date: '2026-03-01T00:00:00', end_date: '2026-03-20' });
    expect(noLang.subject).toBe('Your webhook delivery log export is ready');
    expect(noLang.text).toContain('(2026-03-01T00:00:00.000Z to 2026-03-20T23:59:59.999Z, 3 logs)');
  });

  it('refuses a tampered, truncated or foreign-signed link with 403', async () => {
    const { path: linkPath } = await exportLogs({ email: 'ops@example.org' });
    expect((await download(linkPath)).status).toBe(200);
    const token = linkPath.split('/').pop()!;
    const [payload, signature] = token.split('.');
    // Another job id in the payload (and a tampered expiry) without a matching signature.
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, e: claims.e + 3600 })).toString('base64url');
    const foreign = signExportLink('someone-elses-secret-0123456789', { workspaceId: ws.id, jobId: claims.j, expiresAt: new Date(Date.now() + 60_000) });
    for (const bad of [`${forged}.${signature}`, `${payload}.${signature.slice(0, -2)}`, payload, foreign, `${payload}.${signature}.x`]) {
      const res = await h.http.get(`/notify-api/v1/exports/${bad}`);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'invalid_link', message: expect.stringMatching(/not valid/) });
    }
    // A well-signed link whose file is gone is 410, not a server error.
    const secret = exportLinkSecret(h.config);
    const unknown = signExportLink(secret, { workspaceId: ws.id, jobId: crypto.randomUUID(), expiresAt: new Date(Date.now() + 60_000) });
    expect((await h.http.get(`/notify-api/v1/exports/${unknown}`)).body).toMatchObject({ status_code: 410, code: 'export_gone' });
    const past = signExportLink(secret, { workspaceId: ws.id, jobId: claims.j, expiresAt: new Date(Date.now() - 1000) });
    expect((await h.http.get(`/notify-api/v1/exports/${past}`)).body).toMatchObject({ status_code: 410, code: 'link_expired' });
  });

  it('validates the body (email required and valid, dates ISO 8601 and in order)', async () => {
    const field = async (body: Record<string, unknown>) => {
      const res = await h.http.post(exportUrl()).set(ws.seax).send(body);
      expect(res.status).toBe(422);
      return Object.keys(res.body.details.errors);
    };
    expect(await field({})).toEqual(['email']);
    expect(await field({ email: 'not-an-address' })).toEqual(['email']);
    expect(await field({ email: 'a@example.org', start_date: '2026-03-01 noon' })).toEqual(['start_date']);
    expect(await field({ email: 'a@example.org', end_date: 'yesterday' })).toEqual(['end_date']);
    expect(await field({ email: 'a@example.org', start_date: '2026-03-02T00:00:00Z', end_date: '2026-03-01T00:00:00Z' })).toEqual(['end_date']);
    expect((await h.http.post(exportUrl(other.id)).set(ws.seax).send({ email: 'a@example.org' })).status).toBe(403);
    expect((await h.http.post(exportUrl()).send({ email: 'a@example.org' })).status).toBe(401);
  });
});

describe('the export activities run twice', () => {
  it('rewrite the same file and do not send the e-mail again', async () => {
    const { jobId } = await exportLogs({ email: 'once@example.org', start_date: '2026-03-01T00:00:00Z', end_date: '2026-03-31T23:59:59Z' });
    await h.temporal.workflow.getHandle(`webhook-log-export-${jobId}`).result();
    const activities = createWebhookExportActivities({
      db: h.db,
      exportDir: h.config.EXPORT_DIR,
      logExports: { smtp: { host: sink.host, port: sink.port }, from: 'x@switchboard.test', publicUrl: h.url, linkSecret: 'unused-unused-unused', linkTtlSeconds: 60 },
    });
    const file = path.join(h.config.EXPORT_DIR, ws.id, `webhook-logs-${jobId}.csv`);
    const first = fs.readFileSync(file, 'utf8');
    const sent = sink.messages.filter((m) => m.to.includes('once@example.org')).length;
    expect(sent).toBe(1);

    expect(await new MockActivityEnvironment().run(activities.runWebhookLogExport, { workspaceId: ws.id, jobId })).toEqual({ rows: 4 });
    expect(fs.readFileSync(file, 'utf8')).toBe(first);
    expect(fs.existsSync(`${file}.partial`)).toBe(false);
    expect(await activities.emailWebhookLogExport({ workspaceId: ws.id, jobId })).toEqual({ sent: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.filter((m) => m.to.includes('once@example.org'))).toHaveLength(1);
    expect(await h.db('jobs').where({ id: jobId }).first()).toMatchObject({ status: 'finished', progress: 100 });

    // Without a relay the e-mail step fails for good, saying why (the workflow records it on the job).
    const unconfigured = createWebhookExportActivities({ db: h.db, exportDir: h.config.EXPORT_DIR, logExports: { from: 'x@switchboard.test', publicUrl: h.url, linkSecret: 'unused-unused-unused', linkTtlSeconds: 60 } });
    const [fresh] = await h.db('jobs').insert({ workspace_id: ws.id, type: 'export_webhook_logs', status: 'processing', params: { email: 'a@example.org', lang: 'en-US' }, result: { file: 'x.csv', rows: 0 } }).returning('id');
    await expect(unconfigured.emailWebhookLogExport({ workspaceId: ws.id, jobId: fresh.id })).rejects.toMatchObject({ nonRetryable: true, message: expect.stringMatching(/SMTP_URL/) });
  });

  it('a relay that refuses for a moment gets the e-mail once, on the retry', async () => {
    sink.failNext(1, 'RCPT', 451);
    const refusals = sink.refusals.length;
    const { jobId, mail } = await exportLogs({ email: 'retry@example.org' });
    expect(sink.refusals.slice(refusals)).toEqual([expect.objectContaining({ stage: 'RCPT', code: 451 })]);
    await h.temporal.workflow.getHandle(`webhook-log-export-${jobId}`).result();
    expect(sink.messages.filter((m) => m.to.includes('retry@example.org'))).toEqual([mail]);
  });
});
