import crypto from 'node:crypto';
import type { CallbackRequest } from '../../../carriers/callbacks';
import { CarrierError } from '../../../carriers/types';
import { classifyTwilioError } from '../../../carriers/twilio/adapter';
import { parseTwilioCallback, twilioSignature, verifyTwilioRequest } from '../../../carriers/twilio/callbacks';

// Twilio's published example (security docs / api-snippets): auth token 12345, these params, this URL.
const DOC_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const DOC_PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' };
const DOC_SIGNATURE = 'GvWf1cFY/Q7PnoempGyD5oXAezc=';

const form = (params: Record<string, string | string[]>) => {
  const f = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) f.append(k, x);
  return f.toString();
};

const callback = (url: string, body: string, signature?: string): CallbackRequest => ({
  url,
  headers: signature === undefined ? {} : { 'x-twilio-signature': signature },
  rawBody: Buffer.from(body),
});

describe('twilioSignature', () => {
  it("matches Twilio's documented examples", () => {
    expect(twilioSignature('12345', DOC_URL, DOC_PARAMS)).toBe(DOC_SIGNATURE);
    expect(twilioSignature('12345', DOC_URL, { ...DOC_PARAMS, Caller: '+14158675309', From: '+14158675309' })).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('sorts parameter names and repeated values', () => {
    const a = twilioSignature('t', 'https://x.test/cb', { B: '2', A: ['z', 'a'] });
    const b = twilioSignature('t', 'https://x.test/cb', new Map([['A', ['a', 'z']], ['B', ['2']]]));
    const expected = crypto.createHmac('sha1', 't').update('https://x.test/cbAaAzB2').digest('base64');
    expect(a).toBe(expected);
    expect(b).toBe(expected);
  });
});

describe('verifyTwilioRequest', () => {
  const body = form(DOC_PARAMS);

  it('accepts the documented request', () => {
    expect(verifyTwilioRequest('12345', callback(DOC_URL, body, DOC_SIGNATURE))).toBe(true);
  });

  it('rejects a changed body, a changed signature, another URL, another token, or no signature', () => {
    expect(verifyTwilioRequest('12345', callback(DOC_URL, body.replace('Digits=1234', 'Digits=1235'), DOC_SIGNATURE))).toBe(false);
    expect(verifyTwilioRequest('12345', callback(DOC_URL, `${body}&Extra=1`, DOC_SIGNATURE))).toBe(false);
    expect(verifyTwilioRequest('12345', callback(DOC_URL, body, DOC_SIGNATURE.replace('G', 'H')))).toBe(false);
    expect(verifyTwilioRequest('12345', callback('https://mycompany.com/myapp.php?foo=1&bar=3', body, DOC_SIGNATURE))).toBe(false);
    expect(verifyTwilioRequest('12345', callback('https://evil.example/myapp.php?foo=1&bar=2', body, DOC_SIGNATURE))).toBe(false);
    expect(verifyTwilioRequest('54321', callback(DOC_URL, body, DOC_SIGNATURE))).toBe(false);
    expect(verifyTwilioRequest('12345', callback(DOC_URL, body))).toBe(false);
    expect(verifyTwilioRequest('12345', callback('not a url', body, DOC_SIGNATURE))).toBe(false);
  });

  it('accepts a signature computed with or without the default port, as Twilio sends both', () => {
    const sigWithPort = twilioSignature('tok', 'https://hooks.example.com:443/cb?x=1', { A: '1' });
    expect(verifyTwilioRequest('tok', callback('https://hooks.example.com/cb?x=1', 'A=1', sigWithPort))).toBe(true);
    const sigWithout = twilioSignature('tok', 'https://hooks.example.com/cb?x=1', { A: '1' });
    expect(verifyTwilioRequest('tok', callback('https://hooks.example.com:443/cb?x=1', 'A=1', sigWithout))).toBe(true);
  });

  it('verifies form values after URL decoding, including + as space and repeated MediaUrl', () => {
    const params = { Body: 'hello world & more', MediaUrl: ['https://m.test/2.jpg', 'https://m.test/1.jpg'] };
    const sig = twilioSignature('tok', 'https://h.test/in', params);
    expect(verifyTwilioRequest('tok', callback('https://h.test/in', form(params).replace(/%20/g, '+'), sig))).toBe(true);
  });

  it('verifies JSON bodies through the bodySHA256 query parameter', () => {
    const json = '{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}';
    const hash = crypto.createHash('sha256').update(json).digest('hex');
    const url = `https://example.com/myapp?bodySHA256=${hash}`;
    const sig = twilioSignature('tok', url, {});
    expect(verifyTwilioRequest('tok', callback(url, json, sig))).toBe(true);
    expect(verifyTwilioRequest('tok', callback(url, json.replace('CA1', 'CA2'), sig))).toBe(false);
  });
});

describe('classifyTwilioError', () => {
  const err = (status: number, body: unknown, headers?: Record<string, string>) =>
    classifyTwilioError(status, typeof body === 'string' ? body : JSON.stringify(body), new Headers(headers), Date.parse('2026-01-01T00:00:00Z'));
  const twilio = (code: number, status = 400) => ({ code, message: `error ${code}`, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

  it.each([21211, 21212, 21408, 21606, 21610, 21612, 21614, 30007, 30008])('%i is permanent', (code) => {
    const e = err(400, twilio(code));
    expect(e).toBeInstanceOf(CarrierError);
    expect(e).toMatchObject({ kind: 'permanent', code: String(code), provider: 'TWILIO', httpStatus: 400, ambiguous: false });
    expect(e.message).toBe(`error ${code}`);
  });

  it('bad credentials are permanent', () => {
    expect(err(401, twilio(20003, 401))).toMatchObject({ kind: 'permanent', code: '20003' });
  });

  it('429 uses Retry-After seconds, or an HTTP date, or a default', () => {
    expect(err(429, twilio(20429, 429), { 'retry-after': '7' })).toMatchObject({ kind: 'rate_limited', code: '20429', retryAfterMs: 7000 });
    expect(err(429, twilio(20429, 429), { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' })).toMatchObject({ retryAfterMs: 30_000 });
    expect(err(429, twilio(20429, 429))).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1000 });
    expect(err(400, twilio(20429))).toMatchObject({ kind: 'rate_limited' });
  });

  it('5xx is transient and ambiguous (Twilio may have created the message)', () => {
    expect(err(500, twilio(20500, 500))).toMatchObject({ kind: 'transient', code: '20500', ambiguous: true });
    expect(err(503, '<html>Service Unavailable</html>')).toMatchObject({ kind: 'transient', code: 'http_503', ambiguous: true });
  });

  it('a full queue (21611) is transient and not ambiguous', () => {
    expect(err(400, twilio(21611))).toMatchObject({ kind: 'transient', code: '21611', ambiguous: false });
  });
});

describe('parseTwilioCallback', () => {
  const at = new Date('2026-03-01T12:00:00Z');
  const parse = (params: Record<string, string | string[]>) => parseTwilioCallback({ url: 'https://h.test/cb', headers: {}, rawBody: form(params), receivedAt: at });

  it('reads a delivered status callback (recorded shape)', () => {
    const events = parse({
      SmsSid: 'SM0a2d0f9d1b2c4e5f8a9b0c1d2e3f4a5b',
      SmsStatus: 'delivered',
      MessageStatus: 'delivered',
      To: '+14155550101',
      MessageSid: 'SM0a2d0f9d1b2c4e5f8a9b0c1d2e3f4a5b',
      AccountSid: 'AC0123456789abcdef0123456789abcdef',
      From: '+14155550100',
      ApiVersion: '2010-04-01',
      RawDlrDoneDate: '2603011200',
    });
    expect(events).toEqual([{ type: 'status', channel: 'sms', providerMessageId: 'SM0a2d0f9d1b2c4e5f8a9b0c1d2e3f4a5b', status: 'delivered', occurredAt: at }]);
  });

  it('carries the error code of an undelivered message', () => {
    const [e] = parse({ MessageSid: 'SM1', MessageStatus: 'undelivered', SmsStatus: 'undelivered', ErrorCode: '30003', To: '+1', From: '+2' });
    expect(e).toMatchObject({ type: 'status', status: 'undelivered', errorCode: '30003' });
  });

  it.each([
    ['accepted', 'queued'],
    ['queued', 'queued'],
    ['sending', 'sending'],
    ['sent', 'sent'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
    ['read', 'read'],
  ])('maps %s to %s', (twilioStatus, ours) => {
    expect(parse({ MessageSid: 'SM1', MessageStatus: twilioStatus })[0]).toMatchObject({ status: ours });
  });

  it('ignores statuses it does not know rather than guessing', () => {
    expect(parse({ MessageSid: 'SM1', MessageStatus: 'partially_delivered' })).toEqual([]);
    expect(parse({ Foo: 'bar' })).toEqual([]);
  });

  it('reads an inbound SMS', () => {
    const [e] = parse({
      ToCountry: 'US',
      SmsMessageSid: 'SMaaaa',
      NumMedia: '0',
      SmsSid: 'SMaaaa',
      SmsStatus: 'received',
      Body: 'STOP',
      To: '+14155550100',
      NumSegments: '1',
      MessageSid: 'SMaaaa',
      AccountSid: 'AC1',
      From: '+14155550101',
      ApiVersion: '2010-04-01',
    });
    expect(e).toEqual({
      type: 'inbound',
      channel: 'sms',
      from: '+14155550101',
      to: '+14155550100',
      text: 'STOP',
      mediaUrls: [],
      contentType: 'text',
      providerMessageId: 'SMaaaa',
      occurredAt: at,
    });
  });

  it('reads an inbound MMS with its media in order', () => {
    const [e] = parse({
      MessageSid: 'MMbbbb',
      SmsStatus: 'received',
      Body: '',
      NumMedia: '2',
      MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MMbbbb/Media/ME0',
      MediaContentType0: 'image/jpeg',
      MediaUrl1: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MMbbbb/Media/ME1',
      MediaContentType1: 'video/mp4',
      From: '+14155550101',
      To: '+14155550100',
    });
    expect(e).toMatchObject({
      type: 'inbound',
      channel: 'mms',
      contentType: 'image',
      mediaUrls: ['https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MMbbbb/Media/ME0', 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MMbbbb/Media/ME1'],
    });
  });

  it('reads an inbound WhatsApp message through Twilio', () => {
    const [e] = parse({ MessageSid: 'SMw', SmsStatus: 'received', Body: 'hi', NumMedia: '0', From: 'whatsapp:+14155550101', To: 'whatsapp:+14155550100', ProfileName: 'Ana' });
    expect(e).toMatchObject({ type: 'inbound', channel: 'whatsapp', from: '+14155550101', to: '+14155550100', profileName: 'Ana' });
  });

  it('reads a completed call callback with answering-machine result and duration', () => {
    const [e] = parse({
      Called: '+14155550101',
      Direction: 'outbound-api',
      Timestamp: 'Sun, 01 Mar 2026 12:00:07 +0000',
      CallbackSource: 'call-progress-events',
      SequenceNumber: '3',
      CallSid: 'CA9f8e',
      To: '+14155550101',
      CallStatus: 'completed',
      Duration: '1',
      CallDuration: '42',
      AnsweredBy: 'machine_end_beep',
      From: '+14155550100',
      AccountSid: 'AC1',
    });
    expect(e).toEqual({
      type: 'call',
      providerCallId: 'CA9f8e',
      status: 'completed',
      answeredBy: 'machine_end_beep',
      durationSec: 42,
      sequenceNumber: 3,
      occurredAt: new Date('2026-03-01T12:00:07Z'),
    });
  });

  it('reads an asynchronous AMD report (no CallStatus: the call is up) and a <Gather> result', () => {
    expect(parse({ CallSid: 'CA1', AccountSid: 'AC1', AnsweredBy: 'machine_start', MachineDetectionDuration: '2100' })[0]).toMatchObject({ status: 'in-progress', answeredBy: 'machine_start' });
    expect(parse({ CallSid: 'CA1', CallStatus: 'in-progress', Digits: '9' })[0]).toMatchObject({ status: 'in-progress', digits: '9' });
    expect(parse({ CallSid: 'CA1', CallStatus: 'in-progress', SpeechResult: 'yes please', Confidence: '0.87' })[0]).toMatchObject({ speechResult: 'yes please', confidence: 0.87 });
  });

  it('reads busy and no-answer outcomes', () => {
    expect(parse({ CallSid: 'CA1', CallStatus: 'busy' })[0]).toMatchObject({ type: 'call', status: 'busy', occurredAt: at });
    expect(parse({ CallSid: 'CA1', CallStatus: 'no-answer' })[0]).toMatchObject({ status: 'no-answer' });
    expect(parse({ CallSid: 'CA1', CallStatus: 'exploded' })).toEqual([]);
  });
});
