import { parseJson, parseRetryAfter, requestOnce, type FetchLike } from '../http';
import type { FindSentRequest, Reconcilable, SmsCarrier, SmsRequest, WhatsAppCarrier, WhatsAppRequest } from '../message';
import { CarrierError, type CallStatus, type SendResult, type SendStatus } from '../types';
import type { CallRequest, CallState, FindCallRequest, VoiceCarrier } from '../voice';
import { stripWhatsApp } from './callbacks';

/*
 * A thin fetch client rather than the `twilio` package: the adapter uses two endpoints, the wire format (form
 * fields, basic auth, error JSON) stays visible in one file, tests point `baseUrl` at a local fake without
 * patching a client, and the package's own retry/keep-alive behaviour cannot sneak a second POST in.
 */

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** Default https://api.twilio.com; tests use the local fake's URL. */
  baseUrl?: string;
  timeoutMs?: number;
  fetch?: FetchLike;
}

/** Delay used when Twilio answers 429 without a Retry-After header. */
export const TWILIO_DEFAULT_RATE_LIMIT_DELAY_MS = 1000;

/** Error codes that are worth retrying although Twilio answered 4xx (the request itself was fine). */
const TWILIO_TRANSIENT_CODES = new Set([
  '20500', // internal server error
  '20503', // service unavailable
  '21611', // this 'From' number has exceeded the maximum number of queued messages
  '30001', // queue overflow
]);

/**
 * Twilio's error JSON `{code, message, more_info, status}` → CarrierError. 429/20429 → rate_limited (Retry-After);
 * 5xx and the codes above → transient; every other 4xx is permanent: 21211 invalid To, 21212 invalid From,
 * 21408 no permission for the region, 21606/21659 From not owned or not SMS-capable, 21610 recipient replied STOP,
 * 21612 cannot route, 21614 not a mobile number, 20003 bad credentials, 3000x delivery failures.
 */
export function classifyTwilioError(httpStatus: number, bodyText: string, headers?: Headers, now?: number): CarrierError {
  const body = parseJson(bodyText) as { code?: number | string; message?: string; more_info?: string } | undefined;
  const code = body?.code !== undefined && body.code !== null ? String(body.code) : `http_${httpStatus}`;
  const message = body?.message ?? (bodyText.slice(0, 200) || `HTTP ${httpStatus}`);
  if (httpStatus === 429 || code === '20429') {
    const retryAfterMs = parseRetryAfter(headers?.get('retry-after'), now) ?? TWILIO_DEFAULT_RATE_LIMIT_DELAY_MS;
    return new CarrierError({ kind: 'rate_limited', provider: 'TWILIO', code, message, retryAfterMs, httpStatus });
  }
  if (TWILIO_TRANSIENT_CODES.has(code) && httpStatus < 500) {
    return new CarrierError({ kind: 'transient', provider: 'TWILIO', code, message, httpStatus });
  }
  if (httpStatus >= 500) {
    // Twilio may have created the message before failing to answer: a retry could send it twice.
    return new CarrierError({ kind: 'transient', provider: 'TWILIO', code, message, httpStatus, ambiguous: true });
  }
  return new CarrierError({ kind: 'permanent', provider: 'TWILIO', code, message, httpStatus });
}

const sendStatusOf = (twilioStatus: unknown): SendStatus => {
  switch (twilioStatus) {
    case 'sending':
    case 'in-progress':
    case 'ringing':
      return 'sending';
    case 'sent':
      return 'sent';
    case 'delivered':
      return 'delivered';
    default:
      return 'queued';
  }
};

interface TwilioCall {
  sid: string;
  status?: string;
  answered_by?: string | null;
  duration?: string | null;
  date_created?: string | null;
}

const CALL_STATUSES: readonly string[] = ['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'];

const callState = (c: TwilioCall): CallState => ({
  providerCallId: c.sid,
  status: (CALL_STATUSES.includes(c.status ?? '') ? c.status : 'queued') as CallStatus,
  ...(c.answered_by ? { answeredBy: c.answered_by } : {}),
  ...(c.duration && /^\d+$/.test(c.duration) ? { durationSec: Number(c.duration) } : {}),
});

/** Twilio: SMS/MMS and WhatsApp (text/media) through Messages.json, calls through Calls.json (callbacks: ./callbacks.ts). */
export class TwilioCarrier implements SmsCarrier, WhatsAppCarrier, VoiceCarrier, Reconcilable {
  readonly provider = 'TWILIO' as const;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: FetchLike | undefined;
  private readonly authHeader: string;

  constructor(private readonly config: TwilioConfig) {
    this.baseUrl = (config.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    this.timeoutMs = config.timeoutMs ?? 15_000;
    this.fetchImpl = config.fetch;
    this.authHeader = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  }

  async sendSms(req: SmsRequest): Promise<SendResult> {
    const form = new URLSearchParams();
    form.append('To', req.to);
    this.appendSender(form, req.from);
    if (req.body !== '' || !req.mediaUrls?.length) form.append('Body', req.body);
    for (const url of req.mediaUrls ?? []) form.append('MediaUrl', url);
    if (req.statusCallbackUrl) form.append('StatusCallback', req.statusCallbackUrl);
    return this.post('Messages.json', form);
  }

  async sendWhatsApp(req: WhatsAppRequest): Promise<SendResult> {
    if (req.kind === 'template') {
      // Twilio sends approved WhatsApp templates only by Content SID (ContentSid + ContentVariables), which our
      // template messages (Meta name + language + components) do not carry.
      throw new CarrierError({ kind: 'permanent', provider: 'TWILIO', code: 'unsupported', message: 'Twilio sends WhatsApp templates by Content SID only; use a WhatsApp Cloud sender for Meta templates' });
    }
    const form = new URLSearchParams();
    form.append('To', `whatsapp:${stripWhatsApp(req.to)}`);
    form.append('From', `whatsapp:${stripWhatsApp(req.from)}`);
    if (req.kind === 'text') {
      form.append('Body', req.text ?? '');
    } else {
      if (!req.mediaUrl) throw new CarrierError({ kind: 'permanent', provider: 'TWILIO', code: 'invalid_request', message: 'mediaUrl is required for media messages' });
      if (req.caption) form.append('Body', req.caption);
      form.append('MediaUrl', req.mediaUrl);
    }
    if (req.statusCallbackUrl) form.append('StatusCallback', req.statusCallbackUrl);
    return this.post('Messages.json', form);
  }

  async placeCall(req: CallRequest): Promise<SendResult> {
    if (!req.twiml === !req.url) {
      throw new CarrierError({ kind: 'permanent', provider: 'TWILIO', code: 'invalid_request', message: 'exactly one of twiml and url is required' });
    }
    const form = new URLSearchParams();
    form.append('To', req.to);
    form.append('From', req.from);
    if (req.twiml) form.append('Twiml', req.twiml);
    if (req.url) form.append('Url', req.url);
    if (req.statusCallbackUrl) {
      form.append('StatusCallback', req.statusCallbackUrl);
      form.append('StatusCallbackMethod', 'POST');
      for (const e of ['initiated', 'ringing', 'answered', 'completed']) form.append('StatusCallbackEvent', e);
    }
    if (req.machineDetection) form.append('MachineDetection', req.machineDetection);
    if (req.machineDetection && req.asyncAmdCallbackUrl) {
      form.append('AsyncAmd', 'true');
      form.append('AsyncAmdStatusCallback', req.asyncAmdCallbackUrl);
      form.append('AsyncAmdStatusCallbackMethod', 'POST');
    }
    if (req.timeoutSec !== undefined) form.append('Timeout', String(req.timeoutSec));
    if (req.timeLimitSec !== undefined) form.append('TimeLimit', String(req.timeLimitSec));
    return this.post('Calls.json', form);
  }

  /**
   * Reconciliation of a call: Twilio has no idempotency key, so list the account's Calls from `from` to `to`
   * (newest first) and take one created since `since` (minus a minute of clock skew) that no other attempt recorded.
   * `StartTime>=` is not used: a call still queued has no start time yet, which is exactly what a crash leaves behind.
   */
  async findCall(req: FindCallRequest): Promise<CallState | undefined> {
    const query = new URLSearchParams({ To: req.to, From: req.from, PageSize: '50' });
    const since = req.since.getTime() - 60_000;
    const exclude = new Set(req.excludeIds);
    let next: string | null = `/2010-04-01/Accounts/${encodeURIComponent(this.config.accountSid)}/Calls.json?${query.toString()}`;
    for (let pages = 0; next && pages < 5; pages++) {
      const res = await this.get(next);
      const body = parseJson(res) as { calls?: TwilioCall[]; next_page_uri?: string | null } | undefined;
      const calls = body?.calls ?? [];
      const match = calls.find((c) => !exclude.has(c.sid) && Date.parse(c.date_created ?? '') >= since);
      if (match) return callState(match);
      const oldest = calls.length ? Date.parse(calls[calls.length - 1].date_created ?? '') : 0;
      next = oldest >= since ? (body?.next_page_uri ?? null) : null;
    }
    return undefined;
  }

  async getCall(providerCallId: string): Promise<CallState | undefined> {
    try {
      return callState(parseJson(await this.get(`/2010-04-01/Accounts/${encodeURIComponent(this.config.accountSid)}/Calls/${encodeURIComponent(providerCallId)}.json`)) as TwilioCall);
    } catch (err) {
      if (err instanceof CarrierError && err.httpStatus === 404) return undefined;
      throw err;
    }
  }

  /** Status=completed hangs up a call in progress and cancels one that is still queued or ringing. */
  async endCall(providerCallId: string): Promise<void> {
    const form = new URLSearchParams({ Status: 'completed' });
    await this.post(`Calls/${encodeURIComponent(providerCallId)}.json`, form);
  }

  private async get(path: string): Promise<string> {
    const res = await requestOnce('TWILIO', this.fetchImpl, `${this.baseUrl}${path}`, { method: 'GET', headers: { authorization: this.authHeader, accept: 'application/json' } }, this.timeoutMs);
    if (res.status < 200 || res.status >= 300) throw classifyTwilioError(res.status, res.text, res.headers);
    return res.text;
  }

  /**
   * Reconciliation: Twilio has no idempotency key, so search the account's Messages list (newest first) filtered by
   * To and From, and match the body among messages created since `since` (minus a minute of clock skew). Pages are
   * followed while they still reach back to `since`. `DateSent>=` is not used: a message still queued at Twilio has
   * no date_sent yet and would be missed, which is exactly the case a crash leaves behind.
   */
  async findSent(req: FindSentRequest): Promise<SendResult | undefined> {
    const whatsapp = req.channel === 'whatsapp';
    const query = new URLSearchParams({
      To: whatsapp ? `whatsapp:${stripWhatsApp(req.to)}` : req.to,
      From: whatsapp ? `whatsapp:${stripWhatsApp(req.from)}` : req.from,
      PageSize: '50',
    });
    const since = req.since.getTime() - 60_000;
    let next: string | null = `/2010-04-01/Accounts/${encodeURIComponent(this.config.accountSid)}/Messages.json?${query.toString()}`;
    for (let pages = 0; next && pages < 5; pages++) {
      const res = await requestOnce('TWILIO', this.fetchImpl, `${this.baseUrl}${next}`, { method: 'GET', headers: { authorization: this.authHeader, accept: 'application/json' } }, this.timeoutMs);
      if (res.status < 200 || res.status >= 300) throw classifyTwilioError(res.status, res.text, res.headers);
      const body = parseJson(res.text) as { messages?: { sid: string; body?: string; status?: string; date_created?: string }[]; next_page_uri?: string | null } | undefined;
      const messages = body?.messages ?? [];
      const match = messages.find((m) => (m.body ?? '') === req.body && Date.parse(m.date_created ?? '') >= since);
      if (match) return { providerMessageId: match.sid, status: sendStatusOf(match.status), raw: match };
      const oldest = messages.length ? Date.parse(messages[messages.length - 1].date_created ?? '') : 0;
      next = oldest >= since ? (body?.next_page_uri ?? null) : null;
    }
    return undefined;
  }

  /** A Messaging Service SID (MG…) goes in MessagingServiceSid; anything else is a From number. */
  private appendSender(form: URLSearchParams, from: string): void {
    if (/^MG[0-9a-f]{32}$/i.test(from)) form.append('MessagingServiceSid', from);
    else form.append('From', from);
  }

  private async post(resource: string, form: URLSearchParams): Promise<SendResult> {
    const url = `${this.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(this.config.accountSid)}/${resource}`;
    const res = await requestOnce(
      'TWILIO',
      this.fetchImpl,
      url,
      {
        method: 'POST',
        headers: { authorization: this.authHeader, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
      },
      this.timeoutMs,
    );
    if (res.status < 200 || res.status >= 300) throw classifyTwilioError(res.status, res.text, res.headers);
    const body = parseJson(res.text) as { sid?: unknown; status?: unknown } | undefined;
    if (!body || typeof body.sid !== 'string') {
      throw new CarrierError({
        kind: 'transient',
        provider: 'TWILIO',
        code: 'bad_response',
        message: `HTTP ${res.status} without a sid`,
        httpStatus: res.status,
        ambiguous: true,
      });
    }
    return { providerMessageId: body.sid, status: sendStatusOf(body.status), raw: body };
  }
}
