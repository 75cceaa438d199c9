import crypto from 'node:crypto';
import { header, parseJson, parseRetryAfter, rawBodyString, requestOnce, type FetchLike } from './http';
import {
  CarrierError,
  type CallRequest,
  type CallbackRequest,
  type Carrier,
  type EmailRequest,
  type HandshakeResponse,
  type InboundContentType,
  type InboundEvent,
  type MessageStatus,
  type NormalizedEvent,
  type SendResult,
  type SmsRequest,
  type StatusEvent,
  type WhatsAppRequest,
} from './types';

export interface WhatsAppCloudConfig {
  /** System-user or app access token (Bearer). */
  accessToken: string;
  /** App secret: signs webhook POSTs (X-Hub-Signature-256). */
  appSecret: string;
  /** The token we registered for the webhook GET verification. */
  verifyToken?: string;
  /** Default https://graph.facebook.com; tests use the local fake's URL. */
  baseUrl?: string;
  apiVersion?: string;
  timeoutMs?: number;
  fetch?: FetchLike;
}

export const WHATSAPP_DEFAULT_API_VERSION = 'v23.0';

interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string };
  fbtrace_id?: string;
}

/** Rate-limit codes with the wait Meta's documentation implies when no Retry-After is given. */
const GRAPH_RATE_LIMITS: Record<number, number> = {
  4: 60_000, // application request limit reached
  80007: 60_000, // WhatsApp Business Account rate limit
  130429: 1_000, // Cloud API throughput (messages per second) reached
  131048: 60_000, // spam rate limit: too many messages were blocked recently
  131056: 6_000, // pair rate limit: too many messages to the same recipient in a short time
};

/** Server-side failures worth another attempt. */
const GRAPH_TRANSIENT = new Set([
  1, // API unknown
  2, // API service (temporary downtime)
  131000, // something went wrong
  131016, // service unavailable
  131057, // account in maintenance mode
  133004, // server temporarily unavailable
]);

/**
 * Graph error `{error:{message, type, code, error_subcode, fbtrace_id}}` → CarrierError. Rate-limit codes → rate_limited;
 * codes 1/2/131000/131016/133004 and any 5xx → transient; everything else permanent (100 invalid parameter,
 * 190 expired token, 131026 undeliverable, 131047 outside the 24 h window, 131051 unsupported type,
 * 132000 template parameter mismatch, 132001 template missing, 133010 number not registered, …).
 */
export function classifyGraphError(httpStatus: number, bodyText: string, headers?: Headers, now?: number): CarrierError {
  const err = (parseJson(bodyText) as { error?: GraphError } | undefined)?.error;
  const numeric = typeof err?.code === 'number' ? err.code : undefined;
  const code = numeric !== undefined ? String(numeric) : `http_${httpStatus}`;
  const detail = err?.error_data?.details;
  const message = [err?.message ?? (bodyText.slice(0, 200) || `HTTP ${httpStatus}`), detail].filter(Boolean).join(' — ');
  const retryAfter = parseRetryAfter(headers?.get('retry-after'), now);
  if (numeric !== undefined && numeric in GRAPH_RATE_LIMITS) {
    return new CarrierError({ kind: 'rate_limited', provider: 'WHATSAPP_CLOUD', code, message, httpStatus, retryAfterMs: retryAfter ?? GRAPH_RATE_LIMITS[numeric] });
  }
  if (httpStatus === 429) {
    return new CarrierError({ kind: 'rate_limited', provider: 'WHATSAPP_CLOUD', code, message, httpStatus, retryAfterMs: retryAfter ?? 60_000 });
  }
  if ((numeric !== undefined && GRAPH_TRANSIENT.has(numeric)) || httpStatus >= 500) {
    // An unknown server-side failure may still have queued the message.
    return new CarrierError({ kind: 'transient', provider: 'WHATSAPP_CLOUD', code, message, httpStatus, ambiguous: httpStatus >= 500 || numeric === 1 || numeric === 131000 });
  }
  return new CarrierError({ kind: 'permanent', provider: 'WHATSAPP_CLOUD', code, message, httpStatus });
}

const digits = (phone: string): string => phone.replace(/\D/g, '');
const e164 = (waId: string): string => (waId.startsWith('+') ? waId : `+${digits(waId)}`);

/** The Cloud API `messages` request body for one send. */
export function buildWhatsAppBody(req: WhatsAppRequest): Record<string, unknown> {
  const base: Record<string, unknown> = { messaging_product: 'whatsapp', recipient_type: 'individual', to: digits(req.to) };
  // Echoed back in every status webhook for this message, which ties a callback to our row even before the wamid is stored.
  if (req.idempotencyKey) base.biz_opaque_callback_data = req.idempotencyKey.slice(0, 512);
  const invalid = (message: string) => new CarrierError({ kind: 'permanent', provider: 'WHATSAPP_CLOUD', code: 'invalid_request', message });
  switch (req.kind) {
    case 'text':
      if (!req.text) throw invalid('text is required for a text message');
      return { ...base, type: 'text', text: { body: req.text, preview_url: req.previewUrl ?? false } };
    case 'media': {
      if (!req.mediaUrl || !req.mediaType) throw invalid('mediaUrl and mediaType are required for a media message');
      const media: Record<string, unknown> = { link: req.mediaUrl };
      if (req.caption && req.mediaType !== 'audio') media.caption = req.caption;
      if (req.mediaType === 'document' && req.filename) media.filename = req.filename;
      return { ...base, type: req.mediaType, [req.mediaType]: media };
    }
    case 'template': {
      if (!req.template?.name || !req.template.language) throw invalid('template name and language are required');
      const template: Record<string, unknown> = { name: req.template.name, language: { code: req.template.language } };
      if (req.template.components?.length) template.components = req.template.components;
      return { ...base, type: 'template', template };
    }
  }
}

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(appSecret, raw body)>`. */
export function metaSignature(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${crypto.createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export function verifyMetaSignature(appSecret: string, req: CallbackRequest): boolean {
  const given = header(req.headers, 'x-hub-signature-256');
  if (!given) return false;
  const expected = Buffer.from(metaSignature(appSecret, req.rawBody));
  const actual = Buffer.from(given.trim().toLowerCase());
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}

/** Webhook subscription check: GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → echo the challenge. */
export function answerMetaHandshake(verifyToken: string | undefined, req: CallbackRequest): HandshakeResponse | undefined {
  if (req.method && req.method.toUpperCase() !== 'GET') return undefined;
  let params = req.params;
  if (!params) {
    try {
      params = Object.fromEntries(new URL(req.url).searchParams);
    } catch {
      return undefined;
    }
  }
  if (params['hub.mode'] === undefined) return undefined;
  const token = params['hub.verify_token'];
  const challenge = params['hub.challenge'];
  if (params['hub.mode'] !== 'subscribe' || !verifyToken || !token || challenge === undefined) return { status: 403, body: 'Forbidden' };
  const a = Buffer.from(token);
  const b = Buffer.from(verifyToken);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return { status: 403, body: 'Forbidden' };
  return { status: 200, body: challenge };
}

const STATUS: Record<string, MessageStatus> = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed' };

const fromUnix = (ts: unknown, fallback: Date): Date => {
  const n = Number(ts);
  return typeof ts === 'string' || typeof ts === 'number' ? (Number.isFinite(n) && n > 0 ? new Date(n * 1000) : fallback) : fallback;
};

interface WaMedia {
  id?: string;
  caption?: string;
  mime_type?: string;
  filename?: string;
}

interface WaMessage {
  from?: string;
  id?: string;
  timestamp?: string;
  type?: string;
  text?: { body?: string };
  image?: WaMedia;
  video?: WaMedia;
  audio?: WaMedia;
  document?: WaMedia;
  sticker?: WaMedia;
  location?: { latitude?: number; longitude?: number; name?: string; address?: string };
  button?: { text?: string; payload?: string };
  interactive?: { button_reply?: { title?: string }; list_reply?: { title?: string } };
  reaction?: { emoji?: string };
}

interface WaStatus {
  id?: string;
  status?: string;
  timestamp?: string;
  recipient_id?: string;
  biz_opaque_callback_data?: string;
  errors?: { code?: number; title?: string; message?: string; error_data?: { details?: string } }[];
}

interface WaValue {
  metadata?: { display_phone_number?: string; phone_number_id?: string };
  contacts?: { wa_id?: string; profile?: { name?: string } }[];
  messages?: WaMessage[];
  statuses?: WaStatus[];
}

function inboundOf(m: WaMessage, value: WaValue, fallback: Date): InboundEvent | undefined {
  if (!m.id || !m.from) return undefined;
  const type = m.type ?? 'unknown';
  let contentType: InboundContentType = 'other';
  let text = '';
  const mediaIds: string[] = [];
  if (type === 'text') {
    contentType = 'text';
    text = m.text?.body ?? '';
  } else if (type === 'image' || type === 'video' || type === 'audio' || type === 'document' || type === 'sticker') {
    contentType = type;
    const media = m[type];
    if (media?.id) mediaIds.push(media.id);
    text = media?.caption ?? '';
  } else if (type === 'location') {
    contentType = 'location';
    const l = m.location;
    text = [l?.name, l?.address, l ? `${l.latitude},${l.longitude}` : undefined].filter(Boolean).join(' ');
  } else if (type === 'button') {
    contentType = 'text';
    text = m.button?.text ?? m.button?.payload ?? '';
  } else if (type === 'interactive') {
    contentType = 'text';
    text = m.interactive?.button_reply?.title ?? m.interactive?.list_reply?.title ?? '';
  } else if (type === 'reaction') {
    text = m.reaction?.emoji ?? '';
  }
  const profileName = value.contacts?.find((c) => c.wa_id === m.from)?.profile?.name ?? value.contacts?.[0]?.profile?.name;
  const display = value.metadata?.display_phone_number;
  return {
    type: 'inbound',
    channel: 'whatsapp',
    from: e164(m.from),
    to: display ? e164(display) : '',
    text,
    mediaUrls: [],
    ...(mediaIds.length ? { mediaIds } : {}),
    contentType,
    providerMessageId: m.id,
    ...(profileName ? { profileName } : {}),
    ...(value.metadata?.phone_number_id ? { providerSenderId: value.metadata.phone_number_id } : {}),
    occurredAt: fromUnix(m.timestamp, fallback),
  };
}

function statusOf(s: WaStatus, value: WaValue, fallback: Date): StatusEvent | undefined {
  const status = s.status ? STATUS[s.status] : undefined;
  if (!s.id || !status) return undefined;
  const error = s.errors?.[0];
  const errorMessage = error ? [error.title ?? error.message, error.error_data?.details].filter(Boolean).join(' — ') : undefined;
  return {
    type: 'status',
    channel: 'whatsapp',
    providerMessageId: s.id,
    status,
    ...(error?.code !== undefined ? { errorCode: String(error.code) } : {}),
    ...(errorMessage ? { errorMessage } : {}),
    ...(s.biz_opaque_callback_data ? { clientReference: s.biz_opaque_callback_data } : {}),
    ...(value.metadata?.phone_number_id ? { providerSenderId: value.metadata.phone_number_id } : {}),
    occurredAt: fromUnix(s.timestamp, fallback),
  };
}

/** Pure parser for the WhatsApp Business Account webhook: `entry[].changes[].value.{statuses,messages}[]`. */
export function parseWhatsAppWebhook(req: CallbackRequest): NormalizedEvent[] {
  const payload = parseJson(rawBodyString(req.rawBody)) as { object?: string; entry?: { changes?: { field?: string; value?: WaValue }[] }[] } | undefined;
  if (!payload || payload.object !== 'whatsapp_business_account' || !Array.isArray(payload.entry)) return [];
  const fallback = req.receivedAt ?? new Date();
  const events: NormalizedEvent[] = [];
  for (const entry of payload.entry) {
    for (const change of entry.changes ?? []) {
      if (change.field !== 'messages' || !change.value) continue;
      const value = change.value;
      for (const s of value.statuses ?? []) {
        const e = statusOf(s, value, fallback);
        if (e) events.push(e);
      }
      for (const m of value.messages ?? []) {
        const e = inboundOf(m, value, fallback);
        if (e) events.push(e);
      }
    }
  }
  return events;
}

/** Meta WhatsApp Cloud API: text, media and template messages through the Graph API; webhooks signed with the app secret. */
export class WhatsAppCloudCarrier implements Carrier {
  readonly provider = 'WHATSAPP_CLOUD' as const;
  private readonly baseUrl: string;
  private readonly apiVersion: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: FetchLike | undefined;

  constructor(private readonly config: WhatsAppCloudConfig) {
    this.baseUrl = (config.baseUrl ?? 'https://graph.facebook.com').replace(/\/+$/, '');
    this.apiVersion = config.apiVersion ?? WHATSAPP_DEFAULT_API_VERSION;
    this.timeoutMs = config.timeoutMs ?? 15_000;
    this.fetchImpl = config.fetch;
  }

  async sendWhatsApp(req: WhatsAppRequest): Promise<SendResult> {
    const body = buildWhatsAppBody(req);
    const url = `${this.baseUrl}/${this.apiVersion}/${encodeURIComponent(req.from)}/messages`;
    const res = await requestOnce(
      'WHATSAPP_CLOUD',
      this.fetchImpl,
      url,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${this.config.accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      },
      this.timeoutMs,
    );
    if (res.status < 200 || res.status >= 300) throw classifyGraphError(res.status, res.text, res.headers);
    const parsed = parseJson(res.text) as { messages?: { id?: unknown }[] } | undefined;
    const id = parsed?.messages?.[0]?.id;
    if (typeof id !== 'string') {
      throw new CarrierError({
        kind: 'transient',
        provider: 'WHATSAPP_CLOUD',
        code: 'bad_response',
        message: `HTTP ${res.status} without messages[0].id`,
        httpStatus: res.status,
        ambiguous: true,
      });
    }
    // Meta answers once it has accepted the message; "sent" arrives later as a webhook.
    return { providerMessageId: id, status: 'queued', raw: parsed };
  }

  async sendSms(_req: SmsRequest): Promise<SendResult> {
    throw CarrierError.unsupported('WHATSAPP_CLOUD', 'SMS');
  }

  async placeCall(_req: CallRequest): Promise<SendResult> {
    throw CarrierError.unsupported('WHATSAPP_CLOUD', 'voice calls');
  }

  async sendEmail(_req: EmailRequest): Promise<SendResult> {
    throw CarrierError.unsupported('WHATSAPP_CLOUD', 'email');
  }

  verifyCallback(req: CallbackRequest): boolean {
    return verifyMetaSignature(this.config.appSecret, req);
  }

  parseCallback(req: CallbackRequest): NormalizedEvent[] {
    return parseWhatsAppWebhook(req);
  }

  answerHandshake(req: CallbackRequest): HandshakeResponse | undefined {
    return answerMetaHandshake(this.config.verifyToken, req);
  }
}
