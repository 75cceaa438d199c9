import crypto from 'node:crypto';
import type { CallbackRequest, CallbackVerifier } from '../callbacks';
import { header, rawBodyString } from '../http';
import type { CallEvent, CallStatus, InboundContentType, MessageStatus, NormalizedEvent } from '../types';

/*
 * Twilio's callbacks, pure: the X-Twilio-Signature check over the exact URL and form body, and the parser for the
 * message status, inbound message and call status webhooks Twilio POSTs to us.
 */

/** Twilio message statuses → ours; `received`/`receiving` are inbound and handled separately. */
const MESSAGE_STATUS: Record<string, MessageStatus> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
  read: 'read',
};

const CALL_STATUSES = new Set<CallStatus>(['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled']);

/** Form parameters, keeping repeated names (MediaUrl, StatusCallbackEvent) as repeated values. */
export type FormParams = Map<string, string[]>;

export function parseForm(raw: string): FormParams {
  const out: FormParams = new Map();
  for (const [k, v] of new URLSearchParams(raw)) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/**
 * Twilio's request signature: base64(HMAC-SHA1(authToken, url + for each POST parameter sorted by name (and
 * repeated values sorted): name + value)). https://www.twilio.com/docs/usage/security#validating-requests
 */
export function twilioSignature(authToken: string, url: string, params: FormParams | Record<string, string | string[]>): string {
  const entries = params instanceof Map ? [...params.entries()] : Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v : [v]] as const);
  const data = [...entries]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .reduce((acc, [k, values]) => acc + [...new Set(values)].sort().map((v) => k + v).join(''), url);
  return crypto.createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** Twilio signs some requests with the default port written out and some without; accept either, as its SDKs do. */
function urlVariants(url: string): string[] {
  const u = new URL(url);
  const withoutPort = new URL(url);
  withoutPort.port = '';
  const variants = new Set([url, withoutPort.toString()]);
  if (!u.port) {
    const port = u.protocol === 'https:' ? '443' : '80';
    variants.add(`${u.protocol}//${u.username}${u.password ? `:${u.password}` : ''}${u.username || u.password ? '@' : ''}${u.host}:${port}${u.pathname}${u.search}`);
  }
  return [...variants];
}

const safeEqual = (a: string, b: string): boolean => {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
};

/** Validates `X-Twilio-Signature` for a form POST, or for a JSON body signed through its `bodySHA256` query parameter. */
export function verifyTwilioRequest(authToken: string, req: CallbackRequest): boolean {
  const signature = header(req.headers, 'x-twilio-signature');
  if (!signature) return false;
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return false;
  }
  const raw = rawBodyString(req.rawBody);
  const bodyHash = url.searchParams.get('bodySHA256');
  if (bodyHash !== null) {
    const actual = crypto.createHash('sha256').update(Buffer.from(raw, 'utf8')).digest('hex');
    if (!safeEqual(actual, bodyHash)) return false;
    return urlVariants(req.url).some((u) => safeEqual(twilioSignature(authToken, u, new Map()), signature));
  }
  const isGet = (req.method ?? 'POST').toUpperCase() === 'GET';
  const params = isGet ? new Map<string, string[]>() : parseForm(raw);
  return urlVariants(req.url).some((u) => safeEqual(twilioSignature(authToken, u, params), signature));
}

const first = (p: FormParams, name: string): string | undefined => p.get(name)?.[0];
/** Twilio writes WhatsApp addresses as `whatsapp:+E164`. */
export const stripWhatsApp = (addr: string): string => addr.replace(/^whatsapp:/, '');

function parseTimestamp(value: string | undefined, fallback: Date): Date {
  if (!value) return fallback;
  const t = Date.parse(value);
  return Number.isNaN(t) ? fallback : new Date(t);
}

function inboundContentType(mime: string | undefined): InboundContentType {
  if (!mime) return 'other';
  const top = mime.split('/')[0];
  if (top === 'image' || top === 'video' || top === 'audio') return top;
  return 'document';
}

/**
 * Pure parser for the three callbacks Twilio POSTs to us: message StatusCallback (MessageSid, MessageStatus,
 * ErrorCode), inbound message webhooks (SmsStatus=received, From, To, Body, NumMedia, MediaUrlN) and call status
 * callbacks (CallSid, CallStatus, AnsweredBy, CallDuration).
 */
export function parseTwilioCallback(req: CallbackRequest): NormalizedEvent[] {
  const p = parseForm(rawBodyString(req.rawBody));
  const receivedAt = req.receivedAt ?? new Date();
  const messageSid = first(p, 'MessageSid') ?? first(p, 'SmsSid');
  const callSid = first(p, 'CallSid');

  if (callSid && !messageSid) {
    // An asynchronous AMD report carries AnsweredBy without a CallStatus: the call is up.
    const status = (first(p, 'CallStatus') ?? (first(p, 'AnsweredBy') ? 'in-progress' : undefined)) as CallStatus | undefined;
    if (!status || !CALL_STATUSES.has(status)) return [];
    const duration = first(p, 'CallDuration');
    const event: CallEvent = { type: 'call', providerCallId: callSid, status, occurredAt: parseTimestamp(first(p, 'Timestamp'), receivedAt) };
    const answeredBy = first(p, 'AnsweredBy');
    if (answeredBy) event.answeredBy = answeredBy;
    if (duration !== undefined && /^\d+$/.test(duration)) event.durationSec = Number(duration);
    const seq = first(p, 'SequenceNumber');
    if (seq !== undefined && /^\d+$/.test(seq)) event.sequenceNumber = Number(seq);
    // <Gather> results (POSTed to its action URL).
    const digits = first(p, 'Digits');
    if (digits) event.digits = digits;
    const speech = first(p, 'SpeechResult');
    if (speech) event.speechResult = speech;
    const confidence = Number(first(p, 'Confidence'));
    if (speech && Number.isFinite(confidence)) event.confidence = confidence;
    const recording = first(p, 'RecordingUrl');
    if (recording) event.recordingUrl = recording;
    const errorCode = first(p, 'ErrorCode');
    if (errorCode) event.errorCode = errorCode;
    const errorMessage = first(p, 'ErrorMessage');
    if (errorMessage) event.errorMessage = errorMessage;
    return [event];
  }
  if (!messageSid) return [];

  const rawStatus = first(p, 'MessageStatus') ?? first(p, 'SmsStatus');
  const from = first(p, 'From') ?? '';
  const to = first(p, 'To') ?? '';
  const whatsapp = from.startsWith('whatsapp:') || to.startsWith('whatsapp:');

  if (rawStatus === 'received' || rawStatus === 'receiving' || (rawStatus === undefined && p.has('Body'))) {
    const numMedia = Number(first(p, 'NumMedia') ?? '0') || 0;
    const mediaUrls: string[] = [];
    for (let i = 0; i < numMedia; i++) {
      const u = first(p, `MediaUrl${i}`);
      if (u) mediaUrls.push(u);
    }
    return [
      {
        type: 'inbound',
        channel: whatsapp ? 'whatsapp' : mediaUrls.length > 0 ? 'mms' : 'sms',
        from: stripWhatsApp(from),
        to: stripWhatsApp(to),
        text: first(p, 'Body') ?? '',
        mediaUrls,
        contentType: mediaUrls.length > 0 ? inboundContentType(first(p, 'MediaContentType0')) : 'text',
        providerMessageId: messageSid,
        ...(first(p, 'ProfileName') ? { profileName: first(p, 'ProfileName') } : {}),
        occurredAt: receivedAt,
      },
    ];
  }

  const status = rawStatus ? MESSAGE_STATUS[rawStatus] : undefined;
  if (!status) return [];
  const errorCode = first(p, 'ErrorCode');
  const errorMessage = first(p, 'ErrorMessage');
  return [
    {
      type: 'status',
      channel: whatsapp ? 'whatsapp' : 'sms',
      providerMessageId: messageSid,
      status,
      ...(errorCode ? { errorCode } : {}),
      ...(errorMessage ? { errorMessage } : {}),
      occurredAt: receivedAt,
    },
  ];
}

/** The verifier for callbacks signed with one Twilio auth token (a phone's credentials). */
export function twilioCallbacks(authToken: string): CallbackVerifier {
  return {
    provider: 'TWILIO',
    verify: (req) => verifyTwilioRequest(authToken, req),
    parse: parseTwilioCallback,
  };
}
