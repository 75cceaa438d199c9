import crypto from 'node:crypto';
import type { CallbackRequest, CallbackVerifier, HandshakeResponse } from '../callbacks';
import { header, parseJson, rawBodyString } from '../http';
import type { InboundContentType, InboundEvent, MessageStatus, NormalizedEvent, StatusEvent } from '../types';

/*
 * Meta's WhatsApp Business webhooks, pure: X-Hub-Signature-256 over the raw body with the app secret, the GET
 * subscription handshake, and the parser for `statuses` and `messages`.
 */

const digits = (phone: string): string => phone.replace(/\D/g, '');
const e164 = (waId: string): string => (waId.startsWith('+') ? waId : `+${digits(waId)}`);

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

/** The verifier for webhooks signed with one Meta app secret (and, for the handshake, a verify token). */
export function metaCallbacks(appSecret: string, verifyToken?: string): CallbackVerifier {
  return {
    provider: 'WHATSAPP_CLOUD',
    verify: (req) => verifyMetaSignature(appSecret, req),
    parse: parseWhatsAppWebhook,
    answerHandshake: (req) => answerMetaHandshake(verifyToken, req),
  };
}
