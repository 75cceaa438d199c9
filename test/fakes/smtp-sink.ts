import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

/*
 * A local SMTP server (smtp-server) that parses what it receives (mailparser). Optional AUTH (PLAIN/LOGIN over
 * plain text, as a test relay), recipients that are refused with 550, and programmable temporary failures.
 */

export interface SmtpSinkOptions {
  auth?: { user: string; pass: string };
  /** Recipients refused at RCPT TO with `550 5.1.1 Mailbox unavailable`. */
  rejectRecipients?: string[];
}

export interface SinkMessage {
  envelope: { from: string; to: string[] };
  user?: string;
  messageId?: string;
  subject?: string;
  from?: string;
  to: string[];
  text?: string;
  html?: string;
  raw: Buffer;
  parsed: ParsedMail;
  receivedAt: Date;
}

type Stage = 'MAIL' | 'RCPT' | 'DATA';

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address ?? '')).filter(Boolean);

const smtpError = (code: number, message: string): SMTPServerError => Object.assign(new Error(message), { responseCode: code });

export class SmtpSink {
  readonly host = '127.0.0.1';
  port = 0;
  readonly messages: SinkMessage[] = [];
  readonly rejectRecipients: Set<string>;
  /** Failed AUTH attempts and refused commands, for assertions. */
  readonly refusals: { stage: Stage | 'AUTH'; code: number; detail: string }[] = [];
  private readonly failures: { stage: Stage; code: number; message: string }[] = [];
  private readonly server: SMTPServer;
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(private readonly options: SmtpSinkOptions = {}) {
    this.rejectRecipients = new Set((options.rejectRecipients ?? []).map((r) => r.toLowerCase()));
    this.server = new SMTPServer({
      secure: false,
      logger: false,
      name: 'sink.local',
      // Plain text on loopback: no STARTTLS (the built-in certificate is self-signed), AUTH only when configured.
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      onAuth: (auth, _session, cb) => {
        if (auth.username === options.auth?.user && auth.password === options.auth?.pass) return cb(null, { user: auth.username });
        this.refusals.push({ stage: 'AUTH', code: 535, detail: auth.username ?? '' });
        cb(smtpError(535, 'Invalid username or password'));
      },
      onMailFrom: (address, _session, cb) => {
        const f = this.takeFailure('MAIL');
        if (f) return cb(smtpError(f.code, f.message));
        cb();
      },
      onRcptTo: (address, _session, cb) => {
        const f = this.takeFailure('RCPT');
        if (f) return cb(smtpError(f.code, f.message));
        if (this.rejectRecipients.has(address.address.toLowerCase())) {
          this.refusals.push({ stage: 'RCPT', code: 550, detail: address.address });
          return cb(smtpError(550, '5.1.1 Mailbox unavailable'));
        }
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const f = this.takeFailure('DATA');
          if (f) return cb(smtpError(f.code, f.message));
          simpleParser(raw)
            .then((parsed) => {
              this.messages.push({
                envelope: {
                  from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                  to: session.envelope.rcptTo.map((r) => r.address),
                },
                user: typeof session.user === 'string' ? session.user : undefined,
                messageId: parsed.messageId,
                subject: parsed.subject,
                from: addresses(parsed.from)[0],
                to: addresses(parsed.to),
                text: parsed.text,
                html: parsed.html || undefined,
                raw,
                parsed,
                receivedAt: new Date(),
              });
              this.notify();
              cb(null, `Message queued as ${parsed.messageId ?? 'unknown'}`);
            })
            .catch((err: Error) => cb(smtpError(451, `parse failed: ${err.message}`)));
        });
      },
    });
  }

  get url(): string {
    return `smtp://${this.host}:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, this.host, () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** The next `n` commands at `stage` are refused with `code` (4xx temporary, 5xx permanent). */
  failNext(n: number, stage: Stage, code: number, message = code >= 500 ? '5.0.0 Rejected' : '4.3.0 Try again later'): this {
    for (let i = 0; i < n; i++) this.failures.push({ stage, code, message });
    return this;
  }

  waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { check: predicate, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`waitFor timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeFailure(stage: Stage) {
    const i = this.failures.findIndex((f) => f.stage === stage);
    if (i < 0) return undefined;
    const [f] = this.failures.splice(i, 1);
    this.refusals.push({ stage, code: f.code, detail: f.message });
    return f;
  }

  private notify(): void {
    const ready = this.waiters.filter((w) => w.check());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}
