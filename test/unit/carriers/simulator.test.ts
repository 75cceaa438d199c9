import { createCarrier, withCapability } from '../../../carriers/registry';
import { SimulatorCarrier, SIMULATOR_NUMBERS } from '../../../carriers/simulator/adapter';
import { decodeSimulatorEvents, encodeSimulatorEvents, simulatorCallbacks } from '../../../carriers/simulator/callbacks';
import { CarrierError, type NormalizedEvent } from '../../../carriers/types';

const FROM = '+15005550006';
const TO = '+14155550101';
let seq = 0;
const key = () => `msg_${++seq}`;

/** A simulator whose emitted events are collected with the (fake) time they were emitted at. */
function setup(config: ConstructorParameters<typeof SimulatorCarrier>[0] = {}) {
  const events: { at: number; event: NormalizedEvent }[] = [];
  const start = Date.now();
  const sim = new SimulatorCarrier({ emit: (event) => void events.push({ at: Date.now() - start, event }), ...config });
  return { sim, events };
}

const rejectionOf = async (p: Promise<unknown>): Promise<CarrierError> => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CarrierError);
    return err as CarrierError;
  }
  throw new Error('expected a rejection');
};

describe('simulator sends', () => {
  it('accepts a send with an SM id and queued status', async () => {
    const { sim } = setup();
    const r = await sim.sendSms({ from: FROM, to: TO, body: 'hi', idempotencyKey: key() });
    expect(r.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(r.status).toBe('queued');
    const call = await sim.placeCall({ from: FROM, to: TO, twiml: '<Response/>', idempotencyKey: key() });
    expect(call.providerMessageId).toMatch(/^CA[0-9a-f]{32}$/);
    await sim.close();
  });

  it.each([
    [SIMULATOR_NUMBERS.invalidTo, '21211'],
    [SIMULATOR_NUMBERS.cannotRoute, '21612'],
    [SIMULATOR_NUMBERS.noInternational, '21408'],
    [SIMULATOR_NUMBERS.unsubscribed, '21610'],
    [SIMULATOR_NUMBERS.notMobile, '21614'],
  ])('To %s fails permanently with %s', async (to, code) => {
    const { sim, events } = setup();
    const e = await rejectionOf(sim.sendSms({ from: FROM, to, body: 'hi', idempotencyKey: key() }));
    expect(e).toMatchObject({ kind: 'permanent', code, provider: 'SIMULATOR' });
    expect(sim.pending).toBe(0);
    expect(events).toEqual([]);
    await sim.close();
  });

  it.each([
    [SIMULATOR_NUMBERS.invalidFrom, '21212', 'permanent'],
    [SIMULATOR_NUMBERS.notOwnedFrom, '21606', 'permanent'],
    [SIMULATOR_NUMBERS.queueFullFrom, '21611', 'transient'],
  ])('From %s fails with %s (%s)', async (from, code, kind) => {
    const { sim } = setup();
    expect(await rejectionOf(sim.sendSms({ from, to: TO, body: 'hi', idempotencyKey: key() }))).toMatchObject({ kind, code });
    await sim.close();
  });

  it('uses the call codes for calls, and lets calls reach a number that cannot receive SMS', async () => {
    const { sim } = setup();
    expect(await rejectionOf(sim.placeCall({ from: FROM, to: SIMULATOR_NUMBERS.invalidTo, url: 'https://x.test/twiml', idempotencyKey: key() }))).toMatchObject({ code: '21217' });
    expect(await rejectionOf(sim.placeCall({ from: SIMULATOR_NUMBERS.notOwnedFrom, to: TO, url: 'https://x.test/twiml', idempotencyKey: key() }))).toMatchObject({ code: '21210' });
    await expect(sim.placeCall({ from: FROM, to: SIMULATOR_NUMBERS.notMobile, url: 'https://x.test/twiml', idempotencyKey: key() })).resolves.toMatchObject({ status: 'queued' });
    await sim.close();
  });

  it('applies the same magic numbers to WhatsApp', async () => {
    const { sim } = setup();
    expect(await rejectionOf(sim.sendWhatsApp({ from: FROM, to: `whatsapp:${SIMULATOR_NUMBERS.unsubscribed}`, kind: 'text', text: 'x', idempotencyKey: key() }))).toMatchObject({ code: '21610' });
    await sim.close();
  });

  it('rate-limits the first attempt of a key on +15005550013, then accepts the retry', async () => {
    const { sim } = setup({ rateLimitRetryMs: 2500 });
    const k = key();
    const req = { from: FROM, to: SIMULATOR_NUMBERS.rateLimitedOnce, body: 'x', idempotencyKey: k };
    expect(await rejectionOf(sim.sendSms(req))).toMatchObject({ kind: 'rate_limited', code: '20429', retryAfterMs: 2500 });
    await expect(sim.sendSms(req)).resolves.toMatchObject({ status: 'queued' });
    expect(await rejectionOf(sim.sendSms({ ...req, idempotencyKey: key() }))).toMatchObject({ kind: 'rate_limited' });
    await sim.close();
  });

  it('fails the first attempt of a key on +15005550014 like a 5xx, then accepts the retry', async () => {
    const { sim } = setup();
    const req = { from: FROM, to: SIMULATOR_NUMBERS.serverErrorOnce, body: 'x', idempotencyKey: key() };
    expect(await rejectionOf(sim.sendSms(req))).toMatchObject({ kind: 'transient', code: '20500' });
    await expect(sim.sendSms(req)).resolves.toMatchObject({ status: 'queued' });
    await sim.close();
  });

  it('answers a repeated idempotency key with the first result and schedules nothing new', async () => {
    const { sim } = setup();
    const req = { from: FROM, to: TO, body: 'x', idempotencyKey: key() };
    const a = await sim.sendSms(req);
    const pending = sim.pending;
    const b = await sim.sendSms(req);
    expect(b).toEqual(a);
    expect(sim.pending).toBe(pending);
    expect(sim.sends.map((s) => s.duplicate)).toEqual([false, true]);
    await sim.close();
  });

  it('rejects and accepts e-mail by magic local part', async () => {
    const { sim } = setup();
    expect(await rejectionOf(sim.sendEmail({ from: 'a@x.test', to: 'reject@y.test', subject: 's', text: 't', idempotencyKey: key() }))).toMatchObject({ kind: 'permanent', code: '550' });
    const ok = await sim.sendEmail({ from: 'a@x.test', to: 'ana@y.test', subject: 's', text: 't', idempotencyKey: key() });
    expect(ok.providerMessageId).toMatch(/^<[0-9a-f]{32}@simulator\.switchboard>$/);
    await sim.close();
  });
});

describe('simulator receipts and call outcomes', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  const statuses = (events: { event: NormalizedEvent }[]) =>
    events.map(({ event }) => (event.type === 'status' ? [event.status, event.errorCode].filter(Boolean).join(':') : event.type === 'call' ? event.status : 'inbound'));

  it('emits sent after sentDelayMs and delivered deliveredDelayMs later, stamped with the emit time', async () => {
    const { sim, events } = setup({ sentDelayMs: 200, deliveredDelayMs: 800 });
    const { providerMessageId } = await sim.sendSms({ from: FROM, to: TO, body: 'x', idempotencyKey: key() });
    await jest.advanceTimersByTimeAsync(199);
    expect(events).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(events).toEqual([{ at: 200, event: { type: 'status', channel: 'sms', providerMessageId, status: 'sent', occurredAt: new Date('2026-01-01T00:00:00.200Z') } }]);
    await jest.advanceTimersByTimeAsync(799);
    expect(events).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(events[1]).toEqual({ at: 1000, event: expect.objectContaining({ providerMessageId, status: 'delivered' }) });
    expect(sim.pending).toBe(0);
    await sim.close();
  });

  it.each([
    [SIMULATOR_NUMBERS.undelivered, ['sent', 'undelivered:30003']],
    [SIMULATOR_NUMBERS.failed, ['failed:30008']],
    [SIMULATOR_NUMBERS.read, ['sent', 'delivered', 'read']],
    [SIMULATOR_NUMBERS.noReceipt, ['sent']],
    [TO, ['sent', 'delivered']],
  ])('outcome for %s', async (to, expected) => {
    const { sim, events } = setup();
    await sim.sendWhatsApp({ from: FROM, to, kind: 'text', text: 'x', idempotencyKey: key() });
    await jest.advanceTimersByTimeAsync(60_000);
    expect(statuses(events)).toEqual(expected);
    expect(events.every(({ event }) => event.type === 'status' && event.channel === 'whatsapp')).toBe(true);
    await sim.close();
  });

  it.each([
    [TO, ['initiated', 'ringing', 'in-progress', 'completed'], 'human'],
    [SIMULATOR_NUMBERS.callBusy, ['initiated', 'busy'], undefined],
    [SIMULATOR_NUMBERS.callNoAnswer, ['initiated', 'ringing', 'no-answer'], undefined],
    [SIMULATOR_NUMBERS.callMachine, ['initiated', 'ringing', 'in-progress', 'completed'], 'machine_end_beep'],
    [SIMULATOR_NUMBERS.callFailed, ['initiated', 'failed'], undefined],
  ])('call outcome for %s', async (to, expected, answeredBy) => {
    const { sim, events } = setup({ ringDelayMs: 100, answerDelayMs: 200, callDurationMs: 3000 });
    const { providerMessageId } = await sim.placeCall({ from: FROM, to, url: 'https://x.test/twiml', machineDetection: 'Enable', idempotencyKey: key() });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(statuses(events)).toEqual(expected);
    const last = events[events.length - 1].event;
    expect(last).toMatchObject({ type: 'call', providerCallId: providerMessageId });
    if (answeredBy) expect(last).toMatchObject({ answeredBy, durationSec: 3 });
    await sim.close();
  });

  it('bounces e-mail to bounce@ after sending', async () => {
    const { sim, events } = setup();
    await sim.sendEmail({ from: 'a@x.test', to: 'bounce@y.test', subject: 's', text: 't', idempotencyKey: key() });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(statuses(events)).toEqual(['sent', 'undelivered:550']);
  });

  it('close() cancels everything still scheduled', async () => {
    const { sim, events } = setup({ sentDelayMs: 100 });
    await sim.sendSms({ from: FROM, to: TO, body: 'x', idempotencyKey: key() });
    await sim.sendSms({ from: FROM, to: TO, body: 'y', idempotencyKey: key() });
    expect(sim.pending).toBe(2);
    await sim.close();
    expect(sim.pending).toBe(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(events).toEqual([]);
  });

  it('keeps going after a failing emit and reports the failure', async () => {
    const failures: string[] = [];
    let first = true;
    const seen: string[] = [];
    const sim = new SimulatorCarrier({
      emit: async (e) => {
        if (first) {
          first = false;
          throw new Error('callback path down');
        }
        if (e.type === 'status') seen.push(e.status);
      },
      onEmitError: (err) => failures.push((err as Error).message),
    });
    await sim.sendSms({ from: FROM, to: TO, body: 'x', idempotencyKey: key() });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(failures).toEqual(['callback path down']);
    expect(seen).toEqual(['delivered']);
  });

  it('waits for an async emit before scheduling the next step, so events stay in order', async () => {
    const order: string[] = [];
    const sim = new SimulatorCarrier({
      sentDelayMs: 10,
      deliveredDelayMs: 10,
      emit: async (e) => {
        if (e.type !== 'status') return;
        if (e.status === 'sent') await new Promise((r) => setTimeout(r, 500));
        order.push(`${e.status}@${Date.now() - Date.parse('2026-01-01T00:00:00Z')}`);
      },
    });
    await sim.sendSms({ from: FROM, to: TO, body: 'x', idempotencyKey: key() });
    await jest.advanceTimersByTimeAsync(2_000);
    expect(order).toEqual(['sent@510', 'delivered@520']);
  });

  it('applies jitter within the configured ratio', async () => {
    const { sim, events } = setup({ sentDelayMs: 1000, deliveredDelayMs: 1000, jitter: 0.5, random: () => 1 });
    await sim.sendSms({ from: FROM, to: TO, body: 'x', idempotencyKey: key() });
    await jest.advanceTimersByTimeAsync(1499);
    expect(events).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(events).toHaveLength(1);
    await sim.close();
  });
});

describe('simulator inbound and callback wire format', () => {
  it('delivers an inbound message through emit', async () => {
    const { sim, events } = setup();
    const e = await sim.simulateInbound({ from: TO, to: FROM, body: 'STOP' });
    expect(e).toMatchObject({ type: 'inbound', channel: 'sms', from: TO, to: FROM, text: 'STOP', mediaUrls: [], contentType: 'text' });
    expect(e.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(events.map((x) => x.event)).toEqual([e]);
    const wa = await sim.simulateInbound({ from: TO, to: FROM, channel: 'whatsapp', text: 'hola' });
    expect(wa).toMatchObject({ channel: 'whatsapp', text: 'hola' });
  });

  it('signs and verifies serialized events, rejecting tampering', () => {
    const sim = simulatorCallbacks('shh');
    const events: NormalizedEvent[] = [{ type: 'status', channel: 'sms', providerMessageId: 'SM1', status: 'delivered', occurredAt: new Date('2026-01-01T00:00:00Z') }];
    const { body, headers } = encodeSimulatorEvents(events, 'shh');
    const req = { url: 'http://h.test/callbacks/simulator', headers, rawBody: body };
    expect(sim.verify(req)).toBe(true);
    expect(sim.parse(req)).toEqual(events);
    expect(sim.verify({ ...req, rawBody: body.replace('delivered', 'read') })).toBe(false);
    expect(sim.verify({ ...req, headers: { 'x-simulator-signature': '00' } })).toBe(false);
    expect(simulatorCallbacks('another').verify(req)).toBe(false);
    expect(decodeSimulatorEvents('nope')).toEqual([]);
  });
});

describe('createCarrier', () => {
  it('builds each provider', async () => {
    expect(createCarrier('SIMULATOR', {}).provider).toBe('SIMULATOR');
    expect(createCarrier('TWILIO', { accountSid: 'AC1', authToken: 't' }).provider).toBe('TWILIO');
    expect(createCarrier('WHATSAPP_CLOUD', { accessToken: 't', appSecret: 's' }).provider).toBe('WHATSAPP_CLOUD');
    const smtp = createCarrier('SMTP', { host: '127.0.0.1', port: 2525 });
    expect(smtp.provider).toBe('SMTP');
    await smtp.close?.();
    expect(() => createCarrier('NOPE' as 'SIMULATOR', {})).toThrow(/unknown carrier/);
  });

  it('refuses, as a permanent error, a channel the provider does not have', () => {
    const wa = createCarrier('WHATSAPP_CLOUD', { accessToken: 't', appSecret: 's' });
    expect(() => withCapability(wa, 'sms')).toThrow(expect.objectContaining({ kind: 'permanent', code: 'unsupported' }));
    const tw = createCarrier('TWILIO', { accountSid: 'AC1', authToken: 't' });
    expect(() => withCapability(tw, 'email')).toThrow(expect.objectContaining({ kind: 'permanent', code: 'unsupported' }));
    expect(withCapability(tw, 'voice').placeCall).toBeInstanceOf(Function);
  });
});
