import crypto from 'node:crypto';
import type { EmailCarrier, EmailRequest } from '../email';
import type { FindSentRequest, Reconcilable, SmsCarrier, SmsRequest, WhatsAppCarrier, WhatsAppRequest } from '../message';
import { CarrierError, type CallEvent, type Channel, type InboundEvent, type NormalizedEvent, type SendResult, type StatusEvent } from '../types';
import type { CallRequest, CallState, FindCallRequest, VoiceCarrier } from '../voice';

/*
 * The built-in simulator: accepts sends like a provider, reports receipts and call outcomes later through `emit`,
 * and fails deterministically for magic numbers borrowed from Twilio's test credentials
 * (https://www.twilio.com/docs/iam/test-credentials), plus a few of our own for asynchronous outcomes.
 *
 * Send-time errors (thrown as CarrierError, like a provider's HTTP error):
 *   To   +15005550001  21211  invalid 'To' number                      permanent   (calls: 21217)
 *   To   +15005550002  21612  cannot route to this number              permanent   (calls: 21214)
 *   To   +15005550003  21408  no permission for this region            permanent   (calls: 21215)
 *   To   +15005550004  21610  recipient unsubscribed (replied STOP)    permanent   (calls: 21216 blocked)
 *   To   +15005550009  21614  not a mobile number (messages only)      permanent
 *   From +15005550001  21212  invalid 'From' number                    permanent
 *   From +15005550007  21606  'From' not owned by the account          permanent   (calls: 21210)
 *   From +15005550008  21611  'From' queue full                        transient
 *   To   +15005550013  20429  first attempt per idempotency key is rate limited (retry after rateLimitRetryMs), then accepted
 *   To   +15005550014  20500  first attempt per idempotency key fails like a 5xx (transient), then accepted
 *
 * Asynchronous outcomes for accepted messages (each step waits its delay after the previous one):
 *   default           sent (sentDelayMs) → delivered (deliveredDelayMs)
 *   +15005550010      sent → undelivered, 30003 unreachable handset
 *   +15005550011      failed, 30008 unknown error (never sent)
 *   +15005550012      sent → delivered → read (readDelayMs)
 *   +15005550015      sent, then nothing (no delivery receipt ever arrives)
 *   e-mail: a recipient whose local part is `reject` fails at send time (550, permanent); `bounce` → sent → undelivered 550.
 *
 * Calls: initiated → ringing (ringDelayMs) → in-progress (answerDelayMs) → completed (callDurationMs), with
 *   answeredBy `human` when machine detection was asked for; every call event echoes the attempt id
 *   (`clientReference`, the request's idempotency key);
 *   +15005550020 busy, +15005550021 no-answer (after ringing), +15005550022 answered by a machine
 *   (`machine_end_beep`), +15005550023 failed;
 *   +1500555003D (D = 0…9) answered by a person who presses D (a keypress event halfway through the call; 9 is the
 *   default opt-out key), +15005550040 answered by a person who says "yes please" (speech, confidence 0.92).
 *
 * Repeating a send with the same idempotency key returns the first result and schedules nothing new (the call is
 * still logged in `sends`, marked `duplicate`, so tests can see it happened).
 */

export interface SimulatorConfig {
  /** Where receipts, call progress and inbound messages go; the lead wires this to the shared callback path. */
  emit?: (event: NormalizedEvent) => void | Promise<void>;
  /** Called when `emit` throws or rejects (the simulator never retries an emit). */
  onEmitError?: (err: unknown, event: NormalizedEvent) => void;
  sentDelayMs?: number;
  /** After `sent`. */
  deliveredDelayMs?: number;
  /** After `delivered` (WhatsApp read receipts, magic number only). */
  readDelayMs?: number;
  ringDelayMs?: number;
  answerDelayMs?: number;
  callDurationMs?: number;
  rateLimitRetryMs?: number;
  /** 0..1: each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. Default 0 (deterministic). */
  jitter?: number;
  random?: () => number;
  now?: () => Date;
}

export interface SimulatorSend {
  channel: Channel;
  request: SmsRequest | WhatsAppRequest | CallRequest | EmailRequest;
  result?: SendResult;
  error?: CarrierError;
  duplicate: boolean;
  at: Date;
}

const SEND_ERRORS_TO: Record<string, { code: string; message: string; callCode: string }> = {
  '+15005550001': { code: '21211', message: "The 'To' number is not a valid phone number.", callCode: '21217' },
  '+15005550002': { code: '21612', message: "The 'To' phone number is not currently reachable via SMS.", callCode: '21214' },
  '+15005550003': { code: '21408', message: 'Permission to send to this region has not been enabled.', callCode: '21215' },
  '+15005550004': { code: '21610', message: 'Attempt to send to unsubscribed recipient.', callCode: '21216' },
};
const SEND_ERRORS_FROM: Record<string, { code: string; message: string; callCode: string; kind: 'permanent' | 'transient' }> = {
  '+15005550001': { code: '21212', message: "The 'From' number is not a valid phone number.", callCode: '21212', kind: 'permanent' },
  '+15005550007': { code: '21606', message: "The 'From' phone number is not owned by your account.", callCode: '21210', kind: 'permanent' },
  '+15005550008': { code: '21611', message: "This 'From' number has exceeded the maximum number of queued messages.", callCode: '21611', kind: 'transient' },
};

export const SIMULATOR_NUMBERS = {
  invalidTo: '+15005550001',
  cannotRoute: '+15005550002',
  noInternational: '+15005550003',
  unsubscribed: '+15005550004',
  notMobile: '+15005550009',
  invalidFrom: '+15005550001',
  notOwnedFrom: '+15005550007',
  queueFullFrom: '+15005550008',
  undelivered: '+15005550010',
  failed: '+15005550011',
  read: '+15005550012',
  rateLimitedOnce: '+15005550013',
  serverErrorOnce: '+15005550014',
  noReceipt: '+15005550015',
  callBusy: '+15005550020',
  callNoAnswer: '+15005550021',
  callMachine: '+15005550022',
  callFailed: '+15005550023',
  /** + the digit pressed: +15005550030 … +15005550039. */
  callPressesPrefix: '+1500555003',
  callSaysYes: '+15005550040',
} as const;

const hex = (bytes: number) => crypto.randomBytes(bytes).toString('hex');
const digitsOnly = (phone: string): string => `+${phone.replace(/^whatsapp:/, '').replace(/\D/g, '')}`;

/** One scheduled event; `event` answering undefined drops it (a call that was hung up). */
type Step = { delayMs: number; event: () => NormalizedEvent | undefined };

/** The built-in simulator carrier (default for the demo workspace and for tests). */
export class SimulatorCarrier implements SmsCarrier, WhatsAppCarrier, VoiceCarrier, EmailCarrier, Reconcilable {
  readonly provider = 'SIMULATOR' as const;
  /** Every send call, including rejected ones and duplicates. */
  readonly sends: SimulatorSend[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly byKey = new Map<string, SendResult>();
  private readonly attemptsByKey = new Map<string, number>();
  /** Calls: the latest status reported, and those hung up (their remaining steps are dropped). */
  private readonly callStates = new Map<string, CallState>();
  private readonly hungUp = new Set<string>();
  private closed = false;

  constructor(private readonly config: SimulatorConfig = {}) {}

  async sendSms(req: SmsRequest): Promise<SendResult> {
    const channel: Channel = 'sms';
    return this.accept(channel, req, req.idempotencyKey, () => {
      this.checkNumbers(req.from, req.to, 'message');
      if (!req.body && !req.mediaUrls?.length) throw this.error('permanent', '21602', 'Message body is required.');
      return { prefix: 'SM', steps: (id) => this.messageSteps(id, 'sms', req.to) };
    });
  }

  async sendWhatsApp(req: WhatsAppRequest): Promise<SendResult> {
    return this.accept('whatsapp', req, req.idempotencyKey, () => {
      this.checkNumbers(req.from, req.to, 'message');
      if (req.kind === 'text' && !req.text) throw this.error('permanent', '100', 'text is required for a text message');
      if (req.kind === 'media' && (!req.mediaUrl || !req.mediaType)) throw this.error('permanent', '100', 'mediaUrl and mediaType are required');
      if (req.kind === 'template' && !req.template?.name) throw this.error('permanent', '132001', 'Template name does not exist');
      return { prefix: 'SM', steps: (id) => this.messageSteps(id, 'whatsapp', req.to) };
    });
  }

  async placeCall(req: CallRequest): Promise<SendResult> {
    return this.accept('voice', req, req.idempotencyKey, () => {
      this.checkNumbers(req.from, req.to, 'call');
      if (!req.twiml === !req.url) throw this.error('permanent', '21205', 'Exactly one of Url and Twiml is required.');
      return { prefix: 'CA', steps: (id) => this.callSteps(id, req) };
    });
  }

  /** Reconciliation: a call this process placed for the attempt (the simulator's memory dies with the worker, and so do its calls). */
  async findCall(req: FindCallRequest): Promise<CallState | undefined> {
    const placed = this.byKey.get(req.idempotencyKey);
    return placed ? (this.callStates.get(placed.providerMessageId) ?? { providerCallId: placed.providerMessageId, status: 'queued' }) : undefined;
  }

  async getCall(providerCallId: string): Promise<CallState | undefined> {
    return this.callStates.get(providerCallId);
  }

  /** Hangs up: the call's remaining progress is dropped and `completed` (or `canceled`, before an answer) is reported. */
  async endCall(providerCallId: string): Promise<void> {
    const state = this.callStates.get(providerCallId);
    if (!state || ['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(state.status) || this.hungUp.has(providerCallId)) return;
    this.hungUp.add(providerCallId);
    const answered = state.status === 'in-progress';
    const event: CallEvent = { type: 'call', providerCallId, status: answered ? 'completed' : 'canceled', durationSec: answered ? 1 : 0, occurredAt: this.now(), ...(state.answeredBy ? { answeredBy: state.answeredBy } : {}) };
    this.track(event);
    await Promise.resolve(this.config.emit?.({ ...event, clientReference: this.referenceOf(providerCallId) })).catch((err: unknown) => this.config.onEmitError?.(err, event));
  }

  async sendEmail(req: EmailRequest): Promise<SendResult> {
    return this.accept('email', req, req.idempotencyKey, () => {
      const recipients = Array.isArray(req.to) ? req.to : [req.to];
      if (recipients.some((r) => /^\s*reject@/i.test(r))) throw this.error('permanent', '550', '550 5.1.1 Mailbox unavailable');
      if (!req.text && !req.html) throw this.error('permanent', 'invalid_request', 'text or html is required');
      const bounce = recipients.some((r) => /^\s*bounce@/i.test(r));
      return {
        id: `<${hex(16)}@simulator.switchboard>`,
        prefix: '',
        steps: (id) => [
          { delayMs: this.delay(this.config.sentDelayMs ?? 200), event: () => this.status(id, 'email', 'sent') },
          bounce
            ? { delayMs: this.delay(this.config.deliveredDelayMs ?? 800), event: () => this.status(id, 'email', 'undelivered', '550', 'Mailbox unavailable') }
            : { delayMs: this.delay(this.config.deliveredDelayMs ?? 800), event: () => this.status(id, 'email', 'delivered') },
        ],
      };
    });
  }

  /**
   * Delivers an inbound message as if a handset had sent it (what `POST /simulator/inbound` calls). Returns the
   * event after `emit` has handled it.
   */
  async simulateInbound(input: { from: string; to: string; body?: string; text?: string; channel?: 'sms' | 'whatsapp'; mediaUrls?: string[] }): Promise<InboundEvent> {
    const mediaUrls = input.mediaUrls ?? [];
    const event: InboundEvent = {
      type: 'inbound',
      channel: input.channel === 'whatsapp' ? 'whatsapp' : mediaUrls.length ? 'mms' : 'sms',
      from: input.from,
      to: input.to,
      text: input.body ?? input.text ?? '',
      mediaUrls,
      contentType: mediaUrls.length ? 'image' : 'text',
      providerMessageId: `SM${hex(16)}`,
      occurredAt: this.now(),
    };
    await this.config.emit?.(event);
    return event;
  }

  /** Reconciliation: the simulator remembers every accepted idempotency key for the life of the process. */
  async findSent(req: FindSentRequest): Promise<SendResult | undefined> {
    return this.byKey.get(req.idempotencyKey);
  }

  /** Number of receipts/outcomes still scheduled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Cancels every scheduled event; later sends are still answered but schedule nothing. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private accept(
    channel: Channel,
    request: SimulatorSend['request'],
    key: string,
    validate: () => { prefix: string; id?: string; steps: (id: string) => Step[] },
  ): SendResult {
    const at = this.now();
    const previous = key ? this.byKey.get(key) : undefined;
    if (previous) {
      this.sends.push({ channel, request, result: previous, duplicate: true, at });
      return previous;
    }
    try {
      const plan = validate();
      this.failFirstAttempt(channel === 'email' ? '' : (request as { to: string }).to, key);
      const id = plan.id ?? `${plan.prefix}${hex(16)}`;
      const result: SendResult = { providerMessageId: id, status: 'queued' };
      if (key) this.byKey.set(key, result);
      this.sends.push({ channel, request, result, duplicate: false, at });
      this.run(plan.steps(id));
      return result;
    } catch (err) {
      if (err instanceof CarrierError) this.sends.push({ channel, request, error: err, duplicate: false, at });
      throw err;
    }
  }

  private failFirstAttempt(to: string, key: string): void {
    const magic = to ? digitsOnly(to) : '';
    if (magic !== SIMULATOR_NUMBERS.rateLimitedOnce && magic !== SIMULATOR_NUMBERS.serverErrorOnce) return;
    const attempts = (this.attemptsByKey.get(key) ?? 0) + 1;
    this.attemptsByKey.set(key, attempts);
    if (attempts > 1) return;
    if (magic === SIMULATOR_NUMBERS.rateLimitedOnce) {
      throw new CarrierError({ kind: 'rate_limited', provider: 'SIMULATOR', code: '20429', message: 'Too Many Requests', retryAfterMs: this.config.rateLimitRetryMs ?? 1000, httpStatus: 429 });
    }
    throw new CarrierError({ kind: 'transient', provider: 'SIMULATOR', code: '20500', message: 'Internal Server Error', httpStatus: 500 });
  }

  private checkNumbers(from: string, to: string, what: 'message' | 'call'): void {
    const f = SEND_ERRORS_FROM[digitsOnly(from)];
    if (f) throw this.error(f.kind, what === 'call' ? f.callCode : f.code, f.message);
    const t = SEND_ERRORS_TO[digitsOnly(to)];
    if (t) throw this.error('permanent', what === 'call' ? t.callCode : t.code, t.message);
    if (what === 'message' && digitsOnly(to) === SIMULATOR_NUMBERS.notMobile) throw this.error('permanent', '21614', "'To' number is not a valid mobile number.");
  }

  private messageSteps(id: string, channel: Channel, to: string): Step[] {
    const magic = digitsOnly(to);
    const sent: Step = { delayMs: this.delay(this.config.sentDelayMs ?? 200), event: () => this.status(id, channel, 'sent') };
    const deliveredDelay = this.delay(this.config.deliveredDelayMs ?? 800);
    switch (magic) {
      case SIMULATOR_NUMBERS.undelivered:
        return [sent, { delayMs: deliveredDelay, event: () => this.status(id, channel, 'undelivered', '30003', 'Unreachable destination handset') }];
      case SIMULATOR_NUMBERS.failed:
        return [{ delayMs: sent.delayMs, event: () => this.status(id, channel, 'failed', '30008', 'Unknown error') }];
      case SIMULATOR_NUMBERS.noReceipt:
        return [sent];
      case SIMULATOR_NUMBERS.read:
        return [
          sent,
          { delayMs: deliveredDelay, event: () => this.status(id, channel, 'delivered') },
          { delayMs: this.delay(this.config.readDelayMs ?? 1500), event: () => this.status(id, channel, 'read') },
        ];
      default:
        return [sent, { delayMs: deliveredDelay, event: () => this.status(id, channel, 'delivered') }];
    }
  }

  private readonly references = new Map<string, string>();
  private referenceOf(id: string): string | undefined {
    return this.references.get(id);
  }

  private track(e: CallEvent): void {
    const prev = this.callStates.get(e.providerCallId);
    this.callStates.set(e.providerCallId, { providerCallId: e.providerCallId, status: e.status, answeredBy: e.answeredBy ?? prev?.answeredBy, durationSec: e.durationSec });
  }

  private callSteps(id: string, req: CallRequest): Step[] {
    const magic = digitsOnly(req.to);
    this.references.set(id, req.idempotencyKey);
    this.callStates.set(id, { providerCallId: id, status: 'queued' });
    const call = (status: CallEvent['status'], extra: Partial<CallEvent> = {}): CallEvent | undefined => {
      if (this.hungUp.has(id)) return undefined;
      const e: CallEvent = { type: 'call', providerCallId: id, status, occurredAt: this.now(), clientReference: req.idempotencyKey, ...extra };
      this.track(e);
      return e;
    };
    const ring = this.delay(this.config.ringDelayMs ?? 300);
    const answer = this.delay(this.config.answerDelayMs ?? 1000);
    const duration = this.delay(this.config.callDurationMs ?? 2000);
    const initiated: Step = { delayMs: 0, event: () => call('initiated') };
    const ringing: Step = { delayMs: ring, event: () => call('ringing') };
    switch (magic) {
      case SIMULATOR_NUMBERS.callBusy:
        return [initiated, { delayMs: ring, event: () => call('busy', { durationSec: 0 }) }];
      case SIMULATOR_NUMBERS.callNoAnswer:
        return [initiated, ringing, { delayMs: answer, event: () => call('no-answer', { durationSec: 0 }) }];
      case SIMULATOR_NUMBERS.callFailed:
        return [initiated, { delayMs: ring, event: () => call('failed', { durationSec: 0 }) }];
      default: {
        const answeredBy = magic === SIMULATOR_NUMBERS.callMachine ? 'machine_end_beep' : req.machineDetection ? 'human' : undefined;
        const by = answeredBy ? { answeredBy } : {};
        const pressed = magic.startsWith(SIMULATOR_NUMBERS.callPressesPrefix) && magic.length === SIMULATOR_NUMBERS.callPressesPrefix.length + 1 ? magic.slice(-1) : undefined;
        const input = pressed ? { digits: pressed } : magic === SIMULATOR_NUMBERS.callSaysYes ? { speechResult: 'yes please', confidence: 0.92 } : undefined;
        const half = Math.round(duration / 2);
        return [
          initiated,
          ringing,
          { delayMs: answer, event: () => call('in-progress', by) },
          ...(input ? [{ delayMs: half, event: () => call('in-progress', { ...by, ...input }) }] : []),
          { delayMs: input ? duration - half : duration, event: () => call('completed', { ...by, durationSec: Math.max(1, Math.round(duration / 1000)) }) },
        ];
      }
    }
  }

  /** Runs one message's steps in order: each waits its delay after the previous emit has finished. */
  private run(steps: Step[], index = 0): void {
    if (this.closed || index >= steps.length) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      const event = steps[index].event();
      if (!event) return;
      Promise.resolve()
        .then(() => this.config.emit?.(event))
        .catch((err: unknown) => this.config.onEmitError?.(err, event))
        .finally(() => this.run(steps, index + 1));
    }, steps[index].delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private status(id: string, channel: Channel, status: StatusEvent['status'], errorCode?: string, errorMessage?: string): StatusEvent {
    return {
      type: 'status',
      channel,
      providerMessageId: id,
      status,
      ...(errorCode ? { errorCode } : {}),
      ...(errorMessage ? { errorMessage } : {}),
      occurredAt: this.now(),
    };
  }

  private error(kind: 'permanent' | 'transient', code: string, message: string): CarrierError {
    return new CarrierError({ kind, provider: 'SIMULATOR', code, message, httpStatus: 400 });
  }

  private delay(ms: number): number {
    const jitter = this.config.jitter ?? 0;
    if (!jitter) return ms;
    const r = (this.config.random ?? Math.random)();
    return Math.max(0, Math.round(ms * (1 - jitter + 2 * jitter * r)));
  }

  private now(): Date {
    return this.config.now?.() ?? new Date();
  }
}
