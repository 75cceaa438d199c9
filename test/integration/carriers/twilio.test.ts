import net from 'node:net';
import type { CallbackRequest } from '../../../carriers/callbacks';
import { TwilioCarrier } from '../../../carriers/twilio/adapter';
import { twilioCallbacks } from '../../../carriers/twilio/callbacks';
import type { RecordedRequest } from '../../fakes/http-base';
import { TwilioFake } from '../../fakes/twilio-fake';
import { WebhookReceiver } from '../../fakes/webhook-receiver';
import { rejection } from '../../helpers/messages';

const FROM = '+15005550006';
const TO = '+14155550101';

let fake: TwilioFake;
let hooks: WebhookReceiver;
let carrier: TwilioCarrier;
let n = 0;
const key = () => `msg_${++n}`;

beforeAll(async () => {
  hooks = await new WebhookReceiver().start();
  fake = await new TwilioFake({ inboundUrl: `${hooks.url}/callbacks/twilio/inbound` }).start();
  carrier = new TwilioCarrier({ accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: fake.url, timeoutMs: 2000 });
});

afterAll(async () => {
  await fake.close();
  await hooks.close();
});

beforeEach(() => {
  fake.clearFaults();
  fake.requests.length = 0;
  hooks.requests.length = 0;
});

const formOf = (r: RecordedRequest) => new URLSearchParams(r.body);
const asCallback = (r: RecordedRequest): CallbackRequest => ({ url: hooks.fullUrl(r), method: r.method, headers: r.headers, rawBody: r.rawBody });

/** A port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });


describe('Twilio adapter against the fake Messages API', () => {
  it('sends an SMS as a form-encoded POST with basic auth and returns the sid', async () => {
    const callbackUrl = hooks.urlFor('/callbacks/twilio/status?phone=1');
    const result = await carrier.sendSms({ from: FROM, to: TO, body: 'Hello & welcome +1', statusCallbackUrl: callbackUrl, idempotencyKey: key() });

    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(result.status).toBe('queued');
    const [req] = fake.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
    expect(req.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`);
    expect(Object.fromEntries(formOf(req))).toEqual({ To: TO, From: FROM, Body: 'Hello & welcome +1', StatusCallback: callbackUrl });
    const stored = fake.messages.get(result.providerMessageId);
    expect(stored).toMatchObject({ to: TO, from: FROM, body: 'Hello & welcome +1', statusCallback: callbackUrl });
  });

  it('sends MMS media as repeated MediaUrl parameters', async () => {
    const r = await carrier.sendSms({ from: FROM, to: TO, body: '', mediaUrls: ['https://m.test/1.jpg', 'https://m.test/2.jpg'], idempotencyKey: key() });
    const form = formOf(fake.requests[0]);
    expect(form.getAll('MediaUrl')).toEqual(['https://m.test/1.jpg', 'https://m.test/2.jpg']);
    expect(form.has('Body')).toBe(false);
    expect(fake.messages.get(r.providerMessageId)?.mediaUrls).toHaveLength(2);
  });

  it('sends through a Messaging Service when the sender is an MG sid', async () => {
    const mg = `MG${'a'.repeat(32)}`;
    await carrier.sendSms({ from: mg, to: TO, body: 'x', idempotencyKey: key() });
    const form = formOf(fake.requests[0]);
    expect(form.get('MessagingServiceSid')).toBe(mg);
    expect(form.has('From')).toBe(false);
  });

  it('sends WhatsApp text through Twilio with whatsapp: addresses', async () => {
    await carrier.sendWhatsApp({ from: FROM, to: TO, kind: 'text', text: 'hola', idempotencyKey: key() });
    expect(Object.fromEntries(formOf(fake.requests[0]))).toMatchObject({ To: `whatsapp:${TO}`, From: `whatsapp:${FROM}`, Body: 'hola' });
    expect(await rejection(carrier.sendWhatsApp({ from: FROM, to: TO, kind: 'template', template: { name: 't', language: 'en' }, idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: 'unsupported' });
  });

  it.each([
    ['+15005550001', '21211'],
    ['+15005550002', '21612'],
    ['+15005550003', '21408'],
    ['+15005550004', '21610'],
    ['+15005550009', '21614'],
  ])('To %s → permanent %s', async (to, code) => {
    const e = await rejection(carrier.sendSms({ from: FROM, to, body: 'x', idempotencyKey: key() }));
    expect(e).toMatchObject({ kind: 'permanent', code, httpStatus: 400, provider: 'TWILIO' });
    expect(fake.requests).toHaveLength(1);
  });

  it('From errors: invalid and not owned are permanent, a full queue is transient', async () => {
    expect(await rejection(carrier.sendSms({ from: '+15005550001', to: TO, body: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '21212' });
    expect(await rejection(carrier.sendSms({ from: '+15005550007', to: TO, body: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '21606' });
    expect(await rejection(carrier.sendSms({ from: '+15005550008', to: TO, body: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'transient', code: '21611', ambiguous: false });
  });

  it('wrong credentials are a permanent 20003', async () => {
    const bad = new TwilioCarrier({ accountSid: fake.accountSid, authToken: 'wrong', baseUrl: fake.url });
    expect(await rejection(bad.sendSms({ from: FROM, to: TO, body: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '20003', httpStatus: 401 });
  });

  it('429 is rate limited with the Retry-After delay, and nothing is retried inside the adapter', async () => {
    const before = fake.messages.size;
    fake.rateLimitNext(1, 3);
    expect(await rejection(carrier.sendSms({ from: FROM, to: TO, body: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'rate_limited', code: '20429', retryAfterMs: 3000, ambiguous: false });
    expect(fake.requests).toHaveLength(1);
    expect(fake.messages.size).toBe(before);
  });

  it('a 500 is transient and ambiguous, with exactly one request made', async () => {
    fake.serverErrorNext(1);
    expect(await rejection(carrier.sendSms({ from: FROM, to: TO, body: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'transient', code: '20500', ambiguous: true });
    expect(fake.requests).toHaveLength(1);
  });

  it('a timeout after Twilio created the message is transient and ambiguous (the duplicate risk is real)', async () => {
    const before = fake.messages.size;
    fake.delayNext(1, 1000);
    const quick = new TwilioCarrier({ accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: fake.url, timeoutMs: 200 });
    expect(await rejection(quick.sendSms({ from: FROM, to: TO, body: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'transient', code: 'ETIMEDOUT', ambiguous: true });
    expect(fake.messages.size).toBe(before + 1);
  });

  it('a connection reset is transient and ambiguous', async () => {
    fake.dropNext(1, { afterProcessing: true });
    expect(await rejection(carrier.sendSms({ from: FROM, to: TO, body: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'transient', ambiguous: true });
  });

  it('a refused connection is transient and certainly not sent', async () => {
    const down = new TwilioCarrier({ accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: `http://127.0.0.1:${await closedPort()}` });
    expect(await rejection(down.sendSms({ from: FROM, to: TO, body: 'x', idempotencyKey: key() }))).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED', ambiguous: false });
  });
});

describe('Twilio adapter against the fake Calls API', () => {
  it('places a call with TwiML, status callback events and machine detection', async () => {
    const cb = hooks.urlFor('/callbacks/twilio/call');
    const r = await carrier.placeCall({ from: FROM, to: TO, twiml: '<Response><Say>Hi</Say></Response>', statusCallbackUrl: cb, machineDetection: 'Enable', timeoutSec: 25, idempotencyKey: key() });
    expect(r.providerMessageId).toMatch(/^CA[0-9a-f]{32}$/);
    const req = fake.requests[0];
    expect(req.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Calls.json`);
    const form = formOf(req);
    expect(form.get('Twiml')).toBe('<Response><Say>Hi</Say></Response>');
    expect(form.get('StatusCallback')).toBe(cb);
    expect(form.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(form.get('MachineDetection')).toBe('Enable');
    expect(form.get('Timeout')).toBe('25');
    expect(fake.calls.get(r.providerMessageId)).toMatchObject({ to: TO, machineDetection: 'Enable' });
  });

  it('places a call with a Url and maps call errors', async () => {
    await carrier.placeCall({ from: FROM, to: TO, url: 'https://app.test/twiml', idempotencyKey: key() });
    expect(formOf(fake.requests[0]).get('Url')).toBe('https://app.test/twiml');
    expect(await rejection(carrier.placeCall({ from: FROM, to: '+15005550002', url: 'https://app.test/twiml', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '21214' });
    expect(await rejection(carrier.placeCall({ from: FROM, to: TO, idempotencyKey: key() }))).toMatchObject({ code: 'invalid_request' });
  });
});

describe('Twilio callbacks signed by the fake', () => {
  it('verifies and parses a genuine status callback, and rejects tampered ones', async () => {
    const url = hooks.urlFor('/callbacks/twilio/status?phone=42');
    const { providerMessageId } = await carrier.sendSms({ from: FROM, to: TO, body: 'x', statusCallbackUrl: url, idempotencyKey: key() });
    await fake.sendMessageStatus(providerMessageId, 'undelivered', { errorCode: '30003' });
    const [req] = await hooks.waitForRequests(1);
    const cb = asCallback(req);

    expect(cb.url).toBe(url);
    expect(twilioCallbacks(fake.authToken).verify(cb)).toBe(true);
    expect(twilioCallbacks(fake.authToken).parse(cb)).toEqual([expect.objectContaining({ type: 'status', providerMessageId, status: 'undelivered', errorCode: '30003' })]);

    expect(twilioCallbacks(fake.authToken).verify({ ...cb, rawBody: Buffer.from(req.body.replace('undelivered', 'delivered')) })).toBe(false);
    expect(twilioCallbacks(fake.authToken).verify({ ...cb, headers: { ...cb.headers, 'x-twilio-signature': 'AAAA' + String(cb.headers['x-twilio-signature']).slice(4) } })).toBe(false);
    expect(twilioCallbacks(fake.authToken).verify({ ...cb, url: url.replace('phone=42', 'phone=43') })).toBe(false);
    expect(twilioCallbacks(fake.authToken).verify({ ...cb, url: url.replace('/status', '/other') })).toBe(false);
    expect(twilioCallbacks('someone-else').verify(cb)).toBe(false);
  });

  it('verifies and parses a genuine inbound MMS webhook', async () => {
    const sent = await fake.sendInbound({ from: TO, to: FROM, body: 'photo attached', mediaUrls: ['https://api.twilio.test/Media/ME1'], mediaTypes: ['image/png'] });
    const [req] = await hooks.waitForRequests(1);
    const cb = asCallback(req);
    expect(twilioCallbacks(fake.authToken).verify(cb)).toBe(true);
    expect(twilioCallbacks(fake.authToken).parse(cb)).toEqual([
      expect.objectContaining({ type: 'inbound', channel: 'mms', from: TO, to: FROM, text: 'photo attached', mediaUrls: ['https://api.twilio.test/Media/ME1'], contentType: 'image', providerMessageId: sent.sid }),
    ]);
  });

  it('verifies and parses call progress callbacks', async () => {
    const url = hooks.urlFor('/callbacks/twilio/call');
    const { providerMessageId } = await carrier.placeCall({ from: FROM, to: TO, url: 'https://app.test/twiml', statusCallbackUrl: url, machineDetection: 'Enable', idempotencyKey: key() });
    await fake.sendCallStatus(providerMessageId, 'ringing', { sequenceNumber: 1 });
    await fake.sendCallStatus(providerMessageId, 'completed', { answeredBy: 'human', durationSec: 37, sequenceNumber: 3 });
    const reqs = await hooks.waitForRequests(2);
    expect(reqs.every((r) => twilioCallbacks(fake.authToken).verify(asCallback(r)))).toBe(true);
    expect(reqs.flatMap((r) => twilioCallbacks(fake.authToken).parse(asCallback(r)))).toEqual([
      expect.objectContaining({ type: 'call', providerCallId: providerMessageId, status: 'ringing' }),
      expect.objectContaining({ type: 'call', providerCallId: providerMessageId, status: 'completed', answeredBy: 'human', durationSec: 37 }),
    ]);
  });

  it('sends automatic status callbacks in order when asked to', async () => {
    const auto = await new TwilioFake({ autoStatus: { statuses: ['sent', 'delivered'], delayMs: 20 } }).start();
    try {
      const c = new TwilioCarrier({ accountSid: auto.accountSid, authToken: auto.authToken, baseUrl: auto.url });
      const url = hooks.urlFor('/callbacks/twilio/auto');
      const { providerMessageId } = await c.sendSms({ from: FROM, to: TO, body: 'x', statusCallbackUrl: url, idempotencyKey: key() });
      const reqs = await hooks.waitForRequests(2, (r) => r.path === '/callbacks/twilio/auto');
      expect(reqs.map((r) => twilioCallbacks(auto.authToken).verify(asCallback(r)))).toEqual([true, true]);
      expect(reqs.flatMap((r) => twilioCallbacks(auto.authToken).parse(asCallback(r))).map((e) => e.type === 'status' && [e.providerMessageId, e.status])).toEqual([
        [providerMessageId, 'sent'],
        [providerMessageId, 'delivered'],
      ]);
      await auto.waitFor(() => auto.callbacks.length === 2);
      expect(auto.callbacks.map((cb) => [cb.params.MessageStatus, cb.responseStatus])).toEqual([
        ['sent', 200],
        ['delivered', 200],
      ]);
    } finally {
      await auto.close();
    }
  });
});
