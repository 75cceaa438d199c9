import crypto from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { FakeHttpServer, parseBasicAuth, postCallback, type FakeResponse, type RecordedRequest } from './http-base';

/*
 * A local stand-in for api.twilio.com speaking the 2010-04-01 REST API: form-encoded Messages.json and Calls.json,
 * HTTP basic auth with AccountSid:AuthToken, Twilio-shaped JSON resources and errors (including the test-credential
 * magic numbers), and signed callbacks (X-Twilio-Signature) back to StatusCallback URLs and an inbound webhook URL.
 * Its signing code is written independently of carriers/twilio/callbacks.ts on purpose.
 */

export interface TwilioFakeOptions {
  accountSid?: string;
  authToken?: string;
  /** The phone number's "A message comes in" webhook; used by sendInbound() when no URL is given. */
  inboundUrl?: string;
  /** Send these statuses to each message's StatusCallback automatically, `delayMs` apart. */
  autoStatus?: { statuses: string[]; delayMs: number };
  /**
   * Run each call as Twilio would (ring per its CallScript, answer, AMD, fetch and execute the TwiML, POST Gather
   * results and signed status and AMD callbacks). Off: calls wait for sendCallStatus().
   */
  runCalls?: boolean;
}

export interface TwilioFakeMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  mediaUrls: string[];
  statusCallback?: string;
  messagingServiceSid?: string;
  status: string;
  params: Record<string, string[]>;
  createdAt: Date;
}

export interface TwilioFakeCall {
  sid: string;
  to: string;
  from: string;
  url?: string;
  twiml?: string;
  statusCallback?: string;
  statusCallbackEvents: string[];
  machineDetection?: string;
  asyncAmdCallback?: string;
  status: string;
  params: Record<string, string[]>;
  createdAt: Date;
  answeredBy?: string;
  durationSec?: number;
  /** Every TwiML verb executed, in order, with what it said, played, gathered or dialled. */
  verbs: ExecutedVerb[];
  /** Ended through the API (POST Calls/{sid}.json Status=completed|canceled). */
  endedByApi?: boolean;
  sequence: number;
  startedAt?: number;
  endedAt?: number;
}

/** One TwiML verb the fake executed. */
export interface ExecutedVerb {
  verb: string;
  attrs: Record<string, string>;
  text?: string;
  /** Gather: what the callee entered (posted to the action URL). */
  digits?: string;
  speech?: string;
}

/**
 * How a callee behaves, by `To` (or the default): rings then answers, or busy / no-answer / failed; who answers
 * (AMD's AnsweredBy), what they press or say at the first <Gather>, how long they stay on a bridged or streamed call.
 */
export interface CallScript {
  ring?: 'answer' | 'busy' | 'no-answer' | 'failed';
  answeredBy?: 'human' | 'machine_start' | 'machine_end_beep' | 'machine_end_silence' | 'fax' | 'unknown';
  digits?: string;
  speech?: string;
  /** Milliseconds of ringing before the outcome. */
  ringMs?: number;
  /** Milliseconds until AMD decides (async AMD: after the answer). */
  amdMs?: number;
  /** Milliseconds the callee stays on a <Dial> bridge or a <Connect><Stream>, and per <Say>/<Play>. */
  talkMs?: number;
}

export interface SentCallback {
  url: string;
  params: Record<string, string>;
  signature: string;
  responseStatus: number;
}

interface TwilioErrorSpec {
  code: number;
  message: string;
  status?: number;
}

const MESSAGE_TO_ERRORS: Record<string, TwilioErrorSpec> = {
  '+15005550001': { code: 21211, message: "The 'To' number +15005550001 is not a valid phone number." },
  '+15005550002': { code: 21612, message: "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number via SMS." },
  '+15005550003': { code: 21408, message: 'Permission to send an SMS has not been enabled for the region indicated by the \'To\' number: +15005550003.' },
  '+15005550004': { code: 21610, message: 'Attempt to send to unsubscribed recipient' },
  '+15005550009': { code: 21614, message: "'To' number is not a valid mobile number" },
};
const MESSAGE_FROM_ERRORS: Record<string, TwilioErrorSpec> = {
  '+15005550001': { code: 21212, message: "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID." },
  '+15005550007': { code: 21606, message: "The 'From' phone number provided (+15005550007) is not a valid message-capable Twilio phone number for this destination/account." },
  '+15005550008': { code: 21611, message: "This 'From' number has exceeded the maximum number of queued messages" },
};
const CALL_TO_ERRORS: Record<string, TwilioErrorSpec> = {
  '+15005550001': { code: 21217, message: 'Phone number does not appear to be valid' },
  '+15005550002': { code: 21214, message: "'To' phone number cannot be reached" },
  '+15005550003': { code: 21215, message: 'Account not authorized to call +15005550003.' },
  '+15005550004': { code: 21216, message: 'Account not allowed to call +15005550004' },
};
const CALL_FROM_ERRORS: Record<string, TwilioErrorSpec> = {
  '+15005550001': { code: 21212, message: 'Invalid Caller Phone Number' },
  '+15005550007': { code: 21210, message: "Caller phone number not verified or not owned" },
};

const E164 = /^\+[1-9]\d{6,14}$/;
const hex32 = () => crypto.randomBytes(16).toString('hex');

/** Twilio's algorithm, as documented: url + (name + value for each param, sorted by name then value), HMAC-SHA1, base64. */
export function signTwilio(authToken: string, url: string, pairs: [string, string][]): string {
  const sorted = [...pairs].sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1));
  let data = url;
  for (const [k, v] of sorted) data += k + v;
  return crypto.createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');

export class TwilioFake extends FakeHttpServer {
  readonly accountSid: string;
  readonly authToken: string;
  readonly messages = new Map<string, TwilioFakeMessage>();
  readonly calls = new Map<string, TwilioFakeCall>();
  readonly callbacks: SentCallback[] = [];
  /** Errors to return for specific recipients, on top of the magic numbers. */
  readonly rejectTo = new Map<string, TwilioErrorSpec>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Callee behaviour by To number; `defaultCallScript` for everyone else. */
  readonly callScripts = new Map<string, CallScript>();
  defaultCallScript: CallScript = {};
  /** Calls up right now (created and not yet ended), the most there ever were, and how often `callCap` was exceeded. */
  liveCalls = 0;
  peakLiveCalls = 0;
  overCap = 0;
  /** Optional concurrency cap: a call beyond it is answered 429 (20429), as an account over its limit. */
  callCap?: number;
  /** Milliseconds a TwiML second lasts (<Pause length>, Gather timeouts): tests run in scaled time. */
  secondMs = 20;
  /** Sign callbacks with the wrong token (to check they are refused). */
  badSignatures = false;
  /** Whether calls run by themselves (the `runCalls` option; benchmarks switch it on after their raw measurement). */
  runCalls: boolean;
  /** Every voice request to our URLs: status/AMD callbacks and TwiML fetches, with what we answered. */
  readonly voiceRequests: (SentCallback & { kind: string; sid: string; body: string })[] = [];

  constructor(private readonly options: TwilioFakeOptions = {}) {
    super();
    this.accountSid = options.accountSid ?? `AC${'0123456789abcdef'.repeat(2)}`;
    this.authToken = options.authToken ?? 'fake-twilio-auth-token-0001';
    this.runCalls = options.runCalls ?? false;
  }

  /** How the callee of `to` behaves (its script over the default). */
  protected scriptFor(to: string): CallScript {
    return { ...this.defaultCallScript, ...this.callScripts.get(to) };
  }

  /** Messages accepted so far, in creation order. */
  get messageList(): TwilioFakeMessage[] {
    return [...this.messages.values()];
  }

  /** Answer the next `n` requests with a Twilio 429 (code 20429), optionally with Retry-After seconds. */
  rateLimitNext(n: number, retryAfterSec?: number): this {
    return this.failNext(n, {
      status: 429,
      headers: retryAfterSec !== undefined ? { 'retry-after': String(retryAfterSec) } : {},
      body: { code: 20429, message: 'Too Many Requests', more_info: 'https://www.twilio.com/docs/errors/20429', status: 429 },
    });
  }

  /** Answer the next `n` requests with a Twilio-shaped 500 (code 20500). */
  serverErrorNext(n: number): this {
    return this.failNext(n, { status: 500, body: { code: 20500, message: 'Internal Server Error', more_info: 'https://www.twilio.com/docs/errors/20500', status: 500 } });
  }

  override async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await super.close();
  }

  /** POSTs a signed message status callback to the message's StatusCallback URL. */
  async sendMessageStatus(sid: string, status: string, extra: { errorCode?: string; errorMessage?: string } = {}): Promise<SentCallback> {
    const m = this.messages.get(sid);
    if (!m) throw new Error(`no message ${sid}`);
    if (!m.statusCallback) throw new Error(`message ${sid} has no StatusCallback`);
    m.status = status;
    const params: Record<string, string> = {
      SmsSid: sid,
      SmsStatus: status,
      MessageStatus: status,
      To: m.to,
      MessageSid: sid,
      AccountSid: this.accountSid,
      From: m.from,
      ApiVersion: '2010-04-01',
    };
    if (m.messagingServiceSid) params.MessagingServiceSid = m.messagingServiceSid;
    if (extra.errorCode) params.ErrorCode = extra.errorCode;
    if (extra.errorMessage) params.ErrorMessage = extra.errorMessage;
    if (status === 'delivered') params.RawDlrDoneDate = '2507011000';
    return this.postSigned(m.statusCallback, params);
  }

  /** POSTs a signed call progress callback to the call's StatusCallback URL. */
  async sendCallStatus(sid: string, status: string, extra: { answeredBy?: string; durationSec?: number; sequenceNumber?: number } = {}): Promise<SentCallback> {
    const c = this.calls.get(sid);
    if (!c) throw new Error(`no call ${sid}`);
    if (!c.statusCallback) throw new Error(`call ${sid} has no StatusCallback`);
    c.status = status;
    const params: Record<string, string> = {
      Called: c.to,
      ToState: 'CA',
      CallerCountry: 'US',
      Direction: 'outbound-api',
      Timestamp: rfc2822(new Date()),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(extra.sequenceNumber ?? 0),
      CallSid: sid,
      To: c.to,
      ToCountry: 'US',
      ApiVersion: '2010-04-01',
      CallStatus: status,
      From: c.from,
      AccountSid: this.accountSid,
      Caller: c.from,
      FromCountry: 'US',
    };
    if (status === 'completed') {
      params.CallDuration = String(extra.durationSec ?? 0);
      params.Duration = String(Math.ceil((extra.durationSec ?? 0) / 60));
    }
    if (extra.answeredBy) params.AnsweredBy = extra.answeredBy;
    return this.postSigned(c.statusCallback, params);
  }

  /** POSTs a signed "incoming message" webhook, as Twilio does when a handset texts one of our numbers. */
  async sendInbound(input: { from: string; to: string; body: string; mediaUrls?: string[]; mediaTypes?: string[]; url?: string }): Promise<SentCallback & { sid: string }> {
    const url = input.url ?? this.options.inboundUrl;
    if (!url) throw new Error('no inbound URL configured');
    const media = input.mediaUrls ?? [];
    const sid = `${media.length ? 'MM' : 'SM'}${hex32()}`;
    const params: Record<string, string> = {
      ToCountry: 'US',
      ToState: 'CA',
      SmsMessageSid: sid,
      NumMedia: String(media.length),
      ToCity: 'SAN FRANCISCO',
      FromZip: '94105',
      SmsSid: sid,
      FromState: 'CA',
      SmsStatus: 'received',
      FromCity: 'SAN FRANCISCO',
      Body: input.body,
      FromCountry: 'US',
      To: input.to,
      ToZip: '94105',
      NumSegments: '1',
      MessageSid: sid,
      AccountSid: this.accountSid,
      From: input.from,
      ApiVersion: '2010-04-01',
    };
    media.forEach((u, i) => {
      params[`MediaUrl${i}`] = u;
      params[`MediaContentType${i}`] = input.mediaTypes?.[i] ?? 'image/jpeg';
    });
    return { sid, ...(await this.postSigned(url, params)) };
  }

  /** The signature Twilio would put on a POST of `params` to `url`. */
  sign(url: string, params: Record<string, string>): string {
    return signTwilio(this.authToken, url, Object.entries(params));
  }

  protected handle(req: RecordedRequest): FakeResponse {
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)(?:\/([^/.]+))?\.json(?:\?.*)?$/.exec(req.path);
    if (!m) return this.error(404, { code: 20404, message: `The requested resource ${req.path} was not found` });
    const auth = parseBasicAuth(req.headers.authorization);
    if (!auth || auth.user !== this.accountSid || auth.pass !== this.authToken || m[1] !== this.accountSid) {
      return this.error(401, { code: 20003, message: 'Authenticate' });
    }
    const [, , resource, sid] = m;
    if (req.method === 'GET' && sid) {
      const found = resource === 'Messages' ? this.messages.get(sid) : this.calls.get(sid);
      return found ? { status: 200, body: resource === 'Messages' ? this.messageJson(found as TwilioFakeMessage) : this.callJson(found as TwilioFakeCall) } : this.error(404, { code: 20404, message: `The requested resource ${req.path} was not found` });
    }
    if (req.method === 'GET' && resource === 'Messages') return { status: 200, body: this.listMessages(req.path) };
    if (req.method === 'GET' && resource === 'Calls') return { status: 200, body: this.listCalls(req.path) };
    if (req.method === 'POST' && resource === 'Calls' && sid) return this.updateCall(sid, new URLSearchParams(req.body));
    if (req.method !== 'POST' || sid) return this.error(405, { code: 20004, message: 'Method not allowed' });
    // Twilio reads parameters only from a form body; anything else arrives as "no parameters".
    const form = /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '') ? new URLSearchParams(req.body) : new URLSearchParams();
    const params: Record<string, string[]> = {};
    for (const [k, v] of form) (params[k] ??= []).push(v);
    const one = (k: string) => params[k]?.[0];
    return resource === 'Messages' ? this.createMessage(params, one) : this.createCall(params, one);
  }

  private createMessage(params: Record<string, string[]>, one: (k: string) => string | undefined): FakeResponse {
    const to = one('To');
    const from = one('From');
    const mss = one('MessagingServiceSid');
    const body = one('Body');
    const media = params.MediaUrl ?? [];
    if (!to) return this.error(400, { code: 21604, message: "A 'To' phone number is required." });
    if (!from && !mss) return this.error(400, { code: 21603, message: "A 'From' phone number is required." });
    if ((body === undefined || body === '') && media.length === 0) return this.error(400, { code: 21602, message: 'Message body is required.' });
    const bareTo = to.replace(/^whatsapp:/, '');
    const bareFrom = from?.replace(/^whatsapp:/, '');
    if (!E164.test(bareTo)) return this.error(400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.` });
    if (bareFrom !== undefined && !E164.test(bareFrom) && !/^[A-Za-z0-9 ]{1,11}$/.test(bareFrom)) {
      return this.error(400, { code: 21212, message: `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.` });
    }
    if (body && body.length > 1600) return this.error(400, { code: 21617, message: 'The concatenated message body exceeds the 1600 character limit.' });
    for (const u of media) if (!/^https?:\/\/[^\s]+$/.test(u)) return this.error(400, { code: 21620, message: 'Invalid media URL(s).' });
    const callback = one('StatusCallback');
    if (callback && !/^https?:\/\/[^\s]+$/.test(callback)) return this.error(400, { code: 21609, message: 'Invalid StatusCallback url' });
    const fromErr = bareFrom ? MESSAGE_FROM_ERRORS[bareFrom] : undefined;
    if (fromErr) return this.error(400, fromErr);
    const toErr = this.rejectTo.get(bareTo) ?? MESSAGE_TO_ERRORS[bareTo];
    if (toErr) return this.error(toErr.status ?? 400, toErr);

    const sid = `SM${hex32()}`;
    const message: TwilioFakeMessage = {
      sid,
      to,
      from: from ?? '',
      body: body ?? '',
      mediaUrls: media,
      statusCallback: callback,
      messagingServiceSid: mss,
      status: mss ? 'accepted' : 'queued',
      params,
      createdAt: new Date(),
    };
    this.messages.set(sid, message);
    this.notify();
    if (this.options.autoStatus && callback) this.scheduleStatuses(sid, this.options.autoStatus.statuses, this.options.autoStatus.delayMs);
    return { status: 201, body: this.messageJson(message) };
  }

  private createCall(params: Record<string, string[]>, one: (k: string) => string | undefined): FakeResponse {
    const to = one('To');
    const from = one('From');
    if (!to) return this.error(400, { code: 21201, message: "No 'To' number is specified" });
    if (!from) return this.error(400, { code: 21213, message: "No 'From' number is specified" });
    if (!one('Url') && !one('Twiml') && !one('ApplicationSid')) return this.error(400, { code: 21205, message: 'Url parameter is required.' });
    if (!E164.test(to)) return this.error(400, { code: 21217, message: 'Phone number does not appear to be valid' });
    const fromErr = CALL_FROM_ERRORS[from];
    if (fromErr) return this.error(400, fromErr);
    const toErr = this.rejectTo.get(to) ?? CALL_TO_ERRORS[to];
    if (toErr) return this.error(toErr.status ?? 400, toErr);
    const md = one('MachineDetection');
    if (md && md !== 'Enable' && md !== 'DetectMessageEnd') return this.error(400, { code: 21200, message: `Invalid MachineDetection ${md}` });
    if (this.callCap !== undefined && this.liveCalls >= this.callCap) {
      this.overCap++;
      return this.error(429, { code: 20429, message: 'Too Many Requests', status: 429 });
    }
    const call: TwilioFakeCall = {
      sid: `CA${hex32()}`,
      to,
      from,
      url: one('Url'),
      twiml: one('Twiml'),
      statusCallback: one('StatusCallback'),
      statusCallbackEvents: params.StatusCallbackEvent ?? [],
      machineDetection: md,
      asyncAmdCallback: one('AsyncAmd') === 'true' ? one('AsyncAmdStatusCallback') : undefined,
      status: 'queued',
      params,
      createdAt: new Date(),
      verbs: [],
      sequence: 0,
    };
    this.calls.set(call.sid, call);
    this.notify();
    if (this.runCalls) {
      this.liveCalls++;
      this.peakLiveCalls = Math.max(this.peakLiveCalls, this.liveCalls);
      // The call runs on its own, as Twilio's would: ringing, answer, TwiML, callbacks.
      setImmediate(() => void this.runCall(call).catch(() => this.endCall(call, 'failed')));
    }
    return { status: 201, body: this.callJson(call) };
  }

  /** Calls created so far, in creation order. */
  get callList(): TwilioFakeCall[] {
    return [...this.calls.values()];
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private done(c: TwilioFakeCall): boolean {
    return c.endedAt !== undefined;
  }

  /** A progress callback, if the call asked for this event (terminal ones always go). */
  private async progress(c: TwilioFakeCall, status: string, event: string): Promise<void> {
    c.status = status;
    if (!c.statusCallback || (event !== 'completed' && !c.statusCallbackEvents.includes(event))) return;
    const extra: Record<string, string> = {};
    if (['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(status)) {
      extra.CallDuration = String(c.durationSec ?? 0);
      extra.Duration = String(Math.ceil((c.durationSec ?? 0) / 60));
    }
    if (c.answeredBy && c.machineDetection) extra.AnsweredBy = c.answeredBy;
    await this.voicePost('status', c, c.statusCallback, { ...this.callParams(c), CallStatus: status, CallbackSource: 'call-progress-events', SequenceNumber: String(c.sequence++), Timestamp: rfc2822(new Date()), ...extra });
  }

  private endCall(c: TwilioFakeCall, status: string): Promise<void> {
    if (this.done(c)) return Promise.resolve();
    c.endedAt = Date.now();
    c.durationSec = c.startedAt ? Math.max(1, Math.round((c.endedAt - c.startedAt) / 1000)) : 0;
    this.liveCalls--;
    this.notify();
    return this.progress(c, status, 'completed');
  }

  private callParams(c: TwilioFakeCall): Record<string, string> {
    return { AccountSid: this.accountSid, ApiVersion: '2010-04-01', CallSid: c.sid, From: c.from, To: c.to, Direction: 'outbound-api', Called: c.to, Caller: c.from };
  }

  /** POSTs signed parameters to one of our URLs and records the exchange; answers the response body. */
  private async voicePost(kind: string, c: TwilioFakeCall, url: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
    const signature = this.badSignatures ? signTwilio('not-the-token', url, Object.entries(params)) : this.sign(url, params);
    const res = await postCallback(url, new URLSearchParams(params).toString(), { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-twilio-signature': signature, 'user-agent': 'TwilioProxy/1.1' });
    this.voiceRequests.push({ kind, sid: c.sid, url, params, signature, responseStatus: res.status, body: res.body });
    this.notify();
    return res;
  }

  private async runCall(c: TwilioFakeCall): Promise<void> {
    const script = this.scriptFor(c.to);
    const ringMs = script.ringMs ?? 20;
    await this.progress(c, 'initiated', 'initiated');
    await this.progress(c, 'ringing', 'ringing');
    await this.wait(ringMs);
    if (this.done(c)) return;
    const ring = script.ring ?? 'answer';
    if (ring !== 'answer') return this.endCall(c, ring);
    c.startedAt = Date.now();
    const answeredBy = c.machineDetection ? (script.answeredBy ?? 'human') : undefined;
    await this.progress(c, 'in-progress', 'answered');
    if (answeredBy && c.asyncAmdCallback) {
      const amdUrl = c.asyncAmdCallback;
      void this.wait(script.amdMs ?? 30).then(async () => {
        if (this.done(c)) return;
        c.answeredBy = answeredBy;
        await this.voicePost('amd', c, amdUrl, { ...this.callParams(c), AnsweredBy: answeredBy, MachineDetectionDuration: String(script.amdMs ?? 30) });
      });
    } else if (answeredBy) {
      await this.wait(script.amdMs ?? 30); // synchronous AMD: the TwiML fetch waits for the result
      c.answeredBy = answeredBy;
    }
    if (this.done(c)) return;
    let doc = c.twiml;
    if (!doc && c.url) {
      const res = await this.voicePost('answer', c, c.url, { ...this.callParams(c), CallStatus: 'in-progress', ...(answeredBy && !c.asyncAmdCallback ? { AnsweredBy: answeredBy } : {}) });
      if (res.status >= 300) return this.endCall(c, 'failed');
      doc = res.body;
    }
    await this.execute(c, doc ?? '', script, { input: true });
    return this.endCall(c, 'completed');
  }

  private parse(xml: string): { name: string; attrs: Record<string, string>; children: unknown[] }[] {
    const parsed = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, parseTagValue: false }).parse(xml) as Record<string, unknown>[];
    const response = parsed.find((n) => 'Response' in n);
    if (!response) throw new Error('not TwiML');
    return this.nodes(response.Response as Record<string, unknown>[]);
  }

  private nodes(list: Record<string, unknown>[]): { name: string; attrs: Record<string, string>; children: unknown[] }[] {
    return list
      .filter((n) => !('#text' in n))
      .map((n) => {
        const name = Object.keys(n).find((k) => k !== ':@')!;
        return { name, attrs: (n[':@'] as Record<string, string>) ?? {}, children: n[name] as unknown[] };
      });
  }

  private text(children: unknown[]): string {
    return (children as Record<string, unknown>[]).filter((n) => '#text' in n).map((n) => String(n['#text'])).join('');
  }

  /** Executes a TwiML document: Say, Play, Pause, Gather, Dial, Connect/Stream, Redirect, Hangup. */
  private async execute(c: TwilioFakeCall, xml: string, script: CallScript, state: { input: boolean }, depth = 0): Promise<void> {
    if (depth > 10) return;
    const talk = script.talkMs ?? 20;
    for (const node of this.parse(xml)) {
      if (this.done(c)) return;
      const v: ExecutedVerb = { verb: node.name, attrs: node.attrs };
      c.verbs.push(v);
      this.notify();
      switch (node.name) {
        case 'Say':
        case 'Play':
          v.text = this.text(node.children);
          await this.wait(talk);
          break;
        case 'Pause':
          await this.wait(Number(node.attrs.length ?? 1) * this.secondMs);
          break;
        case 'Hangup':
          return;
        case 'Redirect': {
          const res = await this.voicePost('redirect', c, this.text(node.children), { ...this.callParams(c), CallStatus: 'in-progress' });
          return this.execute(c, res.body, script, state, depth + 1);
        }
        case 'Dial': {
          const number = this.nodes(node.children as Record<string, unknown>[]).find((n) => n.name === 'Number');
          v.text = number ? this.text(number.children) : this.text(node.children);
          await this.wait(talk);
          break;
        }
        case 'Connect': {
          const stream = this.nodes(node.children as Record<string, unknown>[]).find((n) => n.name === 'Stream');
          v.text = stream?.attrs.url;
          await this.wait(talk);
          return;
        }
        case 'Gather': {
          for (const inner of this.nodes(node.children as Record<string, unknown>[])) {
            c.verbs.push({ verb: inner.name, attrs: inner.attrs, text: this.text(inner.children) });
            await this.wait(talk);
          }
          const inputs = (node.attrs.input ?? 'dtmf').split(/\s+/);
          const digits = state.input && inputs.includes('dtmf') ? script.digits : undefined;
          const speech = state.input && !digits && inputs.includes('speech') ? script.speech : undefined;
          if (!digits && !speech) {
            await this.wait(Number(node.attrs.timeout ?? 5) * this.secondMs);
            break; // no input: the next verb runs
          }
          state.input = false;
          v.digits = digits;
          v.speech = speech;
          const res = await this.voicePost('gather', c, node.attrs.action, { ...this.callParams(c), CallStatus: 'in-progress', ...(digits ? { Digits: digits } : { SpeechResult: speech!, Confidence: '0.91' }) });
          return this.execute(c, res.body, script, state, depth + 1);
        }
        default:
          break;
      }
    }
  }

  /** `POST Calls/{sid}.json`: Status=completed|canceled ends the call. */
  private updateCall(sid: string, form: URLSearchParams): FakeResponse {
    const c = this.calls.get(sid);
    if (!c) return this.error(404, { code: 20404, message: `The requested resource /Calls/${sid}.json was not found` });
    const status = form.get('Status');
    if (status === 'completed' || status === 'canceled') {
      c.endedByApi = true;
      void this.endCall(c, c.startedAt ? 'completed' : 'canceled');
    }
    return { status: 200, body: this.callJson(c) };
  }

  /** `GET Calls.json`: newest first, filtered by To and From. */
  private listCalls(path: string) {
    const q = new URL(path, 'http://fake').searchParams;
    const all = this.callList.filter((c) => (!q.get('To') || c.to === q.get('To')) && (!q.get('From') || c.from === q.get('From'))).reverse();
    const pageSize = Math.min(1000, Number(q.get('PageSize') ?? '50') || 50);
    return { calls: all.slice(0, pageSize).map((c) => this.callJson(c)), page: 0, page_size: pageSize, next_page_uri: null, uri: path };
  }

  private scheduleStatuses(sid: string, statuses: string[], delayMs: number): void {
    const [next, ...rest] = statuses;
    if (!next) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.sendMessageStatus(sid, next)
        .catch(() => undefined)
        .finally(() => this.scheduleStatuses(sid, rest, delayMs));
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async postSigned(url: string, params: Record<string, string>): Promise<SentCallback> {
    const signature = this.sign(url, params);
    const body = new URLSearchParams(params).toString();
    const res = await postCallback(url, body, {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'x-twilio-signature': signature,
      'i-twilio-idempotency-token': crypto.randomUUID(),
      'user-agent': 'TwilioProxy/1.1',
    });
    const sent = { url, params, signature, responseStatus: res.status };
    this.callbacks.push(sent);
    this.notify();
    return sent;
  }

  /** `GET Messages.json` as Twilio pages it: newest first, filtered by To, From and DateSent (>=, <=, exact day). */
  private listMessages(path: string) {
    const q = new URL(path, 'http://fake').searchParams;
    const pageSize = Math.min(1000, Number(q.get('PageSize') ?? '50') || 50);
    const page = Number(q.get('Page') ?? '0') || 0;
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const all = this.messageList
      .filter((m) => (!q.get('To') || m.to === q.get('To')) && (!q.get('From') || m.from === q.get('From')))
      .filter((m) => (!q.get('DateSent>') || day(m.createdAt) >= q.get('DateSent>')!.slice(0, 10)) && (!q.get('DateSent') || day(m.createdAt) === q.get('DateSent')))
      .reverse();
    const slice = all.slice(page * pageSize, (page + 1) * pageSize);
    const base = `/2010-04-01/Accounts/${this.accountSid}/Messages.json`;
    const nextQuery = new URLSearchParams(q);
    nextQuery.set('Page', String(page + 1));
    nextQuery.set('PageSize', String(pageSize));
    return {
      messages: slice.map((m) => this.messageJson(m)),
      page,
      page_size: pageSize,
      first_page_uri: `${base}?${new URLSearchParams({ ...Object.fromEntries(q), Page: '0' }).toString()}`,
      next_page_uri: (page + 1) * pageSize < all.length ? `${base}?${nextQuery.toString()}` : null,
      previous_page_uri: null,
      uri: path,
      start: page * pageSize,
      end: page * pageSize + slice.length - 1,
    };
  }

  private messageJson(m: TwilioFakeMessage) {
    const now = rfc2822(m.createdAt);
    return {
      account_sid: this.accountSid,
      api_version: '2010-04-01',
      body: m.body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: m.from || null,
      messaging_service_sid: m.messagingServiceSid ?? null,
      num_media: String(m.mediaUrls.length),
      num_segments: String(Math.max(1, Math.ceil(m.body.length / 153))),
      price: null,
      price_unit: 'USD',
      sid: m.sid,
      status: m.status,
      subresource_uris: { media: `/2010-04-01/Accounts/${this.accountSid}/Messages/${m.sid}/Media.json` },
      to: m.to,
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${m.sid}.json`,
    };
  }

  private callJson(c: TwilioFakeCall) {
    return {
      account_sid: this.accountSid,
      api_version: '2010-04-01',
      answered_by: c.answeredBy ?? null,
      caller_name: null,
      date_created: rfc2822(c.createdAt ?? new Date()),
      direction: 'outbound-api',
      duration: c.durationSec !== undefined ? String(c.durationSec) : null,
      from: c.from,
      from_formatted: c.from,
      sid: c.sid,
      status: c.status,
      to: c.to,
      to_formatted: c.to,
      uri: `/2010-04-01/Accounts/${this.accountSid}/Calls/${c.sid}.json`,
    };
  }

  private error(status: number, spec: TwilioErrorSpec): FakeResponse {
    return { status, body: { code: spec.code, message: spec.message, more_info: `https://www.twilio.com/docs/errors/${spec.code}`, status } };
  }
}
