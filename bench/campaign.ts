/**
 * `npm run bench:campaign -- --recipients N`: a real campaign, end to end, against its two hard limits.
 *
 * The platform runs as `npm start` runs it (bench/lib/stack.ts: one process with the worker and the API, embedded
 * PostgreSQL, the Temporal dev server), sending through the Twilio adapter over HTTP to the fake Twilio server in a
 * process of its own (bench/lib/twilio.ts). In one run:
 *   1. seed N contacts (set-based SQL) and a Twilio sender whose messages_per_second does not limit;
 *   2. measure the limits the campaign cannot beat: the fake's raw request rate from a plain client loop with the
 *      campaign's total concurrency (CAMPAIGN_PARALLEL_BATCHES × CAMPAIGN_CONCURRENCY) POSTing the adapter's form
 *      body, with undici (the client the Twilio adapter uses; `--raw-client fetch` takes global fetch instead, which
 *      costs several times the CPU per request; both are measured and shown), and PostgreSQL's raw rate for inserting the
 *      same message rows in chunks of 1,000 (into `messages`, in a transaction rolled back);
 *   3. create the campaign over the SeaX API, wait for its workflow (all continue-as-new runs) to finish, check that
 *      every recipient got exactly one message, count the workflow's history events over all runs, and read the
 *      worker's peak RSS (the stack process, sampled every 200 ms plus the kernel's VmHWM, reset after start-up).
 * The last lines are: recipients, wall time, messages/s, ratio to the lower limit, history events per 1,000
 * recipients, worker peak RSS.
 *
 * `--paced [--duration 60]`: three Twilio senders at 1, 80 and 1,000 messages/s, one campaign each, concurrently for
 * the duration, then canceled; prints achieved/configured per sender over the steady part (from the fake's arrival
 * times) and the most requests that arrived in any one-second window.
 *
 * Options: --recipients N (default 100000), --paced, --duration S (paced, default 60), --raw-count N (requests and
 * rows for the raw limits, default min(N, 20000)), --raw-client undici|fetch (default undici), --json FILE (figures
 * as JSON), --keep (keep the data directory). Exit status 1 when a run fails or its exactly-once check does not
 * hold; the targets are reported, not enforced.
 * BENCH_STACK_NODE_ARGS: extra node flags for the stack process only (e.g. --max-old-space-size=256, --cpu-prof).
 * Campaign tuning comes from the environment as for the API: CAMPAIGN_BATCH_SIZE, CAMPAIGN_PARALLEL_BATCHES,
 * CAMPAIGN_CONCURRENCY, WORKER_MAX_CONCURRENT_ACTIVITIES.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Knex } from 'knex';
import { encryptPhoneCredentials } from '../carriers/credentials';
import { createDb } from '../db/connection';
import { phonesRepo } from '../db/repositories/phones';
import { countSegments } from '../domain/sms-segments';
import { measureHttpRate } from './lib/http-load';
import { procStatusKb, startStack, type RunningStack } from './lib/stack';
import { chainHistory, connectTemporal } from './lib/temporal';
import { startTwilioServer, type TwilioServer } from './lib/twilio';

interface Args {
  recipients: number;
  paced: boolean;
  duration: number;
  rawCount?: number;
  rawClient: 'fetch' | 'undici';
  json?: string;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { recipients: 100_000, paced: false, duration: 60, rawClient: 'undici', keep: false };
  const num = (name: string, v: string | undefined) => {
    const n = Number((v ?? '').replace(/[,_]/g, ''));
    if (!Number.isFinite(n) || n <= 0) usage(`${name} needs a positive number, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--recipients':
        out.recipients = Math.floor(num(flag, value()));
        break;
      case '--paced':
        out.paced = true;
        break;
      case '--duration':
        out.duration = num(flag, value());
        break;
      case '--raw-count':
        out.rawCount = Math.floor(num(flag, value()));
        break;
      case '--raw-client': {
        const v = value();
        if (v !== 'fetch' && v !== 'undici') usage(`--raw-client is fetch or undici, got ${v}`);
        out.rawClient = v;
        break;
      }
      case '--json':
        out.json = value();
        break;
      case '--keep':
        out.keep = true;
        break;
      case '-h':
      case '--help':
        usage();
        break;
      default:
        usage(`unknown option ${argv[i]}`);
    }
  }
  return out;
}

function usage(problem?: string): never {
  if (problem) process.stderr.write(`${problem}\n`);
  process.stderr.write('usage: npm run bench:campaign -- [--recipients N] [--raw-count N] [--raw-client fetch|undici] [--json FILE] [--keep]\n       npm run bench:campaign -- --paced [--duration S]\n');
  process.exit(problem ? 2 : 0);
}

const KEY = crypto.randomBytes(32).toString('hex');
const MESSAGE = 'Hi {first_name}, this is the Switchboard campaign benchmark. Reply STOP to opt out.';
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const envInt = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};

/** The run's campaign tuning, passed to the stack (api/config.ts reads the same variables). */
const tuning = {
  batchSize: envInt('CAMPAIGN_BATCH_SIZE', 1000),
  parallelBatches: envInt('CAMPAIGN_PARALLEL_BATCHES', 4),
  concurrency: envInt('CAMPAIGN_CONCURRENCY', 32),
};

// ---------------------------------------------------------------------------------------------------------------
// Seeding

async function quietHoursOff(db: Knex, workspaceId: string): Promise<void> {
  await db('workspaces').where({ id: workspaceId }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
}

/** `count` contacts with phones +1 <area> <base + i>, optionally labelled; set-based, in chunks of 100,000. */
async function seedContacts(db: Knex, workspaceId: string, o: { count: number; area: string; base: number; prefix: string; labelId?: string }): Promise<void> {
  const t = Date.now();
  for (let from = 1; from <= o.count; from += 100_000) {
    const to = Math.min(o.count, from + 99_999);
    await db.raw(
      `WITH c AS (
         INSERT INTO contacts (workspace_id, name, phone)
         SELECT :ws, :prefix || ' ' || i, '+1' || :area || CAST(:base + i AS text) FROM generate_series(CAST(:from AS int), CAST(:to AS int)) AS i
         RETURNING id)
       INSERT INTO contact_labels (workspace_id, contact_id, label_id) SELECT :ws, c.id, CAST(:label AS uuid) FROM c WHERE CAST(:label AS uuid) IS NOT NULL`,
      { ws: workspaceId, prefix: o.prefix, area: o.area, base: o.base, from, to, label: o.labelId ?? null },
    );
    if (o.count > 100_000) log(`seeded ${fmt(to)} of ${fmt(o.count)} contacts (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
  await db.raw('ANALYZE contacts');
  await db.raw('ANALYZE contact_labels');
}

/** A Twilio sender on the fake, with its credentials encrypted as the worker reads them. */
async function twilioPhone(db: Knex, workspaceId: string, twilio: TwilioServer, o: { phone: string; name: string; perSecond: number }) {
  const p = await phonesRepo(db).create({ workspace_id: workspaceId, name: o.name, phone: o.phone, source: 'TWILIO', type: 'LOCAL' });
  await db('phones')
    .where({ id: p.id })
    .update({
      messages_per_second: o.perSecond,
      credentials_encrypted: encryptPhoneCredentials(p.id, { accountSid: twilio.accountSid, authToken: twilio.authToken }, KEY),
    });
  return p;
}

// ---------------------------------------------------------------------------------------------------------------
// SeaX API

async function seax(stack: RunningStack, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${stack.apiUrl}/api/v1/workspace/${stack.demo.WORKSPACE_ID}${path}`, {
    method,
    headers: { 'x-api-key': stack.demo.API_KEY, 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const createCampaign = async (stack: RunningStack, body: Record<string, unknown>): Promise<string> =>
  (await seax(stack, 'POST', '/campaigns', { type: 'SMS', is_schedule: false, ...body })).id as string;

// ---------------------------------------------------------------------------------------------------------------
// Raw limits

/**
 * The fake's raw rate: a plain client loop POSTing the adapter's form body (To, From, Body, StatusCallback) with the
 * campaign's total concurrency; also the CPU it cost per request, in the fake and in the client.
 */
async function fakeRawRate(twilio: TwilioServer, stack: RunningStack, count: number, concurrency: number, client: 'undici' | 'fetch') {
  const from = '+14155550999';
  const callback = `${stack.apiUrl}/callbacks/twilio/status`;
  const body = MESSAGE.replace('{first_name}', 'Raw');
  const warmup = Math.min(Math.floor(count / 10), 1000);
  const fakeCpu0 = (await twilio.stats()).cpuSeconds;
  const clientCpu0 = process.cpuUsage();
  const result = await measureHttpRate({
    client,
    url: twilio.messagesUrl,
    headers: { authorization: twilio.authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: (i) => new URLSearchParams({ To: `+1628${String(2_000_000 + i)}`, From: from, Body: body, StatusCallback: callback }).toString(),
    count,
    warmup,
    concurrency,
  });
  const fakeCpuMs = (((await twilio.stats()).cpuSeconds - fakeCpu0) * 1000) / (count + warmup);
  const c = process.cpuUsage(clientCpu0);
  const clientCpuMs = (c.user + c.system) / 1000 / (count + warmup);
  const bad = Object.entries(result.statuses).filter(([s]) => s !== '201');
  if (bad.length) throw new Error(`raw Twilio loop (${client}): unexpected answers ${JSON.stringify(result.statuses)}`);
  await twilio.reset();
  log(
    `raw fake Twilio, ${client} client: ${fmt(result.rate)} req/s (${fmt(count)} requests, ${concurrency} in flight, p50 ${result.p50Ms.toFixed(1)} ms, ` +
      `p99 ${result.p99Ms.toFixed(1)} ms; CPU per request: fake ${fakeCpuMs.toFixed(3)} ms, client ${clientCpuMs.toFixed(3)} ms)`,
  );
  return { ...result, fakeCpuMs, clientCpuMs };
}

/**
 * PostgreSQL's raw rate for the campaign's message rows: the columns activities/campaigns.ts claim() writes, real
 * contacts and sender (foreign keys checked, every index of `messages` maintained), multi-row INSERTs of 1,000,
 * in one transaction that is rolled back so the campaign starts on the same table.
 */
async function pgRawRate(db: Knex, workspaceId: string, phone: { id: string; phone: string }, count: number) {
  const contacts: { id: string; phone: string; name: string }[] = await db('contacts').where({ workspace_id: workspaceId }).orderBy('created_at').limit(count).select('id', 'phone', 'name');
  const campaignId = crypto.randomUUID();
  const text = MESSAGE.replace('{first_name}', 'Contact');
  const seg = countSegments(text);
  const rows = contacts.map((c) => ({
    id: crypto.randomUUID(),
    workspace_id: workspaceId,
    channel: 'sms',
    direction: 'outbound',
    sender_type: 'AGENT',
    content_type: 'text',
    phone_id: phone.id,
    contact_id: c.id,
    campaign_id: campaignId,
    from_address: phone.phone,
    to_address: c.phone,
    content: MESSAGE.replace('{first_name}', c.name.split(' ')[0]),
    media_urls: '[]',
    is_marketing: true,
    status: 'queued',
    queued_at: new Date(),
    encoding: seg.encoding,
    segments: seg.segments,
  }));
  const trx = await db.transaction();
  try {
    // Warm-up chunk (not timed): plans, connection, buffers.
    await trx('messages').insert(rows.slice(0, Math.min(1000, rows.length)).map((r) => ({ ...r, id: crypto.randomUUID() })));
    const t = performance.now();
    for (let i = 0; i < rows.length; i += 1000) await trx('messages').insert(rows.slice(i, i + 1000));
    const seconds = (performance.now() - t) / 1000;
    return { rows: rows.length, seconds, rate: rows.length / seconds };
  } finally {
    await trx.rollback();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Throughput mode

async function throughput(args: Args, stack: RunningStack, twilio: TwilioServer, db: Knex) {
  const ws = stack.demo.WORKSPACE_ID;
  const n = args.recipients;
  const concurrency = tuning.parallelBatches * tuning.concurrency;
  const rawCount = args.rawCount ?? Math.min(n, 20_000);

  await quietHoursOff(db, ws);
  const phone = await twilioPhone(db, ws, twilio, { phone: '+14155550100', name: 'Bench Twilio', perSecond: 1_000_000 });
  await seedContacts(db, ws, { count: n, area: '415', base: 2_000_000, prefix: 'Contact' });
  log(`seeded ${fmt(n)} contacts`);

  // The limit is measured with undici, the client the Twilio adapter uses (carriers/http.ts); global
  // fetch (--raw-client fetch) is measured and reported too.
  const byClient = {
    fetch: await fakeRawRate(twilio, stack, rawCount, concurrency, 'fetch'),
    undici: await fakeRawRate(twilio, stack, rawCount, concurrency, 'undici'),
  };
  const fake = byClient[args.rawClient];
  const pg = await pgRawRate(db, ws, phone, rawCount);
  log(`raw PostgreSQL: ${fmt(pg.rate)} message rows/s (${fmt(pg.rows)} rows in chunks of 1,000)`);
  const limit = Math.min(fake.rate, pg.rate);
  await db.raw('VACUUM ANALYZE messages');

  const temporal = await connectTemporal(stack.temporalAddress);
  try {
    const startupHwm = stack.rss.hwmKb();
    const hwmReset = stack.rss.resetPeak();
    log(`worker RSS before the campaign: ${fmt(stack.rss.currentMb())} MB (start-up peak ${fmt((startupHwm ?? 0) / 1024)} MB; VmHWM reset ${hwmReset ? 'ok' : 'not allowed: sampled peak only'})`);
    log(`campaign: ${fmt(n)} recipients, batch ${tuning.batchSize} × ${tuning.parallelBatches} parallel × ${tuning.concurrency} concurrent requests`);

    const cpu0 = { ...stack.cpu(), fake: (await twilio.stats()).cpuSeconds };
    const t0 = performance.now();
    const startedAt = Date.now();
    const id = await createCampaign(stack, { name: `Bench ${fmt(n)}`, message: MESSAGE, phone_ids: [phone.id] });
    const handle = temporal.client.workflow.getHandle(`campaign-${id}`);
    let done = false;
    const progress = (async () => {
      let last = { t: t0, sent: 0 };
      while (!done) {
        for (let waited = 0; waited < 5000 && !done; waited += 250) await sleep(250);
        if (done) break;
        const s = await twilio.stats();
        const now = performance.now();
        log(
          `${((now - t0) / 1000).toFixed(0)} s: ${fmt(s.created)} at Twilio (${fmt(((s.created - last.sent) * 1000) / (now - last.t))}/s now), ` +
            `worker RSS ${fmt(stack.rss.currentMb())} MB (anonymous ${fmt((procStatusKb(stack.pid)?.RssAnon ?? 0) / 1024)} MB)`,
        );
        last = { t: now, sent: s.created };
      }
    })();
    await handle.result();
    const wallS = (performance.now() - t0) / 1000;
    done = true;
    await progress;

    // Exactly once: the fake saw N messages to N numbers, the database recorded N sent.
    const stats = await twilio.stats();
    const cpu1 = stack.cpu();
    const cpu = {
      worker: cpu1.stack - cpu0.stack,
      postgres: cpu1.postgres - cpu0.postgres,
      temporal: cpu1.temporal - cpu0.temporal,
      fakeTwilio: stats.cpuSeconds - cpu0.fake,
    };
    const byStatus = Object.fromEntries(
      ((await db('messages').where({ campaign_id: id }).groupBy('status').select('status', db.raw('count(*)::int AS n'))) as { status: string; n: number }[]).map((r) => [r.status, r.n]),
    );
    const problems: string[] = [];
    if (stats.created !== n) problems.push(`the fake created ${fmt(stats.created)} messages, expected ${fmt(n)}`);
    if (stats.distinctTo !== n) problems.push(`the fake saw ${fmt(stats.distinctTo)} distinct recipients, expected ${fmt(n)}`);
    if (Object.keys(stats.errors).length) problems.push(`the fake answered errors: ${JSON.stringify(stats.errors)}`);
    if ((byStatus.sent ?? 0) !== n) problems.push(`messages by status: ${JSON.stringify(byStatus)}, expected ${fmt(n)} sent`);

    const history = await chainHistory(temporal.client, `campaign-${id}`);
    const rate = n / wallS;
    const rssMb = stack.rss.peakMb();
    const times = await twilio.times(phone.phone);
    const steady = steadyRate(times);

    const firstSendS = (stats.senders[phone.phone]?.first - startedAt) / 1000;
    log(
      `first message at Twilio ${firstSendS.toFixed(1)} s after the create request (audience resolution); steady rate (10%–90% of messages) ${fmt(steady)}/s; ` +
        `fake Twilio process peak RSS ${fmt(stats.peakRssMb)} MB`,
    );
    const perK = (sec: number) => `${fmt((sec * 1000 * 1000) / n)} ms`;
    log(
      `CPU during the campaign (${wallS.toFixed(1)} s wall × ${os.cpus().length} cores): worker+API ${cpu.worker.toFixed(1)} s, PostgreSQL ${cpu.postgres.toFixed(1)} s, ` +
        `Temporal ${cpu.temporal.toFixed(1)} s, fake Twilio ${cpu.fakeTwilio.toFixed(1)} s; per 1,000 messages: worker+API ${perK(cpu.worker)}, PostgreSQL ${perK(cpu.postgres)}, ` +
        `Temporal ${perK(cpu.temporal)}, fake Twilio ${perK(cpu.fakeTwilio)}`,
    );
    log(`history: ${fmt(history.events)} events in ${history.runIds.length} run(s) (${history.eventsPerRun.join(', ')})`);
    if (problems.length) for (const p of problems) log(`VERIFY FAILED: ${p}`);
    else log(`verified: ${fmt(n)} recipients, each sent exactly once (fake: ${fmt(stats.created)} messages, ${fmt(stats.distinctTo)} distinct To; database: ${fmt(byStatus.sent)} sent)`);

    const limitName = fake.rate <= pg.rate ? `fake Twilio, ${args.rawClient} client` : 'PostgreSQL';
    const other = args.rawClient === 'fetch' ? 'undici' : 'fetch';
    const otherLimit = Math.min(byClient[other].rate, pg.rate);
    log(`with the ${other} client's fake Twilio rate (${fmt(byClient[other].rate)} req/s) the limit would be ${fmt(otherLimit)}/s and the ratio ${(rate / otherLimit).toFixed(2)}`);
    const result = {
      mode: 'throughput',
      date: new Date().toISOString(),
      recipients: n,
      wallSeconds: wallS,
      messagesPerSecond: rate,
      steadyMessagesPerSecond: steady,
      firstSendSeconds: firstSendS,
      limits: {
        fakeTwilioRequestsPerSecond: fake.rate,
        postgresRowsPerSecond: pg.rate,
        lower: limit,
        rawCount,
        concurrency,
        fakeCpuMsPerRequest: fake.fakeCpuMs,
        client: args.rawClient,
        fetchClientRequestsPerSecond: byClient.fetch.rate,
        fetchClientCpuMsPerRequest: byClient.fetch.clientCpuMs,
        undiciClientRequestsPerSecond: byClient.undici.rate,
        undiciClientCpuMsPerRequest: byClient.undici.clientCpuMs,
      },
      cpuSeconds: cpu,
      ratio: rate / limit,
      ratioWithOtherClient: rate / otherLimit,
      historyEvents: history.events,
      historyRuns: history.runIds.length,
      historyEventsPer1000: (history.events / n) * 1000,
      workerPeakRssMb: rssMb,
      workerSampledPeakRssMb: stack.rss.sampledPeakMb(),
      fakeTwilioPeakRssMb: stats.peakRssMb,
      tuning,
      verified: problems.length === 0,
      problems,
    };
    if (args.json) fs.writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);

    process.stdout.write(
      [
        `recipients: ${fmt(n)}`,
        `wall time: ${wallS.toFixed(1)} s`,
        `messages/s: ${fmt(rate)}`,
        `ratio to limit: ${(rate / limit).toFixed(2)} (limit ${fmt(limit)}/s, ${limitName}; fake Twilio ${fmt(fake.rate)} req/s, PostgreSQL ${fmt(pg.rate)} rows/s)`,
        `history events per 1,000 recipients: ${((history.events / n) * 1000).toFixed(1)} (${fmt(history.events)} events, ${history.runIds.length} run(s))`,
        `worker peak RSS: ${fmt(rssMb)} MB`,
        '',
      ].join('\n'),
    );
    return problems.length === 0;
  } finally {
    await temporal.close();
  }
}

/** Messages per second between the arrivals of the 10th and the 90th percentile message (start and tail left out). */
function steadyRate(times: number[]): number {
  if (times.length < 20) return NaN;
  const sorted = [...times].sort((a, b) => a - b);
  const a = Math.floor(sorted.length * 0.1);
  const b = Math.floor(sorted.length * 0.9);
  return ((b - a) * 1000) / Math.max(1, sorted[b] - sorted[a]);
}

// ---------------------------------------------------------------------------------------------------------------
// Paced mode

const PACED_RATES = [1, 80, 1000];

/** The most arrivals in any half-open window [x, x + windowMs). */
function worstWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function paced(args: Args, stack: RunningStack, twilio: TwilioServer, db: Knex) {
  const ws = stack.demo.WORKSPACE_ID;
  const durationMs = args.duration * 1000;
  await quietHoursOff(db, ws);
  const senders = [];
  for (const [i, rate] of PACED_RATES.entries()) {
    const phone = await twilioPhone(db, ws, twilio, { phone: `+1415555020${i}`, name: `Bench ${rate}/s`, perSecond: rate });
    const [label] = await db('labels').insert({ workspace_id: ws, name: `bench-${rate}-per-second` }).returning('id');
    // Enough recipients to keep the sender busy well past the duration.
    const count = Math.ceil(rate * (args.duration + 20) * 1.2) + 10;
    await seedContacts(db, ws, { count, area: String(628 + i), base: 2_000_000, prefix: `Paced${rate}`, labelId: label.id });
    senders.push({ rate, phone, labelId: label.id as string, recipients: count });
  }
  log(`senders at ${PACED_RATES.join(', ')} messages/s with ${senders.map((s) => fmt(s.recipients)).join(', ')} recipients; running ${args.duration} s`);

  const temporal = await connectTemporal(stack.temporalAddress);
  try {
    const ids = await Promise.all(
      senders.map((s) => createCampaign(stack, { name: `Paced ${s.rate}/s`, message: MESSAGE, phone_ids: [s.phone.id], any_contact_label_ids: [s.labelId] })),
    );
    // Every sender's first message marks its start; the run lasts `duration` from the last of them.
    const deadline = Date.now() + 120_000;
    let firsts: number[] = [];
    for (;;) {
      const st = await twilio.stats();
      firsts = senders.map((s) => st.senders[s.phone.phone]?.first ?? NaN);
      if (firsts.every((f) => Number.isFinite(f))) break;
      if (Date.now() > deadline) throw new Error('not every sender started within 120 s');
      await sleep(200);
    }
    const start = Math.max(...firsts);
    await sleep(start + durationMs - Date.now());
    const stopAt = Date.now();
    await Promise.all(ids.map((id) => seax(stack, 'POST', `/campaigns/${id}/cancel`)));
    await Promise.all(ids.map((id) => temporal.client.workflow.getHandle(`campaign-${id}`).result()));

    const warmMs = Math.min(5000, durationMs / 6);
    const lines: string[] = [];
    const results = [];
    const problems: string[] = [];
    for (const [i, s] of senders.entries()) {
      const times = (await twilio.times(s.phone.phone)).sort((a, b) => a - b);
      // Steady part: from `warmMs` after this sender's first message to the cancel.
      const steady = times.filter((t) => t >= firsts[i] + warmMs && t < stopAt);
      const achieved = steady.length >= 2 ? ((steady.length - 1) * 1000) / (steady[steady.length - 1] - steady[0]) : NaN;
      const worst = worstWindow(times, 1000);
      const ratio = achieved / s.rate;
      // Targets (reported, not enforced): achieved/configured 0.95–1.00 (two decimals), at most one over in any second.
      const rounded = Number(ratio.toFixed(2));
      const pass = rounded >= 0.95 && rounded <= 1 && worst <= s.rate + 1;
      results.push({ configured: s.rate, sent: times.length, steadySamples: steady.length, achieved, ratio, worstOneSecondWindow: worst, withinTargets: pass, firstMs: firsts[i], stopMs: stopAt, arrivalsMs: times });
      lines.push(
        `sender ${fmt(s.rate)}/s: achieved ${achieved.toFixed(s.rate < 10 ? 3 : 1)}/s, achieved/configured ${ratio.toFixed(3)}; ` +
          `worst 1-s window ${fmt(worst)} (limit ${fmt(s.rate)}, ${worst - s.rate >= 0 ? '+' : ''}${fmt(worst - s.rate)}); ${pass ? 'within targets' : 'OUTSIDE targets'}`,
      );
      if (!times.length) problems.push(`sender ${s.rate}/s sent nothing`);
      log(`sender ${s.rate}/s: ${fmt(times.length)} messages in all, ${fmt(steady.length)} in the steady part`);
    }
    const final = await twilio.stats();
    if (final.created !== final.distinctTo) problems.push(`the fake created ${fmt(final.created)} messages for ${fmt(final.distinctTo)} distinct recipients (a recipient got two)`);
    if (Object.keys(final.errors).length) problems.push(`the fake answered errors: ${JSON.stringify(final.errors)}`);
    for (const p of problems) log(`VERIFY FAILED: ${p}`);
    const loop = final.loopDelayMs;
    log(`fake Twilio event-loop delay during the run: p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms (arrival times are stamped by it)`);
    if (args.json) fs.writeFileSync(args.json, `${JSON.stringify({ mode: 'paced', fakeLoopDelayMs: loop, date: new Date().toISOString(), durationSeconds: args.duration, tuning, senders: results }, null, 2)}\n`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return problems.length === 0;
  } finally {
    await temporal.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let twilio: TwilioServer | undefined;
  let stack: RunningStack | undefined;
  let db: Knex | undefined;
  let exitCode = 1;
  const cleanup = async () => {
    await db?.destroy().catch(() => undefined);
    if (stack) {
      const s = await stack.stop();
      log(`stack stopped (${(s.ms / 1000).toFixed(1)} s)`);
    }
    await twilio?.close();
  };
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: stopping the stack');
    void cleanup().finally(() => process.exit(130));
  });
  try {
    twilio = await startTwilioServer();
    log(`fake Twilio on ${twilio.url} (pid ${twilio.pid})`);
    stack = await startStack({
      keepDataDir: args.keep,
      env: {
        TWILIO_BASE_URL: twilio.url,
        CREDENTIALS_ENCRYPTION_KEY: KEY,
        CAMPAIGN_BATCH_SIZE: String(tuning.batchSize),
        CAMPAIGN_PARALLEL_BATCHES: String(tuning.parallelBatches),
        CAMPAIGN_CONCURRENCY: String(tuning.concurrency),
      },
      // For experiments on the stack process only (e.g. --max-old-space-size=256, --cpu-prof), not the bench's own.
      nodeArgs: process.env.BENCH_STACK_NODE_ARGS?.split(/\s+/).filter(Boolean),
    });
    log(`stack ready in ${(stack.startupMs / 1000).toFixed(1)} s (pid ${stack.pid}, API ${stack.apiUrl}, data ${stack.dataDir})`);
    db = createDb(stack.demo.DATABASE_URL, { pool: { min: 0, max: 4 } });
    const ok = args.paced ? await paced(args, stack, twilio, db) : await throughput(args, stack, twilio, db);
    exitCode = ok ? 0 : 1;
  } catch (err) {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    if (stack) log(`stack output (last lines):\n${stack.tail()}`);
  } finally {
    if (!interrupted) await cleanup();
  }
  process.exit(exitCode);
}

void main();
