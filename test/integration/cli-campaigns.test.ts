import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { campaignsRepo } from '../../db/repositories/campaigns';
import { jobsRepo } from '../../db/repositories/jobs';
import { phonesRepo } from '../../db/repositories/phones';
import { expectOneLineError, runCli, startCli, type CliRun } from '../helpers/cli';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { roomyLimits } from '../helpers/zagely';

/*
 * `switchboard campaign list|show|watch` and `job watch` against campaigns and jobs made through the API and run by
 * a real worker (simulator senders), as an operator would use them while they run.
 */
jest.setTimeout(120_000);

let h: Harness;
let cwd: string;
let a: TestWorkspace;
let b: TestWorkspace;
const senders = new Map<string, string>();

const cli = (args: string[]): Promise<CliRun> => runCli(h, args, { cwd });
const base = (ws: TestWorkspace) => `/api/v1/workspace/${ws.id}/campaigns`;

let seq = 0;
/** A campaign to `count` new contacts of its own, started at once (or at `startTime`). */
async function campaign(ws: TestWorkspace, name: string, count: number, extra: Record<string, unknown> = {}): Promise<string> {
  const label = await h.http.post(`/api/v1/workspace/${ws.id}/labels`).set(ws.seax).send({ name: `${name} audience` });
  expect(label.status).toBe(200);
  const contacts = Array.from({ length: count }, (_, i) => ({ workspace_id: ws.id, name: `${name} ${i}`, phone: `+1202556${String(++seq).padStart(4, '0')}` }));
  const rows = await h.db('contacts').insert(contacts).returning('id');
  await h.db('contact_labels').insert(rows.map((r: { id: string }) => ({ workspace_id: ws.id, contact_id: r.id, label_id: label.body.id })));
  const res = await h.http
    .post(base(ws))
    .set(ws.seax)
    .send({ name, type: 'SMS', message: 'Hello {{name}}', phone_ids: [senders.get(ws.id)], any_contact_label_ids: [label.body.id], ...extra });
  expect(res.status).toBe(200);
  return res.body.id as string;
}

async function finished(ws: TestWorkspace, id: string): Promise<void> {
  const until = Date.now() + 60_000;
  while ((await h.http.get(`${base(ws)}/${id}`).set(ws.seax)).body.status !== 'finished') {
    if (Date.now() > until) throw new Error(`campaign ${id} did not finish`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { SIMULATOR_SENT_DELAY_MS: '20', SIMULATOR_DELIVERED_DELAY_MS: '50', CAMPAIGN_BATCH_SIZE: '5' } });
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-cli-'));
  [a, b] = await Promise.all([h.workspace('CLI A'), h.workspace('CLI B')]);
  for (const [ws, phone] of [
    [a, '+14155550300'],
    [b, '+14155550400'],
  ] as const) {
    await roomyLimits(h.db, ws.id);
    // Always inside the sending window.
    await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
    const p = await phonesRepo(h.db).create({ workspace_id: ws.id, name: 'Sim', phone, source: 'SIMULATOR' });
    await h.db('phones').where({ id: p.id }).update({ messages_per_second: 25 });
    senders.set(ws.id, p.id);
  }
});
afterAll(async () => {
  fs.rmSync(cwd, { recursive: true, force: true });
  await h.close();
});

describe('campaign watch', () => {
  it('shows sent/total, rate, ETA and failed as the campaign runs, and exits 0 when it completes', async () => {
    const id = await campaign(a, 'Watched', 30);
    const run = await cli(['campaign', 'watch', id, '--interval', '0.1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    // Not a terminal: one line per change, the last one the outcome.
    expect(lines[lines.length - 1]).toMatch(/^completed\s+\[#{20}\]\s+sent 30\/30 \(100%\)\s+failed 0$/);
    for (const line of lines.slice(0, -1)) {
      expect(line).toMatch(/^(scheduled|running)\s+\[[#-]{20}\]\s+sent \d+\/\d+ \(\d+%\)\s+failed \d+\s+(-|\d+(\.\d)?)\/s\s+ETA (\?|\d+s|\d+m\d\ds)$/);
    }
    const sent = lines.map((l) => Number(/sent (\d+)\//.exec(l)![1]));
    expect(sent).toEqual([...sent].sort((x, y) => x - y));
  });

  it('prints one JSON object per change with --json, the last with the final statistics', async () => {
    const id = await campaign(a, 'Watched as JSON', 3);
    const run = await cli(['campaign', 'watch', id, '--interval', '0.1', '--json']);
    expect(run.code).toBe(0);
    const samples = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const c = (await campaignsRepo(h.db).get(a.id, id))!;
    expect(samples[samples.length - 1]).toEqual({ status: 'completed', ...(await campaignsRepo(h.db).stats(c)) });
  });

  it('exits 1 naming the status when the campaign is canceled', async () => {
    const id = await campaign(a, 'Canceled', 1, { is_schedule: true, start_time: new Date(Date.now() + 3_600_000).toISOString() });
    const watching = startCli(h, ['campaign', 'watch', id, '--interval', '0.1'], { cwd });
    await watching.printed(/^scheduled\s/m);
    expect((await h.http.post(`${base(a)}/${id}/cancel`).set(a.seax)).status).toBe(200);
    const run = await watching.done;
    expect(run.code).toBe(1);
    expect(run.stdout.trimEnd().split('\n').pop()).toMatch(/^canceled\s+\[-{20}\]\s+sent 0\/0 \(0%\)\s+failed 0$/);
    expect(run.stderr).toBe(`switchboard: campaign ${id} is canceled\n`);
  });

  it.each([
    [['campaign', 'watch'], 2, /<id> is required \(usage: switchboard campaign watch <id>/],
    [['campaign', 'watch', 'nope'], 2, /<id> must be a campaign id \(a UUID\), got 'nope'/],
    [['campaign', 'watch', '00000000-0000-4000-8000-000000000000'], 1, /campaign 00000000-0000-4000-8000-000000000000 not found/],
    [['campaign', 'watch', '00000000-0000-4000-8000-000000000000', '--interval', 'soon'], 2, /--interval must be a number of seconds between 0\.05 and 60, got 'soon'/],
    [['campaign', 'show', '00000000-0000-4000-8000-000000000000', 'extra'], 2, /unexpected argument 'extra'/],
  ])('rejects %j', async (args, code, pattern) => {
    expectOneLineError(await cli(args as string[]), code as number, pattern as RegExp);
  });
});

describe('campaign list and show', () => {
  let ofA: string;
  let ofB: string;
  beforeAll(async () => {
    [ofA, ofB] = await Promise.all([campaign(a, 'Listed in A', 2), campaign(b, 'Listed in B', 3)]);
    await Promise.all([finished(a, ofA), finished(b, ofB)]);
  });

  it("lists every workspace's campaigns, newest first, or one workspace's", async () => {
    const all = await cli(['campaign', 'list']);
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')[0]).toMatch(/^ID\s+WORKSPACE\s+STATUS\s+CHANNEL\s+CREATED\s+NAME$/);
    expect(all.stdout).toMatch(new RegExp(`^${ofA}\\s+${a.id}\\s+completed\\s+sms\\s+\\S+\\s+Listed in A$`, 'm'));
    expect(all.stdout).toMatch(new RegExp(`^${ofB}\\s+${b.id}\\s+completed\\s+sms\\s+\\S+\\s+Listed in B$`, 'm'));

    const onlyB = JSON.parse((await cli(['campaign', 'list', '--workspace', b.id, '--json'])).stdout) as { id: string; workspace_id: string }[];
    expect(onlyB.map((c) => c.id)).toEqual([ofB]);
    expect(onlyB[0]).toMatchObject({ workspace_id: b.id, name: 'Listed in B', status: 'completed', channel: 'sms' });

    const one = await cli(['campaign', 'list', '--limit', '1']);
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(one.stdout).toMatch(/^1 of \d+ shown \(newest first\); --limit shows more\.$/m);
  });

  it('shows a campaign with the statistics the API reports', async () => {
    const run = await cli(['campaign', 'show', ofB]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^name:\s+Listed in B$/m);
    expect(run.stdout).toMatch(/^status:\s+completed$/m);
    expect(run.stdout).toMatch(/^ {2}total_contacts\s+3$/m);
    expect(run.stdout).toMatch(/^ {2}sent\s+3$/m);

    const json = JSON.parse((await cli(['campaign', 'show', ofB, '--json'])).stdout);
    const api = (await h.http.get(`${base(b)}/${ofB}`).set(b.seax)).body;
    expect(json).toMatchObject({ id: ofB, workspace_id: b.id, status: 'completed' });
    for (const k of ['total_contacts', 'sent', 'failed', 'delivered', 'pending', 'excluded']) expect(json.statistics[k]).toBe(api.statistics[k]);
  });

  it('keeps to --workspace when given: a campaign of another workspace is not found', async () => {
    expectOneLineError(await cli(['campaign', 'show', ofA, '--workspace', b.id]), 1, new RegExp(`campaign ${ofA} not found in workspace ${b.id}`));
    expectOneLineError(await cli(['campaign', 'list', '--workspace', '00000000-0000-4000-8000-000000000000']), 1, /workspace 00000000-0000-4000-8000-000000000000 not found/);
    expectOneLineError(await cli(['campaign', 'list', '--limit', '0']), 2, /--limit must be a whole number between 1 and 1000/);
  });
});

describe('job watch', () => {
  it('follows a contact export until it is finished', async () => {
    await h.db('contacts').insert([
      { workspace_id: b.id, name: 'Export me', phone: '+12025557001' },
      { workspace_id: b.id, name: 'Me too', phone: '+12025557002' },
    ]);
    const start = await h.http.post('/api/contacts/export').set(b.zagely).send({});
    expect(start.status).toBe(202);
    const run = await cli(['job', 'watch', start.body.job_id, '--interval', '0.1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const total = (await jobsRepo(h.db).get(b.id, start.body.job_id))!.total_items;
    expect(run.stdout.trimEnd().split('\n').pop()).toMatch(new RegExp(`^finished\\s+export_contacts\\s+\\[#{20}\\]\\s+${total}/${total} \\(100%\\)\\s+failed 0$`));
  });

  it('shows progress as the job records it, and exits 1 with the reason when it fails', async () => {
    const jobs = jobsRepo(h.db);
    const job = await jobs.create({ workspace_id: a.id, type: 'import_contacts', total_items: 400 });
    await jobs.update(a.id, job.id, { status: 'processing', progress: 25, processed_items: 100 });
    const watching = startCli(h, ['job', 'watch', job.id, '--interval', '0.1'], { cwd });
    await watching.printed(/^processing\s+import_contacts\s+\[#{5}-{15}\]\s+100\/400 \(25%\)\s+failed 0\s+/m);
    await jobs.update(a.id, job.id, { status: 'processing', progress: 50, processed_items: 200, failed_items: 3 });
    await watching.printed(/^processing\s+import_contacts\s+\[#{10}-{10}\]\s+200\/400 \(50%\)\s+failed 3\s+/m);
    await jobs.update(a.id, job.id, { status: 'failed', error_report: { message: 'row 201: phone is not a valid number' } });
    const run = await watching.done;
    expect(run.code).toBe(1);
    expect(run.stdout.trimEnd().split('\n').pop()).toMatch(/^failed\s+import_contacts\s+\[#{10}-{10}\]\s+200\/400 \(50%\)\s+failed 3$/);
    expect(run.stderr).toBe(`switchboard: job ${job.id} failed: row 201: phone is not a valid number\n`);
  });

  it('finds a job in any workspace, and only there with --workspace', async () => {
    const job = await jobsRepo(h.db).create({ workspace_id: a.id, type: 'export_contacts' });
    await jobsRepo(h.db).update(a.id, job.id, { status: 'finished', progress: 100, total_items: 1, processed_items: 1 });
    expect((await cli(['job', 'watch', job.id])).code).toBe(0);
    expectOneLineError(await cli(['job', 'watch', job.id, '--workspace', b.id]), 1, new RegExp(`job ${job.id} not found in workspace ${b.id}`));
  });
});
