import { classifySmtpError, messageIdFor } from '../../../carriers/smtp/adapter';

const smtpErr = (props: Record<string, unknown>) => Object.assign(new Error(String(props.response ?? props.code ?? 'err')), props);

describe('classifySmtpError', () => {
  it.each([550, 551, 552, 553, 554, 535])('%i is permanent', (code) => {
    expect(classifySmtpError(smtpErr({ code: 'EENVELOPE', responseCode: code, response: `${code} no` }))).toMatchObject({ kind: 'permanent', code: String(code), provider: 'SMTP' });
  });

  it.each([421, 450, 451, 452, 503])('%i is transient', (code) => {
    expect(classifySmtpError(smtpErr({ code: 'EENVELOPE', responseCode: code }))).toMatchObject({ kind: 'transient', code: String(code), ambiguous: false });
  });

  it("trusts nodemailer's own permanent flag when present", () => {
    expect(classifySmtpError(smtpErr({ responseCode: 550, permanent: false }))).toMatchObject({ kind: 'transient' });
  });

  it('refused connections and DNS failures are transient and certainly not sent', () => {
    expect(classifySmtpError(smtpErr({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' }))).toMatchObject({ kind: 'transient', code: 'ESOCKET', ambiguous: false });
    expect(classifySmtpError(smtpErr({ code: 'EDNS' }))).toMatchObject({ kind: 'transient', ambiguous: false });
    expect(classifySmtpError(smtpErr({ code: 'ETIMEDOUT', timeoutType: 'CONNECT_TIMEOUT' }))).toMatchObject({ kind: 'transient', ambiguous: false });
  });

  it('a connection lost mid-session is transient and ambiguous', () => {
    expect(classifySmtpError(smtpErr({ code: 'ECONNECTION' }))).toMatchObject({ kind: 'transient', ambiguous: true });
    expect(classifySmtpError(smtpErr({ code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT' }))).toMatchObject({ kind: 'transient', ambiguous: true });
  });

  it('configuration problems are permanent', () => {
    expect(classifySmtpError(smtpErr({ code: 'ENOAUTH' }))).toMatchObject({ kind: 'permanent' });
    expect(classifySmtpError(smtpErr({ code: 'ECONFIG' }))).toMatchObject({ kind: 'permanent' });
  });
});

describe('messageIdFor', () => {
  it('derives a stable Message-ID from the idempotency key', () => {
    expect(messageIdFor('msg_01JABC', 'example.com')).toBe('<msg_01JABC@example.com>');
    const hashed = messageIdFor('a key with <spaces>', 'example.com');
    expect(hashed).toMatch(/^<[0-9a-f]{64}@example\.com>$/);
    expect(messageIdFor('a key with <spaces>', 'example.com')).toBe(hashed);
  });
});
