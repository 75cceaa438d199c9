/**
 * `npm run bench:webhooks [-- --events N]`: webhook delivery throughput of the real stack, against the raw capacity
 * of the receiver measured in the same run.
 *
 * The platform runs as `npm start` runs it (bench/lib/stack.ts: one process with the worker, its webhook dispatcher
 * and the API, embedded PostgreSQL, the Temporal dev server, in a temporary data directory), with the receiver's
 * loopback address allowed. A local receiver (a plain Node http server answering 200, in its own process so it does
 * not share the worker's event loop) is first loaded by a plain undici client loop with the worker's activity
 * concurrency and bodies of the delivery's size: that is the ceiling. Then N events are recorded for a workspace
 * with one Zagely subscription (fan-out writes one delivery per event, as in production) and the clock runs until
 * every delivery has succeeded. Also printed: CPU seconds of each part during that phase and the stack process's
 * peak RSS. The last line is deliveries/s ÷ the receiver's raw requests/s.
 *
 * Worker settings come from the environment as for `npm start` (WORKER_MAX_CONCURRENT_ACTIVITIES,
 * WEBHOOK_DISPATCH_INTERVAL_MS, …); everything is removed afterwards. BENCH_STACK_NODE_ARGS: extra node flags for
 * the stack process only (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, fetch } from 'undici';
import { workerConfigSchema } from '../worker/config';
import { workspaceService } from '../services/workspaces';
import { createDb } from '../db/connection';
import { eventsRepo } from '../db/repositories/events';
import { webhooksRepo } from '../db/repositories/webhooks';
import { keyList, mintSealedWebhookSecret } from '../lib/sealed-secrets';
import { signedHeaders, zagelyEnvelope } from '../domain/webhooks';
import { procCpuSeconds, startStack, type RunningStack } from './lib/stack';

const EVENT_TYPE = 'contact.created';
const INSERT_BATCH = 500;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) fail(`--${name} needs a whole number of at least 1`);
  return value;
}

const events = option('events', 5000);
const timeoutS = option('timeout', 1800);

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

/** Progress goes to stderr; stdout carries only the figures, the ratio last. */
const say = (line: string) => process.stderr.write(`${line}\n`);

/** The receiver, as plain JavaScript for a child `node`: reads each body, answers 200 "ok", counts POSTs on GET. */
const RECEIVER = `
const http = require('node:http');
let posts = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') return res.end(String(posts));
  req.on('data', () => {});
  req.on('end', () => { posts++; res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startReceiver(): Promise<{ url: string; child: ChildProcess; posts(): Promise<number> }> {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`receiver exited (${code})`)));
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  const url = `http://127.0.0.1:${port}`;
  return { url, child, posts: async () => Number(await (await fetch(url)).text()) };
}

/** A realistic event: a contact as contact.created carries it. */
const contactData = (i: number) => ({
  contact: {
    id: crypto.randomUUID(),
    name: `Bench Contact ${i}`,
    phone: `+1415555${String(i % 10000).padStart(4, '0')}`,
    whatsapp_phone: null,
    email: `contact${i}@example.org`,
    opted_out_at: null,
    blocked: false,
  },
});

/** `count` POSTs with `concurrency` in flight, as the worker's activity slots would send them; answers requests/s. */
async function rawCapacity(url: string, concurrency: number, count: number): Promise<number> {
  const body = JSON.stringify(zagelyEnvelope({ eventType: EVENT_TYPE, workspaceId: crypto.randomUUID(), deliveryId: crypto.randomUUID(), occurredAt: new Date(), data: contactData(1) }));
  const headers = signedHeaders({ secret: 'whsec_benchbenchbenchbench', deliveryId: crypto.randomUUID(), eventType: EVENT_TYPE, timestamp: Math.floor(Date.now() / 1000), body });
  const dispatcher = new Agent();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) {
        const res = await fetch(url, { method: 'POST', headers, body, dispatcher });
        await res.text();
        if (res.status !== 200) throw new Error(`receiver answered ${res.status}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await dispatcher.close();
  return count / seconds;
}

async function main(): Promise<string[]> {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  // One cleanup, whoever asks first (Ctrl-C or the end of main): both wait for it before the process exits.
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch((err: unknown) => say(`cleanup: ${String(err)}`));
    })());
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const receiver = await startReceiver();
    cleanups.push(() => receiver.child.kill());

    say('starting the stack (PostgreSQL, Temporal, migrations, worker with the dispatcher, API)');
    const stack: RunningStack = await startStack({
      env: { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_DISPATCHER_ENABLED: 'true' },
      // For experiments on the stack process only (e.g. --cpu-prof), not the bench's own.
      nodeArgs: process.env.BENCH_STACK_NODE_ARGS?.split(/\s+/).filter(Boolean),
    });
    cleanups.push(() => stack.stop());
    say(`stack ready in ${(stack.startupMs / 1000).toFixed(1)} s (pid ${stack.pid}, data ${stack.dataDir})`);
    const db = createDb(stack.demo.DATABASE_URL, { pool: { min: 0, max: 4 } });
    cleanups.push(() => db.destroy());

    // The worker's activity slots, as the stack reads them from the same environment.
    const concurrency = workerConfigSchema.shape.WORKER_MAX_CONCURRENT_ACTIVITIES.parse(process.env.WORKER_MAX_CONCURRENT_ACTIVITIES);
    say(`measuring the receiver: ${events} POSTs, ${concurrency} in flight`);
    await rawCapacity(receiver.url, concurrency, Math.min(events, 500)); // warm-up (JIT, sockets)
    const raw = await rawCapacity(receiver.url, concurrency, events);

    const ws = await workspaceService(db).provision({ name: 'Bench' });
    // Sealed with the key the stack generated for its data directory, as the API would store it.
    const { secret: _secret, ...sealed } = mintSealedWebhookSecret(keyList(stack.secrets.CREDENTIALS_ENCRYPTION_KEY), () => 'whsec_benchbenchbenchbench');
    const sub = await webhooksRepo(db).insertSubscription({ ...sealed, workspace_id: ws.workspace.id, dialect: 'zagely', url: `${receiver.url}/hook`, events: [EVENT_TYPE], active: true });
    const postsBefore = await receiver.posts();
    stack.rss.resetPeak();
    const cpu0 = { ...stack.cpu(), receiver: procCpuSeconds(receiver.child.pid!) };

    say(`recording ${events} events`);
    const started = performance.now();
    const record = eventsRepo(db);
    for (let i = 0; i < events; i += INSERT_BATCH) {
      const batch = Array.from({ length: Math.min(INSERT_BATCH, events - i) }, (_, k) => ({ workspace_id: ws.workspace.id, type: EVENT_TYPE, data: contactData(i + k) }));
      await record.record(batch);
    }
    const deadline = Date.now() + timeoutS * 1000;
    let lastReport = 0;
    let counts = { succeeded: 0, failed: 0, dispatched: 0 };
    for (;;) {
      const [row] = await db('webhook_deliveries')
        .where({ subscription_id: sub.id })
        .select(
          db.raw(`count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded`),
          db.raw(`count(*) FILTER (WHERE status = 'failed')::int AS failed`),
          db.raw(`count(dispatched_at)::int AS dispatched`),
        );
      counts = row as typeof counts;
      if (counts.succeeded + counts.failed >= events) break;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutS} s: ${counts.succeeded} of ${events} delivered`);
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        say(`  ${counts.succeeded} of ${events} delivered, ${counts.dispatched} dispatched (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu1 = { ...stack.cpu(), receiver: procCpuSeconds(receiver.child.pid!) };
    if (counts.failed) throw new Error(`${counts.failed} deliveries failed: the receiver should answer every request`);
    const posts = (await receiver.posts()) - postsBefore;
    const [{ retried }] = await db('webhook_attempts as a')
      .join('webhook_deliveries as d', 'd.id', 'a.delivery_id')
      .where('d.subscription_id', sub.id)
      .select(db.raw('count(DISTINCT a.delivery_id) FILTER (WHERE a.attempt > 1)::int AS retried'));
    const rate = events / seconds;
    const cpu = (k: keyof typeof cpu0) => `${(cpu1[k] - cpu0[k]).toFixed(1)} s (${((100 * (cpu1[k] - cpu0[k])) / seconds).toFixed(0)} %)`;

    return [
      `events: ${events}`,
      `receiver POSTs during the run: ${posts}`,
      `deliveries attempted more than once (retried by their workflow): ${retried}`,
      `wall time: ${seconds.toFixed(1)} s (first event recorded to last delivery succeeded)`,
      `CPU during the run: stack (worker + API) ${cpu('stack')}, PostgreSQL ${cpu('postgres')}, Temporal ${cpu('temporal')}, receiver ${cpu('receiver')}`,
      `stack process peak RSS: ${stack.rss.peakMb().toFixed(0)} MB`,
      `deliveries/s: ${rate.toFixed(1)}`,
      `raw receiver requests/s: ${raw.toFixed(0)} (${concurrency} in flight)`,
      `ratio deliveries/s ÷ raw capacity: ${(rate / raw).toFixed(3)}`,
    ];
  } finally {
    await cleanup();
  }
}

// Printed once everything has stopped, so nothing a stopping server says can follow the ratio.
main().then(
  (lines) => {
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exit(0);
  },
  (err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
