/**
 * `npm run bench:dialer -- --contacts N --max-dialers M`: a real voice-drop campaign end to end against the Twilio
 * Voice fake, which runs every call (rings, answers, fetches and executes our TwiML, posts signed callbacks).
 *
 * The platform runs as `npm start` runs it (bench/lib/stack.ts); the fake is a process of its own (bench/lib/twilio.ts).
 * In one run:
 *   1. seed N contacts and a Twilio phone whose calls per second do not limit;
 *   2. measure the fake's raw rate for creating calls (a plain undici loop POSTing the adapter's form, calls not run);
 *   3. switch the fake's calls on with a realistic answer mix by the number's last digit (0–5 a person, 6 a person who
 *      presses 1, 7 an answering machine, 8 no answer, 9 busy), create the campaign over the SeaX API, wait for its
 *      workflow (every continue-as-new run), and check one call per contact at the carrier.
 * Printed: calls placed per second vs the fake's raw rate, peak concurrent calls at the fake vs max_dialers, history
 * events per 1,000 contacts, and the load average at the start and the end (the machine is shared).
 * Options: --contacts N (default 10000), --max-dialers M (default 100), --talk-ms T (how long a person listens, default 300).
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { encryptPhoneCredentials } from '../carriers/credentials';
import { createDb } from '../db/connection';
import { phonesRepo } from '../db/repositories/phones';
import { measureHttpRate } from './lib/http-load';
import { startStack } from './lib/stack';
import { chainHistory, connectTemporal } from './lib/temporal';
import { startTwilioServer } from './lib/twilio';

const KEY = crypto.randomBytes(32).toString('hex');
const log = (line: string) => process.stderr.write(`[bench:dialer] ${line}\n`);
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

function args(argv: string[]) {
  const out = { contacts: 10_000, maxDialers: 100, talkMs: 300 };
  for (let i = 0; i < argv.length; i++) {
    const v = Number(argv[i + 1]);
    if (argv[i] === '--contacts') out.contacts = v;
    else if (argv[i] === '--max-dialers') out.maxDialers = v;
    else if (argv[i] === '--talk-ms') out.talkMs = v;
    else continue;
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${argv[i]} needs a positive whole number`);
    i++;
  }
  return out;
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const load0 = os.loadavg();
  const twilio = await startTwilioServer();
  const stack = await startStack({ env: { TWILIO_BASE_URL: twilio.url, CREDENTIALS_ENCRYPTION_KEY: KEY, WORKER_MAX_CONCURRENT_ACTIVITIES: '100' } });
  const db = createDb(stack.demo.DATABASE_URL);
  const temporal = await connectTemporal(stack.temporalAddress);
  try {
    const ws = stack.demo.WORKSPACE_ID;
    const p = await phonesRepo(db).create({ workspace_id: ws, name: 'Bench voice', phone: '+14155550150', source: 'TWILIO', type: 'LOCAL' });
    await db('phones').where({ id: p.id }).update({ calls_per_second: 100_000, credentials_encrypted: encryptPhoneCredentials(p.id, { accountSid: twilio.accountSid, authToken: twilio.authToken }, KEY) });
    await db.raw(`INSERT INTO contacts (workspace_id, name, phone) SELECT ?, 'Contact ' || i, '+1628' || CAST(3000000 + i AS text) FROM generate_series(1, ?) AS i`, [ws, a.contacts]);
    await db.raw('ANALYZE contacts');
    log(`seeded ${fmt(a.contacts)} contacts`);

    // The fake's raw rate for creating calls (not run), with the campaign's most requests in flight (2 batches × 16).
    const raw = await measureHttpRate({
      client: 'undici',
      url: `${twilio.url}/2010-04-01/Accounts/${twilio.accountSid}/Calls.json`,
      headers: { authorization: twilio.authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: (i) => new URLSearchParams({ To: `+1628${4_000_000 + i}`, From: p.phone, Url: `${stack.apiUrl}/callbacks/twilio/voice/answer?attempt=${crypto.randomUUID()}`, MachineDetection: 'DetectMessageEnd', Timeout: '30' }).toString(),
      count: 5000,
      concurrency: 32,
    });
    log(`raw fake Twilio: ${fmt(raw.rate)} calls created/s (p50 ${raw.p50Ms.toFixed(1)} ms)`);
    await twilio.reset();
    const person = { talkMs: a.talkMs };
    await twilio.voice({
      runCalls: true,
      secondMs: 20,
      byLastDigit: { '0': person, '1': person, '2': person, '3': person, '4': person, '5': person, '6': { ...person, digits: '1' }, '7': { answeredBy: 'machine_end_beep', talkMs: a.talkMs }, '8': { ring: 'no-answer', ringMs: 200 }, '9': { ring: 'busy' } },
    });

    const t0 = performance.now();
    const res = await fetch(`${stack.apiUrl}/api/v1/workspace/${ws}/auto_dialer_campaigns`, {
      method: 'POST',
      headers: { 'x-api-key': stack.demo.API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `Bench ${a.contacts}`, type: 'VOICE_DROP', mode: 'WEB', stage: 'INSTANCE', phone_ids: [p.id], message: 'Hello {first_name}, this is the dialer benchmark. Press 1 to confirm.',
        capture_keypress: true, start_time: new Date(Date.now() - 1000).toISOString(), end_time: new Date(Date.now() + 6 * 3600_000).toISOString(), max_dialers: a.maxDialers, time_limit_seconds: 30, calling_window: { start: '00:00', end: '00:00' },
      }),
    });
    if (!res.ok) throw new Error(`create answered ${res.status}: ${await res.text()}`);
    const id = ((await res.json()) as { id: string }).id;
    const handle = temporal.client.workflow.getHandle(`dialer-campaign-${id}`);
    const ticker = setInterval(() => void twilio.stats().then((s) => log(`${((performance.now() - t0) / 1000).toFixed(0)} s: ${fmt(s.calls)} calls, ${s.liveCalls} up`)), 10_000);
    await handle.result();
    clearInterval(ticker);
    const wall = (performance.now() - t0) / 1000;
    const s = await twilio.stats();
    const history = await chainHistory(temporal.client, `dialer-campaign-${id}`);
    const stats = (await (await fetch(`${stack.apiUrl}/api/v1/workspace/${ws}/auto_dialer_campaigns/${id}`, { headers: { 'x-api-key': stack.demo.API_KEY } })).json()) as { statistics: Record<string, unknown> };
    const problems: string[] = [];
    const attempts = Number((await db('call_attempts').where({ campaign_id: id }).count({ n: '*' }).first())?.n);
    if (s.callsDistinctTo !== attempts || attempts !== a.contacts) problems.push(`the fake saw calls to ${s.callsDistinctTo} numbers for ${attempts} attempts of ${a.contacts} contacts`);
    if (s.peakLiveCalls > a.maxDialers) problems.push(`peak ${s.peakLiveCalls} calls up exceeds max_dialers ${a.maxDialers}`);
    const load1 = os.loadavg();
    const rate = s.calls / wall;
    process.stdout.write(
      [
        `contacts: ${fmt(a.contacts)}   wall: ${wall.toFixed(1)} s   statistics: ${JSON.stringify(stats.statistics)}`,
        `calls placed: ${fmt(rate, 1)}/s; fake's raw call-creation rate: ${fmt(raw.rate)}/s; ratio ${(rate / raw.rate).toFixed(3)}`,
        `peak concurrent calls at the fake: ${s.peakLiveCalls} of max_dialers ${a.maxDialers} (ratio ${(s.peakLiveCalls / a.maxDialers).toFixed(2)})`,
        `history: ${fmt(history.events)} events in ${history.runIds.length} runs = ${fmt((history.events * 1000) / a.contacts)} per 1,000 contacts`,
        `load average (1/5/15 min): start ${load0.map((x) => x.toFixed(2)).join('/')}, end ${load1.map((x) => x.toFixed(2)).join('/')} on ${os.cpus().length} cores`,
        problems.length ? `PROBLEMS: ${problems.join('; ')}` : 'exactly once: one call per contact at the carrier',
      ].join('\n') + '\n',
    );
    if (problems.length) process.exitCode = 1;
  } finally {
    await temporal.close();
    await db.destroy();
    await stack.stop();
    await twilio.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
