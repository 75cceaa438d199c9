import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TwilioFake, type CallScript, type TwilioFakeMessage } from '../../test/fakes/twilio-fake';
import type { FakeResponse, RecordedRequest } from '../../test/fakes/http-base';

/*
 * The fake Twilio server of test/fakes/twilio-fake.ts, run as its own process for benchmarks (started by
 * bench/lib/twilio.ts through child_process.fork, commanded over IPC). Its own process, like the real Twilio, so
 * that its CPU is not shared with the client that measures it or with the bench's bookkeeping.
 *
 * Wire behaviour is the fake's, unchanged. Memory is kept bounded for million-message runs: the fake records every
 * request (headers and body, about 2 KB each) and every message with its parameters, which at 1,000,000 messages
 * would be gigabytes and GC pauses that slow the fake down as the run goes on. Here the request log is dropped after
 * each request, a message's `params` are not kept, and only the newest RETAIN messages stay in the fake's store
 * (GET Messages/{sid} and the Messages list, i.e. the adapter's reconciliation after a crash, see those). What the
 * benchmark needs is counted instead: messages accepted, distinct recipients, error answers, and each sender's
 * request arrival times (epoch ms, from RecordedRequest.receivedAt).
 */

const RETAIN = Number(process.env.BENCH_TWILIO_RETAIN ?? 100_000);
const NO_PARAMS: Record<string, string[]> = Object.freeze({}) as Record<string, string[]>;

export interface TwilioStats {
  /** Messages created (201 answers). */
  created: number;
  /** Distinct To numbers among them. */
  distinctTo: number;
  /** Non-2xx answers, by status. */
  errors: Record<string, number>;
  /** POSTs to Messages.json by From: count and first/last arrival (epoch ms). */
  senders: Record<string, { count: number; first: number; last: number }>;
  /** Calls created (201 answers), distinct callees, and the most calls up at once (creation to end). */
  calls: number;
  callsDistinctTo: number;
  peakLiveCalls: number;
  liveCalls: number;
  /** This process's resident set now and at its peak (MB). */
  rssMb: number;
  peakRssMb: number;
  /** CPU seconds (user + system) this process used so far. */
  cpuSeconds: number;
  /** Event-loop delay of this process since the last reset (ms): a stalled fake stamps late arrivals together. */
  loopDelayMs: { p99: number; max: number };
}

class BenchTwilioFake extends TwilioFake {
  created = 0;
  callsCreated = 0;
  readonly callTo = new Set<string>();
  /** Callee behaviour by the number's last digit (a realistic answer mix for the dialer benchmark). */
  byLastDigit: Record<string, CallScript> = {};

  protected override scriptFor(to: string): CallScript {
    return { ...this.defaultCallScript, ...this.byLastDigit[to.slice(-1)] };
  }
  errors: Record<string, number> = {};
  /** Recipients as numbers when they are +digits (8 bytes each instead of a string). */
  private toNumbers = new Set<number>();
  private toStrings = new Set<string>();
  times = new Map<string, number[]>();

  reset(): void {
    this.created = 0;
    this.errors = {};
    this.toNumbers = new Set();
    this.toStrings = new Set();
    this.times = new Map();
    this.callsCreated = 0;
    this.callTo.clear();
    this.peakLiveCalls = this.liveCalls;
  }

  distinctTo(): number {
    return this.toNumbers.size + this.toStrings.size;
  }

  protected override handle(req: RecordedRequest): FakeResponse {
    const res = super.handle(req);
    // The base class logged this request (headers, body): the benchmark counts instead.
    this.requests.length = 0;
    if (res.status >= 300) {
      this.errors[res.status] = (this.errors[res.status] ?? 0) + 1;
      return res;
    }
    const body = res.body as { sid?: string; to?: string; from?: string | null } | undefined;
    if (req.method === 'POST' && res.status === 201 && body?.sid?.startsWith('CA')) {
      this.callsCreated++;
      this.callTo.add(body.to ?? '');
      return res;
    }
    if (req.method !== 'POST' || !body?.sid?.startsWith('SM')) return res;
    this.created++;
    const to = body.to ?? '';
    if (/^\+\d{1,15}$/.test(to)) this.toNumbers.add(Number(to.slice(1)));
    else this.toStrings.add(to);
    const from = body.from ?? '';
    let list = this.times.get(from);
    if (!list) this.times.set(from, (list = []));
    list.push(req.receivedAt.getTime());
    const m = this.messages.get(body.sid) as TwilioFakeMessage | undefined;
    if (m) m.params = NO_PARAMS;
    while (this.messages.size > RETAIN) this.messages.delete(this.messages.keys().next().value as string);
    return res;
  }
}

type Command = { id: number; cmd: 'stats' | 'reset' | 'times' | 'close' | 'voice'; from?: string; runCalls?: boolean; byLastDigit?: Record<string, CallScript>; secondMs?: number };

async function main(): Promise<void> {
  const fake = await new BenchTwilioFake().start();
  let peakKb = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const rssKb = () => Math.round(process.memoryUsage.rss() / 1024);
  setInterval(() => (peakKb = Math.max(peakKb, rssKb())), 200).unref();
  const cpuSeconds = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const reply = (id: number, result: unknown) => process.send?.({ id, result });
  process.on('message', (msg: Command) => {
    switch (msg.cmd) {
      case 'stats': {
        const senders: TwilioStats['senders'] = {};
        for (const [from, t] of fake.times) senders[from] = { count: t.length, first: t[0], last: t[t.length - 1] };
        peakKb = Math.max(peakKb, rssKb());
        const stats: TwilioStats = {
          created: fake.created,
          distinctTo: fake.distinctTo(),
          errors: fake.errors,
          senders,
          rssMb: rssKb() / 1024,
          peakRssMb: peakKb / 1024,
          cpuSeconds: cpuSeconds(),
          calls: fake.callsCreated,
          callsDistinctTo: fake.callTo.size,
          peakLiveCalls: fake.peakLiveCalls,
          liveCalls: fake.liveCalls,
          loopDelayMs: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
        };
        reply(msg.id, stats);
        break;
      }
      case 'times':
        reply(msg.id, fake.times.get(msg.from ?? '') ?? []);
        break;
      case 'voice':
        fake.runCalls = msg.runCalls ?? fake.runCalls;
        if (msg.byLastDigit) fake.byLastDigit = msg.byLastDigit;
        if (msg.secondMs !== undefined) fake.secondMs = msg.secondMs;
        reply(msg.id, true);
        break;
      case 'reset':
        fake.reset();
        loop.reset();
        reply(msg.id, true);
        break;
      case 'close':
        void fake.close().finally(() => {
          reply(msg.id, true);
          process.exit(0);
        });
        break;
    }
  });
  // The parent went away: do not outlive it.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: { url: fake.url, accountSid: fake.accountSid, authToken: fake.authToken } });
}

void main();
