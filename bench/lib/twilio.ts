import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TwilioStats } from './twilio-server';

export type { TwilioStats };

/**
 * The fake Twilio server (test/fakes/twilio-fake.ts, real Twilio wire protocol) in a child process of its own; see
 * bench/lib/twilio-server.ts for what it keeps in memory. Commands go over IPC.
 */
export interface TwilioServer {
  /** http://127.0.0.1:PORT: the worker's TWILIO_BASE_URL. */
  url: string;
  accountSid: string;
  authToken: string;
  pid: number;
  /** `Basic …` for the account, as the adapter sends it. */
  authorization: string;
  /** POST URL of Messages.json for the account. */
  messagesUrl: string;
  stats(): Promise<TwilioStats>;
  /** Arrival times (epoch ms) of the messages created with this From, in arrival order. */
  times(from: string): Promise<number[]>;
  /** Voice: run calls by themselves (ring, answer, TwiML, callbacks) with callee behaviour by the number's last digit. */
  voice(o: { runCalls?: boolean; byLastDigit?: Record<string, unknown>; secondMs?: number }): Promise<void>;
  /** Forget counts and times (e.g. between the raw-rate measurement and the campaign). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startTwilioServer(opts: { env?: Record<string, string> } = {}): Promise<TwilioServer> {
  const child: ChildProcess = fork(path.join(__dirname, 'twilio-server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, (v: unknown) => void>();
  const ready = await new Promise<{ url: string; accountSid: string; authToken: string }>((resolve, reject) => {
    child.on('message', (msg: { ready?: { url: string; accountSid: string; authToken: string }; id?: number; result?: unknown }) => {
      if (msg.ready) resolve(msg.ready);
      else if (msg.id !== undefined) {
        pending.get(msg.id)?.(msg.result);
        pending.delete(msg.id);
      }
    });
    child.once('exit', (code) => reject(new Error(`the fake Twilio server exited (${code}) before it was ready`)));
  });
  const call = <T>(cmd: string, extra: Record<string, unknown> = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) return reject(new Error('the fake Twilio server is gone'));
      const id = nextId++;
      pending.set(id, resolve as (v: unknown) => void);
      child.send({ id, cmd, ...extra });
    });
  let closed: Promise<void> | undefined;
  return {
    ...ready,
    pid: child.pid!,
    authorization: `Basic ${Buffer.from(`${ready.accountSid}:${ready.authToken}`).toString('base64')}`,
    messagesUrl: `${ready.url}/2010-04-01/Accounts/${ready.accountSid}/Messages.json`,
    stats: () => call<TwilioStats>('stats'),
    times: (from) => call<number[]>('times', { from }),
    reset: () => call<boolean>('reset').then(() => undefined),
    voice: (o) => call<boolean>('voice', o).then(() => undefined),
    close: () =>
      (closed ??= (async () => {
        if (child.exitCode !== null) return;
        const gone = new Promise((r) => child.once('exit', r));
        await Promise.race([call('close'), new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
        await gone;
      })()),
  };
}
