import type { ChildProcess } from 'node:child_process';
import { createLogger } from '../../lib/logger';
import { contactService } from '../../services/contacts';
import { workerConfigSchema } from '../../worker/config';
import { startWorker, type RunningWorker } from '../../worker/main';
import { createHarness, type Harness, type TestWorkspace } from '../helpers/harness';
import { waitForSeaxJob } from '../helpers/imports';
import { spawnWorker, workerEnvOf } from '../helpers/worker-child';
import { roomyLimits } from '../helpers/zagely';

/*
 * A real worker process is SIGKILLed in the middle of an import: three chunks committed, the fourth inside its
 * transaction (held at a contact row this test locks). A new worker resumes after the third chunk; every row ends
 * with exactly one outcome, no contact and no event is written twice.
 */
const ROWS = 500;
const CHUNK = 50;
let h: Harness;
let ws: TestWorkspace;
let child: ChildProcess | undefined;
let replacement: RunningWorker | undefined;

const workerEnv = () => workerEnvOf(h, { EXPORT_DIR: h.config.EXPORT_DIR, IMPORT_CHUNK_ROWS: String(CHUNK), WEBHOOK_DISPATCHER_ENABLED: 'false' });
const phone = (i: number) => `+1415556${String(i).padStart(4, '0')}`;
const count = async (table: string, where: Record<string, unknown>) => Number((await h.db(table).where(where).count({ n: '*' }))[0].n);

beforeAll(async () => {
  h = await createHarness({ worker: false });
  ws = await h.workspace();
  await roomyLimits(h.db, ws.id);
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await replacement?.close();
  await h.close();
});

it('a worker killed mid-import: the next one resumes after the last committed chunk and the totals are exact', async () => {
  // Row 176 (in the fourth chunk) is a contact already; the test holds its row lock so that chunk waits inside its transaction.
  const blocker = await contactService(h.db).create(ws.id, { name: 'Blocker', phone: phone(175) }, { phone: 'phone', label_ids: 'label_ids' });
  const lock = await h.db.transaction();
  await lock('contacts').where({ id: blocker.id }).forUpdate();

  child = await spawnWorker(workerEnv());
  const csv = `name,phone,tags\n${Array.from({ length: ROWS }, (_, i) => `Contact ${i},${phone(i)},crash`).join('\n')}\n`;
  const res = await h.http.post(`/api/v1/workspace/${ws.id}/import_contacts`).set(ws.seax).attach('file', Buffer.from(csv), 'big.csv');
  expect(res.status).toBe(200);
  const jobId = res.body.id as string;
  const processed = async () => (await h.db('jobs').where({ id: jobId }).first()).processed_items as number;
  const deadline = Date.now() + 60_000;
  while ((await processed()) < 3 * CHUNK) {
    if (Date.now() > deadline) throw new Error('the import never reached its fourth chunk');
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(await processed()).toBe(3 * CHUNK);

  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));
  await lock.commit();
  expect(await processed()).toBe(3 * CHUNK);
  expect(await count('contacts', { workspace_id: ws.id })).toBe(3 * CHUNK + 1);

  replacement = await startWorker(workerConfigSchema.parse(workerEnv()), { logger: createLogger('test', 'warn'), workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE });
  const job = await waitForSeaxJob(h, ws, jobId, 90_000);
  expect(job).toMatchObject({ status: 'finished', total_items: ROWS, processed_items: ROWS, failed_items: 0, progress: 100 });
  expect(job.result).toEqual({ created: ROWS - 1, updated: 0, marked: 1, skipped: 0, failed: 0, reasons: { duplicate: 1 } });

  const phones: string[] = await h.db('contacts').where({ workspace_id: ws.id }).pluck('phone');
  expect(phones).toHaveLength(ROWS);
  expect(new Set(phones).size).toBe(ROWS);
  expect(await count('events', { workspace_id: ws.id, type: 'contact.created' })).toBe(ROWS); // 499 imported + the blocker
  const createdSubjects: string[] = await h.db('events').where({ workspace_id: ws.id, type: 'contact.created' }).pluck('subject_id');
  expect(new Set(createdSubjects).size).toBe(ROWS);
  const tagged = await h.db('contact_labels as cl').join('labels as l', 'l.id', 'cl.label_id').where({ 'l.workspace_id': ws.id, 'l.name': 'crash' }).count({ n: '*' });
  expect(Number(tagged[0].n)).toBe(ROWS);
  // The workflow saw a retried attempt, not a failure.
  const history = await h.temporal.workflow.getHandle(`contact-import-${jobId}`).fetchHistory();
  const started = history.events?.filter((e) => e.activityTaskStartedEventAttributes) ?? [];
  expect(started.some((e) => Number(e.activityTaskStartedEventAttributes!.attempt) > 1)).toBe(true);
}, 150_000);
