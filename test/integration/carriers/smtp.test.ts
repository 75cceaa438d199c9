import net from 'node:net';
import { SmtpCarrier } from '../../../carriers/smtp/adapter';
import { SmtpSink } from '../../fakes/smtp-sink';
import { rejection } from '../../helpers/messages';

let sink: SmtpSink;
let carrier: SmtpCarrier;
let n = 0;
const key = () => `mail_${++n}`;
const AUTH = { user: 'relay-user', pass: 'relay-pass' };

beforeAll(async () => {
  sink = await new SmtpSink({ auth: AUTH, rejectRecipients: ['gone@example.org'] }).start();
  carrier = new SmtpCarrier({ host: sink.host, port: sink.port, auth: AUTH, connectionTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 5000 });
});

afterAll(async () => {
  await carrier.close();
  await sink.close();
});


describe('SMTP adapter against the sink', () => {
  it('delivers text and html with authentication; the Message-ID is the provider id and derives from the idempotency key', async () => {
    const before = sink.messages.length;
    const r = await carrier.sendEmail({ from: 'Switchboard <noreply@switchboard.test>', to: 'ana@example.org', subject: 'Your code', text: 'Code: 1234', html: '<p>Code: <b>1234</b></p>', idempotencyKey: 'mail_abc' });
    expect(r).toMatchObject({ providerMessageId: '<mail_abc@switchboard.test>', status: 'sent' });
    await sink.waitFor(() => sink.messages.length === before + 1);
    const m = sink.messages[before];
    expect(m).toMatchObject({
      envelope: { from: 'noreply@switchboard.test', to: ['ana@example.org'] },
      user: AUTH.user,
      messageId: '<mail_abc@switchboard.test>',
      subject: 'Your code',
      from: 'noreply@switchboard.test',
      to: ['ana@example.org'],
      html: '<p>Code: <b>1234</b></p>',
    });
    expect(m.text?.trim()).toBe('Code: 1234');
  });

  it('a wrong password is permanent (535)', async () => {
    const bad = new SmtpCarrier({ host: sink.host, port: sink.port, auth: { user: AUTH.user, pass: 'nope' } });
    try {
      expect(await rejection(bad.sendEmail({ from: 'a@switchboard.test', to: 'ana@example.org', subject: 's', text: 't', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '535', provider: 'SMTP' });
      expect(sink.refusals.some((r) => r.stage === 'AUTH')).toBe(true);
    } finally {
      await bad.close();
    }
  });

  it('a refused recipient is permanent (550)', async () => {
    const e = await rejection(carrier.sendEmail({ from: 'a@switchboard.test', to: 'gone@example.org', subject: 's', text: 't', idempotencyKey: key() }));
    expect(e).toMatchObject({ kind: 'permanent', code: '550' });
    expect(e.message).toContain('Mailbox unavailable');
  });

  it('temporary refusals (4xx at RCPT or DATA) are transient and not ambiguous', async () => {
    const before = sink.messages.length;
    sink.failNext(1, 'RCPT', 451);
    expect(await rejection(carrier.sendEmail({ from: 'a@switchboard.test', to: 'ana@example.org', subject: 's', text: 't', idempotencyKey: key() }))).toMatchObject({ kind: 'transient', code: '451', ambiguous: false });
    sink.failNext(1, 'DATA', 452);
    expect(await rejection(carrier.sendEmail({ from: 'a@switchboard.test', to: 'ana@example.org', subject: 's', text: 't', idempotencyKey: key() }))).toMatchObject({ kind: 'transient', code: '452' });
    expect(sink.messages.length).toBe(before);
  });

  it('a permanent refusal at DATA is permanent', async () => {
    sink.failNext(1, 'DATA', 554, '5.7.1 Message rejected as spam');
    expect(await rejection(carrier.sendEmail({ from: 'a@switchboard.test', to: 'ana@example.org', subject: 's', text: 't', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '554' });
  });

  it('a relay that is down is transient and certainly not sent', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const down = new SmtpCarrier({ host: '127.0.0.1', port, connectionTimeoutMs: 1000 });
    expect(await rejection(down.sendEmail({ from: 'a@switchboard.test', to: 'ana@example.org', subject: 's', text: 't', idempotencyKey: key() }))).toMatchObject({ kind: 'transient', ambiguous: false });
    await down.close();
  });

  it('refuses an e-mail without content before connecting', async () => {
    expect(await rejection(carrier.sendEmail({ from: 'a@switchboard.test', to: 'ana@example.org', subject: 's', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: 'invalid_request' });
  });

  it('works without authentication against an open relay', async () => {
    const open = await new SmtpSink().start();
    const c = new SmtpCarrier({ host: open.host, port: open.port });
    try {
      await c.sendEmail({ from: 'a@switchboard.test', to: ['x@example.org', 'y@example.org'], subject: 'hi', text: 'hello', idempotencyKey: key() });
      await open.waitFor(() => open.messages.length === 1);
      expect(open.messages[0].envelope.to).toEqual(['x@example.org', 'y@example.org']);
      expect(open.messages[0].user).toBeUndefined();
    } finally {
      await c.close();
      await open.close();
    }
  });
});
